// BottomTabs: the bottom panel's tabs: Plots, Images (image datasets), Histograms, Log (the
// session's events and the recent log lines) and Benchmark (samples/s seen on each backend).
#include <cmath>

#include "core/Log.h"
#include "ui/Editor.h"
#include "ui/panels/PanelSupport.h"

namespace nsb::ui {

using namespace panels;

void Editor::drawBottom(const train::Snapshot& snapshot, const Rect& rect) {
  const std::string select = std::move(mSelectTab);
  mSelectTab.clear();
  // A tab: its context menu saves the bottom panel (showing that tab) as PNG.
  auto tab = [&](const char* name, const char* panel) {
    const bool open = ImGui::BeginTabItem(name, nullptr, select == name ? ImGuiTabItemFlags_SetSelected : 0);
    panelMenu(panel);
    if (open) rememberWidget(std::string("panel-") + panel, rect);
    return open;
  };
  // A watcher's tabs stay readable; what would steer the job (the race's controls, the timeline: the
  // server refuses a watcher's every command) is disabled, as in the toolbar.
  const bool watches = watching();
  if (beginPanel("##bottom", rect, ImGuiWindowFlags_NoTitleBar)) {
    if (ImGui::BeginTabBar("##tabs")) {
      const ImGuiWindowFlags flags = ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse;
      if (snapshot.race && tab("Race", "race")) {
        // The race above, the timeline under it (as under the plots).
        ImGui::BeginDisabled(watches);
        if (ImGui::BeginChild("##race", ImVec2(0, snapshot.timeline ? -timelineHeight() : 0), false, flags)) {
          drawRace(snapshot);
        }
        ImGui::EndChild();
        drawTimeline(snapshot);
        ImGui::EndDisabled();
        ImGui::EndTabItem();
      }
      if (tab("Plots", "plots")) {
        // The plots above, the timeline under them.
        if (ImGui::BeginChild("##plots", ImVec2(0, snapshot.timeline ? -timelineHeight() : 0), false, flags)) {
          mPlots.draw(snapshot);
        }
        ImGui::EndChild();
        ImGui::BeginDisabled(watches);
        drawTimeline(snapshot);
        ImGui::EndDisabled();
        ImGui::EndTabItem();
      }
      if (mImages.active() && tab("Images", "images")) {
        const auto remember = [this](const std::string& name, const Rect& r) { rememberWidget(name, r); };
        if (auto probes = mImages.drawTab(snapshot, mConfig.heatmaps, remember)) send(std::move(*probes));
        ImGui::EndTabItem();
      }
      if (tab("Histograms", "histograms")) {
        mPlots.drawHistograms(snapshot);
        ImGui::EndTabItem();
      }
      if (tab("Log", "log")) {
        ImGui::BeginChild("##log");
        for (const auto& e : snapshot.events) {
          ImGui::Text("step %llu  %s: %s -> %s", static_cast<unsigned long long>(e.step), e.what.c_str(),
                      e.before.c_str(), e.after.c_str());
        }
        drawLog();
        ImGui::EndChild();
        ImGui::EndTabItem();
      }
      if (tab("Benchmark", "benchmark")) {
        drawBenchmark(snapshot);
        ImGui::EndTabItem();
      }
      ImGui::EndTabBar();
    }
  }
  ImGui::End();
}

void Editor::drawLog() {
  if (mConfig.processLog) {
    for (const auto& line : core::recentLogLines()) ImGui::TextUnformatted(line.c_str());
  }
  for (const auto& line : mNotices) ImGui::TextUnformatted(line.c_str());
}

void Editor::drawBenchmark(const train::Snapshot& snapshot) {
  ImGui::Text("Training on %s (%s): %.0f steps/s", snapshot.backend.c_str(), snapshot.device.c_str(),
              snapshot.stepsPerSecond);
  ImGui::TextDisabled(
      "Switch the backend in the toolbar: each one's speed while training is kept here (median of "
      "its recent samples, the whole editor running).");
  std::vector<std::pair<const BackendSpeeds::Backend*, double>> medians;
  for (const auto& backend : mSpeeds.backends()) {
    if (!backend.samplesPerSecond.empty()) medians.emplace_back(&backend, mSpeeds.median(backend.name));
  }
  double fastest = 0.0;
  for (const auto& m : medians) fastest = std::max(fastest, m.second);
  if (!medians.empty() && ImGui::BeginTable("##speeds", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("backend");
    ImGui::TableSetupColumn("device");
    ImGui::TableSetupColumn("samples/s");
    ImGui::TableSetupColumn("vs fastest");
    ImGui::TableHeadersRow();
    for (const auto& [backend, median] : medians) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(backend->name.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(backend->device.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%.0f", median);
      ImGui::TableNextColumn();
      ImGui::ProgressBar(static_cast<float>(median / fastest), ImVec2(-1, 0),
                         (std::to_string(static_cast<int>(std::lround(100.0 * median / fastest))) + " %").c_str());
    }
    ImGui::EndTable();
  }
  ImGui::TextDisabled("Per-op times, GFLOP/s, drift and PyTorch: `neural-sandbox bench --backends cpu,vulkan`.");
}

}  // namespace nsb::ui
