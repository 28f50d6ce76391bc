// TimelinePanel: the strip under the plots for time travel (train/Timeline.h): a slider over the kept
// steps (dragging it shows the network as it was there, training paused), Live (back to the run's
// head), Branch (a new run from the step shown, paused, so that hyperparameters edited next apply
// from its branch point), and the interval and memory bound with the memory in use.
#include <algorithm>

#include "compute/MemoryBudget.h"
#include "ui/Editor.h"
#include "ui/panels/PanelSupport.h"

namespace nsb::ui {

using namespace panels;

namespace {

// The kept step nearest `step`.
std::uint64_t nearestKept(const std::vector<std::uint64_t>& steps, std::uint64_t step) {
  const auto it = std::lower_bound(steps.begin(), steps.end(), step);
  if (it == steps.end()) return steps.back();
  if (it == steps.begin() || *it - step <= step - *(it - 1)) return *it;
  return *(it - 1);
}

}  // namespace

float Editor::timelineHeight() const { return 2.0f * ImGui::GetFrameHeightWithSpacing(); }

void Editor::drawTimeline(const train::Snapshot& snapshot) {
  const train::TimelineSummary* t = snapshot.timeline.get();
  if (!t) return;
  const bool viewing = t->viewed.has_value();
  ImGui::PushID("timeline");
  // The slider: one value per kept step, snapped to the nearest; its label says what is shown.
  ImGui::SetNextItemWidth(-1.0f);
  if (t->steps.size() >= 2) {
    std::uint64_t value = viewing ? *t->viewed : t->steps.back();
    const std::uint64_t low = t->steps.front(), high = t->steps.back();
    const std::string label = viewing ? "step %llu (shown; the run goes on from its last step)" : "step %llu";
    if (ImGui::SliderScalar("##scrub", ImGuiDataType_U64, &value, &low, &high, label.c_str())) {
      const std::uint64_t kept = nearestKept(t->steps, value);
      if (!viewing || kept != *t->viewed) {
        if (mPlaying) play(false);
        send(train::ViewStep{kept});
      }
    }
  } else {
    ImGui::BeginDisabled();
    std::uint64_t zero = 0;
    ImGui::SliderScalar("##scrub", ImGuiDataType_U64, &zero, &zero, &zero, "no step kept yet to go back to");
    ImGui::EndDisabled();
  }
  rememberWidget("timeline");
  tooltip("Drag to a kept step: the views show the network as it was there (training pauses).");

  ImGui::BeginDisabled(!viewing);
  if (ImGui::Button("Live")) send(train::ViewStep{std::nullopt});
  rememberWidget("timeline-live");
  tooltip("Back to the run's last step.");
  ImGui::SameLine();
  if (ImGui::Button("Branch")) send(train::Branch{viewing ? *t->viewed : 0, std::nullopt});
  rememberWidget("timeline-branch");
  tooltip(
      "A new run from the step shown, paused: edit hyperparameters, then play. Its curves draw beside the "
      "original's; the original's later steps leave the timeline.");
  ImGui::EndDisabled();

  // Interval and bound: Enter sends them.
  const float field = ImGui::CalcTextSize("000000").x + 2.0f * ImGui::GetStyle().FramePadding.x;
  int every = static_cast<int>(t->every);
  int mib = static_cast<int>(t->budget >> 20);
  ImGui::SameLine();
  ImGui::TextUnformatted("every");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(field);
  const bool everyEntered = ImGui::InputInt("##every", &every, 0, 0, ImGuiInputTextFlags_EnterReturnsTrue);
  rememberWidget("timeline-every");
  tooltip("Steps between kept snapshots (0: none).");
  ImGui::SameLine();
  ImGui::TextUnformatted("steps, at most");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(field);
  const bool mibEntered = ImGui::InputInt("##mib", &mib, 0, 0, ImGuiInputTextFlags_EnterReturnsTrue);
  rememberWidget("timeline-mib");
  tooltip("The snapshots' memory bound: past it every second one is dropped, step 0 kept.");
  ImGui::SameLine();
  ImGui::TextUnformatted("MiB");
  if (everyEntered || mibEntered) {
    send(train::SetTimeline{static_cast<std::uint64_t>(std::max(every, 0)), static_cast<std::uint64_t>(std::max(mib, 1))
                                                                                << 20});
  }
  ImGui::SameLine();
  std::string use = compute::formatBytes(t->bytes) + " in use, " + std::to_string(t->steps.size()) + " kept";
  if (t->stride > t->every && t->every > 0) use += ", thinned to every " + std::to_string(t->stride);
  ImGui::TextDisabled("%s", use.c_str());
  ImGui::PopID();
}

}  // namespace nsb::ui
