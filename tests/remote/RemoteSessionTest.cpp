// RemoteSession (`gui --attach`'s session) against a real `neural-sandbox serve` on a free loopback port:
// edits go to the job and come back in its frames under the session's own sequence numbers; Pause
// sticks; a server stopped and started again on its port and data folder is reconnected to and its
// frames resume. Every wait is bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "ServerProcess.h"
#include "remote/Client.h"
#include "remote/RemoteSession.h"
#include "train/Snapshot.h"

namespace nsb::remote {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::ServerProcess;
using testing::TempDir;

// A small job that trains until stopped (as ServerTest's).
json smallJob() {
  return {{"preset", "spiral"}, {"backend", "cpu"}, {"points", 500},    {"features", "x1,x2"},
          {"seed", 7},          {"epochs", 100000}, {"hidden", {8, 8}}, {"steps-per-submit", 4}};
}

bool waitFor(const std::function<bool()>& condition, double secondsMost = 20.0) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(secondsMost);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

std::string startJob(const ServerProcess& server) {
  auto client = Client::connect(server.url());
  EXPECT_TRUE(client) << (client ? "" : client.message());
  if (!client) return {};
  auto created = client->post("/jobs", smallJob());
  EXPECT_TRUE(created) << (created ? "" : created.message());
  return created ? created->value("job", "") : "";
}

json serverStatus(const ServerProcess& server, const std::string& job) {
  auto client = Client::connect(server.url());
  if (!client) return json::object();
  auto status = client->get("/jobs/" + job);
  return status ? status.value() : json::object();
}

std::string portOf(const std::string& url) { return url.substr(url.rfind(':') + 1); }

TEST(RemoteSession, EditsReachTheJobAndTheirAnswersComeBack) {
  TempDir dir;
  ServerProcess server(dir.path.string());
  ASSERT_FALSE(server.url().empty()) << server.err();
  const std::string job = startJob(server);
  ASSERT_FALSE(job.empty());

  auto attached = RemoteSession::attach({.url = server.url()});  // the server's only job
  ASSERT_TRUE(attached) << attached.message();
  RemoteSession& session = *attached.value();
  EXPECT_EQ(session.job(), job);
  EXPECT_EQ(session.presetName(), "spiral");
  ASSERT_TRUE(session.dataset().dataset);
  EXPECT_EQ(session.dataset().version, session.latest()->datasetVersion);
  EXPECT_EQ(session.latest()->spec.hidden.size(), 2u);
  EXPECT_TRUE(session.link().connected);
  EXPECT_NE(session.link().where.find(job), std::string::npos);
  ASSERT_TRUE(waitFor([&] { return session.latest()->step > 0 && session.latest()->running; }));

  // A learning rate: applied on the server, its event and outcome back under the local number.
  train::Hyperparams h = session.latest()->hyperparams;
  h.learningRate = 0.0123f;
  const std::uint64_t edit = session.submit(train::SetHyperparams{h});
  EXPECT_EQ(edit, 1u);
  ASSERT_TRUE(session.awaitApplied(edit, seconds(10)));
  auto s = session.latest();
  EXPECT_FLOAT_EQ(s->hyperparams.learningRate, 0.0123f);
  EXPECT_GE(s->appliedSequence, edit);
  const train::Outcome* outcome = train::findOutcome(*s, edit);
  ASSERT_NE(outcome, nullptr);
  EXPECT_TRUE(outcome->ok) << outcome->message;
  ASSERT_FALSE(s->events.empty());
  EXPECT_NE(s->events.back().after.find("0.0123"), std::string::npos) << s->events.back().after;
  EXPECT_NEAR(serverStatus(server, job)["hyperparams"].value("lr", 0.0), 0.0123, 1e-7);

  // Pause sticks: the steps stop, here and on the server.
  const std::uint64_t pause = session.submit(train::Pause{});
  ASSERT_TRUE(session.awaitApplied(pause, seconds(10)));
  ASSERT_TRUE(waitFor([&] { return !session.latest()->running; }, 5.0));
  EXPECT_EQ(serverStatus(server, job).value("state", ""), "paused");
  const std::uint64_t stopped = session.latest()->step;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(session.latest()->step, stopped) << "a paused job trained on";
  EXPECT_EQ(serverStatus(server, job).value("step", 0ull), stopped);

  // A step while paused runs exactly that many.
  const std::uint64_t step = session.submit(train::Step{3});
  ASSERT_TRUE(session.awaitApplied(step, seconds(10)));
  ASSERT_TRUE(waitFor([&] { return session.latest()->step == stopped + 3; }, 5.0)) << session.latest()->step;

  // Resume: training again.
  const std::uint64_t resume = session.submit(train::Resume{});
  ASSERT_TRUE(session.awaitApplied(resume, seconds(10)));
  EXPECT_TRUE(waitFor([&] { return session.latest()->running && session.latest()->step > stopped + 3; }));

  // A command the server refuses comes back refused, with its line, and sync() sees everything answered.
  const std::uint64_t save = session.submit(train::SaveCheckpoint{"/tmp/nsb-never-written.safetensors"});
  EXPECT_EQ(session.sync(seconds(10)), train::SyncStatus::Synced);
  const auto answered = session.latest();  // held: the outcome lives in this snapshot
  const train::Outcome* refused = train::findOutcome(*answered, save);
  ASSERT_NE(refused, nullptr);
  EXPECT_FALSE(refused->ok);
  EXPECT_NE(refused->message.find("HTTP 403"), std::string::npos) << refused->message;
  EXPECT_EQ(server.stop(), 0) << server.err();
}

// Two editors on one job (issue 18, item 5): the first steers, the second watches and refuses commands
// itself (its views' requests wait); it takes control, and the first then watches; the controller gone,
// control comes back to the first once the lease lapses.
TEST(RemoteSession, OneOfTwoEditorsSteersAndTheOtherTakesControl) {
  TempDir dir;
  ServerProcess server(dir.path.string());
  ASSERT_FALSE(server.url().empty()) << server.err();
  const std::string job = startJob(server);
  ASSERT_FALSE(job.empty());
  auto first = RemoteSession::attach({.url = server.url()});
  ASSERT_TRUE(first) << first.message();
  auto second = RemoteSession::attach({.url = server.url()});
  ASSERT_TRUE(second) << second.message();
  RemoteSession& a = *first.value();
  EXPECT_TRUE(a.link().steering);
  EXPECT_FALSE(second.value()->link().steering);
  EXPECT_EQ(second.value()->link().steeredBy, "editor 1 (127.0.0.1)");

  // The watcher's edit is refused here, saying who steers; the job keeps its learning rate.
  const float lr = serverStatus(server, job)["hyperparams"].value("lr", 0.0f);
  train::Hyperparams h = second.value()->latest()->hyperparams;
  h.learningRate = 0.0456f;
  const std::uint64_t refused = second.value()->submit(train::SetHyperparams{h});
  ASSERT_TRUE(second.value()->awaitApplied(refused, seconds(10)));
  const auto answered = second.value()->latest();  // held: the outcome lives in this snapshot
  const train::Outcome* outcome = train::findOutcome(*answered, refused);
  ASSERT_NE(outcome, nullptr);
  EXPECT_FALSE(outcome->ok);
  EXPECT_NE(outcome->message.find("editor 1 (127.0.0.1) steers job"), std::string::npos) << outcome->message;
  // The views' requests wait for control: answered, not refused.
  const std::uint64_t probes = second.value()->submit(train::SetProbes{{{0.0f, 0.0f}}, 0.0});
  ASSERT_TRUE(second.value()->awaitApplied(probes, seconds(10)));
  EXPECT_EQ(train::findOutcome(*second.value()->latest(), probes), nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FLOAT_EQ(serverStatus(server, job)["hyperparams"].value("lr", 0.0f), lr);

  // It takes control: it steers, and the first watches from its next frame on.
  second.value()->takeControl();
  ASSERT_TRUE(waitFor([&] { return second.value()->link().steering && !a.link().steering; }, 10.0));
  EXPECT_EQ(a.link().steeredBy, "editor 2 (127.0.0.1)");
  const std::uint64_t edit = second.value()->submit(train::SetHyperparams{h});
  ASSERT_TRUE(second.value()->awaitApplied(edit, seconds(10)));
  ASSERT_NE(train::findOutcome(*second.value()->latest(), edit), nullptr);
  EXPECT_TRUE(train::findOutcome(*second.value()->latest(), edit)->ok);
  EXPECT_NEAR(serverStatus(server, job)["hyperparams"].value("lr", 0.0), 0.0456, 1e-7);
  // The watcher sees the controller's views: the probes the second asked for.
  ASSERT_TRUE(waitFor(
      [&] {
        const auto p = a.latest()->probes;
        return p && p->probes.size() == 1 && p->probes[0].rows == 1;
      },
      10.0));

  // The controller goes: once the lease lapses, the first steers again.
  second.value().reset();
  EXPECT_FALSE(a.link().steering);
  EXPECT_TRUE(waitFor([&] { return a.link().steering; }, 15.0)) << "control never came back";
  EXPECT_EQ(server.stop(), 0) << server.err();
}

TEST(RemoteSession, ReconnectsToAServerStartedAgainAndFramesResume) {
  TempDir dir;
  auto server =
      std::make_unique<ServerProcess>(dir.path.string(), std::vector<std::string>{"--checkpoint-every", "0.5"});
  ASSERT_FALSE(server->url().empty()) << server->err();
  const std::string url = server->url();
  const std::string job = startJob(*server);
  ASSERT_FALSE(job.empty());
  auto attached = RemoteSession::attach({.url = url, .job = job});
  ASSERT_TRUE(attached) << attached.message();
  RemoteSession& session = *attached.value();
  // Past a checkpoint, so that the job comes back trained.
  ASSERT_TRUE(waitFor([&] { return serverStatus(*server, job)["checkpoint_step"].is_number(); }));
  EXPECT_EQ(session.connections(), 1u);

  server->kill();  // no goodbye: the stream breaks
  ASSERT_TRUE(waitFor([&] { return !session.link().connected; }, 10.0));
  EXPECT_FALSE(session.link().problem.empty());
  const auto kept = session.latest();
  EXPECT_GT(kept->step, 0u) << "the last frame is kept";
  // An edit made meanwhile is answered at once: refused, with the reason.
  const std::uint64_t lost = session.submit(train::Step{1});
  ASSERT_TRUE(session.awaitApplied(lost, seconds(10)));
  const auto answered = session.latest();  // held: the outcome lives in this snapshot
  const train::Outcome* outcome = train::findOutcome(*answered, lost);
  ASSERT_NE(outcome, nullptr);
  EXPECT_FALSE(outcome->ok);
  EXPECT_EQ(session.latest()->step, kept->step);

  server = std::make_unique<ServerProcess>(
      dir.path.string(), std::vector<std::string>{"--bind", "127.0.0.1:" + portOf(url), "--checkpoint-every", "0.5"});
  ASSERT_EQ(server->url(), url) << server->err();
  ASSERT_TRUE(waitFor([&] { return session.link().connected; }, 10.0)) << session.link().problem;
  EXPECT_EQ(session.connections(), 2u);
  EXPECT_TRUE(session.link().problem.empty());
  ASSERT_TRUE(session.dataset().dataset);
  EXPECT_EQ(session.dataset().version, session.latest()->datasetVersion);
  // The job resumed from its checkpoint and trains on; its frames come again.
  const std::uint64_t resumed = session.latest()->step;
  EXPECT_GT(resumed, 0u);
  EXPECT_TRUE(waitFor([&] { return session.latest()->step > resumed + 10; })) << session.latest()->step;
  // And edits work again.
  train::Hyperparams h = session.latest()->hyperparams;
  h.learningRate = 0.02f;
  const std::uint64_t edit = session.submit(train::SetHyperparams{h});
  ASSERT_TRUE(session.awaitApplied(edit, seconds(10)));
  EXPECT_FLOAT_EQ(session.latest()->hyperparams.learningRate, 0.02f);
  EXPECT_EQ(server->stop(), 0) << server->err();
}

TEST(RemoteSession, AttachRefusesWhatItCannotShow) {
  TempDir dir;
  ServerProcess server(dir.path.string());
  ASSERT_FALSE(server.url().empty()) << server.err();
  // No job yet.
  auto none = RemoteSession::attach({.url = server.url()});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, core::ErrorKind::BadInput);
  EXPECT_NE(none.message().find("no jobs"), std::string::npos) << none.message();
  const std::string a = startJob(server), b = startJob(server);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  // Two jobs: which one, with their ids.
  auto two = RemoteSession::attach({.url = server.url()});
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().kind, core::ErrorKind::BadInput);
  EXPECT_NE(two.message().find(a), std::string::npos) << two.message();
  EXPECT_NE(two.message().find(b), std::string::npos) << two.message();
  EXPECT_NE(two.message().find("--job"), std::string::npos) << two.message();
  auto unknown = RemoteSession::attach({.url = server.url(), .job = "jnosuchjob"});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.message().find("--job jnosuchjob"), std::string::npos) << unknown.message();
  auto chosen = RemoteSession::attach({.url = server.url(), .job = b});
  ASSERT_TRUE(chosen) << chosen.message();
  EXPECT_EQ(chosen.value()->job(), b);
  // Nothing listening: a runtime error naming the address.
  auto nowhere = RemoteSession::attach({.url = "http://127.0.0.1:1"});
  ASSERT_FALSE(nowhere);
  EXPECT_EQ(nowhere.error().kind, core::ErrorKind::Runtime);
  EXPECT_EQ(server.stop(), 0) << server.err();
}

}  // namespace
}  // namespace nsb::remote
