#pragma once
// Rect: a screen rectangle in ImGui coordinates (ImRect lives in imgui_internal.h, which we avoid).
#include <imgui.h>

namespace nsb::ui {

struct Rect {
  ImVec2 min{0, 0}, max{0, 0};
  float width() const { return max.x - min.x; }
  float height() const { return max.y - min.y; }
  bool contains(const ImVec2& p) const { return p.x >= min.x && p.y >= min.y && p.x < max.x && p.y < max.y; }
  ImVec2 center() const { return ImVec2((min.x + max.x) * 0.5f, (min.y + max.y) * 0.5f); }
};

}  // namespace nsb::ui
