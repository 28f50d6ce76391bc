// Outliner: the left panel listing the dataset (with its picker), the input features, the hidden
// layers with their +/-/x buttons, the output and the optimizer; a click selects what Details shows.
#include <cstdio>

#include "ui/Editor.h"
#include "ui/panels/PanelSupport.h"

namespace nsb::ui {

using namespace panels;

void Editor::drawDatasetPicker(EditorRequests& requests) {
  ImGui::SetNextItemWidth(-1);
  const std::string current = mDataset ? mDataset->name : "?";
  // Every dataset and "Open file" at once, without scrolling.
  if (ImGui::BeginCombo("##dataset", current.c_str(), ImGuiComboFlags_HeightLargest)) {
    for (const auto& info : data::listDatasets()) {
      ImGui::BeginDisabled(!info.available);
      if (ImGui::Selectable(info.name.c_str(), info.name == current) && info.name != current) {
        data::DatasetRequest request;
        request.name = info.name;
        data::SyntheticKind kind{};
        if (data::parseSyntheticKind(info.name, kind)) request.synthetic.noise = mNoise;
        requests.openDataset = request;
      }
      ImGui::EndDisabled();
      if (!info.available) tooltip(info.howToGet.c_str());
    }
    ImGui::Separator();
    if (ImGui::Selectable("Open file (CSV or IDX)...")) beginFileAction(FileAction::OpenDataset);
    ImGui::EndCombo();
  }
  rememberWidget("dataset");
  tooltip(
      "What the network learns from. Another dataset starts a new run, the network rebuilt to fit its inputs "
      "and outputs; the hidden layers and the hyperparameters stay.");
}

void Editor::drawOutliner(const train::Snapshot& snapshot, const Rect& rect, EditorRequests& requests) {
  if (beginPanel("Outliner", rect)) {
    rememberWidget("panel-outliner", rect);
    panelMenu("outliner");
    auto item = [&](const char* label, SelectionKind kind, std::size_t layer = 0) {
      const bool selected = mSelection.kind == kind && (kind != SelectionKind::Layer || mSelection.layer == layer);
      if (ImGui::Selectable(label, selected)) mSelection = Selection{kind, layer, 0};
    };
    char label[128];
    const auto& spec = snapshot.spec;
    ImGui::TextDisabled("preset %s", mConfig.presetName.c_str());
    item("Dataset", SelectionKind::Dataset);
    rememberWidget("outliner-dataset");
    drawDatasetPicker(requests);
    std::snprintf(label, sizeof label, "Input features  (%zu)", spec.inputs);
    item(label, SelectionKind::Features);
    if (planarData(mDataset.get())) {
      ImGui::Indent();
      drawFeatures();
      ImGui::Unindent();
    }
    const float buttons = ImGui::GetFrameHeight() * 3.0f + ImGui::GetStyle().ItemSpacing.x * 2.0f;
    for (std::size_t l = 0; l < spec.hidden.size(); ++l) {
      const std::size_t width = targetWidth(snapshot, l);
      const bool widthPending = width != spec.hidden[l].width;
      std::snprintf(label, sizeof label, "Hidden %zu  %zu x %s%s##layer%zu", l + 1, width,
                    std::string(compute::activationName(spec.hidden[l].activation)).c_str(), widthPending ? " *" : "",
                    l);
      const bool selected = mSelection.kind == SelectionKind::Layer && mSelection.layer == l;
      if (ImGui::Selectable(label, selected, 0,
                            ImVec2(std::max(ImGui::GetContentRegionAvail().x - buttons, 40.0f), 0))) {
        mSelection = Selection{SelectionKind::Layer, l};
      }
      ImGui::SameLine();
      ImGui::PushID(static_cast<int>(l));
      drawLayerButtons(snapshot, l, true);
      ImGui::PopID();
    }
    if (ImGui::Button("+ hidden layer")) {
      const std::size_t in = spec.layerInputs(spec.hidden.size());
      const auto activation = spec.hidden.empty() ? compute::Activation::Relu : spec.hidden.back().activation;
      send(train::AddLayer{spec.hidden.size(), in <= 64 ? 0u : 32u, activation});
    }
    rememberWidget("add-layer");
    tooltip("Add a hidden layer before the output: it starts close to an identity, so training goes on.");
    std::snprintf(label, sizeof label, "Output  %zu x %s, %s", spec.outputs,
                  std::string(compute::headName(spec.head)).c_str(), std::string(compute::lossName(spec.loss)).c_str());
    item(label, SelectionKind::Output);
    std::snprintf(label, sizeof label, "Optimizer  %s",
                  std::string(compute::optimizerName(snapshot.hyperparams.optimizer)).c_str());
    item(label, SelectionKind::Optimizer);
    ImGui::Separator();
    ImGui::TextDisabled("%s", snapshot.backend.c_str());
    ImGui::TextWrapped("%s", snapshot.device.c_str());
  }
  ImGui::End();
}

void Editor::drawLayerButtons(const train::Snapshot& snapshot, std::size_t l, bool compact) {
  const std::size_t width = targetWidth(snapshot, l);
  const ImVec2 size(compact ? ImGui::GetFrameHeight() : 0.0f, 0.0f);
  const std::string id = std::to_string(l);
  // In presenter mode (the Lesson panel draws them) only the buttons the page names.
  const bool add = controlShown("add-neuron-" + id), remove = controlShown("remove-neuron-" + id);
  if (add) {
    if (pressButton(compact ? "+" : "Add neuron", size)) setLayerWidth(l, width + 1);
    if (compact) rememberWidget("add-neuron-" + id);
    tooltip(compact ? "Add a neuron to this layer: it starts with zero outgoing weights, so nothing jumps."
                    : "A new neuron with zero outgoing weights: the outputs do not jump.");
  }
  if (add && remove) ImGui::SameLine();
  if (remove) {
    ImGui::BeginDisabled(width <= 1);
    if (pressButton(compact ? "-" : "Remove last neuron", size)) setLayerWidth(l, width - 1);
    ImGui::EndDisabled();
    if (compact) rememberWidget("remove-neuron-" + id);
    tooltip(compact ? "Remove this layer's last neuron; the other weights stay."
                    : "Drops the layer's last neuron; the other weights stay.");
  }
  if (!compact) {
    if (ImGui::Button("Insert layer before")) send(train::AddLayer{l, 0, snapshot.spec.hidden[l].activation});
    tooltip("A new layer as wide as its input, starting close to an identity.");
  }
  if (!controlShown("remove-layer-" + id)) return;
  ImGui::SameLine();
  if (ImGui::Button(compact ? "x" : "Remove layer", size)) {
    send(train::RemoveLayer{l});
    if (!compact) mSelection = Selection{};  // Details showed the layer; the Outliner keeps its selection
  }
  if (compact) rememberWidget("remove-layer-" + id);
  tooltip(compact ? "Remove this layer: its weights are folded into the next layer as if it were linear."
                  : "Folds this layer's weights into the next one as if it were linear.");
}

}  // namespace nsb::ui
