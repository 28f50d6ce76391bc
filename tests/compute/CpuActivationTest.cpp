// The CPU kernels' own tanh and sigmoid (engine/compute/cpu/CpuKernels.cpp computes exp without libm so
// that the loops vectorise) against libm over a dense sweep: within a few ulp, saturating to exactly
// +-1 and 0/1, odd, and NaN in gives NaN out.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "compute/cpu/CpuKernels.h"

namespace nsb::compute::cpu {
namespace {

// Distance in units in the last place of `expected`.
double ulps(float got, float expected) {
  const double step = std::nextafter(std::fabs(expected), std::numeric_limits<float>::infinity()) - std::fabs(expected);
  return std::fabs(static_cast<double>(got) - static_cast<double>(expected)) / step;
}

std::vector<float> sweep() {
  std::vector<float> x;
  for (float v = -20.0f; v <= 20.0f; v += 0.001953125f) x.push_back(v);  // 2^-9 steps: exact
  for (float v = 1e-30f; v < 1.0f; v *= 1.5f) {
    x.push_back(v);
    x.push_back(-v);
  }
  for (float v : {0.0f, -0.0f, 0.2499999f, 0.25f, 0.2500001f, 8.999f, 9.0f, 9.001f, 9.999f, 10.0f, 10.001f, 87.0f,
                  88.0f, 100.0f, -100.0f})
    x.push_back(v);
  return x;
}

std::vector<float> activate(std::vector<float> z, Activation activation) {
  std::vector<float> a(z.size()), bias(1, 0.0f);
  biasActivation(z.data(), bias.data(), a.data(), z.size(), 1, activation);
  return a;
}

TEST(CpuActivation, TanhWithinFourUlpOfLibm) {
  const std::vector<float> x = sweep();
  const std::vector<float> t = activate(x, Activation::Tanh);
  double worst = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float expected = std::tanh(x[i]);
    if (expected == 0.0f) {
      EXPECT_EQ(t[i], 0.0f) << "tanh(" << x[i] << ")";
      continue;
    }
    worst = std::max(worst, ulps(t[i], expected));
    ASSERT_LE(ulps(t[i], expected), 4.0) << "tanh(" << x[i] << ") = " << t[i] << ", libm " << expected;
  }
  EXPECT_GT(worst, 0.0) << "libm's own tanh? then this test measures nothing";
  EXPECT_EQ(activate({30.0f, -30.0f}, Activation::Tanh), (std::vector<float>{1.0f, -1.0f}));
}

TEST(CpuActivation, SigmoidWithinFourUlpOfLibm) {
  const std::vector<float> x = sweep();
  const std::vector<float> s = activate(x, Activation::Sigmoid);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float expected = 1.0f / (1.0f + std::exp(-x[i]));
    if (std::fabs(x[i]) > 80.0f) {  // exp is clamped to [-87, 88]: below 2e-35 absolute there
      EXPECT_NEAR(s[i], expected, 2e-35f) << "sigmoid(" << x[i] << ")";
      continue;
    }
    ASSERT_LE(ulps(s[i], expected), 4.0) << "sigmoid(" << x[i] << ") = " << s[i] << ", libm " << expected;
  }
  EXPECT_EQ(activate({100.0f}, Activation::Sigmoid)[0], 1.0f);
}

TEST(CpuActivation, NanAndInfinity) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const std::vector<float> t = activate({nan, inf, -inf}, Activation::Tanh);
  EXPECT_TRUE(std::isnan(t[0]));
  EXPECT_EQ(t[1], 1.0f);
  EXPECT_EQ(t[2], -1.0f);
  const std::vector<float> s = activate({nan, inf, -inf}, Activation::Sigmoid);
  EXPECT_TRUE(std::isnan(s[0]));
  EXPECT_EQ(s[1], 1.0f);
  EXPECT_LT(s[2], 1e-37f);
  EXPECT_GE(s[2], 0.0f);
}

TEST(CpuActivation, TanhBackwardFromZMatchesOneMinusTanhSquared) {
  const std::vector<float> z = {-3.0f, -0.5f, -0.1f, 0.0f, 0.2f, 1.0f, 4.0f};
  std::vector<float> da(z.size(), 2.0f), dz(z.size());
  activationBackward(da.data(), z.data(), nullptr, dz.data(), z.size(), Activation::Tanh);
  for (std::size_t i = 0; i < z.size(); ++i) {
    const double t = std::tanh(static_cast<double>(z[i]));
    EXPECT_NEAR(dz[i], 2.0 * (1.0 - t * t), 2e-6) << "z = " << z[i];
  }
}

}  // namespace
}  // namespace nsb::compute::cpu
