// Trainer: determinism, live edits, reset, NaN guard and checkpoint resume on the CPU backend.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "TrainTestSupport.h"
#include "gpu/VulkanContext.h"
#include "nn/Checkpoint.h"
#include "nn/Init.h"

namespace nsb::train::testing {
namespace {

std::vector<double> lossTrajectory(Trainer& t, int submits, std::uint64_t stepsEach) {
  std::vector<double> losses;
  for (int i = 0; i < submits; ++i) {
    t.run(stepsEach);
    losses.push_back(t.lastLoss());
  }
  return losses;
}

TEST(Trainer, SameSeedGivesBitIdenticalLossTrajectory) {
  Loaded l = loadPreset("spiral");
  auto a = makeTrainer(l);
  auto b = makeTrainer(l);
  const auto la = lossTrajectory(*a, 40, 7);
  const auto lb = lossTrajectory(*b, 40, 7);
  ASSERT_EQ(la.size(), lb.size());
  for (std::size_t i = 0; i < la.size(); ++i) EXPECT_EQ(la[i], lb[i]) << "submit " << i;  // bit-identical
  EXPECT_EQ(a->parameters(), b->parameters());
}

TEST(Trainer, StepsPerSubmitDoesNotChangeTheTrajectory) {
  Loaded l = loadPreset("spiral");
  l.config.stepsPerSubmit = 1;
  auto a = makeTrainer(l);
  l.config.stepsPerSubmit = 16;
  auto b = makeTrainer(l);
  a->run(200);
  b->run(200);
  EXPECT_EQ(a->parameters(), b->parameters());
}

TEST(Trainer, DifferentSeedGivesDifferentWeights) {
  Loaded l = loadPreset("spiral");
  auto a = makeTrainer(l);
  l.config.seed = 2;
  auto b = makeTrainer(l);
  EXPECT_NE(a->parameters(), b->parameters());
}

TEST(Trainer, LearningRateEditAppliesAtTheNextStepAndIsRecorded) {
  Loaded l = loadPreset("spiral");
  l.config.stepsPerSubmit = 1;
  auto edited = makeTrainer(l);
  auto reference = makeTrainer(l);
  edited->run(10);
  reference->run(10);
  Hyperparams h = l.config.hyperparams;
  h.learningRate = 0.05f;
  auto events = edited->apply(SetHyperparams{h});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().what, "lr");
  EXPECT_EQ(events->front().step, 10u);
  // Before the next step nothing changed; in that step the update is exactly lr_new / lr_old times
  // the one at the old rate (Adam's step is proportional to lr, the state being the same).
  const auto start = edited->parameters();
  ASSERT_EQ(start, reference->parameters());
  edited->run(1);
  reference->run(1);
  const auto newer = edited->parameters();
  const auto older = reference->parameters();
  const double ratio = 0.05 / static_cast<double>(l.config.hyperparams.learningRate);
  int compared = 0;
  for (std::size_t i = 0; i < start.size(); ++i) {
    const double dOld = static_cast<double>(older[i]) - start[i];
    const double dNew = static_cast<double>(newer[i]) - start[i];
    if (std::fabs(dOld) < 1e-5) continue;  // too small to measure in float
    EXPECT_NEAR(dNew / dOld, ratio, 0.02 * ratio) << "parameter " << i;
    ++compared;
  }
  EXPECT_GT(compared, 10);
}

TEST(Trainer, ActivationSwapKeepsTheWeights) {
  Loaded l = loadPreset("spiral");
  auto t = makeTrainer(l);
  t->run(30);
  const auto before = t->parameters();
  auto events = t->apply(SetActivation{0, compute::Activation::Relu});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().before, "tanh");
  EXPECT_EQ(events->front().after, "relu");
  EXPECT_EQ(t->parameters(), before);
  EXPECT_EQ(t->config().spec.hidden[0].activation, compute::Activation::Relu);
  t->run(5);
  EXPECT_NE(t->parameters(), before);
  EXPECT_FALSE(t->apply(SetActivation{7, compute::Activation::Relu}).ok()) << "layer 7 does not exist";
}

TEST(Trainer, ResetRestoresTheInitialWeights) {
  Loaded l = loadPreset("spiral");
  auto t = makeTrainer(l);
  const auto initial = t->parameters();
  EXPECT_EQ(initial, nn::initialParameters(l.config.spec, l.config.hyperparams.init, l.config.seed));
  t->run(50);
  ASSERT_NE(t->parameters(), initial);
  ASSERT_TRUE(t->apply(Reset{}).ok());
  EXPECT_EQ(t->step(), 0u);
  EXPECT_EQ(t->parameters(), initial);
  ASSERT_TRUE(t->apply(Reset{42}).ok());
  EXPECT_EQ(t->parameters(), nn::initialParameters(l.config.spec, l.config.hyperparams.init, 42));
}

TEST(Trainer, OptimizerAndBatchEditsRebuildWithoutReset) {
  Loaded l = loadPreset("spiral");
  auto t = makeTrainer(l);
  t->run(20);
  const auto before = t->parameters();
  Hyperparams h = t->config().hyperparams;
  h.optimizer = compute::OptimizerKind::Momentum;
  h.batchSize = 25;
  auto events = t->apply(SetHyperparams{h});
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 2u);
  EXPECT_EQ(t->parameters(), before) << "weights kept";
  EXPECT_EQ(t->batchSize(), 25u);
  EXPECT_EQ(t->step(), 20u);
  t->run(10);
  EXPECT_EQ(t->step(), 30u);
}

TEST(Trainer, DivergenceRestoresTheLastGoodWeightsAndSaysWhy) {
  Loaded l = loadPreset("reg-plane");
  l.config.hyperparams.optimizer = compute::OptimizerKind::Sgd;
  l.config.hyperparams.learningRate = 10.0f;  // far too large: the loss explodes to inf/nan
  auto t = makeTrainer(l);
  const auto initial = t->parameters();
  t->run(2000);
  ASSERT_TRUE(t->diverged());
  EXPECT_EQ(t->parameters(), initial) << "no metric point was taken yet: the initial weights are the good ones";
  EXPECT_EQ(t->events().back().what, "diverged");
  for (float w : t->parameters()) EXPECT_TRUE(std::isfinite(w));
}

TEST(Trainer, ResumeContinuesExactlyAsWithoutTheStop) {
  Loaded l = loadPreset("spiral");
  auto straight = makeTrainer(l);
  auto first = makeTrainer(l);
  straight->run(95);
  first->run(40);  // mid-epoch: 30 steps per epoch
  const auto path = std::filesystem::temp_directory_path() / "nsb-resume-test.safetensors";
  ASSERT_TRUE(nn::saveCheckpoint(path.string(), first->checkpoint()).ok());
  auto loaded = nn::loadCheckpoint(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  auto second = makeTrainer(l);
  ASSERT_TRUE(second->restore(loaded.value()).ok());
  EXPECT_EQ(second->step(), 40u);
  second->run(55);
  EXPECT_EQ(second->parameters(), straight->parameters());
  EXPECT_EQ(second->lastLoss(), straight->lastLoss());
}

TEST(Trainer, CheckpointRoundTripGivesIdenticalPredictions) {
  Loaded l = loadPreset("xor");
  auto t = makeTrainer(l);
  t->run(100);
  const Evaluation before = t->evaluateTest();
  const auto path = std::filesystem::temp_directory_path() / "nsb-roundtrip-test.safetensors";
  ASSERT_TRUE(nn::saveCheckpoint(path.string(), t->checkpoint()).ok());
  auto loaded = nn::loadCheckpoint(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(loaded.ok());
  auto fresh = makeTrainer(l);
  ASSERT_TRUE(fresh->restore(loaded.value()).ok());
  const Evaluation after = fresh->evaluateTest();
  EXPECT_EQ(before.loss, after.loss);
  EXPECT_EQ(before.accuracy, after.accuracy);
}

TEST(Trainer, MetricPointsCarryNormsAndTestMetrics) {
  Loaded l = loadPreset("spiral");
  l.config.metricsEvery = 10;
  auto t = makeTrainer(l);
  t->run(30);
  ASSERT_EQ(t->history().size(), 3u);
  const MetricPoint& p = t->history().back();
  EXPECT_EQ(p.step, 30u);
  ASSERT_EQ(p.gradientNorm.size(), 3u);
  ASSERT_EQ(p.updateRatio.size(), 3u);
  for (double g : p.gradientNorm) EXPECT_GT(g, 0.0);
  for (double r : p.updateRatio) {
    EXPECT_GT(r, 0.0);
    EXPECT_LT(r, 1.0);
  }
  EXPECT_GT(p.test.accuracy, 0.0);
  EXPECT_FLOAT_EQ(static_cast<float>(p.learningRate), l.config.hyperparams.learningRate);
}

// A bounded history (the editor's sessions): past the bound every second point goes, the first and the
// last stay, in step order; unbounded (`train`), every point stays.
TEST(Trainer, HistoryPastItsBoundKeepsEverySecondPointAndTheEnds) {
  Loaded l = loadPreset("spiral");
  l.config.metricsEvery = 1;
  l.config.historyKept = 9;  // halved at 10 points: the last is at an odd index
  auto t = makeTrainer(l);
  for (std::uint64_t step = 1; step <= 100; ++step) {
    t->run(1);
    const auto& h = t->history();
    ASSERT_LE(h.size(), 9u) << "at step " << step;
    EXPECT_EQ(h.front().step, 1u);
    EXPECT_EQ(h.back().step, step);
    for (std::size_t i = 1; i < h.size(); ++i) ASSERT_LT(h[i - 1].step, h[i].step);
    for (const MetricPoint& p : h) ASSERT_EQ(p.gradientNorm.size(), 3u) << "a kept point keeps its contents";
  }
  l.config.historyKept = 0;
  auto all = makeTrainer(l);
  all->run(100);
  EXPECT_EQ(all->history().size(), 100u);
}

}  // namespace
}  // namespace nsb::train::testing

namespace nsb::train::testing {
namespace {

TEST(Trainer, ProbeRunsTheForwardPassOverItsInputs) {
  Loaded l = loadPreset("xor");
  auto t = makeTrainer(l);
  t->run(200);
  // Probe at the test points themselves: its head output must give the same predictions as evaluation.
  const auto& test = l.dataset->test;
  const std::size_t probe = t->addProbe(test.values);
  t->runProbes();
  const auto out = t->backend().read<float>(t->probe(probe).output);
  ASSERT_EQ(out.size(), test.count);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < test.count; ++i) correct += (out[i] > 0.5f) == (test.labels[i] == 1);
  EXPECT_DOUBLE_EQ(static_cast<double>(correct) / static_cast<double>(test.count), t->evaluateTest().accuracy);
  // Activations of every layer are there, sized [rows, width].
  EXPECT_EQ(t->probe(probe).a[0].shape, (std::vector<std::size_t>{test.count, l.config.spec.hidden[0].width}));
}

// runProbes(which) runs the marked probes and any not run since it was built or given new inputs; the
// others keep their last results and the step they were computed at.
TEST(Trainer, RunProbesRunsTheMarkedOnesAndTheNewOnes) {
  Loaded l = loadPreset("xor");
  auto t = makeTrainer(l);
  const auto& test = l.dataset->test;
  const std::size_t a = t->addProbe(test.values), b = t->addProbe(test.values);
  t->runProbes({false, false});  // never run yet: both run
  EXPECT_EQ(t->probeStep(a), 0u);
  EXPECT_EQ(t->probeStep(b), 0u);
  const auto initial = t->backend().read<float>(t->probe(b).output);
  t->run(50);
  t->runProbes({true, false});
  EXPECT_EQ(t->probeStep(a), 50u);
  EXPECT_EQ(t->probeStep(b), 0u);
  EXPECT_EQ(t->backend().read<float>(t->probe(b).output), initial) << "b did not run";
  EXPECT_NE(t->backend().read<float>(t->probe(a).output), initial) << "a ran on the trained weights";
  t->setProbeInputs(b, test.values);
  t->runProbes({true, false});
  EXPECT_EQ(t->probeStep(b), 50u) << "new inputs: b runs although not marked";
}

// A device slot receives each probe's latest results once, also those of a run made while another
// slot was written (the editor's heatmaps read slots in turn while the large probes run less often).
TEST(Trainer, ProbeSlotsCatchUpWithRunsTheyMissed) {
  if (gpu::listVulkanDevices().empty()) GTEST_SKIP() << "no Vulkan device";
  Loaded l = loadPreset("xor", "vulkan");
  auto t = makeTrainer(l);
  const auto& test = l.dataset->test;
  const std::size_t a = t->addProbe(test.values), b = t->addProbe(test.values);
  const std::size_t layers = l.config.spec.layerCount();
  auto slotOutput = [&](const Trainer::ProbeSlot& slot, std::size_t probe) {
    const compute::Tensor& out = t->probe(probe).output;
    const std::size_t offset = slot.offsets[probe][layers - 1];
    return t->backend().read<float>(slot.buffer.tensor({out.elements()}, compute::DType::F32, offset));
  };
  t->runProbes(0);
  t->run(30);
  const auto one = t->runProbes(1, {false, true});  // b runs into slot 1
  t->run(30);
  const auto zero = t->runProbes(0, {true, false});  // a runs; slot 0 must also catch up with b's run
  EXPECT_EQ(slotOutput(*zero, a), t->backend().read<float>(t->probe(a).output));
  EXPECT_EQ(slotOutput(*zero, b), t->backend().read<float>(t->probe(b).output)) << "slot 0 missed b's run at step 30";
  EXPECT_EQ(slotOutput(*one, b), t->backend().read<float>(t->probe(b).output));
  EXPECT_NE(slotOutput(*one, a), slotOutput(*zero, a)) << "slot 1 holds a from step 0, slot 0 from step 60";
}

}  // namespace
}  // namespace nsb::train::testing
