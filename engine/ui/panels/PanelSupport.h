#pragma once
// What the editor's panels share (internal to engine/ui): the fixed-panel window, the delayed tooltip,
// the pending-edit mark, the colours and small formatting helpers. UI thread only.
#include <imgui.h>
#include <imgui_internal.h>  // ImGuiContext::HoveredIdTimer: the tooltips' hover delay (ImGui 1.86)

#include <algorithm>
#include <string>

#include "core/Format.h"
#include "data/Dataset.h"
#include "ui/Rect.h"

namespace nsb::ui::panels {

// A button that acts on the press, not the release: the controls a class watches (play, step,
// reset, a neuron more or less) answer a frame sooner.
inline bool pressButton(const char* label, const ImVec2& size = ImVec2(0, 0)) {
  return ImGui::ButtonEx(label, size, ImGuiButtonFlags_PressedOnClick);
}

constexpr ImGuiWindowFlags PANEL_FLAGS = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                         ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
                                         ImGuiWindowFlags_NoBringToFrontOnFocus;

inline bool beginPanel(const char* name, const Rect& rect, ImGuiWindowFlags extra = 0) {
  ImGui::SetNextWindowPos(rect.min);
  ImGui::SetNextWindowSize(ImVec2(std::max(rect.width(), 1.0f), std::max(rect.height(), 1.0f)));
  return ImGui::Begin(name, nullptr, PANEL_FLAGS | extra);
}

constexpr float TOOLTIP_DELAY = 0.5f;  // seconds of hovering before a tooltip shows

// After a hover delay, and above the item (not under the mouse, nor over the next row's control, where
// the eye and the mouse go next); below it where there is no room above (the menu bar, the toolbar).
// Kept within the display's width.
inline void tooltip(const char* text) {
  if (!ImGui::IsItemHovered() || ImGui::IsItemActive()) return;
  const ImGuiContext& g = *ImGui::GetCurrentContext();
  if (g.HoveredId != 0 && g.HoveredIdTimer < TOOLTIP_DELAY) return;
  const ImVec2 padding = ImGui::GetStyle().WindowPadding, textSize = ImGui::CalcTextSize(text);
  const float width = textSize.x + 2.0f * padding.x, height = textSize.y + 2.0f * padding.y;
  const ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
  const float above = min.y - 4.0f - height;
  const float x = std::clamp(min.x, 0.0f, std::max(ImGui::GetIO().DisplaySize.x - width, 0.0f));
  ImGui::SetNextWindowPos(ImVec2(x, above >= 0.0f ? above : max.y + 4.0f));
  ImGui::SetTooltip("%s", text);
}

// The width of a button labelled `label` (the part before "##").
inline float buttonWidth(const char* label) {
  return ImGui::CalcTextSize(label, nullptr, true).x + 2.0f * ImGui::GetStyle().FramePadding.x;
}

// SameLine() where the next item, `width` wide, still fits in the window after the last one; else the
// next item starts a line of its own (a row of buttons wraps instead of running past the edge). From the
// cursor, not the last item's rectangle, which a tooltip drawn since has replaced.
inline void sameLineIfFits(float width) {
  ImGui::SameLine();
  if (ImGui::GetCursorScreenPos().x + width > ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x) {
    ImGui::NewLine();
  }
}

inline const ImVec4 WARNING_COLOUR(0.95f, 0.6f, 0.3f, 1.0f);
inline const ImVec4 NOTICE_COLOUR(0.55f, 0.8f, 0.55f, 1.0f);
inline const ImVec4 PENDING_COLOUR(0.95f, 0.85f, 0.4f, 1.0f);
inline const ImVec4 RECORDING_COLOUR(0.95f, 0.3f, 0.3f, 1.0f);

// Marks the last item as sent and not yet applied.
inline void pendingMark(bool on) {
  if (!on) return;
  ImGui::SameLine(0, 2);
  ImGui::TextColored(PENDING_COLOUR, "*");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Sent; the session applies it before its next step.");
}

// The speed control's help: steps per drawn frame (lockstep) or a second; in a race (replicas > 0) a
// step is one of every replica, on the same batch.
inline std::string speedHelp(bool lockstep, std::size_t replicas) {
  if (replicas == 0) {
    return lockstep ? "Training steps per drawn frame."
                    : "Training steps a second: slow enough to follow each step, or max. The measured rate is on "
                      "the right.";
  }
  const std::string each = "a race step trains each of the " + std::to_string(replicas) +
                           " replicas one step on the same batch, so " + std::to_string(replicas) +
                           " times the samples of a solo step";
  return lockstep ? "Race steps per drawn frame: " + each + "."
                  : "Race steps a second (" + each +
                        "): slow enough to follow each step, or max. The measured rate is on the right.";
}

inline std::string speedLabel(double speed) {
  return speed <= 0.0 ? "max" : core::formatNumber(static_cast<float>(speed)) + " steps/s";
}

// "x1,x2,sin-x1": the dataset's input features as a feature list.
inline std::string featureListOf(const data::Dataset& d) {
  std::string list;
  for (const auto& name : d.featureNames) {
    if (!list.empty()) list += ',';
    list += name;
  }
  return list;
}

// Points in the plane (the network view's picture and the feature checkboxes apply).
inline bool planarData(const data::Dataset* d) { return d && !d->u8 && !d->train.points.empty(); }

}  // namespace nsb::ui::panels
