// Tests of nn::initialParameters: each kind's bounds and moments, zero biases, determinism and the
// layer-by-layer draw order that makes a seed reproducible.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/Rng.h"
#include "nn/Init.h"

namespace nsb::nn {
namespace {

ModelSpec mnistSpec() {
  ModelSpec spec;
  spec.inputs = 784;
  spec.hidden = {{256, compute::Activation::Relu}, {64, compute::Activation::Tanh}};
  spec.outputs = 10;
  return spec;
}

struct Moments {
  double mean = 0, stddev = 0, minimum = 1e30, maximum = -1e30;
  double beyondTwoSigma = 0;  // fraction of |x - mean| > 2 * stddev
};

Moments moments(const float* values, std::size_t n) {
  Moments m;
  double sum = 0, sumSq = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sum += values[i];
    sumSq += static_cast<double>(values[i]) * values[i];
    m.minimum = std::min(m.minimum, static_cast<double>(values[i]));
    m.maximum = std::max(m.maximum, static_cast<double>(values[i]));
  }
  m.mean = sum / static_cast<double>(n);
  m.stddev = std::sqrt(sumSq / static_cast<double>(n) - m.mean * m.mean);
  std::size_t beyond = 0;
  for (std::size_t i = 0; i < n; ++i) beyond += std::abs(values[i] - m.mean) > 2 * m.stddev;
  m.beyondTwoSigma = static_cast<double>(beyond) / static_cast<double>(n);
  return m;
}

void expectBiasesZero(const ModelSpec& spec, const std::vector<float>& params) {
  for (std::size_t i = spec.weightCount(); i < params.size(); ++i) ASSERT_EQ(params[i], 0.0f) << "bias " << i;
}

// Tolerances: the mean of n draws has standard error stddev / sqrt(n); we allow 5 standard errors
// (a false failure about once in 3 million). The sample stddev of n >= 16384 draws is within 1.5% of
// the true one at far more than 5 standard errors (its relative error is about 1 / sqrt(2n) < 0.6%).
void expectMoments(const Moments& m, double stddev, std::size_t n, const char* what) {
  EXPECT_NEAR(m.mean, 0.0, 5 * stddev / std::sqrt(static_cast<double>(n))) << what;
  EXPECT_NEAR(m.stddev, stddev, 0.015 * stddev) << what;
}

TEST(Init, XavierUniformBoundsAndMoments) {
  const ModelSpec spec = mnistSpec();
  const auto params = initialParameters(spec, InitKind::Xavier, 42);
  ASSERT_EQ(params.size(), spec.parameterCount());
  for (std::size_t l = 0; l < spec.layerCount(); ++l) {
    const std::size_t in = spec.layerInputs(l), out = spec.layerOutputs(l), n = in * out;
    const double limit = std::sqrt(6.0 / static_cast<double>(in + out));
    const Moments m = moments(params.data() + spec.weightOffset(l), n);
    EXPECT_GE(m.minimum, -limit) << "layer " << l;
    EXPECT_LT(m.maximum, limit) << "layer " << l;
    // A uniform draw fills its range: the extremes of >= 640 draws lie within 5% of the limits.
    EXPECT_LT(m.minimum, -0.95 * limit) << "layer " << l;
    EXPECT_GT(m.maximum, 0.95 * limit) << "layer " << l;
    if (n >= 16384) expectMoments(m, limit / std::sqrt(3.0), n, "xavier");
  }
  expectBiasesZero(spec, params);
}

TEST(Init, HeNormalMoments) {
  const ModelSpec spec = mnistSpec();
  const auto params = initialParameters(spec, InitKind::He, 7);
  for (std::size_t l = 0; l < 2; ++l) {
    const std::size_t in = spec.layerInputs(l), n = in * spec.layerOutputs(l);
    const double stddev = std::sqrt(2.0 / static_cast<double>(in));
    const Moments m = moments(params.data() + spec.weightOffset(l), n);
    expectMoments(m, stddev, n, "he");
    // Normal, not uniform: 4.55% lie beyond 2 sigma (a uniform has none); binomial error < 0.2%.
    EXPECT_NEAR(m.beyondTwoSigma, 0.0455, 0.006) << "layer " << l;
  }
  expectBiasesZero(spec, params);
}

TEST(Init, UniformHalf) {
  const ModelSpec spec = mnistSpec();
  const auto params = initialParameters(spec, InitKind::Uniform, 3);
  const Moments m = moments(params.data(), spec.weightCount());
  EXPECT_GE(m.minimum, -0.5);
  EXPECT_LT(m.maximum, 0.5);
  expectMoments(m, 1.0 / std::sqrt(12.0), spec.weightCount(), "uniform");
  expectBiasesZero(spec, params);
}

TEST(Init, ZerosAreZero) {
  const ModelSpec spec = mnistSpec();
  const auto params = initialParameters(spec, InitKind::Zeros, 3);
  ASSERT_EQ(params.size(), spec.parameterCount());
  for (float v : params) ASSERT_EQ(v, 0.0f);
}

TEST(Init, SameSeedSameBitsOtherSeedOtherValues) {
  const ModelSpec spec = mnistSpec();
  for (InitKind kind : {InitKind::Xavier, InitKind::He, InitKind::Uniform}) {
    const auto a = initialParameters(spec, kind, 1234);
    const auto b = initialParameters(spec, kind, 1234);
    const auto c = initialParameters(spec, kind, 1235);
    ASSERT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float))) << initName(kind);
    std::size_t same = 0;
    for (std::size_t i = 0; i < spec.weightCount(); ++i) same += a[i] == c[i];
    EXPECT_LT(same, spec.weightCount() / 100) << initName(kind);
  }
}

TEST(Init, DrawsLayerByLayerInLayoutOrder) {
  // The first weights are the first draws of core::Rng(seed): pins the order and the generator.
  ModelSpec spec = mnistSpec();
  const auto params = initialParameters(spec, InitKind::Uniform, 99);
  core::Rng rng(99);
  for (std::size_t i = 0; i < 16; ++i) ASSERT_EQ(params[i], rng.uniform(-0.5f, 0.5f)) << i;
  // Widening the last layer leaves every earlier layer's weights as they were.
  ModelSpec wider = spec;
  wider.outputs = 20;
  const auto widened = initialParameters(wider, InitKind::Uniform, 99);
  const std::size_t earlier = spec.weightOffset(spec.layerCount() - 1);
  ASSERT_EQ(0, std::memcmp(params.data(), widened.data(), earlier * sizeof(float)));
}

}  // namespace
}  // namespace nsb::nn
