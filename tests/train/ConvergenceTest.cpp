// Convergence of the presets on the CPU backend: each reaches its bar in seconds. These bars are what
// a user of the presets gets; a broken gradient, optimizer or data pipeline misses them.
#include <gtest/gtest.h>

#include <filesystem>

#include "TrainTestSupport.h"

namespace nsb::train::testing {
namespace {

Evaluation trainPreset(const std::string& name, std::uint64_t epochs, const std::string& dataset = "") {
  Loaded l = loadPreset(name, "cpu", dataset);
  auto trainer = makeTrainer(l);
  trainer->run(epochs * trainer->stepsPerEpoch());
  return trainer->evaluateTest();
}

TEST(Convergence, SpiralReaches97PercentTestAccuracy) {
  const Evaluation e = trainPreset("spiral", 200);
  EXPECT_GE(e.accuracy, 0.97);
}

TEST(Convergence, XorReaches98PercentTestAccuracy) {
  const Evaluation e = trainPreset("xor", 100);
  EXPECT_GE(e.accuracy, 0.98);
}

TEST(Convergence, RegPlaneTestMseIsSmall) {
  // Targets span [-1, 1] (variance about 0.17): an MSE under 1e-3 means the plane was learnt.
  const Evaluation e = trainPreset("reg-plane", 100);
  EXPECT_LT(e.mse, 1e-3);
  EXPECT_TRUE(std::isnan(e.accuracy));
}

TEST(Convergence, MnistMlpOnFashionMnistOneEpochReaches82Percent) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST is not installed (Debian's dataset-fashion-mnist)";
  }
  const Evaluation e = trainPreset("mnist-mlp", 1, "fashion-mnist");
  EXPECT_GE(e.accuracy, 0.82);
  EXPECT_EQ(e.samples, 10000u);
}

}  // namespace
}  // namespace nsb::train::testing
