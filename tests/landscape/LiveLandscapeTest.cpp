// The editor's live landscape (landscape/LiveLandscape.h) on a trainer, as the session thread drives
// it: the centre is the loss at the weights now on the same batch, a refresh comes every N steps and
// not before, each piece is one bounded chunk, the trajectory plane holds the kept steps with the
// weights now at its origin, and through a LocalSession it refreshes while training.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "LandscapeTestSupport.h"
#include "landscape/LiveLandscape.h"
#include "train/LocalSession.h"
#include "train/TrainTestSupport.h"

namespace nsb::landscape {
namespace {

// As LossGridTest: float GEMMs of a few terms and a mean over 64 rows, against double.
constexpr double TOLERANCE = 1e-5;

// Runs refreshes until the landscape has nothing to do; returns the calls it took (the last one
// finishes the refresh, or finds nothing due).
std::size_t settle(LiveLandscape& live, train::Trainer& trainer) {
  std::size_t calls = 1;
  while (live.advance(trainer)) ++calls;
  return calls;
}

// run() ends a submit at a kept step: this runs all `steps`.
void trainSteps(train::Trainer& trainer, std::uint64_t steps) {
  while (steps > 0) steps -= std::min(steps, trainer.run(steps));
}

train::testing::Loaded spiral() {
  auto l = train::testing::loadPreset("spiral");
  l.config.timelineEvery = 10;
  return l;
}

TEST(LiveLandscape, CentreIsTheLossAtTheWeightsNowOnTheSameBatch) {
  const auto l = spiral();
  auto trainer = train::testing::makeTrainer(l);
  ASSERT_TRUE(trainer);
  trainSteps(*trainer, 50);
  LiveLandscape live({.points = 9, .span = 0.5f, .every = 20, .rows = 64});
  // One piece starts the refresh, then one a chunk of FIRST_CHUNK points: 81 points in 11 chunks.
  EXPECT_EQ(settle(live, *trainer), 1 + (81 + LiveLandscape::FIRST_CHUNK - 1) / LiveLandscape::FIRST_CHUNK);
  const auto result = live.latest();
  ASSERT_TRUE(result);
  ASSERT_EQ(result->error, "");
  EXPECT_EQ(result->step, 50u);
  EXPECT_EQ(result->chunk, LiveLandscape::FIRST_CHUNK);
  const auto params = trainer->parameters();
  const std::vector<double> weights(params.begin(), params.end());
  const double want = testing::referenceLoss(trainer->config().spec, weights, trainer->dataset(), 64);
  EXPECT_NEAR(result->grid.centre(), want, TOLERANCE * want);
  EXPECT_FALSE(result->exact);
}

TEST(LiveLandscape, RefreshesEveryNStepsAndAfterAnEdit) {
  const auto l = spiral();
  auto trainer = train::testing::makeTrainer(l);
  ASSERT_TRUE(trainer);
  LiveLandscape live({.points = 5, .span = 0.5f, .every = 20, .rows = 32});
  settle(live, *trainer);
  const auto first = live.latest();
  ASSERT_TRUE(first);
  trainSteps(*trainer, 19);
  EXPECT_FALSE(live.advance(*trainer));  // 19 steps: not due
  EXPECT_EQ(live.latest(), first);
  trainSteps(*trainer, 1);
  settle(live, *trainer);
  const auto second = live.latest();
  ASSERT_NE(second, first);
  EXPECT_EQ(second->step, 20u);
  EXPECT_GT(second->version, first->version);
  // The second refresh sizes its chunk from the first's time per point.
  EXPECT_GE(second->chunk, 1u);
  // New settings refresh at once, with the same weights.
  auto settings = live.settings();
  settings.span = 0.25f;
  live.configure(settings);
  settle(live, *trainer);
  EXPECT_EQ(live.latest()->step, 20u);
  EXPECT_EQ(live.latest()->grid.span, 0.25f);
}

TEST(LiveLandscape, TrajectoryPlaneHoldsTheKeptStepsAroundTheWeightsNow) {
  const auto l = spiral();
  auto trainer = train::testing::makeTrainer(l);
  ASSERT_TRUE(trainer);
  LiveLandscape live({.points = 7, .span = 1.2f, .rows = 64, .plane = PlaneKind::Trajectory});
  settle(live, *trainer);
  ASSERT_TRUE(live.latest());
  EXPECT_NE(live.latest()->error, "");  // step 0 alone is no plane: one line saying so
  trainSteps(*trainer, 100);
  settle(live, *trainer);
  const auto result = live.latest();
  ASSERT_EQ(result->error, "");
  EXPECT_EQ(result->pathSteps, trainer->timeline().steps());
  ASSERT_EQ(result->path.size(), result->pathSteps.size());
  EXPECT_EQ(result->pathSteps.back(), 100u);
  EXPECT_NEAR(result->path.back().alpha, 0.0f, 1e-6f);  // the weights now are the origin
  EXPECT_NEAR(result->path.back().beta, 0.0f, 1e-6f);
  EXPECT_EQ(result->path.front().distance >= 0.0f, true);
  // The span is 1.2 times the path's extent on the plane.
  float extent = 0.0f;
  for (const auto& p : result->path) extent = std::max({extent, std::fabs(p.alpha), std::fabs(p.beta)});
  EXPECT_FLOAT_EQ(result->grid.span, 1.2f * extent);
  const auto params = trainer->parameters();
  const std::vector<double> weights(params.begin(), params.end());
  const double want = testing::referenceLoss(trainer->config().spec, weights, trainer->dataset(), 64);
  EXPECT_NEAR(result->grid.centre(), want, TOLERANCE * want);
}

TEST(LiveLandscape, RefreshesInALocalSessionWhileItTrains) {
  auto l = spiral();
  auto session = train::LocalSession::create(l.config, l.dataset, /*running=*/true);
  ASSERT_TRUE(session.ok()) << session.message();
  auto live = std::make_shared<LiveLandscape>(LiveSettings{.points = 9, .span = 0.5f, .every = 50, .rows = 64});
  session.value()->submit(train::SetSessionWork{live});
  std::uint64_t firstVersion = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto r = live->latest();
    if (r && firstVersion == 0) firstVersion = r->version;
    if (r && r->version > firstVersion + 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(live->latest());
  EXPECT_EQ(live->latest()->error, "");
  EXPECT_GT(live->latest()->version, firstVersion + 1) << "no refresh while training";
  // A Pause is answered while refreshes go on (pieces are short): well under a second here.
  const auto paused = session.value()->submit(train::Pause{});
  EXPECT_TRUE(session.value()->awaitApplied(paused, std::chrono::seconds(5)));
}

}  // namespace
}  // namespace nsb::landscape
