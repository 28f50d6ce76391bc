#pragma once
// The colour map of values that have a low end and a high end (a surface, a loss landscape): from
// dark violet to yellow as viridis goes, perceptually even; not-a-number shows as the high end.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace nsb::ui {

inline std::uint32_t viridis(float t) {
  static constexpr float STOPS[][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = std::clamp(std::isfinite(t) ? t : 1.0f, 0.0f, 1.0f) * 4.0f;
  const int i = std::min(static_cast<int>(t), 3);
  const float f = t - static_cast<float>(i);
  const auto mix = [&](int c) { return static_cast<std::uint32_t>(STOPS[i][c] + (STOPS[i + 1][c] - STOPS[i][c]) * f); };
  return IM_COL32(mix(0), mix(1), mix(2), 255);
}

}  // namespace nsb::ui
