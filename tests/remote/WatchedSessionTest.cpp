// remote/WatchedSession.h: the watch page's view of a job shows it running while the job's state says so
// (also while its session's Resume is still queued) and never the server's data folder path.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "ServerProcess.h"
#include "remote/WatchedSession.h"
#include "train/LocalSession.h"
#include "train/TrainTestSupport.h"

namespace nsb::remote {
namespace {

TEST(WatchedSession, RunningIsTheJobsStateAndTheDataFolderIsNotShown) {
  testing::TempDir dir;
  const std::string root = (dir.path / "data").string();
  std::filesystem::create_directories(dir.path / "data" / "jobs" / "j1");
  train::testing::Loaded l = train::testing::loadPreset("spiral");
  auto made = train::LocalSession::create(l.config, l.dataset, false);
  ASSERT_TRUE(made) << made.message();
  std::shared_ptr<train::Session> session = std::move(made.value());
  std::atomic<bool> running{true};
  WatchedSession watched(
      session,
      [&] {
        return WatchedJobState{running.load(), 123.0};
      },
      root, "upload ds0123456789ab (points.csv)");

  const std::string checkpoint = root + "/jobs/j1/checkpoint.safetensors";
  session->submit(train::Step{3});
  session->submit(train::SaveCheckpoint{checkpoint});
  session->submit(train::Step{3});
  session->submit(train::LoadCheckpoint{checkpoint});
  ASSERT_EQ(session->sync(std::chrono::seconds(20)), train::SyncStatus::Synced);
  ASSERT_FALSE(session->latest()->running);  // as before the job's Resume applies
  const auto shown = watched.latest();
  EXPECT_TRUE(shown->running);
  EXPECT_EQ(shown->stepsPerSecond, 123.0) << "the job's rate, as the server measures it";
  EXPECT_EQ(shown->step, session->latest()->step);
  ASSERT_FALSE(shown->events.empty());
  bool named = false;
  for (const auto& e : session->latest()->events) named |= e.what.find(root) != std::string::npos;
  EXPECT_TRUE(named) << "the session's own event names the path: nothing to hide";
  for (const auto& e : shown->events) {
    EXPECT_EQ((e.what + e.before + e.after).find(root), std::string::npos) << e.what;
    if (e.what.rfind("checkpoint", 0) == 0) {
      EXPECT_EQ(e.what, "checkpoint jobs/j1/checkpoint.safetensors");
    }
  }
  for (const auto& o : shown->outcomes) EXPECT_EQ(o.message.find(root), std::string::npos) << o.message;
  EXPECT_EQ(watched.latest(), shown) << "copied again for the same snapshot";
  running = false;
  EXPECT_FALSE(watched.latest()->running);
  EXPECT_EQ(watched.latest()->stepsPerSecond, 0.0);
  // The dataset's source is the one given, not the session's; copied once per version.
  const auto dataset = watched.dataset();
  ASSERT_TRUE(dataset.dataset);
  EXPECT_EQ(dataset.version, session->dataset().version);
  EXPECT_EQ(dataset.dataset->source, "upload ds0123456789ab (points.csv)");
  EXPECT_EQ(dataset.dataset->train.count, session->dataset().dataset->train.count);
  EXPECT_EQ(watched.dataset().dataset, dataset.dataset);
}

TEST(WatchedSession, WithoutPathTakesOutEveryOccurrence) {
  EXPECT_EQ(WatchedSession::withoutPath("a /srv/d/x and /srv/d/y", "/srv/d"), "a x and y");
  EXPECT_EQ(WatchedSession::withoutPath("a /srv/dd/x", "/srv/d"), "a /srv/dd/x");
  EXPECT_EQ(WatchedSession::withoutPath("./x", "."), "x");
  EXPECT_EQ(WatchedSession::withoutPath("text", ""), "text");
}

}  // namespace
}  // namespace nsb::remote
