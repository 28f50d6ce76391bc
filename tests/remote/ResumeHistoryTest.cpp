// A job resumed by a restarted server keeps its metric history: its session starts with the points kept
// in the data folder up to its checkpoint's step, so that an attached editor's plots (and the watch
// page's) start at step 0, not at the step it resumed from. Every wait is bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <thread>
#include <vector>

#include "ServerProcess.h"
#include "remote/Client.h"
#include "remote/DataFolder.h"
#include "remote/RemoteSession.h"
#include "train/Snapshot.h"

namespace nsb::remote {
namespace {

using nlohmann::json;
using testing::ServerProcess;
using testing::TempDir;

bool waitFor(const std::function<bool()>& condition, double seconds = 20.0) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

json status(Client& client, const std::string& job) {
  auto s = client.get("/jobs/" + job);
  return s ? s.value() : json::object();
}

TEST(ResumeHistory, ARestartedServersJobHasItsMetricHistoryFromTheStart) {
  TempDir dir;
  std::string job;
  std::uint64_t pausedStep = 0;
  {
    ServerProcess server(dir.path.string(), {"--checkpoint-every", "0.2"});
    ASSERT_FALSE(server.url().empty()) << server.err();
    auto client = Client::connect(server.url());
    ASSERT_TRUE(client);
    auto created = client->post("/jobs", {{"preset", "spiral"},
                                          {"backend", "cpu"},
                                          {"points", 500},
                                          {"features", "x1,x2"},
                                          {"seed", 7},
                                          {"epochs", 100000},
                                          {"hidden", {8, 8}},
                                          {"steps-per-submit", 4},
                                          {"metrics-every", 10}});
    ASSERT_TRUE(created) << created.message();
    job = created->value("job", "");
    ASSERT_TRUE(waitFor([&] { return status(*client, job).value("step", std::uint64_t{0}) > 100; }));
    ASSERT_TRUE(client->post("/jobs/" + job + "/pause"));
    pausedStep = status(*client, job).value("step", std::uint64_t{0});
    // Its checkpoint and its metrics catch up with the paused step.
    ASSERT_TRUE(waitFor([&] { return status(*client, job)["checkpoint_step"] == pausedStep; }));
    server.kill();
  }
  ServerProcess server(dir.path.string());
  ASSERT_FALSE(server.url().empty()) << server.err();
  auto client = Client::connect(server.url());
  ASSERT_TRUE(client);
  auto kept = client->get("/jobs/" + job + "/metrics");
  ASSERT_TRUE(kept) << kept.message();
  std::vector<std::uint64_t> keptSteps;
  for (const auto& point : kept->at("metrics")) keptSteps.push_back(point.value("step", std::uint64_t{0}));
  ASSERT_GE(keptSteps.size(), 5u) << kept->dump();
  EXPECT_LE(keptSteps.front(), 10u);

  auto attached = RemoteSession::attach({.url = server.url(), .job = job});
  ASSERT_TRUE(attached) << attached.message();
  const auto snapshot = attached.value()->latest();
  EXPECT_EQ(snapshot->step, pausedStep);
  std::vector<std::uint64_t> shownSteps;
  for (const auto& point : snapshot->history) shownSteps.push_back(point.step);
  EXPECT_EQ(shownSteps, keptSteps) << "the resumed session's history is not the one kept in the data folder";
  ASSERT_FALSE(snapshot->history.empty());
  // The values came back too, not only the steps.
  EXPECT_DOUBLE_EQ(snapshot->history.back().trainLoss, kept->at("metrics").back().value("train_loss", 0.0));
  EXPECT_EQ(server.stop(), 0) << server.err();
}

// The history read back for a resume: points up to the checkpoint's step only, a line cut off by a
// crash skipped, and never more than `most` points in memory however long the file.
TEST(ResumeHistory, TheDataFoldersHistoryIsReadUpToTheCheckpointAndBounded) {
  TempDir dir;
  auto folder = DataFolder::open(dir.path.string());
  ASSERT_TRUE(folder) << folder.message();
  auto id = folder->newJob();
  ASSERT_TRUE(id) << id.message();
  std::vector<train::MetricPoint> points(100);
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].step = 10 * (i + 1);
    points[i].trainLoss = 1.0 / static_cast<double>(i + 1);
  }
  ASSERT_TRUE(folder->appendMetrics(id.value(), points, 0));
  {
    std::ofstream cut(folder->jobDir(id.value()) / "metrics.jsonl", std::ios::app);
    cut << "{\"step\": 1010, \"train_lo";
  }
  const auto upTo = folder->readHistory(id.value(), 500, 1000);
  ASSERT_EQ(upTo.size(), 50u);
  EXPECT_EQ(upTo.front().step, 10u);
  EXPECT_EQ(upTo.back().step, 500u);
  EXPECT_DOUBLE_EQ(upTo.back().trainLoss, 1.0 / 50);
  EXPECT_TRUE(std::isnan(upTo.back().test.accuracy));
  const auto bounded = folder->readHistory(id.value(), 100000, 16);
  EXPECT_LE(bounded.size(), 16u);
  EXPECT_EQ(bounded.front().step, 10u);
  EXPECT_EQ(bounded.back().step, 1000u);
}

}  // namespace
}  // namespace nsb::remote
