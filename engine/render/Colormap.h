#pragma once
// The heatmap colour map on the host: the same diverging map as shaders/render/heatmap.frag (orange
// low, dark grey middle, blue high), for legends, points and tests that check rendered pixels.
#include <algorithm>
#include <array>

namespace nsb::render {

inline constexpr std::array<float, 3> COLOR_LOW{0.961f, 0.576f, 0.133f};
inline constexpr std::array<float, 3> COLOR_MID{0.160f, 0.168f, 0.184f};
inline constexpr std::array<float, 3> COLOR_HIGH{0.031f, 0.467f, 0.741f};

// RGB in [0, 1] of `value` on a map from `low` (full orange) to `high` (full blue).
inline std::array<float, 3> heatmapColor(float value, float low, float high, bool discretize = false) {
  float t = std::clamp((value - low) / std::max(high - low, 1e-12f), 0.0f, 1.0f) * 2.0f - 1.0f;
  if (discretize) t = t >= 0.0f ? 1.0f : -1.0f;
  const auto& end = t >= 0.0f ? COLOR_HIGH : COLOR_LOW;
  const float s = t >= 0.0f ? t : -t;
  return {COLOR_MID[0] + (end[0] - COLOR_MID[0]) * s, COLOR_MID[1] + (end[1] - COLOR_MID[1]) * s,
          COLOR_MID[2] + (end[2] - COLOR_MID[2]) * s};
}

}  // namespace nsb::render
