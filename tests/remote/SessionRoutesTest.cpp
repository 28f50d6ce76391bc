// The routes an attached editor uses (remote/SessionRoutes.h) on a real `neural-sandbox serve`: a
// command's sequence number reached in the binary frames with its edit, Pause and Resume as the job's
// state, the dataset, a viewer refused steering, bad commands refused with their field, --max-viewers.
// Every wait is bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include "ServerProcess.h"
#include "remote/Client.h"
#include "remote/JobFrames.h"
#include "remote/SessionRoutes.h"
#include "remote/Wire.h"

namespace nsb::remote {
namespace {

using nlohmann::json;
using testing::ServerProcess;
using testing::TempDir;

const std::string OWNER = "0123456789abcdef0123456789abcdef0123456789abcdef";
const std::string VIEWER = "viewer-token_ABCDEFGHIJKLMNOPQRSTUVWXYZ";

std::string writeFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

// Posts a command: its sequence number.
std::uint64_t submit(Client& client, const std::string& job, const train::Command& command) {
  auto sent = client.post("/jobs/" + job + "/commands", json{{"command", commandToJson(command).value()}});
  EXPECT_TRUE(sent) << (sent ? "" : sent.message());
  return sent ? sent->value("sequence", std::uint64_t{0}) : 0;
}

// Reads the frames of `path` until `done` holds for one (it is returned) or 20 s pass (none).
std::optional<Frame> frameAt(Client& client, const std::string& path, const std::function<bool(const Frame&)>& done) {
  std::optional<Frame> found;
  std::shared_ptr<const train::ProbeSet> probes;  // the last frame's, which the next may keep
  std::string error;
  auto read = client.frames(
      path,
      [&](std::string_view bytes) {
        if (bytes.empty()) return true;  // a keep-alive
        auto frame = decodeFrame(bytes, probes);
        if (!frame) {
          error = frame.message();
          return false;
        }
        probes = frame->snapshot->probes;
        if (!done(frame.value())) return true;
        found = std::move(frame.value());
        return false;
      },
      std::chrono::seconds(20));
  EXPECT_TRUE(read) << read.message();
  EXPECT_EQ(error, "");
  return found;
}

std::shared_ptr<const train::Snapshot> frameWhere(Client& client, const std::string& job,
                                                  const std::function<bool(const train::Snapshot&)>& done) {
  auto frame = frameAt(client, "/jobs/" + job + "/frames", [&](const Frame& f) { return done(*f.snapshot); });
  return frame ? frame->snapshot : nullptr;
}

TEST(RemoteSessionRoutes, AnAttachedEditorSteersTheJobThroughCommandsAndSeesItInFrames) {
  TempDir dir;
  const auto ownerFile = writeFile(dir.path / "owner", OWNER + "\n");
  const auto viewerFile = writeFile(dir.path / "viewer", VIEWER + "\n");
  ServerProcess server((dir.path / "data").string(), {"--token-file", ownerFile, "--viewer-token-file", viewerFile});
  ASSERT_FALSE(server.url().empty()) << server.err();
  auto owner = Client::connect(server.url(), {.token = OWNER});
  auto frames = Client::connect(server.url(), {.token = OWNER});  // a stream holds its client
  auto viewer = Client::connect(server.url(), {.token = VIEWER});
  ASSERT_TRUE(owner && frames && viewer);
  auto created = owner->post("/jobs", {{"preset", "spiral"},
                                       {"backend", "cpu"},
                                       {"points", 400},
                                       {"features", "x1,x2"},
                                       {"hidden", {8}},
                                       {"epochs", 100000},
                                       {"steps-per-submit", 4}});
  ASSERT_TRUE(created) << created.message();
  const std::string id = created->value("job", "");

  // An edit: its sequence reached in a frame that shows it, the job still running.
  train::Hyperparams h = frameWhere(*frames, id, [](const train::Snapshot&) { return true; })->hyperparams;
  h.learningRate = 0.0625f;
  h.l2 = 0.001f;
  const std::uint64_t edit = submit(*owner, id, train::SetHyperparams{h});
  ASSERT_GT(edit, 0u);
  auto edited = frameWhere(*frames, id, [&](const train::Snapshot& s) { return s.appliedSequence >= edit; });
  ASSERT_TRUE(edited);
  EXPECT_TRUE(edited->hyperparams == h) << edited->hyperparams.toJson().dump();
  EXPECT_TRUE(edited->running);
  ASSERT_NE(train::findOutcome(*edited, edit), nullptr);
  EXPECT_TRUE(train::findOutcome(*edited, edit)->ok);

  // The editor's probes (a 128 x 128 grid: a body over the other requests' 64 KiB) come back in frames.
  std::vector<float> grid;
  for (int i = 0; i < 128 * 128; ++i) {
    grid.push_back(static_cast<float>(i % 128) / 64.0f - 1.0f);
    grid.push_back(static_cast<float>(i / 128) / 64.0f - 1.0f);
  }
  const std::uint64_t probed = submit(*owner, id, train::SetProbes{{grid}, 0.0});
  auto withProbes = frameWhere(*frames, id, [&](const train::Snapshot& s) {
    return s.appliedSequence >= probed && s.probes && !s.probes->probes.empty();
  });
  ASSERT_TRUE(withProbes);
  EXPECT_EQ(withProbes->probes->probes[0].rows, 128u * 128u);
  EXPECT_EQ(withProbes->probes->probes[0].layers.back().size(), 128u * 128u * withProbes->spec.outputs);
  EXPECT_FALSE(withProbes->probes->onDevice);

  // Pause sticks: the job's state, the frames' `running`, and the step stays.
  const std::uint64_t pause = submit(*owner, id, train::Pause{});
  auto paused =
      frameWhere(*frames, id, [&](const train::Snapshot& s) { return s.appliedSequence >= pause && !s.running; });
  ASSERT_TRUE(paused);
  EXPECT_EQ(owner->get("/jobs/" + id)->value("state", ""), "paused");
  const std::uint64_t stepPaused = owner->get("/jobs/" + id)->value("step", std::uint64_t{0});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(owner->get("/jobs/" + id)->value("step", std::uint64_t{0}), stepPaused);
  // Stepping while paused; refused while running.
  submit(*owner, id, train::Step{4});
  EXPECT_TRUE(frameWhere(*frames, id, [&](const train::Snapshot& s) { return s.step == stepPaused + 4; }));
  // Resume: the job runs again, the frames say so, the step moves.
  const std::uint64_t resume = submit(*owner, id, train::Resume{});
  EXPECT_TRUE(frameWhere(*frames, id, [&](const train::Snapshot& s) {
    return s.appliedSequence >= resume && s.running && s.step > stepPaused + 4;
  }));
  EXPECT_EQ(owner->get("/jobs/" + id)->value("state", ""), "running");
  auto running = owner->post("/jobs/" + id + "/commands", json{{"command", {{"type", "Step"}, {"steps", 1}}}});
  ASSERT_FALSE(running);
  EXPECT_NE(running.message().find("pause it before stepping (HTTP 409)"), std::string::npos) << running.message();

  // Bad commands name their field; the server's files are its own.
  auto bad = owner->post("/jobs/" + id + "/commands", json{{"command", {{"type", "Step"}, {"steps", -1}}}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.message(), "server: command.steps: not a non-negative integer (HTTP 400)");
  bad = owner->post("/jobs/" + id + "/commands", json{{"type", "Pause"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.message(), "server: request: expected {\"command\": {...}, \"editor\": ID} (HTTP 400)");
  bad = owner->post("/jobs/" + id + "/commands",
                    json{{"command", commandToJson(train::SaveCheckpoint{"/tmp/x.safetensors"}).value()}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("(HTTP 403)"), std::string::npos) << bad.message();
  EXPECT_FALSE(owner->post("/jobs/000000000000/commands", json{{"command", {{"type", "Pause"}}}}));

  // A viewer watches (frames, dataset) but never steers.
  auto refused = viewer->post("/jobs/" + id + "/commands", json{{"command", {{"type", "Pause"}}}});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("(HTTP 403)"), std::string::npos) << refused.message();
  EXPECT_EQ(owner->get("/jobs/" + id)->value("state", ""), "running");
  auto watched = frameWhere(*viewer, id, [](const train::Snapshot&) { return true; });
  ASSERT_TRUE(watched);

  // The dataset, its version the snapshots'.
  std::map<std::string, std::string> headers;
  auto bytes = viewer->download("/jobs/" + id + "/dataset", &headers);
  ASSERT_TRUE(bytes) << bytes.message();
  auto dataset = decodeDataset(bytes.value());
  ASSERT_TRUE(dataset) << dataset.message();
  EXPECT_EQ(dataset.value()->train.count + dataset.value()->test.count, 400u);
  EXPECT_EQ(dataset.value()->features, 2u);
  EXPECT_EQ(headers[DATASET_VERSION_HEADER], std::to_string(watched->datasetVersion));
}

TEST(RemoteSessionRoutes, FrameStreamsCountAgainstMaxViewersAndAResetRunsAgain) {
  TempDir dir;
  ServerProcess server(dir.path.string(), {"--max-viewers", "1"});
  ASSERT_FALSE(server.url().empty()) << server.err();
  auto owner = Client::connect(server.url());
  auto first = Client::connect(server.url());
  ASSERT_TRUE(owner && first);
  auto created = owner->post("/jobs", {{"preset", "xor"}, {"backend", "cpu"}, {"hidden", {4}}, {"epochs", 100000}});
  ASSERT_TRUE(created) << created.message();
  const std::string id = created->value("job", "");
  std::atomic<bool> streaming{false}, stop{false};
  std::thread holder([&] {
    (void)first->frames(
        "/jobs/" + id + "/frames",
        [&](std::string_view) {
          streaming = true;
          return !stop.load();
        },
        std::chrono::seconds(30));
  });
  for (int i = 0; i < 200 && !streaming; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(streaming);
  auto second = owner->frames("/jobs/" + id + "/frames", [](std::string_view) { return false; });
  EXPECT_FALSE(second);
  EXPECT_NE(second.message().find("(HTTP 503)"), std::string::npos) << second.message();
  stop = true;
  holder.join();

  // A Reset takes the step back to 0 and the job goes on training from there.
  const std::uint64_t stepBefore = owner->get("/jobs/" + id)->value("step", std::uint64_t{0});
  ASSERT_TRUE(owner->post("/jobs/" + id + "/commands", json{{"command", {{"type", "Reset"}, {"seed", nullptr}}}}));
  std::uint64_t step = stepBefore;
  for (int i = 0; i < 200 && step >= stepBefore; ++i) {
    step = owner->get("/jobs/" + id)->value("step", std::uint64_t{0});
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_LT(step, stepBefore);
  std::uint64_t later = step;
  for (int i = 0; i < 400 && later <= step + 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    later = owner->get("/jobs/" + id)->value("step", std::uint64_t{0});
  }
  EXPECT_GT(later, step + 50) << "the job stopped training after a reset";
}

// Two editors on one job (issue 18, item 5): the first steers; the second's commands are refused with 409
// naming the first, and nothing changes; the frames say who steers; the second takes control (a viewer
// token never can: 403) and the first is refused in turn; the controller's connection gone past the
// lease's lapse, the first steers again.
TEST(RemoteSessionRoutes, OneEditorSteersTheOthersWatchAndTheOwnerTakesControl) {
  TempDir dir;
  const auto ownerFile = writeFile(dir.path / "owner", OWNER + "\n");
  const auto viewerFile = writeFile(dir.path / "viewer", VIEWER + "\n");
  ServerProcess server((dir.path / "data").string(), {"--token-file", ownerFile, "--viewer-token-file", viewerFile});
  ASSERT_FALSE(server.url().empty()) << server.err();
  auto owner = Client::connect(server.url(), {.token = OWNER});
  auto firstStream = Client::connect(server.url(), {.token = OWNER});
  auto secondStream = Client::connect(server.url(), {.token = OWNER});
  auto viewer = Client::connect(server.url(), {.token = VIEWER});
  ASSERT_TRUE(owner && firstStream && secondStream && viewer);
  auto created = owner->post("/jobs", {{"preset", "xor"}, {"backend", "cpu"}, {"hidden", {4}}, {"epochs", 100000}});
  ASSERT_TRUE(created) << created.message();
  const std::string id = created->value("job", "");
  const std::string jobPath = "/jobs/" + id;

  auto first = owner->post(jobPath + "/editors");
  auto second = owner->post(jobPath + "/editors");
  ASSERT_TRUE(first && second);
  const std::string e1 = first->value("editor", ""), e2 = second->value("editor", "");
  ASSERT_EQ(e1.size(), 16u);
  ASSERT_EQ(e2.size(), 16u);
  EXPECT_NE(e1, e2);
  EXPECT_EQ((*first)["steering"].value("id", ""), e1);
  EXPECT_EQ((*second)["steering"].value("id", ""), e1) << "the second editor took control from the first";
  EXPECT_EQ(first->value("name", ""), "editor 1 (127.0.0.1)");

  // The first editor's stream stays open (its connection is up) until the end.
  std::atomic<bool> stop{false};
  std::mutex seenMutex;
  std::string seen;  // who steers, as the first editor's last frame said
  std::thread held([&] {
    (void)frameAt(*firstStream, jobPath + "/frames?editor=" + e1, [&](const Frame& frame) {
      std::lock_guard lock(seenMutex);
      seen = frame.steering.id;
      return stop.load();
    });
  });
  const auto firstSees = [&](const std::string& editor) {
    for (int i = 0; i < 200; ++i) {
      {
        std::lock_guard lock(seenMutex);
        if (seen == editor) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  };
  EXPECT_TRUE(firstSees(e1));
  const auto command = [&](const std::string& editor, const train::Command& c) {
    return owner->post(jobPath + "/commands", json{{"command", commandToJson(c).value()}, {"editor", editor}});
  };

  // The second editor watches: its edit and its Pause are refused, naming the first; nothing changes.
  auto before = frameWhere(*secondStream, id, [](const train::Snapshot&) { return true; });
  ASSERT_TRUE(before);
  train::Hyperparams h = before->hyperparams;
  const float lr = h.learningRate;
  h.learningRate = lr * 2;
  auto refused = command(e2, train::SetHyperparams{h});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("editor 1 (127.0.0.1) steers it"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("(HTTP 409)"), std::string::npos) << refused.message();
  EXPECT_FALSE(command(e2, train::Pause{}));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto status = owner->get(jobPath);
  EXPECT_EQ(status->value("state", ""), "running");
  EXPECT_FLOAT_EQ((*status)["hyperparams"].value("lr", 0.0f), lr);
  // A client that did not attach is refused too while an editor steers.
  EXPECT_FALSE(owner->post(jobPath + "/commands", json{{"command", commandToJson(train::Pause{}).value()}}));
  // The watcher's frames say who steers.
  auto watched = frameAt(*secondStream, jobPath + "/frames?editor=" + e2, [](const Frame&) { return true; });
  ASSERT_TRUE(watched);
  EXPECT_EQ(watched->steering.id, e1);
  EXPECT_EQ(watched->steering.name, "editor 1 (127.0.0.1)");
  // The controller steers.
  EXPECT_TRUE(command(e1, train::SetHyperparams{h}));

  // A viewer token never takes control; an editor the job does not know cannot either.
  auto viewerTakes = viewer->post(jobPath + "/control", json{{"editor", e2}});
  ASSERT_FALSE(viewerTakes);
  EXPECT_NE(viewerTakes.message().find("(HTTP 403)"), std::string::npos) << viewerTakes.message();
  EXPECT_FALSE(viewer->post(jobPath + "/editors"));
  auto unknown = owner->post(jobPath + "/control", json{{"editor", "0123456789abcdef"}});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.message().find("(HTTP 404)"), std::string::npos) << unknown.message();
  auto malformed = owner->post(jobPath + "/control", json{{"editor", 7}});
  ASSERT_FALSE(malformed);
  EXPECT_NE(malformed.message().find("(HTTP 400)"), std::string::npos) << malformed.message();
  EXPECT_TRUE(firstSees(e1));

  // The second takes control: the first's next frames say so, and the first is refused in turn.
  auto taken = owner->post(jobPath + "/control", json{{"editor", e2}});
  ASSERT_TRUE(taken) << taken.message();
  EXPECT_EQ((*taken)["steering"].value("id", ""), e2);
  EXPECT_TRUE(firstSees(e2));
  auto firstRefused = command(e1, train::Pause{});
  ASSERT_FALSE(firstRefused);
  EXPECT_NE(firstRefused.message().find("editor 2 (127.0.0.1) steers it"), std::string::npos) << firstRefused.message();
  EXPECT_EQ(owner->get(jobPath)->value("state", ""), "running");

  // The controller's connection goes: within the lapse it keeps control; past it, the first steers again.
  auto gone = frameAt(*secondStream, jobPath + "/frames?editor=" + e2, [](const Frame&) { return true; });
  ASSERT_TRUE(gone);
  EXPECT_FALSE(command(e1, train::Pause{})) << "control moved at once when the controller's stream closed";
  const auto lapsed = std::chrono::steady_clock::now();
  EXPECT_TRUE(firstSees(e1)) << "control never came back to the first editor";
  EXPECT_GE(std::chrono::steady_clock::now() - lapsed, ControlLease::LAPSE - std::chrono::milliseconds(500));
  EXPECT_TRUE(command(e1, train::Pause{}));
  for (int i = 0; i < 100 && owner->get(jobPath)->value("state", "") != "paused"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(owner->get(jobPath)->value("state", ""), "paused");
  stop = true;
  held.join();
}

}  // namespace
}  // namespace nsb::remote
