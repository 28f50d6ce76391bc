// The memory estimate against the bytes a real Trainer allocates, and the refusals it drives: a
// network over the budget is not made, an edit over it is refused with one line while training goes
// on, and on a Vulkan device a layer larger than one buffer may be is refused before it is allocated.
#include <gtest/gtest.h>

#include <cmath>

#include "TrainTestSupport.h"
#include "gpu/VulkanContext.h"
#include "train/MemoryEstimate.h"
#include "train/Probes.h"

namespace nsb::train {
namespace {

using testing::Loaded;
using testing::loadPreset;
using testing::makeTrainer;

// Exact on these backends (the estimate uses the allocations' own formulas); 1% leaves room for a
// buffer that a later change adds before the estimate learns of it.
constexpr double TOLERANCE = 0.01;

MemoryNeed estimateFor(Trainer& t, std::size_t slots = 0) {
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < t.probeCount(); ++i) rows.push_back(t.probeRows(i));
  return estimateMemory({.spec = t.config().spec,
                         .dataset = t.dataset(),
                         .batch = t.batchSize(),
                         .evalChunk = t.config().evalChunk,
                         .probeRows = rows,
                         .probeSlots = slots});
}

void expectNear(std::uint64_t estimate, std::uint64_t real, const std::string& what) {
  EXPECT_LE(std::abs(static_cast<double>(estimate) - static_cast<double>(real)), TOLERANCE * static_cast<double>(real))
      << what << ": estimate " << estimate << ", allocated " << real;
  std::printf("%s: estimate %llu bytes, allocated %llu bytes\n", what.c_str(),
              static_cast<unsigned long long>(estimate), static_cast<unsigned long long>(real));
}

// The spiral network made wide enough that the model, not the small buffers, dominates.
Loaded wideSpiral(const std::string& backend) {
  Loaded l = loadPreset("spiral", backend);
  l.config.spec.hidden = {{256, compute::Activation::Relu}, {128, compute::Activation::Tanh}};
  return l;
}

void checkEstimateMatches(const std::string& backend) {
  Loaded l = wideSpiral(backend);
  auto t = makeTrainer(l);
  ASSERT_TRUE(t);
  expectNear(estimateFor(*t).device(), t->backend().bytesAllocated(), backend + " trainer");
  // A probe of the editor's output-grid size, then its device slot.
  t->addProbe(std::vector<float>(64 * 64 * l.config.spec.inputs, 0.5f));
  expectNear(estimateFor(*t).device(), t->backend().bytesAllocated(), backend + " trainer with a probe");
  t->runProbes(0);
  expectNear(estimateFor(*t, 1).device(), t->backend().bytesAllocated(), backend + " trainer with a probe slot");
}

TEST(MemoryEstimate, MatchesTheBytesACpuTrainerAllocates) { checkEstimateMatches("cpu"); }

TEST(MemoryEstimate, MatchesTheBytesAVulkanTrainerAllocates) {
  if (gpu::listVulkanDevices().empty()) GTEST_SKIP() << "no Vulkan device";
  checkEstimateMatches("vulkan");
}

TEST(MemoryEstimate, CountsImageDataAsBytesAndItsSpectrum) {
  auto d = std::make_shared<data::Dataset>();
  d->name = "tiny-images";
  d->features = 16;
  d->classes = 3;
  d->u8 = true;
  d->imageWidth = d->imageHeight = 4;
  for (data::Split* split : {&d->train, &d->test}) {
    split->count = split == &d->train ? 30 : 7;
    split->pixels.assign(split->count * 16, 7);
    for (std::size_t i = 0; i < split->count; ++i) split->labels.push_back(static_cast<std::int32_t>(i % 3));
  }
  TrainerConfig config;
  config.backend = "cpu";
  config.spec.inputs = 16;
  config.spec.outputs = 3;
  config.spec.head = compute::Head::Softmax;
  config.spec.loss = compute::LossKind::CrossEntropy;
  config.spec.hidden = {{8, compute::Activation::Relu}};
  config.hyperparams.batchSize = 4;
  auto t = Trainer::create(config, d);
  ASSERT_TRUE(t.ok()) << t.message();
  ASSERT_TRUE(t.value()->hasSpectrum());
  expectNear(estimateFor(*t.value()).device(), t.value()->backend().bytesAllocated(), "image trainer");
}

TEST(MemoryEstimate, ANetworkOverTheBudgetIsNotMade) {
  Loaded l = wideSpiral("cpu");
  const MemoryNeed estimate =
      estimateMemory({.spec = l.config.spec, .dataset = *l.dataset, .batch = 10, .evalChunk = 2000});
  // The CPU backend's memory is the host's: the trainer's host copies count against it too.
  const std::uint64_t need = estimate.device() + estimate.host();
  l.config.hyperparams.batchSize = 10;
  l.config.backendOptions.memoryBudget = need - 1;
  auto refused = Trainer::create(l.config, l.dataset);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, core::ErrorKind::BadInput);
  const std::string& message = refused.message();
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.rfind("memory: the network " + describeShape(l.config.spec) + " at batch 10 needs ", 0), 0u)
      << message;
  EXPECT_NE(message.find(compute::formatBytes(need)), std::string::npos) << message;
  EXPECT_NE(message.find("NSB_MEMORY_BUDGET=" + std::to_string(need - 1)), std::string::npos) << message;
  // Exactly the need fits (the override has no margin).
  l.config.backendOptions.memoryBudget = need;
  EXPECT_TRUE(Trainer::create(l.config, l.dataset).ok());
}

TEST(MemoryEstimate, EditsOverTheBudgetAreRefusedAndTrainingGoesOn) {
  Loaded l = loadPreset("spiral", "cpu");
  l.config.spec.hidden = {{16, compute::Activation::Relu}, {16, compute::Activation::Relu}};
  const std::uint64_t need = estimateMemory({.spec = l.config.spec,
                                             .dataset = *l.dataset,
                                             .batch = effectiveBatch(l.config.hyperparams, l.dataset->train.count),
                                             .evalChunk = 2000})
                                 .device();
  // Room for the network and one rebuild of its size (an edit makes the new buffers before the old ones
  // go), not for a layer sixty times as wide.
  l.config.backendOptions.memoryBudget = 2 * need + 64 * 1024;
  auto t = makeTrainer(l);
  ASSERT_TRUE(t);
  t->run(5);
  const std::uint64_t held = t->backend().bytesAllocated();
  const nn::ModelSpec before = t->config().spec;

  for (const Command& edit : {Command(SetLayerWidth{.layer = 1, .width = 1024}),
                              Command(AddLayer{.index = 1, .width = 512, .activation = compute::Activation::Tanh})}) {
    auto refused = t->apply(edit);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().kind, core::ErrorKind::BadInput);
    EXPECT_EQ(refused.message().rfind("memory: ", 0), 0u) << refused.message();
    EXPECT_EQ(refused.message().find('\n'), std::string::npos);
    EXPECT_NE(refused.message().find("available (NSB_MEMORY_BUDGET="), std::string::npos) << refused.message();
    // Nothing was made and nothing changed: the same buffers, the same network, training goes on.
    EXPECT_EQ(t->backend().bytesAllocated(), held);
    EXPECT_TRUE(t->config().spec == before);
  }
  Hyperparams bigBatch = t->config().hyperparams;
  bigBatch.batchSize = 100000;  // gd-sized: the whole training set
  EXPECT_FALSE(t->apply(SetHyperparams{bigBatch}).ok());
  EXPECT_EQ(t->backend().bytesAllocated(), held);

  const std::uint64_t step = t->step();
  EXPECT_EQ(t->run(5), 5u);
  EXPECT_EQ(t->step(), step + 5);
  EXPECT_TRUE(std::isfinite(t->lastLoss()));
  // Edits that fit still apply.
  ASSERT_TRUE(t->apply(SetLayerWidth{.layer = 1, .width = 17}).ok());
  EXPECT_EQ(t->config().spec.hidden[1].width, 17u);
  ASSERT_TRUE(t->apply(SetLayerWidth{.layer = 0, .width = 4}).ok());
}

// The editor's probes (the output view's 256x256 grid through every layer) are checked as an edit is:
// refused before anything is made, and smaller ones still fit.
TEST(MemoryEstimate, ProbesOverTheBudgetAreRefusedBeforeTheyAreMade) {
  Loaded l = wideSpiral("cpu");
  const std::uint64_t need = estimateMemory({.spec = l.config.spec,
                                             .dataset = *l.dataset,
                                             .batch = effectiveBatch(l.config.hyperparams, l.dataset->train.count),
                                             .evalChunk = 2000})
                                 .device();
  l.config.backendOptions.memoryBudget = need + 1024 * 1024;
  auto t = makeTrainer(l);
  ASSERT_TRUE(t);
  const std::uint64_t held = t->backend().bytesAllocated();
  const std::size_t inputs = l.config.spec.inputs;
  ProbeSchedule probes;
  const auto refused = probes.set(*t, SetProbes{{std::vector<float>(256 * 256 * inputs, 0.5f)}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.message().rfind("memory: ", 0), 0u) << refused.message();
  EXPECT_NE(refused.message().find("probes"), std::string::npos) << refused.message();
  EXPECT_EQ(t->probeCount(), 0u);
  EXPECT_EQ(t->backend().bytesAllocated(), held);
  ASSERT_TRUE(probes.set(*t, SetProbes{{std::vector<float>(8 * 8 * inputs, 0.5f)}}).ok());
  EXPECT_EQ(t->probeCount(), 1u);
}

TEST(MemoryEstimate, AVulkanLayerLargerThanOneBufferIsRefusedBeforeItIsMade) {
  if (gpu::listVulkanDevices().empty()) GTEST_SKIP() << "no Vulkan device";
  auto context = gpu::VulkanContext::create();
  ASSERT_TRUE(context.ok()) << context.message();
  const gpu::MemoryLimits limits = context.value()->memoryLimits();
  std::uint64_t largest = limits.maxStorageBufferRange;
  largest = std::min<std::uint64_t>(largest, limits.maxMemoryAllocationSize);
  if (limits.maxBufferSize > 0) largest = std::min<std::uint64_t>(largest, limits.maxBufferSize);
  // Two square hidden layers whose parameters (about width^2 floats) are just over one buffer.
  const auto width = static_cast<std::size_t>(std::sqrt(static_cast<double>(largest / 4))) + 64;
  Loaded l = loadPreset("spiral", "vulkan");
  l.config.spec.hidden = {{width, compute::Activation::Relu}, {width, compute::Activation::Relu}};
  l.config.backendOptions.context = context.value();
  // A total budget large enough for everything: the per-buffer limit is what refuses.
  l.config.backendOptions.memoryBudget = std::uint64_t{1} << 50;
  auto refused = Trainer::create(l.config, l.dataset);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, core::ErrorKind::BadInput);
  EXPECT_NE(refused.message().find("per buffer"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("(parameters and optimizer state)"), std::string::npos) << refused.message();
  std::printf("%s\n", refused.message().c_str());
}

}  // namespace
}  // namespace nsb::train
