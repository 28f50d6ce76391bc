// Whole-training parity: the same seed, initial weights and batches for 200 steps on every backend
// against the CPU reference. Float sums in a different order drift apart slowly, so the first 20
// steps are held to 1e-4 and the rest to a looser bound; the test accuracy must agree within
// max(0.5 %, 2 samples).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "TrainTestSupport.h"
#include "compute/Registry.h"
#include "data/DatasetCatalog.h"

namespace nsb::train::testing {
namespace {

struct Trajectory {
  std::vector<double> losses;
  Evaluation test;
};

Trajectory train200(Loaded l, const std::string& backend) {
  l.config.backend = backend;
  l.config.stepsPerSubmit = 1;
  auto t = makeTrainer(l);
  Trajectory result;
  if (!t) return result;
  for (int i = 0; i < 200; ++i) {
    t->run(1);
    result.losses.push_back(t->lastLoss());
  }
  result.test = t->evaluateTest();
  return result;
}

class Parity : public ::testing::TestWithParam<std::string> {};

void expectParity(const std::string& preset, const std::string& backend, double lateTolerance) {
  Loaded l = loadPreset(preset);
  const Trajectory cpu = train200(l, "cpu");
  const Trajectory other = train200(l, backend);
  ASSERT_EQ(other.losses.size(), 200u);
  for (std::size_t i = 0; i < 20; ++i) {
    EXPECT_NEAR(other.losses[i], cpu.losses[i], 1e-4) << preset << " step " << i + 1;
  }
  for (std::size_t i = 20; i < 200; ++i) {
    EXPECT_NEAR(other.losses[i], cpu.losses[i], lateTolerance * std::max(1.0, cpu.losses[i]))
        << preset << " step " << i + 1;
  }
  const double samples = static_cast<double>(cpu.test.samples);
  const double allowed = std::max(0.005, 2.0 / samples);
  EXPECT_NEAR(other.test.accuracy, cpu.test.accuracy, allowed + 1e-12) << preset;
}

// Whether the backend has a device here; asked in the test, not in the parameter generator, so that
// listing the tests (gtest_discover_tests) never loads a Vulkan driver.
bool haveDevice(const std::string& backend) { return compute::createBackend(backend).ok(); }

TEST_P(Parity, Spiral) {
  if (!haveDevice(GetParam())) GTEST_SKIP() << GetParam() << " has no device here";
  // Tanh nets on 300 points stay close: 1e-3 after step 20.
  expectParity("spiral", GetParam(), 1e-3);
}

TEST_P(Parity, MnistMlp) {
  if (!haveDevice(GetParam())) GTEST_SKIP() << GetParam() << " has no device here";
  if (!std::filesystem::exists(data::dataDir() + "/mnist/train-images-idx3-ubyte")) {
    GTEST_SKIP() << "the MNIST digits are not in " << data::dataDir() << " (run third_party/install.sh)";
  }
  // ReLU nets amplify rounding differences where a unit sits at its kink: 1e-2 after step 20.
  expectParity("mnist-mlp", GetParam(), 1e-2);
}

std::vector<std::string> otherBackends() {
  std::vector<std::string> names;
  for (const auto& b : compute::availableBackends()) {
    if (b != "cpu") names.push_back(b);
  }
  return names;
}

INSTANTIATE_TEST_SUITE_P(Backends, Parity, ::testing::ValuesIn(otherBackends()),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

}  // namespace
}  // namespace nsb::train::testing
