// SurfacePanel: the Surface view's controls beside its map - play/pause, step, reset and the speed (per
// optimizer, steps a second with the per-frame budget as "max"), the surface and its k / sigma, the
// optimizers (add, remove, every hyperparameter live), the table (steps, f, distance to the nearest
// minimum, the step it came within the tolerance) and the Step panel: the selected optimizer's last
// update as equations with this step's numbers.
#include <optional>
#include <string>
#include <vector>

#include "ui/Editor.h"
#include "ui/SurfaceView.h"
#include "ui/panels/PanelSupport.h"

namespace nsb::ui {

using namespace panels;
using compute::OptimizerKind;

namespace {

std::string optimizerLabel(OptimizerKind kind) { return std::string(compute::optimizerName(kind)); }

ImVec4 colourVec(std::uint32_t colour) { return ImGui::ColorConvertU32ToFloat4(colour); }

}  // namespace

void SurfaceView::drawControls(const Rect& area) {
  ImGui::SetCursorScreenPos(area.min);
  ImGui::BeginChild("surface-controls", ImVec2(area.width(), area.height()), false);
  drawToolbar();
  drawSurfacePicker();
  ImGui::Separator();
  drawTable();
  drawStepPanel();
  ImGui::Separator();
  drawRunList();
  ImGui::EndChild();
}

void SurfaceView::drawToolbar() {
  // On one line, each control only where it is shown (see setControlFilter).
  bool first = true;
  const auto next = [&first] {
    if (!first) ImGui::SameLine();
    first = false;
  };
  if (shows("surface-play")) {
    next();
    if (pressButton(mPlaying ? "Pause##surface" : "Play##surface")) mPlaying = !mPlaying;
    remember("surface-play");
  }
  if (shows("surface-step")) {
    next();
    if (pressButton("Step##surface")) step();
    remember("surface-step");
    tooltip("One step of every optimizer (pauses).");
  }
  if (shows("surface-reset")) {
    next();
    if (pressButton("Reset##surface")) reset();
    remember("surface-reset");
    tooltip("Every optimizer back to the start point, its state zeroed.");
  }
  if (shows("surface-speed")) {
    next();
    drawSpeed("##surface-speed");
    remember("surface-speed");
    tooltip(SPEED_TIP);
  }
}

void SurfaceView::drawSpeed(const char* id) {
  ImGui::SetNextItemWidth(std::max(ImGui::GetContentRegionAvail().x, 60.0f));
  if (ImGui::BeginCombo(id, speedLabel(mLab.speed()).c_str())) {
    for (const double speed : SPEEDS) {
      if (ImGui::Selectable(speedLabel(speed).c_str(), speed == mLab.speed())) mLab.setSpeed(speed);
    }
    ImGui::EndCombo();
  }
}

void SurfaceView::drawSurfacePicker() {
  const descent::Surface& s = mLab.surface();
  if (shows("surface-kind")) {
    ImGui::SetNextItemWidth(120.0f);
    if (ImGui::BeginCombo("surface", std::string(s.name()).c_str())) {
      for (const auto kind : descent::allSurfaces()) {
        if (ImGui::Selectable(std::string(descent::surfaceName(kind)).c_str(), kind == s.kind()))
          mLab.setSurface(kind, s.params());
      }
      ImGui::EndCombo();
    }
    remember("surface-kind");
    ImGui::SameLine();
  }
  ImGui::TextDisabled("%s", s.formula().c_str());
  const bool bowl = s.kind() == descent::SurfaceKind::Bowl || s.kind() == descent::SurfaceKind::NoisyBowl;
  const bool showK = bowl && shows("surface-k");
  descent::SurfaceParams params = s.params();
  bool changed = false;
  if (showK) {
    float k = static_cast<float>(params.condition);
    ImGui::SetNextItemWidth(120.0f);
    changed |= ImGui::SliderFloat("k##surface", &k, 1.0f, 100.0f, "%.3g", ImGuiSliderFlags_Logarithmic);
    remember("surface-k");
    tooltip("The condition number: how much steeper the bowl is along y than along x.");
    params.condition = k;
  }
  if (s.kind() == descent::SurfaceKind::NoisyBowl && shows("surface-sigma")) {
    if (showK) ImGui::SameLine();
    float sigma = static_cast<float>(params.sigma);
    ImGui::SetNextItemWidth(100.0f);
    changed |= ImGui::SliderFloat("sigma##surface", &sigma, 0.0f, 5.0f, "%.3g");
    remember("surface-sigma");
    tooltip("The noise added to each gradient coordinate, as a minibatch adds it.");
    params.sigma = sigma;
  }
  // k and sigma keep the start (a drag's start stays where the user put it).
  if (changed) mLab.setSurface(s.kind(), params, true);
}

void SurfaceView::drawTable() {
  const auto& runs = mLab.runs();
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("surface-table", 5, flags)) return;
  ImGui::TableSetupColumn("optimizer");
  ImGui::TableSetupColumn("steps");
  ImGui::TableSetupColumn("f");
  ImGui::TableSetupColumn("to min");
  ImGui::TableSetupColumn("reached");
  ImGui::TableHeadersRow();
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const descent::DescentRun& run = runs[i].run;
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::PushStyleColor(ImGuiCol_Text, colourVec(runs[i].colour));
    const std::string name = std::to_string(i + 1) + " " + optimizerLabel(run.optimizer());
    const std::string row = "surface-row-" + std::to_string(i);
    if (shows(row)) {  // a row selects its optimizer for the Step panel
      if (ImGui::Selectable(name.c_str(), i == mSelected, ImGuiSelectableFlags_SpanAllColumns)) mSelected = i;
      remember(row);
    } else {
      ImGui::TextUnformatted(name.c_str());
    }
    ImGui::PopStyleColor();
    ImGui::TableNextColumn();
    ImGui::Text("%llu", static_cast<unsigned long long>(run.steps()));
    remember("surface-steps-" + std::to_string(i));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(descent::equationNumber(run.value()).c_str());
    ImGui::TableNextColumn();
    const double distance = run.distanceToMinimum();
    ImGui::TextUnformatted(std::isfinite(distance) ? descent::equationNumber(distance).c_str() : "-");
    ImGui::TableNextColumn();
    if (run.divergedStep()) {
      ImGui::TextColored(WARNING_COLOUR, "diverged %llu", static_cast<unsigned long long>(*run.divergedStep()));
    } else if (run.convergedStep()) {
      ImGui::Text("%llu", static_cast<unsigned long long>(*run.convergedStep()));
    } else {
      ImGui::TextUnformatted("-");
    }
  }
  ImGui::EndTable();
  if (!shows("surface-tolerance")) return;
  float tolerance = static_cast<float>(mLab.tolerance());
  ImGui::SetNextItemWidth(100.0f);
  if (ImGui::InputFloat("tolerance##surface", &tolerance, 0.0f, 0.0f, "%g", ImGuiInputTextFlags_EnterReturnsTrue) &&
      tolerance > 0.0f) {
    mLab.setTolerance(tolerance);
  }
  remember("surface-tolerance");
  tooltip("\"reached\": the first step within this distance of a listed minimum.");
}

void SurfaceView::drawStepPanel() {
  if (mSelected >= mLab.runs().size()) return;
  const descent::LabRun& r = mLab.runs()[mSelected];
  if (shows("surface-step-panel")) {  // a header that folds the panel away
    ImGui::SetNextItemOpen(true, ImGuiCond_Once);
    if (!ImGui::CollapsingHeader("Step##surface")) return;
    remember("surface-step-panel");
  }
  ImGui::TextColored(colourVec(r.colour), "%s, step %llu", optimizerLabel(r.run.optimizer()).c_str(),
                     static_cast<unsigned long long>(r.run.steps()));
  const auto lines = descent::stepEquations(r);
  if (lines.empty()) {
    ImGui::TextDisabled("Press Step to see an update in numbers.");
    return;
  }
  drawEquationLines("surface-equations", lines);
}

void drawEquationLines(const char* id, const std::vector<std::string>& lines) {
  const float height = static_cast<float>(lines.size()) * ImGui::GetTextLineHeightWithSpacing() +
                       ImGui::GetStyle().ScrollbarSize + ImGui::GetStyle().WindowPadding.y;
  ImGui::BeginChild(id, ImVec2(0, height), false, ImGuiWindowFlags_HorizontalScrollbar);
  for (const auto& line : lines) ImGui::TextUnformatted(line.c_str());
  ImGui::EndChild();
}

void SurfaceView::drawRunList() {
  // Adding: the optimizer to add, then Add.
  const bool addKind = shows("surface-add-kind");
  if (addKind) {
    ImGui::SetNextItemWidth(110.0f);
    const std::string current = optimizerLabel(SURFACE_OPTIMIZERS[mAddKind]);
    if (ImGui::BeginCombo("##surface-add-kind", current.c_str())) {
      for (int k = 0; k < static_cast<int>(std::size(SURFACE_OPTIMIZERS)); ++k) {
        if (ImGui::Selectable(optimizerLabel(SURFACE_OPTIMIZERS[k]).c_str(), k == mAddKind)) mAddKind = k;
      }
      ImGui::EndCombo();
    }
    remember("surface-add-kind");
  }
  if (shows("surface-add")) {
    if (addKind) ImGui::SameLine();
    ImGui::BeginDisabled(mLab.runs().size() >= descent::SurfaceLab::MAX_RUNS);
    if (pressButton("Add optimizer")) {
      mLab.add(SURFACE_OPTIMIZERS[mAddKind]);
      mSelected = mLab.runs().size() - 1;
    }
    ImGui::EndDisabled();
    remember("surface-add");
    tooltip("Another optimizer from the same start, caught up to the others' step count.");
  }

  // Each run: its title, its remove button and a slider for each of its hyperparameters, named
  // "surface-" + the slider's name + "-" + the run's index. A run with none of them shown is left out
  // (the table names it).
  struct Slider {
    const char *label, *name;
    float* value;
    float lo, hi;
    const char* format;
    ImGuiSliderFlags flags = 0;
  };
  std::optional<std::size_t> removed;
  for (std::size_t i = 0; i < mLab.runs().size(); ++i) {
    descent::LabRun& r = mLab.runs()[i];
    const std::string n = std::to_string(i);
    train::Hyperparams h = r.run.hyperparams();
    std::vector<Slider> sliders{
        {"learning rate", "lr", &h.learningRate, 1e-5f, 2.0f, "%.4g", ImGuiSliderFlags_Logarithmic}};
    const Slider eps{"eps", "eps", &h.epsilon, 1e-10f, 1.0f, "%.2g", ImGuiSliderFlags_Logarithmic};
    switch (h.optimizer) {
      case OptimizerKind::Momentum:
      case OptimizerKind::Nesterov:
        sliders.push_back({"momentum", "momentum", &h.momentum, 0.0f, 0.999f, "%.3f"});
        break;
      case OptimizerKind::RmsProp:
        sliders.push_back({"rho", "rho", &h.rho, 0.0f, 0.999f, "%.3f"});
        sliders.push_back(eps);
        break;
      case OptimizerKind::AdaGrad:
        sliders.push_back(eps);
        break;
      case OptimizerKind::Adam:
      case OptimizerKind::AdamW:
        sliders.push_back({"beta1", "beta1", &h.beta1, 0.0f, 0.999f, "%.3f"});
        sliders.push_back({"beta2", "beta2", &h.beta2, 0.9f, 0.99999f, "%.5f"});
        sliders.push_back(eps);
        if (h.optimizer == OptimizerKind::AdamW)
          sliders.push_back({"weight decay", "wd", &h.weightDecay, 0.0f, 1.0f, "%.3g"});
        break;
      case OptimizerKind::Gd:
      case OptimizerKind::Sgd:
        break;
    }
    std::erase_if(sliders, [&](const Slider& s) { return !shows(std::string("surface-") + s.name + "-" + n); });
    const bool removable = shows("surface-remove-" + n);
    if (sliders.empty() && !removable) continue;

    ImGui::PushID(static_cast<int>(r.id));
    ImGui::ColorButton("##colour", colourVec(r.colour), ImGuiColorEditFlags_NoTooltip, ImVec2(12, 12));
    ImGui::SameLine();
    const std::string title = std::to_string(i + 1) + " " + optimizerLabel(r.run.optimizer());
    const bool open = ImGui::TreeNodeEx("##run", ImGuiTreeNodeFlags_DefaultOpen | ImGuiTreeNodeFlags_SpanAvailWidth,
                                        "%s", title.c_str());
    if (ImGui::IsItemClicked()) mSelected = i;
    if (removable) {
      ImGui::SameLine(std::max(ImGui::GetContentRegionMax().x - 24.0f, 0.0f));
      if (ImGui::SmallButton("x")) removed = i;
      remember("surface-remove-" + n);
      tooltip("Remove this optimizer.");
    }
    if (open) {
      bool changed = false;
      const float width = std::max(ImGui::GetContentRegionAvail().x - 110.0f, 80.0f);
      for (const Slider& s : sliders) {
        ImGui::SetNextItemWidth(width);
        changed |= ImGui::SliderFloat(s.label, s.value, s.lo, s.hi, s.format, s.flags);
        remember(std::string("surface-") + s.name + "-" + n);
      }
      if (changed && h.validate()) mLab.setHyperparams(i, h);
      ImGui::TreePop();
    }
    ImGui::PopID();
  }
  if (removed) {
    mLab.remove(*removed);
    if (mSelected > *removed || mSelected >= mLab.runs().size()) mSelected = mSelected > 0 ? mSelected - 1 : 0;
  }
}

}  // namespace nsb::ui
