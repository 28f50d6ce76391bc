#pragma once
// The 2D toy datasets of TensorFlow Playground (six classification, two regression), generated from a
// seed with core::Rng so that the same seed gives the same points on every machine.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/Result.h"
#include "data/Dataset.h"
#include "data/Features.h"

namespace nsb::data {

enum class SyntheticKind { Circle, Xor, Gauss, Spiral, Moons, Checkerboard, RegPlane, RegGauss };

inline constexpr std::size_t SYNTHETIC_KIND_COUNT = 8;
// Every point lies in [-POINT_RANGE, POINT_RANGE]^2, as in Playground.
inline constexpr float POINT_RANGE = 6.0f;

struct SyntheticConfig {
  SyntheticKind kind = SyntheticKind::Spiral;
  std::size_t points = 500;  // 10..1000000, train + test
  float noise = 0.0f;        // 0..0.5
  float trainRatio = 0.5f;   // 0.1..0.9
  std::uint64_t seed = 1;
};

// Classification kinds: classes = 2, labels 0/1, exactly half of the points per class (the extra one of
// an odd count is class 0). Regression kinds: outputs = 1, targets in [-1, 1].
core::Result<Dataset> makeSynthetic(const SyntheticConfig& config, const FeatureSet& features);

// Names: circle, xor, gauss, spiral, moons, checkerboard, reg-plane, reg-gauss.
bool parseSyntheticKind(std::string_view name, SyntheticKind& kind);
const char* syntheticName(SyntheticKind kind);
bool isRegression(SyntheticKind kind);

}  // namespace nsb::data
