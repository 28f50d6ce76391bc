// `neural-sandbox gui --attach URL` from the command line: a headless editor on a server's job draws
// it; a server of another command or snapshot protocol, flags that belong to a local session, and
// --job without --attach are each one line and exit 2.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <thread>

#include "ServerProcess.h"
#include "remote/Access.h"
#include "remote/Client.h"
#include "remote/Server.h"
#include "sandbox/CliRun.h"
#include "train/Snapshot.h"

namespace nsb::remote {
namespace {

using sandbox::testing::lineCount;
using sandbox::testing::run;
using testing::ServerProcess;
using testing::TempDir;

TEST(AttachCli, AHeadlessEditorDrawsTheServersJob) {
  TempDir dir;
  ServerProcess server(dir.path.string());
  ASSERT_FALSE(server.url().empty()) << server.err();
  auto client = Client::connect(server.url());
  ASSERT_TRUE(client) << client.message();
  auto created = client->post("/jobs", {{"preset", "spiral"}, {"backend", "cpu"}, {"epochs", 100000}});
  ASSERT_TRUE(created) << created.message();
  const auto png = dir.path / "attached.png";
  const auto drawn = run("gui --attach " + server.url() +
                         " --headless --frames 10 --width 640 --height 400 --screenshot " + png.string());
  ASSERT_EQ(drawn.code, 0) << drawn.err;
  EXPECT_GT(std::filesystem::file_size(png), 10000u);
  // The job trains on after the editor went.
  auto status = client->get("/jobs/" + created->value("job", ""));
  ASSERT_TRUE(status) << status.message();
  EXPECT_EQ(status->value("state", ""), "running");
  EXPECT_EQ(server.stop(), 0) << server.err();
}

TEST(AttachCli, AnotherProtocolIsOneLineAndExit2) {
  // A server that speaks other command and snapshot protocols (a newer or older neural-sandbox).
  httplib::Server other;
  other.Get("/version", [](const httplib::Request&, httplib::Response& res) {
    res.set_header(PROTOCOL_HEADER, std::to_string(REMOTE_PROTOCOL));
    res.set_content(nlohmann::json{{"protocol", REMOTE_PROTOCOL},
                                   {"command_protocol", train::COMMAND_PROTOCOL + 1},
                                   {"snapshot_protocol", train::SNAPSHOT_PROTOCOL}}
                        .dump(),
                    "application/json");
  });
  const int port = other.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread serving([&] { other.listen_after_bind(); });
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  const auto refused = run("gui --attach " + url + " --headless --frames 1");
  other.stop();
  serving.join();
  EXPECT_EQ(refused.code, 2) << refused.err;
  EXPECT_EQ(lineCount(refused.err), 1) << refused.err;
  EXPECT_NE(refused.err.find("command protocol " + std::to_string(train::COMMAND_PROTOCOL + 1)), std::string::npos)
      << refused.err;
}

TEST(AttachCli, FlagsOfALocalSessionAreRefused) {
  const auto job = run("gui --job j1 --headless --frames 1");
  EXPECT_EQ(job.code, 2) << job.err;
  EXPECT_EQ(lineCount(job.err), 1) << job.err;
  EXPECT_NE(job.err.find("--attach"), std::string::npos) << job.err;
  const auto preset = run("gui --attach http://127.0.0.1:1 --preset xor --headless --frames 1");
  EXPECT_EQ(preset.code, 2) << preset.err;
  EXPECT_EQ(lineCount(preset.err), 1) << preset.err;
  EXPECT_NE(preset.err.find("--preset"), std::string::npos) << preset.err;
  const auto nowhere = run("gui --attach http://127.0.0.1:1 --headless --frames 1");
  EXPECT_EQ(nowhere.code, 1) << nowhere.err;
  EXPECT_EQ(lineCount(nowhere.err), 1) << nowhere.err;
  const auto bad = run("gui --attach ftp://somewhere --headless --frames 1");
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_NE(bad.err.find("--attach"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace nsb::remote
