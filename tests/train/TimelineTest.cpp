// Time travel (train/Timeline.h): a branch from a kept step with nothing changed is the original run
// again (bit for bit on the CPU backend, within ParityTest's tolerances on Vulkan), a branch with new
// hyperparameters takes them from its branch point, a kept step can be shown and left, and the
// timeline never holds more than its memory bound and always keeps step 0.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "TrainTestSupport.h"
#include "compute/Registry.h"
#include "train/LocalSession.h"
#include "train/Timeline.h"

namespace nsb::train {
namespace {

using testing::Loaded;
using testing::loadPreset;

// Spiral: 30 steps an epoch at batch 10 (a metric point each), a state kept every 20 steps: the
// branch point falls inside an epoch, between two metric points, so that the shuffle's cursor and the
// train loss summed so far must come back too.
constexpr std::uint64_t EVERY = 20, STEPS = 150, BRANCH = 60;

Loaded spiral(const std::string& backend = "cpu") {
  Loaded l = loadPreset("spiral", backend);
  l.config.timelineEvery = EVERY;
  return l;
}

void expectSamePoints(const std::vector<MetricPoint>& original, const std::vector<MetricPoint>& branch,
                      std::uint64_t after) {
  std::vector<MetricPoint> later;
  std::copy_if(original.begin(), original.end(), std::back_inserter(later),
               [&](const MetricPoint& p) { return p.step > after; });
  std::vector<MetricPoint> mine;
  std::copy_if(branch.begin(), branch.end(), std::back_inserter(mine),
               [&](const MetricPoint& p) { return p.step > after; });
  ASSERT_EQ(mine.size(), later.size());
  ASSERT_FALSE(later.empty());
  for (std::size_t i = 0; i < later.size(); ++i) {
    EXPECT_EQ(mine[i].step, later[i].step);
    EXPECT_EQ(mine[i].trainLoss, later[i].trainLoss) << "step " << later[i].step;
    EXPECT_EQ(mine[i].test.loss, later[i].test.loss) << "step " << later[i].step;
    EXPECT_EQ(mine[i].test.accuracy, later[i].test.accuracy) << "step " << later[i].step;
    EXPECT_EQ(mine[i].learningRate, later[i].learningRate) << "step " << later[i].step;
    EXPECT_EQ(mine[i].gradientNorm, later[i].gradientNorm) << "step " << later[i].step;
    EXPECT_EQ(mine[i].updateRatio, later[i].updateRatio) << "step " << later[i].step;
  }
}

TEST(Timeline, ABranchWithNothingChangedIsTheRunAgainBitForBitOnTheCpu) {
  auto t = testing::makeTrainer(spiral());
  ASSERT_TRUE(t);
  t->run(STEPS);
  const auto history = t->history();
  const auto params = t->parameters();
  const Evaluation test = t->evaluateTest();
  const TimelineState keptLater = *t->timeline().find(140);
  const std::vector<std::uint64_t> expected = {0, 20, 40, 60, 80, 100, 120, 140};
  EXPECT_EQ(t->timeline().steps(), expected);

  ASSERT_TRUE(t->apply(Branch{BRANCH, std::nullopt}).ok());
  EXPECT_EQ(t->step(), BRANCH);
  EXPECT_EQ(t->timeline().steps().back(), BRANCH);  // the old future is gone
  EXPECT_TRUE(
      std::all_of(t->history().begin(), t->history().end(), [](const MetricPoint& p) { return p.step == BRANCH; }));
  EXPECT_EQ(t->run(STEPS - BRANCH), STEPS - BRANCH);
  EXPECT_EQ(t->parameters(), params);
  expectSamePoints(history, t->history(), BRANCH);
  const Evaluation again = t->evaluateTest();
  EXPECT_EQ(again.loss, test.loss);
  EXPECT_EQ(again.accuracy, test.accuracy);
  // The state kept on the way is the one kept the first time, optimizer state included.
  const TimelineState* mine = t->timeline().find(140);
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->params, keptLater.params);
  EXPECT_EQ(mine->state1, keptLater.state1);
  EXPECT_EQ(mine->state2, keptLater.state2);
  EXPECT_EQ(mine->cursor, keptLater.cursor);
}

TEST(Timeline, ABranchWithinTheParityTolerancesOnVulkan) {
  if (!compute::createBackend("vulkan").ok()) GTEST_SKIP() << "no Vulkan device";
  Loaded l = spiral("vulkan");
  auto t = testing::makeTrainer(l);
  ASSERT_TRUE(t);
  t->run(100);
  const auto history = t->history();
  const auto params = t->parameters();
  ASSERT_TRUE(t->apply(Branch{40, std::nullopt}).ok());
  t->run(60);
  const auto mine = t->parameters();
  ASSERT_EQ(mine.size(), params.size());
  double worst = 0.0;
  for (std::size_t i = 0; i < mine.size(); ++i) worst = std::max(worst, std::abs(double(mine[i]) - params[i]));
  // ParityTest's bound for weights after 100 steps; lavapipe gives 0 (the same kernels in the same order).
  EXPECT_LE(worst, 1e-3);
  std::printf("vulkan: largest weight difference of the branch from the original %g\n", worst);
  for (const auto& p : t->history()) {
    if (p.step <= 40) continue;
    const auto it =
        std::find_if(history.begin(), history.end(), [&](const MetricPoint& o) { return o.step == p.step; });
    ASSERT_NE(it, history.end());
    EXPECT_NEAR(p.test.loss, it->test.loss, 1e-3 * std::max(1.0, std::abs(it->test.loss))) << "step " << p.step;
  }
}

TEST(Timeline, ABranchTakesItsNewHyperparametersFromItsBranchPoint) {
  auto t = testing::makeTrainer(spiral());
  ASSERT_TRUE(t);
  t->run(STEPS);
  const auto params = t->parameters();
  const TimelineState at = *t->timeline().find(BRANCH);
  Hyperparams h = t->config().hyperparams;
  h.learningRate *= 0.5f;
  ASSERT_TRUE(t->apply(Branch{BRANCH, h}).ok());
  EXPECT_EQ(t->parameters(), at.params);  // the branch point as it was
  EXPECT_EQ(t->config().hyperparams.learningRate, h.learningRate);
  EXPECT_EQ(t->events().back().what, "lr");
  t->run(STEPS - BRANCH);
  EXPECT_NE(t->parameters(), params);
}

TEST(Timeline, AKeptStepIsShownAndLeftForTheHead) {
  auto t = testing::makeTrainer(spiral());
  ASSERT_TRUE(t);
  t->run(STEPS);
  const auto head = t->parameters();
  ASSERT_TRUE(t->apply(ViewStep{40}).ok());
  EXPECT_EQ(t->step(), 40u);
  EXPECT_EQ(t->viewedStep(), std::optional<std::uint64_t>(40));
  EXPECT_EQ(t->parameters(), t->timeline().find(40)->params);
  ASSERT_TRUE(t->apply(ViewStep{100}).ok());  // from one kept step to another, the head still waiting
  EXPECT_EQ(t->step(), 100u);
  ASSERT_TRUE(t->apply(ViewStep{std::nullopt}).ok());
  EXPECT_EQ(t->step(), STEPS);
  EXPECT_EQ(t->parameters(), head);
  EXPECT_EQ(t->timeline().steps().back(), 140u);  // showing drops nothing
  // Training while a step is shown goes on from the head.
  ASSERT_TRUE(t->apply(ViewStep{20}).ok());
  t->run(10);
  EXPECT_EQ(t->step(), STEPS + 10);
  EXPECT_FALSE(t->viewedStep());
}

TEST(Timeline, RefusesStepsItDidNotKeepAndBoundsTooSmall) {
  auto t = testing::makeTrainer(spiral());
  ASSERT_TRUE(t);
  t->run(50);
  auto refused = t->apply(Branch{30, std::nullopt});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.message(), "branch at step 30: not a kept step of the timeline");
  EXPECT_FALSE(t->apply(ViewStep{60}).ok());
  auto small = t->apply(SetTimeline{EVERY, 100});
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.message().find("does not hold two snapshots"), std::string::npos) << small.message();
  EXPECT_EQ(t->step(), 50u);
}

TimelineState stateOf(std::uint64_t step, std::size_t floats) {
  TimelineState s;
  s.step = step;
  s.params.assign(floats, static_cast<float>(step));
  s.state1.assign(floats, 0.0f);
  s.state2.assign(floats, 0.0f);
  return s;
}

TEST(Timeline, NeverExceedsItsBoundAndAlwaysKeepsStepZero) {
  const std::uint64_t one = stateOf(0, 1000).bytes();
  Timeline timeline(10, 5 * one + one / 2);  // five and a half states
  std::uint64_t kept = 0;
  for (std::uint64_t step = 0; step <= 5000; ++step) {
    if (!timeline.due(step)) continue;
    timeline.keep(stateOf(step, 1000));
    ++kept;
    ASSERT_LE(timeline.bytes(), timeline.budget()) << "step " << step;
    ASSERT_NE(timeline.find(0), nullptr) << "step " << step;
    const auto steps = timeline.steps();
    ASSERT_EQ(timeline.bytes(), steps.size() * one);
    ASSERT_TRUE(std::is_sorted(steps.begin(), steps.end()));
    ASSERT_EQ(steps.back(), step);  // the newest always stays
  }
  EXPECT_GE(timeline.size(), 3u);  // thinned, not emptied: about half the bound stays in use
  EXPECT_GT(timeline.stride(), 10u);
  EXPECT_LT(kept, 501u);  // past the first thinning only the wider stride is kept
  // A smaller bound thins at once.
  ASSERT_TRUE(timeline.configure(10, 3 * one, nn::ModelSpec{}).ok());
  EXPECT_LE(timeline.bytes(), 3 * one);
  EXPECT_NE(timeline.find(0), nullptr);
}

TEST(Timeline, ATrainersTimelineStaysWithinItsBound) {
  Loaded l = spiral();
  l.config.timelineEvery = 5;
  const std::uint64_t one = sizeof(TimelineState) + 3 * l.config.spec.parameterCount() * sizeof(float);
  l.config.timelineBytes = 4 * one;
  auto t = testing::makeTrainer(l);
  ASSERT_TRUE(t);
  for (int i = 0; i < 40; ++i) {
    t->run(13);
    ASSERT_LE(t->timeline().bytes(), 4 * one);
    ASSERT_NE(t->timeline().find(0), nullptr);
  }
  // What is kept is still a state to branch from.
  const std::uint64_t last = t->timeline().steps().back();
  ASSERT_TRUE(t->apply(Branch{last, std::nullopt}).ok());
  EXPECT_EQ(t->step(), last);
}

TEST(Timeline, ASessionBranchIsANewRunFromItsBranchPoint) {
  Loaded l = spiral();
  auto made = LocalSession::create(l.config, l.dataset, false);
  ASSERT_TRUE(made.ok());
  Session& s = *made.value();
  s.submit(Step{100});
  ASSERT_EQ(s.sync(std::chrono::seconds(60)), SyncStatus::Synced);
  auto before = s.latest();
  ASSERT_TRUE(before->timeline);
  EXPECT_EQ(before->timeline->every, EVERY);
  EXPECT_EQ(before->timeline->steps.back(), 100u);
  EXPECT_GT(before->timeline->bytes, 0u);
  s.submit(ViewStep{40});
  ASSERT_EQ(s.sync(std::chrono::seconds(60)), SyncStatus::Synced);
  EXPECT_EQ(s.latest()->timeline->viewed, std::optional<std::uint64_t>(40));
  EXPECT_EQ(s.latest()->step, 40u);
  EXPECT_EQ(s.latest()->run, before->run);
  s.submit(Branch{40, std::nullopt});
  ASSERT_EQ(s.sync(std::chrono::seconds(60)), SyncStatus::Synced);
  auto after = s.latest();
  EXPECT_EQ(after->run, before->run + 1);
  EXPECT_EQ(after->step, 40u);
  EXPECT_FALSE(after->timeline->viewed);
  EXPECT_EQ(after->timeline->steps.back(), 40u);
}

}  // namespace
}  // namespace nsb::train
