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
#include "train/Race.h"
#include "train/RacePaths.h"
#include "train/RaceSession.h"
#include "train/RaceSpec.h"
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

double distance(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    s += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
  return std::sqrt(s);
}

// A race (as RaceSession drives it): the centre is the shown replica's weights, the plane its path's,
// and every replica's path is on it, ending at its weights now: the shown one's at the origin, another's
// at a point whose coordinates and distance from the plane make up its distance from the centre.
TEST(LiveLandscape, InARaceEveryReplicaIsOnTheShownReplicasPlane) {
  const auto l = train::testing::loadPreset("spiral");
  auto replicas = train::parseRace("sgd:0.1,adam:0.01", l.config.hyperparams);
  ASSERT_TRUE(replicas.ok());
  auto created = train::Race::create({.base = l.config, .replicas = replicas.value()}, l.dataset);
  ASSERT_TRUE(created.ok()) << created.message();
  train::Race& race = *created.value();
  auto views = train::testing::makeTrainer(l);  // the views' trainer: never steps
  ASSERT_TRUE(views);
  train::RacePaths paths;
  paths.follow(race);
  while (race.step() < 300) {
    race.run(std::min<std::uint64_t>(300 - race.step(), paths.stepsToNext(race.step())));
    paths.follow(race);
  }
  LiveLandscape live({.points = 7, .span = 1.0f, .rows = 64, .plane = PlaneKind::Trajectory});
  train::RaceContext context{.race = race, .shown = 1, .edits = 0, .paths = {paths.path(0), paths.path(1)}};
  while (live.advance(*views, &context)) {
  }
  const auto result = live.latest();
  ASSERT_TRUE(result);
  ASSERT_EQ(result->error, "");
  EXPECT_EQ(result->step, 300u);
  EXPECT_EQ(result->pathSteps, (std::vector<std::uint64_t>{0, 100, 200, 300}));
  ASSERT_EQ(result->replicas.size(), 2u);
  const std::vector<float> shown = race.parameters(1), other = race.parameters(0);
  // The centre: the loss at the shown replica's weights, not the views' trainer's.
  const std::vector<double> weights(shown.begin(), shown.end());
  const double want = testing::referenceLoss(l.config.spec, weights, *l.dataset, 64);
  EXPECT_NEAR(result->grid.centre(), want, TOLERANCE * want);
  for (std::size_t i = 0; i < 2; ++i) {
    const ReplicaPlanePath& r = result->replicas[i];
    EXPECT_EQ(r.id, race.id(i));
    EXPECT_EQ(r.steps, (std::vector<std::uint64_t>{0, 100, 200, 300, 300}));
    ASSERT_EQ(r.points.size(), r.steps.size());
  }
  // The shown replica: its kept steps are the plane's path, its weights now the origin.
  const PlanePoint& centre = result->replicas[1].points.back();
  EXPECT_EQ(centre.alpha, 0.0f);
  EXPECT_EQ(centre.beta, 0.0f);
  EXPECT_EQ(centre.distance, 0.0f);
  for (std::size_t k = 0; k < result->path.size(); ++k)
    EXPECT_EQ(result->replicas[1].points[k].distance, result->path[k].distance);
  // The other: Pythagoras on its difference from the centre, computed here (float coordinates: 1e-5).
  const PlanePoint& now = result->replicas[0].points.back();
  const double apart = distance(other, shown);
  EXPECT_GT(now.distance, 0.0f);
  EXPECT_NEAR(std::sqrt(static_cast<double>(now.alpha) * now.alpha + static_cast<double>(now.beta) * now.beta +
                        static_cast<double>(now.distance) * now.distance),
              apart, 1e-5 * apart);
  // Both replicas start from the same weights: their first points are one.
  EXPECT_EQ(result->replicas[0].points.front().alpha, result->replicas[1].points.front().alpha);
  EXPECT_EQ(result->replicas[0].points.front().distance, result->replicas[1].points.front().distance);
  // Every path is inside the map.
  for (const auto& r : result->replicas)
    for (const auto& p : r.points)
      EXPECT_LE(std::max(std::fabs(p.alpha), std::fabs(p.beta)), result->grid.span * (1 + 1e-6f));
}

// Through a RaceSession: SetSessionWork runs the landscape on the race's thread while it trains.
TEST(LiveLandscape, RefreshesInARaceSessionWhileItTrains) {
  const auto l = train::testing::loadPreset("spiral");
  auto replicas = train::parseRace("sgd:0.1,adam:0.01", l.config.hyperparams);
  ASSERT_TRUE(replicas.ok());
  auto session = train::RaceSession::create({.base = l.config, .replicas = replicas.value()}, l.dataset, true);
  ASSERT_TRUE(session.ok()) << session.message();
  auto live = std::make_shared<LiveLandscape>(
      LiveSettings{.points = 7, .span = 1.0f, .every = 50, .rows = 64, .plane = PlaneKind::Trajectory});
  session.value()->submit(train::SetSessionWork{live});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto r = live->latest();
    if (r && r->error.empty() && r->replicas.size() == 2 && r->step >= 300) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto r = live->latest();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, "");
  EXPECT_EQ(r->replicas.size(), 2u);
  EXPECT_GE(r->step, 300u);
  const auto paused = session.value()->submit(train::Pause{});
  EXPECT_TRUE(session.value()->awaitApplied(paused, std::chrono::seconds(5)));
}

// A kept step shown in a race session (ViewStep): the landscape goes on, around the shown replica's
// weights at that step, as a solo session's does around its trainer's (the race waits at its head).
TEST(LiveLandscape, InARaceSessionFollowsAKeptStepShown) {
  auto l = train::testing::loadPreset("spiral");
  l.config.timelineEvery = 50;
  auto replicas = train::parseRace("sgd:0.1,adam:0.01", l.config.hyperparams);
  ASSERT_TRUE(replicas.ok());
  auto made = train::RaceSession::create({.base = l.config, .replicas = replicas.value()}, l.dataset, false);
  ASSERT_TRUE(made.ok()) << made.message();
  train::Session& session = *made.value();
  auto live = std::make_shared<LiveLandscape>(
      LiveSettings{.points = 5, .span = 1.0f, .every = 50, .rows = 64, .plane = PlaneKind::Random});
  auto waitFor = [&](std::uint64_t step) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto r = live->latest();
      if (r && r->error.empty() && r->step == step) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return live->latest();
  };
  session.submit(train::ShowReplica{1, std::nullopt});
  session.submit(train::Step{200});
  session.submit(train::SetSessionWork{live});
  ASSERT_EQ(session.sync(std::chrono::seconds(60)), train::SyncStatus::Synced);
  ASSERT_TRUE(waitFor(200));
  session.submit(train::ViewStep{100});
  const auto r = waitFor(100);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->step, 100u) << "no refresh while a kept step is shown";
  // The shown replica's weights at step 100, from a race run here to that step.
  auto again = train::Race::create({.base = l.config, .replicas = replicas.value()}, l.dataset);
  ASSERT_TRUE(again.ok()) << again.message();
  again.value()->run(100);
  const std::vector<float> shown = again.value()->parameters(1);
  const std::vector<double> weights(shown.begin(), shown.end());
  const double want = testing::referenceLoss(l.config.spec, weights, *l.dataset, 64);
  EXPECT_NEAR(r->grid.centre(), want, TOLERANCE * want);
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
