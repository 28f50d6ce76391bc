// Who may do what on a server: tokens and their roles (no token, a wrong one, a viewer steering: 401 or
// 403, and nothing changes), a non-loopback bind without an owner token, the protocol version, and a
// TLS round trip with a self-signed certificate made by openssl here.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <fstream>

#include "ServerProcess.h"
#include "remote/Access.h"
#include "remote/Client.h"
#include "remote/JobSpec.h"
#include "remote/Server.h"
#include "sandbox/CliRun.h"

namespace nsb::remote {
namespace {

using nlohmann::json;
using sandbox::testing::lastJsonLine;
using sandbox::testing::lineCount;
using sandbox::testing::run;
using testing::ServerProcess;
using testing::TempDir;
namespace fs = std::filesystem;

const std::string OWNER = "0123456789abcdef0123456789abcdef0123456789abcdef";
const std::string VIEWER = "viewer-token_ABCDEFGHIJKLMNOPQRSTUVWXYZ";

std::string writeFile(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

TEST(RemoteAccess, TokensParseStrictlyAndCompareWhole) {
  EXPECT_TRUE(parseToken(OWNER + "\n", "t"));
  EXPECT_TRUE(parseToken(VIEWER, "t"));
  EXPECT_FALSE(parseToken("short", "t"));
  EXPECT_FALSE(parseToken(OWNER + " x", "t"));
  EXPECT_FALSE(parseToken(OWNER + "\n" + OWNER, "t")) << "two lines";
  EXPECT_NE(parseToken("abc", "--token-file f").message().find("--token-file f: a token is one line"),
            std::string::npos);
  EXPECT_TRUE(sameToken(OWNER, OWNER));
  EXPECT_FALSE(sameToken(OWNER, OWNER.substr(0, 47)));
  EXPECT_FALSE(sameToken(OWNER, OWNER + "0"));
  std::string firstDiffers = OWNER;
  firstDiffers[0] = '1';
  EXPECT_FALSE(sameToken(OWNER, firstDiffers));

  const Tokens tokens{OWNER, VIEWER};
  EXPECT_EQ(tokens.roleOf(OWNER), Role::Owner);
  EXPECT_EQ(tokens.roleOf(VIEWER), Role::Viewer);
  EXPECT_EQ(tokens.roleOf(""), Role::None);
  EXPECT_EQ(tokens.roleOf(OWNER.substr(1)), Role::None);
  EXPECT_EQ(Tokens{}.roleOf(""), Role::Owner) << "a server without tokens is open (loopback only)";
  EXPECT_EQ(requiredRole("GET", "/version"), Role::None);
  EXPECT_EQ(requiredRole("GET", "/jobs/0123456789ab/stream"), Role::Viewer);
  EXPECT_EQ(requiredRole("GET", "/jobs/0123456789ab/checkpoint"), Role::Owner);
  EXPECT_EQ(requiredRole("POST", "/jobs/0123456789ab/pause"), Role::Owner);
  EXPECT_EQ(requiredRole("DELETE", "/datasets/ds0123456789ab"), Role::Owner);
  EXPECT_EQ(bearerToken("Bearer " + OWNER), OWNER);
  EXPECT_EQ(bearerToken("Basic " + OWNER), "");
}

std::pair<int, json> request(const std::string& url, const std::string& token, const std::string& method,
                             const std::string& path, const std::string& body = "{}") {
  httplib::Client http(url);
  if (!token.empty()) http.set_bearer_token_auth(token);
  httplib::Result result = method == "GET"      ? http.Get(path)
                           : method == "DELETE" ? http.Delete(path)
                                                : http.Post(path, body, "application/json");
  if (!result) return {0, json()};
  return {result->status, json::parse(result->body, nullptr, false)};
}

TEST(RemoteAccess, NoTokenAWrongOneOrAViewerSteeringIsRefusedAndChangesNothing) {
  TempDir dir;
  const auto ownerFile = writeFile(dir.path / "owner", OWNER + "\n");
  const auto viewerFile = writeFile(dir.path / "viewer", VIEWER + "\n");
  ServerProcess server((dir.path / "data").string(), {"--token-file", ownerFile, "--viewer-token-file", viewerFile});
  ASSERT_FALSE(server.url().empty()) << server.err();
  auto owner = Client::connect(server.url(), {.token = OWNER});
  ASSERT_TRUE(owner);
  auto created = owner->post("/jobs", {{"preset", "xor"}, {"backend", "cpu"}, {"hidden", {4}}, {"epochs", 100000}});
  ASSERT_TRUE(created) << created.message();
  const std::string id = created->value("job", "");
  ASSERT_TRUE(owner->post("/jobs/" + id + "/pause"));
  const json before = owner->get("/jobs/" + id).value();

  const std::string job = "/jobs/" + id;
  const struct {
    std::string method, path, body;
  } steering[] = {
      {"POST", "/jobs", R"({"preset": "xor"})"},
      {"POST", job + "/resume", ""},
      {"POST", job + "/stop", ""},
      {"POST", job + "/hyperparams", R"({"lr": 0.5})"},
      {"POST", job + "/eval", "{}"},
      {"GET", job + "/checkpoint", ""},
      {"DELETE", job, ""},
      {"POST", "/datasets", ""},
  };
  for (const auto& s : steering) {
    SCOPED_TRACE(s.method + " " + s.path);
    for (const auto& [token, status] :
         {std::pair{std::string(), 401}, std::pair{OWNER.substr(1) + "x", 401}, std::pair{std::string(VIEWER), 403}}) {
      const auto [code, body] = request(server.url(), token, s.method, s.path, s.body);
      EXPECT_EQ(code, status) << token << " " << body.dump();
      EXPECT_TRUE(body.is_object() && body["error"].is_string()) << body.dump();
    }
  }
  // Watching: the viewer may, no token may not.
  EXPECT_EQ(request(server.url(), VIEWER, "GET", job).first, 200);
  EXPECT_EQ(request(server.url(), VIEWER, "GET", "/jobs").first, 200);
  EXPECT_EQ(request(server.url(), "", "GET", "/jobs").first, 401);
  EXPECT_EQ(request(server.url(), "", "GET", "/version").first, 200) << "the version is for anyone";
  // A browser's ?token= watches, whoever's token it is.
  EXPECT_EQ(request(server.url(), "", "GET", job + "?token=" + VIEWER).first, 200);
  EXPECT_EQ(request(server.url(), "", "GET", job + "?token=" + OWNER).first, 200);
  EXPECT_EQ(request(server.url(), "", "GET", job + "/checkpoint?token=" + OWNER).first, 403);
  EXPECT_EQ(request(server.url(), "", "GET", job + "?token=wrong").first, 401);

  // Nothing changed: one job, paused, its step and hyperparameters as they were.
  const json after = owner->get(job).value();
  EXPECT_EQ(after["state"], "paused");
  EXPECT_EQ(after["step"], before["step"]);
  EXPECT_EQ(after["hyperparams"], before["hyperparams"]);
  EXPECT_EQ(owner->get("/jobs").value()["jobs"].size(), 1u);

  // The command line: the token from --token-file or the environment; without one, one line and exit 2.
  const std::string at = " --server " + server.url();
  const auto none = run("remote list" + at);
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("needs a token"), std::string::npos) << none.err;
  EXPECT_EQ(lineCount(none.err), 1) << none.err;
  EXPECT_EQ(run("remote list --token-file " + viewerFile + at).code, 0);
  const auto viewerStop = run("remote stop " + id + " --token-file " + viewerFile + at);
  EXPECT_EQ(viewerStop.code, 2);
  EXPECT_NE(viewerStop.err.find("HTTP 403"), std::string::npos) << viewerStop.err;
  const auto byEnv = run("remote resume " + id + " --json" + at, std::string(TOKEN_ENVIRONMENT) + "=" + OWNER);
  ASSERT_EQ(byEnv.code, 0) << byEnv.err;
  EXPECT_EQ(lastJsonLine(byEnv.out).value("state", ""), "running");
}

TEST(RemoteAccess, ServeRefusesANonLoopbackBindWithoutAnOwnerTokenAndBadTokenFiles) {
  TempDir dir;
  const auto shortFile = writeFile(dir.path / "short", "abc\n");
  const auto viewerFile = writeFile(dir.path / "viewer", VIEWER + "\n");
  const std::string data = " --data-dir " + (dir.path / "data").string();
  const struct {
    std::string args, says;
  } cases[] = {
      {"serve --bind 0.0.0.0:0" + data, "--bind 0.0.0.0:0: a non-loopback address needs an owner token"},
      {"serve --bind 192.168.1.1:8470" + data, "needs an owner token (--token-file)"},
      {"serve --bind 127.0.0.1:0 --token-file " + shortFile + data, "--token-file " + shortFile + ": a token is one"},
      {"serve --bind 127.0.0.1:0 --token-file " + (dir.path / "none").string() + data, "cannot read"},
      {"serve --bind 127.0.0.1:0 --viewer-token-file " + viewerFile + data, "--viewer-token-file needs --token-file"},
      {"serve --bind 127.0.0.1:0 --tls-cert " + viewerFile + data, "--tls-cert and --tls-key go together"},
      {"serve --bind 127.0.0.1:0 --tls-cert " + viewerFile + " --tls-key " + viewerFile + data, "not a PEM"},
      {"remote list --server http://127.0.0.1:1 --token-file " + shortFile, "a token is one line"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const auto r = run(c.args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(lineCount(r.err), 1) << r.err;
  }
}

TEST(RemoteAccess, AProtocolMismatchIsOneClearLine) {
  TempDir dir;
  ServerProcess server((dir.path / "data").string());
  ASSERT_FALSE(server.url().empty()) << server.err();
  httplib::Client http(server.url());
  auto result = http.Get("/jobs", {{PROTOCOL_HEADER, "999"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  const json body = json::parse(result->body, nullptr, false);
  EXPECT_NE(body.value("error", "")
                .find("protocol: the client speaks version 999, this server " + std::to_string(REMOTE_PROTOCOL)),
            std::string::npos)
      << result->body;
  EXPECT_EQ(result->get_header_value(PROTOCOL_HEADER), std::to_string(REMOTE_PROTOCOL));
}

TEST(RemoteAccess, ATlsRoundTripWithASelfSignedCertificate) {
  TempDir dir;
  const auto cert = (dir.path / "cert.pem").string(), key = (dir.path / "key.pem").string();
  const std::string openssl =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -addext "
      "subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(openssl.c_str()), 0) << openssl;
  ServerProcess server((dir.path / "data").string(), {"--tls-cert", cert, "--tls-key", key});
  ASSERT_EQ(server.url().rfind("https://127.0.0.1:", 0), 0u) << server.url() << server.err();

  auto client = Client::connect(server.url(), {.caFile = cert});
  ASSERT_TRUE(client) << client.message();
  auto version = client->get("/version");
  ASSERT_TRUE(version) << version.message();
  EXPECT_EQ(version->value("protocol", 0u), REMOTE_PROTOCOL);
  auto created = client->post("/jobs", {{"preset", "xor"}, {"backend", "cpu"}, {"hidden", {4}}, {"epochs", 2}});
  ASSERT_TRUE(created) << created.message();
  const auto trained =
      run("remote status " + created->value("job", "") + " --json --server " + server.url() + " --tls-ca " + cert);
  ASSERT_EQ(trained.code, 0) << trained.err;
  EXPECT_EQ(lastJsonLine(trained.out).value("preset", ""), "xor");

  // A client that does not trust the certificate, and one speaking plain HTTP, get nothing.
  auto untrusted = Client::connect(server.url());
  ASSERT_TRUE(untrusted);
  EXPECT_FALSE(untrusted->get("/version"));
  httplib::Client plain("http://" + server.url().substr(8));
  EXPECT_FALSE(plain.Get("/version") && plain.Get("/version")->status == 200);
}

}  // namespace
}  // namespace nsb::remote
