// Time travel in a race session (RaceSession, RaceTimeline): a kept step shown shows every replica's
// weights as they were there (checked against a race run independently to that step), a branch with
// nothing changed goes on bit for bit as the race went on the CPU backend, a branch's new settings are
// the shown replica's from its branch point, and the kept steps never take more than their bound,
// however many replicas share it.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "TrainTestSupport.h"
#include "compute/Registry.h"
#include "train/RaceSession.h"
#include "train/RaceSpec.h"

namespace nsb::train {
namespace {

using namespace std::chrono_literals;
using testing::Loaded;
using testing::loadPreset;

// Spiral: 30 steps an epoch (a metric point each); a race step kept every 20 steps, so that a branch
// at 40 falls inside an epoch, between two metric points: the shuffle's cursor and the train loss
// summed so far must come back too.
constexpr std::uint64_t EVERY = 20;
constexpr const char* RACE = "sgd:0.1,adam:0.01";

struct Fixture {
  Loaded l;
  std::unique_ptr<Session> session;

  explicit Fixture(std::uint64_t every = EVERY, std::uint64_t bytes = Timeline::DEFAULT_BYTES,
                   const std::string& backend = "cpu")
      : l(loadPreset("spiral", backend)) {
    l.config.timelineEvery = every;
    l.config.timelineBytes = bytes;
    auto made = RaceSession::create({.base = l.config, .replicas = replicas()}, l.dataset, false);
    EXPECT_TRUE(made.ok()) << (made.ok() ? "" : made.message());
    if (made) session = std::move(made.value());
  }
  std::vector<Hyperparams> replicas() const { return parseRace(RACE, l.config.hyperparams).value(); }
  Outcome run(Command command) {
    const std::uint64_t sequence = session->submit(std::move(command));
    EXPECT_EQ(session->sync(60s), SyncStatus::Synced);
    const auto answered = session->latest();  // held: the outcome lives in this snapshot
    const Outcome* outcome = findOutcome(*answered, sequence);
    EXPECT_NE(outcome, nullptr);
    return outcome ? *outcome : Outcome{};
  }
  std::shared_ptr<const Snapshot> latest() const { return session->latest(); }
  // Replica `i`'s weights as the views show them (the probes' parameters).
  std::vector<float> shownWeights(std::size_t i) {
    EXPECT_TRUE(run(ShowReplica{i, std::nullopt}).ok);
    const auto probes = latest()->probes;
    EXPECT_TRUE(probes);
    return probes ? probes->parameters : std::vector<float>{};
  }
  // One race step's states: a state per replica.
  std::uint64_t stepBytes() const {
    return 2 * (sizeof(TimelineState) + 3 * l.config.spec.parameterCount() * sizeof(float));
  }
};

TEST(RaceSessionTimeline, AKeptStepShowsEveryReplicasWeightsAsTheyWereThere) {
  Fixture f;
  ASSERT_TRUE(f.session);
  ASSERT_TRUE(f.run(SetProbes{{std::vector<float>(3 * f.l.config.spec.inputs, 0.25f)}}).ok);
  ASSERT_TRUE(f.run(Step{100}).ok);
  const auto head = f.latest();
  ASSERT_TRUE(head->timeline);
  EXPECT_EQ(head->timeline->steps, (std::vector<std::uint64_t>{0, 20, 40, 60, 80, 100}));
  EXPECT_GT(head->timeline->bytes, 0u);
  EXPECT_LE(head->timeline->bytes, head->timeline->budget);

  // The same race run alone to step 40: the weights the views must show there.
  auto alone = Race::create({.base = f.l.config, .replicas = f.replicas()}, f.l.dataset);
  ASSERT_TRUE(alone.ok()) << alone.message();
  ASSERT_EQ(alone.value()->run(40), 40u);

  ASSERT_TRUE(f.run(ViewStep{40}).ok);
  const auto shown = f.latest();
  EXPECT_EQ(shown->step, 40u);
  EXPECT_EQ(shown->timeline->viewed, std::optional<std::uint64_t>(40));
  ASSERT_TRUE(shown->probes);
  EXPECT_EQ(shown->probes->step, 40u);
  EXPECT_FALSE(shown->running);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(f.shownWeights(i), alone.value()->parameters(i)) << "replica " << i + 1 << " at step 40";
    EXPECT_EQ(f.latest()->timeline->viewed, std::optional<std::uint64_t>(40)) << "showing a replica left the step";
    EXPECT_EQ(f.latest()->race->replicas[i].lastLoss, alone.value()->lastLoss(i));
  }
  // The difference of two at the kept step too.
  ASSERT_TRUE(f.run(ShowReplica{1, 0}).ok);
  const auto compared = f.latest();  // held: difference lives in it
  const auto& difference = compared->probes->parameters;
  const auto w0 = alone.value()->parameters(0), w1 = alone.value()->parameters(1);
  ASSERT_EQ(difference.size(), w0.size());
  for (std::size_t k = 0; k < w0.size(); ++k) ASSERT_EQ(difference[k], w1[k] - w0[k]) << k;

  // Back to the head: the race waited there.
  ASSERT_TRUE(f.run(ViewStep{std::nullopt}).ok);
  EXPECT_EQ(f.latest()->step, 100u);
  EXPECT_FALSE(f.latest()->timeline->viewed);
  EXPECT_EQ(f.latest()->probes->step, 100u);
  // A step not kept is refused; stepping from a kept step shown goes on from the head.
  EXPECT_FALSE(f.run(ViewStep{30}).ok);
  ASSERT_TRUE(f.run(ViewStep{20}).ok);
  ASSERT_TRUE(f.run(Step{5}).ok);
  EXPECT_EQ(f.latest()->step, 105u);
  EXPECT_FALSE(f.latest()->timeline->viewed);
}

TEST(RaceSessionTimeline, ABranchWithNothingChangedGoesOnBitForBitOnTheCpu) {
  Fixture f;
  ASSERT_TRUE(f.session);
  ASSERT_TRUE(f.run(SetProbes{{std::vector<float>(3 * f.l.config.spec.inputs, 0.25f)}}).ok);
  ASSERT_TRUE(f.run(Step{150}).ok);
  const auto original = f.latest();
  const std::vector<float> weights0 = f.shownWeights(0), weights1 = f.shownWeights(1);

  ASSERT_TRUE(f.run(ViewStep{40}).ok);
  ASSERT_TRUE(f.run(Branch{40, std::nullopt}).ok);
  const auto branched = f.latest();
  EXPECT_EQ(branched->run, original->run + 1);
  EXPECT_EQ(branched->step, 40u);
  EXPECT_FALSE(branched->timeline->viewed);
  EXPECT_EQ(branched->timeline->steps.back(), 40u) << "the original's later steps are still kept";
  for (const auto& r : branched->race->replicas) EXPECT_TRUE(r.history.empty()) << "a point of the original";

  ASSERT_TRUE(f.run(Step{110}).ok);
  const auto again = f.latest();
  EXPECT_EQ(again->step, 150u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& before = original->race->replicas[i].history;
    const auto& after = again->race->replicas[i].history;
    std::size_t compared = 0;
    for (const auto& p : before) {
      if (p.step <= 40) continue;
      ASSERT_LT(compared, after.size());
      const MetricPoint& q = after[compared++];
      EXPECT_EQ(q.step, p.step);
      EXPECT_EQ(q.trainLoss, p.trainLoss) << "replica " << i + 1 << " step " << p.step;
      EXPECT_EQ(q.test.loss, p.test.loss) << "replica " << i + 1 << " step " << p.step;
      EXPECT_EQ(q.test.accuracy, p.test.accuracy) << "replica " << i + 1 << " step " << p.step;
    }
    EXPECT_EQ(compared, after.size());
    EXPECT_GE(compared, 3u);
  }
  EXPECT_EQ(f.shownWeights(0), weights0);
  EXPECT_EQ(f.shownWeights(1), weights1);
}

// On Vulkan the kept states come back from the device and go back to it: a kept step shows every
// replica's weights there, and a branch ends where the race did, within ParityTest's bound for weights
// after 100 steps (lavapipe gives 0: the same kernels in the same order).
TEST(RaceSessionTimeline, AKeptStepAndABranchWithinTheParityTolerancesOnVulkan) {
  if (!compute::createBackend("vulkan").ok()) GTEST_SKIP() << "no Vulkan device";
  Fixture f(EVERY, Timeline::DEFAULT_BYTES, "vulkan");
  ASSERT_TRUE(f.session);
  EXPECT_EQ(f.latest()->backend, "vulkan");
  ASSERT_TRUE(f.run(SetProbes{{std::vector<float>(3 * f.l.config.spec.inputs, 0.25f)}}).ok);
  ASSERT_TRUE(f.run(Step{100}).ok);
  const std::vector<float> head0 = f.shownWeights(0), head1 = f.shownWeights(1);
  auto alone = Race::create({.base = f.l.config, .replicas = f.replicas()}, f.l.dataset);
  ASSERT_TRUE(alone.ok()) << alone.message();
  ASSERT_EQ(alone.value()->run(40), 40u);
  const auto worst = [](const std::vector<float>& a, const std::vector<float>& b) {
    EXPECT_EQ(a.size(), b.size());
    double most = 0.0;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) most = std::max(most, std::abs(double(a[i]) - b[i]));
    return most;
  };
  ASSERT_TRUE(f.run(ViewStep{40}).ok);
  EXPECT_LE(worst(f.shownWeights(0), alone.value()->parameters(0)), 1e-3);
  EXPECT_LE(worst(f.shownWeights(1), alone.value()->parameters(1)), 1e-3);
  ASSERT_TRUE(f.run(Branch{40, std::nullopt}).ok);
  ASSERT_TRUE(f.run(Step{60}).ok);
  EXPECT_EQ(f.latest()->step, 100u);
  const double branch0 = worst(f.shownWeights(0), head0), branch1 = worst(f.shownWeights(1), head1);
  EXPECT_LE(branch0, 1e-3);
  EXPECT_LE(branch1, 1e-3);
  std::printf("vulkan race: largest weight difference of the branch from the original %g, %g\n", branch0, branch1);
}

TEST(RaceSessionTimeline, ABranchsNewSettingsAreTheShownReplicasFromItsBranchPoint) {
  Fixture f;
  ASSERT_TRUE(f.session);
  ASSERT_TRUE(f.run(Step{80}).ok);
  ASSERT_TRUE(f.run(ShowReplica{1, std::nullopt}).ok);
  Hyperparams h = f.latest()->race->replicas[1].hyperparams;
  h.learningRate = 0.002f;
  ASSERT_TRUE(f.run(Branch{40, h}).ok);
  const auto s = f.latest();
  EXPECT_EQ(s->step, 40u);
  EXPECT_FLOAT_EQ(s->race->replicas[1].hyperparams.learningRate, 0.002f);
  EXPECT_FLOAT_EQ(s->race->replicas[0].hyperparams.learningRate, 0.1f);
  EXPECT_FLOAT_EQ(s->hyperparams.learningRate, 0.002f);
  ASSERT_GE(s->events.size(), 2u);
  EXPECT_EQ(s->events[s->events.size() - 2].what, "branch");
  // A batch of its own is refused, and so is a step not kept.
  Hyperparams batch = h;
  batch.batchSize = 7;
  EXPECT_FALSE(f.run(Branch{40, batch}).ok);
  EXPECT_FALSE(f.run(Branch{50, std::nullopt}).ok);
}

TEST(RaceSessionTimeline, NeverExceedsItsBoundAndAlwaysKeepsStepZero) {
  Fixture sized;  // only to know a step's size
  const std::uint64_t step = sized.stepBytes();
  Fixture f(5, 5 * step);  // five race steps of two replicas
  ASSERT_TRUE(f.session);
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(f.run(Step{13}).ok);
    const auto t = f.latest()->timeline;
    ASSERT_TRUE(t);
    ASSERT_LE(t->bytes, 5 * step) << "at step " << f.latest()->step;
    ASSERT_EQ(t->steps.front(), 0u);
    ASSERT_GE(t->steps.size(), 2u);
  }
  EXPECT_GT(f.latest()->timeline->stride, 5u) << "never thinned: the bound was not reached";
  // What is kept is still a race to branch from.
  const std::uint64_t last = f.latest()->timeline->steps.back();
  ASSERT_TRUE(f.run(Branch{last, std::nullopt}).ok);
  EXPECT_EQ(f.latest()->step, last);

  // Bounds that do not hold two steps of every replica are refused with one line; so is a replica the
  // bound cannot take one more of (two and a half steps of 2 replicas hold fewer than 2 of 3).
  const Outcome small = f.run(SetTimeline{5, step});
  EXPECT_FALSE(small.ok);
  EXPECT_NE(small.message.find("race of 2 replicas"), std::string::npos) << small.message;
  ASSERT_TRUE(f.run(SetTimeline{5, 5 * step / 2}).ok);
  EXPECT_LE(f.latest()->timeline->bytes, 5 * step / 2);
  const Outcome more = f.run(AddReplica{f.replicas()[0], 0});
  EXPECT_FALSE(more.ok);
  EXPECT_NE(more.message.find("timeline"), std::string::npos) << more.message;
  EXPECT_EQ(f.latest()->race->replicas.size(), 2u);
  // A race that is made with a bound too small is refused before it is made.
  sized.l.config.timelineEvery = 5;
  sized.l.config.timelineBytes = step;
  EXPECT_FALSE(RaceSession::create({.base = sized.l.config, .replicas = sized.replicas()}, sized.l.dataset, false));
}

TEST(RaceSessionTimeline, AReplicaAddedOrRemovedKeepsTheBoundAndEveryReplicaInEachStep) {
  Fixture f;
  ASSERT_TRUE(f.session);
  ASSERT_TRUE(f.run(Step{45}).ok);
  // Added: a kept step holds every replica, so the timeline starts again from here.
  ASSERT_TRUE(f.run(AddReplica{f.replicas()[1], 0}).ok);
  EXPECT_EQ(f.latest()->timeline->steps, (std::vector<std::uint64_t>{45}));
  ASSERT_TRUE(f.run(Step{40}).ok);
  EXPECT_EQ(f.latest()->timeline->steps, (std::vector<std::uint64_t>{45, 60, 80}));
  // Removed: its states go, the others' stay.
  const std::uint64_t bytes = f.latest()->timeline->bytes;
  ASSERT_TRUE(f.run(RemoveReplica{0}).ok);
  EXPECT_EQ(f.latest()->timeline->steps, (std::vector<std::uint64_t>{45, 60, 80}));
  EXPECT_EQ(f.latest()->timeline->bytes * 3, bytes * 2);
  ASSERT_TRUE(f.run(Branch{60, std::nullopt}).ok);
  EXPECT_EQ(f.latest()->step, 60u);
  EXPECT_EQ(f.latest()->race->replicas.size(), 2u);
}

}  // namespace
}  // namespace nsb::train
