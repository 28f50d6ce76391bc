#pragma once
// A `neural-sandbox serve` child process on a free loopback port with one job training, and the
// options of an editor attached to it as `gui --attach URL` makes them (remote::RemoteSession, then
// ui::sessionOptions). kill() and start() on the same port and data folder: the server's crash and
// its return (the job resumes from its checkpoint).
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "remote/Client.h"
#include "remote/RemoteSession.h"
#include "remote/ServerProcess.h"
#include "ui/App.h"

namespace nsb::ui::test {

class AttachedServer {
 public:
  // The tokens of a server started `withTokens`: the owner's, and a viewer's (--viewer-token-file).
  static constexpr const char* OWNER = "owner-token_0123456789abcdefghijklmnop";
  static constexpr const char* VIEWER = "viewer-token_0123456789abcdefghijklmno";
  enum class Role { Owner, Viewer };

  // A job of `preset` on `backend`, training for good (until the test ends). `withTokens`: the server
  // takes OWNER and VIEWER (a token file each), else no token.
  AttachedServer(const std::string& preset, const std::string& backend, bool withTokens = false) : mTokens(withTokens) {
    if (mTokens) {
      std::ofstream(mTokenDir.path / "owner.token") << OWNER << "\n";
      std::ofstream(mTokenDir.path / "viewer.token") << VIEWER << "\n";
    }
    start();
    if (mUrl.empty()) return;
    auto client = remote::Client::connect(mUrl, clientOptions(Role::Owner));
    if (!client) return;
    auto created = client->post("/jobs", {{"preset", preset}, {"backend", backend}, {"epochs", 100000}, {"seed", 7}});
    EXPECT_TRUE(created) << (created ? "" : created.message());
    if (created) mJob = created->value("job", "");
  }
  explicit operator bool() const { return !mUrl.empty() && !mJob.empty(); }

  const std::string& url() const { return mUrl; }
  const std::string& job() const { return mJob; }
  std::string err() const { return mServer ? mServer->err() : ""; }

  // The editor's options as `gui --attach URL` makes them, headless at this size.
  core::Result<AppOptions> editorOptions(std::uint32_t width, std::uint32_t height, Role role = Role::Owner) const {
    auto session = remote::RemoteSession::attach({.url = mUrl, .client = clientOptions(role)});
    if (!session) return session.error();
    const std::string preset = session.value()->presetName();
    AppOptions options = sessionOptions(std::move(session.value()), preset);
    options.headless = true;
    options.width = width;
    options.height = height;
    return options;
  }

  // The job's status as the server reports it (GET /jobs/ID); empty when it cannot be reached.
  nlohmann::json status() const {
    auto client = remote::Client::connect(mUrl, clientOptions(Role::Owner));
    if (!client) return nlohmann::json::object();
    auto status = client->get("/jobs/" + mJob);
    return status ? status.value() : nlohmann::json::object();
  }

  void kill() {
    if (mServer) mServer->kill();
  }
  // Starts the server (again, on the port it had, and the same data folder). False when it did not.
  bool start() {
    std::vector<std::string> flags = {"--checkpoint-every", "0.5"};
    if (mTokens) {
      flags.insert(flags.end(), {"--token-file", (mTokenDir.path / "owner.token").string(), "--viewer-token-file",
                                 (mTokenDir.path / "viewer.token").string()});
    }
    if (!mUrl.empty()) flags.insert(flags.end(), {"--bind", "127.0.0.1:" + mUrl.substr(mUrl.rfind(':') + 1)});
    mServer = std::make_unique<remote::testing::ServerProcess>(mDir.path.string(), flags);
    EXPECT_FALSE(mServer->url().empty()) << mServer->err();
    if (mUrl.empty()) mUrl = mServer->url();
    return mServer->url() == mUrl;
  }

 private:
  remote::ClientOptions clientOptions(Role role) const {
    remote::ClientOptions options;
    if (mTokens) options.token = role == Role::Owner ? OWNER : VIEWER;
    return options;
  }

  bool mTokens = false;
  remote::testing::TempDir mDir, mTokenDir;
  std::unique_ptr<remote::testing::ServerProcess> mServer;
  std::string mUrl, mJob;
};

}  // namespace nsb::ui::test
