// The race against solo runs: replicas with the same settings stay identical, each replica's curve
// and weights are those of a solo Trainer with its settings (bit for bit on the CPU backend, within
// the parity tolerances of ParityTest on Vulkan), and the memory of every replica is checked before
// any is allocated.
#include <gtest/gtest.h>

#include <cmath>

#include "TrainTestSupport.h"
#include "compute/Registry.h"
#include "train/MemoryEstimate.h"
#include "train/Race.h"
#include "train/RaceSpec.h"

namespace nsb::train {
namespace {

using testing::Loaded;
using testing::loadPreset;

std::unique_ptr<Race> makeRace(const Loaded& l, const std::string& spec) {
  auto replicas = parseRace(spec, l.config.hyperparams);
  EXPECT_TRUE(replicas.ok()) << (replicas.ok() ? "" : replicas.message());
  if (!replicas.ok()) return nullptr;
  auto race = Race::create({.base = l.config, .replicas = replicas.value()}, l.dataset);
  EXPECT_TRUE(race.ok()) << (race.ok() ? "" : race.message());
  return race.ok() ? std::move(race.value()) : nullptr;
}

std::unique_ptr<Trainer> makeSolo(Loaded l, const Hyperparams& h) {
  l.config.hyperparams = h;
  return testing::makeTrainer(l);
}

// Three optimizers with their own constants; 75 steps of spiral: two and a half epochs, so that the
// metric points, an epoch's new shuffle and a submit cut short by the epoch end all happen.
constexpr const char* MIXED = "sgd:0.1,momentum:0.05:momentum=0.8,adam:0.01:beta1=0.8:eps=1e-6";
constexpr std::uint64_t STEPS = 75;

TEST(Race, ReplicasWithTheSameSettingsStayIdentical) {
  Loaded l = loadPreset("spiral");
  auto race = makeRace(l, "adam:0.01,adam:0.01");
  ASSERT_TRUE(race);
  EXPECT_EQ(race->run(STEPS), STEPS);
  ASSERT_EQ(race->history(0).size(), 2u);
  for (std::size_t p = 0; p < race->history(0).size(); ++p) {
    EXPECT_EQ(race->history(0)[p].trainLoss, race->history(1)[p].trainLoss) << "point " << p;
    EXPECT_EQ(race->history(0)[p].test.loss, race->history(1)[p].test.loss) << "point " << p;
  }
  EXPECT_EQ(race->parameters(0), race->parameters(1));
}

TEST(Race, EachReplicaIsItsSoloRunBitForBitOnTheCpu) {
  Loaded l = loadPreset("spiral");
  auto race = makeRace(l, MIXED);
  ASSERT_TRUE(race);
  race->run(STEPS);
  const std::vector<Evaluation> tests = race->evaluateTest();
  for (std::size_t r = 0; r < race->size(); ++r) {
    auto solo = makeSolo(l, race->hyperparams(r));
    ASSERT_TRUE(solo);
    solo->run(STEPS);
    const auto& mine = race->history(r);
    const auto& theirs = solo->history();
    ASSERT_EQ(mine.size(), theirs.size()) << "replica " << r;
    for (std::size_t p = 0; p < mine.size(); ++p) {
      EXPECT_EQ(mine[p].step, theirs[p].step);
      EXPECT_EQ(mine[p].trainLoss, theirs[p].trainLoss) << "replica " << r << " point " << p;
      EXPECT_EQ(mine[p].test.loss, theirs[p].test.loss) << "replica " << r << " point " << p;
      EXPECT_EQ(mine[p].test.accuracy, theirs[p].test.accuracy) << "replica " << r << " point " << p;
      EXPECT_EQ(mine[p].gradientNorm, theirs[p].gradientNorm) << "replica " << r << " point " << p;
      EXPECT_EQ(mine[p].updateRatio, theirs[p].updateRatio) << "replica " << r << " point " << p;
    }
    EXPECT_EQ(race->lastLoss(r), solo->lastLoss()) << "replica " << r;
    EXPECT_EQ(race->parameters(r), solo->parameters()) << "replica " << r;
    EXPECT_EQ(tests[r].loss, solo->evaluateTest().loss) << "replica " << r;
  }
  // The replicas really differ: the race is not one network drawn three times.
  EXPECT_NE(race->parameters(0), race->parameters(2));
}

TEST(Race, EachReplicaIsItsSoloRunWithinTheParityTolerancesOnVulkan) {
  if (!compute::createBackend("vulkan").ok()) GTEST_SKIP() << "no Vulkan device";
  // 32 steps in submits of 4 (lavapipe makes every pipeline again for each backend: a few seconds).
  constexpr std::uint64_t STEPS_HERE = 32, SUBMIT = 4;
  Loaded l = loadPreset("spiral", "vulkan");
  l.config.stepsPerSubmit = SUBMIT;
  auto race = makeRace(l, MIXED);
  ASSERT_TRUE(race);
  std::vector<std::vector<double>> losses(race->size());
  for (std::uint64_t s = 0; s < STEPS_HERE; s += SUBMIT) {
    race->run(SUBMIT);
    for (std::size_t r = 0; r < race->size(); ++r) losses[r].push_back(race->lastLoss(r));
  }
  for (std::size_t r = 0; r < race->size(); ++r) {
    auto solo = makeSolo(l, race->hyperparams(r));
    ASSERT_TRUE(solo);
    for (std::uint64_t s = 0; s < STEPS_HERE; s += SUBMIT) {
      solo->run(SUBMIT);
      // ParityTest's bounds: 1e-4 for the first 20 steps, 1e-3 relative after.
      const double loss = losses[r][s / SUBMIT];
      const double tolerance = s + SUBMIT <= 20 ? 1e-4 : 1e-3 * std::max(1.0, std::abs(loss));
      EXPECT_NEAR(loss, solo->lastLoss(), tolerance) << "replica " << r << " step " << s + SUBMIT;
    }
    const auto mine = race->parameters(r), theirs = solo->parameters();
    ASSERT_EQ(mine.size(), theirs.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < mine.size(); ++i) worst = std::max(worst, std::abs(double(mine[i]) - theirs[i]));
    EXPECT_LE(worst, 1e-3) << "replica " << r << ": the largest weight difference";
    // lavapipe: 0 (the same kernels in the same order give the same bits).
    std::printf("replica %zu: largest weight difference from its solo run %g\n", r, worst);
  }
}

// The replicas' like ops run as one dispatch on Vulkan (VulkanBatch): their arrays lie at a constant
// stride (nn::ModelStorage) and the backend takes their ops in turn. On spiral a solo step is 13
// dispatches, a race of four 16 (43 when each replica's ops went alone).
TEST(Race, TheReplicasLikeOpsRunAsOneDispatchOnVulkan) {
  if (!compute::createBackend("vulkan").ok()) GTEST_SKIP() << "no Vulkan device";
  Loaded l = loadPreset("spiral", "vulkan");
  l.config.backendOptions.timing = true;
  auto dispatches = [](const std::vector<compute::OpTiming>& timings) {
    std::uint32_t total = 0;
    for (const auto& t : timings) total += t.dispatches;
    return total;
  };
  auto solo = makeSolo(l, l.config.hyperparams);
  ASSERT_TRUE(solo);
  solo->run(1);
  auto race = makeRace(l, "sgd:0.1,momentum:0.1,adam:0.01,adamw:0.01");
  ASSERT_TRUE(race);
  race->run(1);
  const std::uint32_t one = dispatches(solo->timings()), four = dispatches(race->timings());
  ASSERT_GT(one, 0u);
  EXPECT_LT(four, 2 * one) << "a race of 4: " << four << " dispatches a step, a solo run " << one;
}

TEST(Race, ADivergingReplicaDoesNotStopTheOthers) {
  // A linear head under MSE: sgd at lr 10 overshoots without bound.
  Loaded l = loadPreset("reg-plane");
  auto race = makeRace(l, "sgd:10,adam:0.01");
  ASSERT_TRUE(race);
  race->run(STEPS);
  EXPECT_EQ(race->step(), STEPS);
  EXPECT_TRUE(race->divergedAt(0).has_value());
  EXPECT_FALSE(race->divergedAt(1).has_value());
  EXPECT_TRUE(std::isfinite(race->lastLoss(1)));
}

TEST(Race, ChecksTheMemoryOfEveryReplicaBeforeAllocatingAny) {
  Loaded l = loadPreset("spiral");
  l.config.spec.hidden = {{256, compute::Activation::Relu}, {256, compute::Activation::Tanh}};
  const std::size_t batch = effectiveBatch(l.config.hyperparams, l.dataset->train.count);
  MemoryPlan plan{.spec = l.config.spec, .dataset = *l.dataset, .batch = batch, .evalChunk = l.config.evalChunk};
  const std::uint64_t solo = estimateMemory(plan).device() + estimateMemory(plan).host();
  plan.replicas = 4;
  const std::uint64_t four = estimateMemory(plan).device() + estimateMemory(plan).host();
  // A budget that holds one network but not four: the solo trainer is made, the race is refused.
  l.config.backendOptions.memoryBudget = solo + solo / 4;
  ASSERT_GT(four, *l.config.backendOptions.memoryBudget);
  EXPECT_TRUE(testing::makeTrainer(l));
  auto replicas = parseRace("sgd:0.1,sgd:0.2,adam:0.01,adam:0.001", l.config.hyperparams);
  ASSERT_TRUE(replicas.ok());
  auto race = Race::create({.base = l.config, .replicas = replicas.value()}, l.dataset);
  ASSERT_FALSE(race.ok());
  EXPECT_EQ(race.error().kind, core::ErrorKind::BadInput);
  EXPECT_EQ(race.message().rfind("memory: a race of 4 replicas of the network 4-256-256-1 at batch 10 needs", 0), 0u)
      << race.message();
  // With room for them, what the race allocates is what the estimate counted.
  l.config.backendOptions.memoryBudget.reset();
  auto fits = Race::create({.base = l.config, .replicas = replicas.value()}, l.dataset);
  ASSERT_TRUE(fits.ok()) << fits.message();
  EXPECT_EQ(fits.value()->backend().bytesAllocated(), estimateMemory(plan).device());
}

}  // namespace
}  // namespace nsb::train
