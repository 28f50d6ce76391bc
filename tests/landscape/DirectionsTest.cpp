// Directions: filter normalisation (row norms equal the weights' row norms, biases zero), the seed,
// and the directions file read back.
#include <gtest/gtest.h>

#include <cmath>

#include "LandscapeTestSupport.h"
#include "landscape/Directions.h"

namespace nsb::landscape {
namespace {

double rowNorm(std::span<const float> values) {
  double s = 0.0;
  for (const float v : values) s += static_cast<double>(v) * v;
  return std::sqrt(s);
}

TEST(Directions, EveryRowHasTheNormOfTheWeightsRowAndBiasesAreZero) {
  const auto spec = testing::smallClassifier();
  auto params = testing::randomParams(spec, 3);
  // A zero row of the weights stays a zero row of the directions (nothing to scale to).
  std::fill_n(params.begin() + static_cast<std::ptrdiff_t>(spec.weightOffset(1)), spec.layerInputs(1), 0.0f);
  const Directions d = randomDirections(spec, params, 11);
  for (const auto* direction : {&d.first, &d.second}) {
    ASSERT_EQ(direction->size(), params.size());
    for (std::size_t l = 0; l < spec.layerCount(); ++l) {
      const std::size_t in = spec.layerInputs(l);
      for (std::size_t r = 0; r < spec.layerOutputs(l); ++r) {
        const std::size_t at = spec.weightOffset(l) + r * in;
        const double want = rowNorm(std::span<const float>(params).subspan(at, in));
        // Float rounding of a scale by one factor: 1e-6 relative.
        EXPECT_NEAR(rowNorm(std::span<const float>(*direction).subspan(at, in)), want, 1e-6 * want + 1e-12)
            << "layer " << l << " row " << r;
      }
      for (std::size_t o = 0; o < spec.layerOutputs(l); ++o) EXPECT_EQ((*direction)[spec.biasOffset(l) + o], 0.0f);
    }
  }
  EXPECT_NE(d.first, d.second);
}

TEST(Directions, BiasesScaledToTheWeightsBiasNormWhenAsked) {
  const auto spec = testing::smallClassifier();
  const auto params = testing::randomParams(spec, 3);
  const Directions d = randomDirections(spec, params, 11, true);
  for (std::size_t l = 0; l < spec.layerCount(); ++l) {
    const auto bias = [&](std::span<const float> v) { return v.subspan(spec.biasOffset(l), spec.layerOutputs(l)); };
    const double want = rowNorm(bias(params));
    EXPECT_NEAR(rowNorm(bias(d.first)), want, 1e-6 * want);
  }
}

TEST(Directions, TheSeedDecides) {
  const auto spec = testing::smallClassifier();
  const auto params = testing::randomParams(spec, 3);
  EXPECT_EQ(randomDirections(spec, params, 5).first, randomDirections(spec, params, 5).first);
  EXPECT_NE(randomDirections(spec, params, 5).first, randomDirections(spec, params, 6).first);
}

TEST(Directions, FileReadsBackWithTheCheckpointsNames) {
  const auto spec = testing::smallClassifier();
  const auto params = testing::randomParams(spec, 3);
  const Directions d = randomDirections(spec, params, 2, true);
  auto bytes = serializeDirections(spec, d);
  ASSERT_TRUE(bytes) << bytes.message();
  const std::string text(bytes->begin(), bytes->end());
  EXPECT_NE(text.find("\"alpha.layers.0.weight\""), std::string::npos);
  EXPECT_NE(text.find("\"beta.layers.2.bias\""), std::string::npos);
  auto back = parseDirections(bytes.value(), "dirs.safetensors");
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(back->spec, spec);
  EXPECT_EQ(back->directions.first, d.first);
  EXPECT_EQ(back->directions.second, d.second);
  // A truncated file is refused with its name.
  bytes->resize(bytes->size() - 4);
  auto cut = parseDirections(bytes.value(), "dirs.safetensors");
  ASSERT_FALSE(cut);
  EXPECT_NE(cut.message().find("dirs.safetensors: "), std::string::npos) << cut.message();
}

}  // namespace
}  // namespace nsb::landscape
