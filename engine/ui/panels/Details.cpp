// Details: the right panel, the selection's editable properties: the hyperparameters (each with a
// one-sentence tooltip), the dataset's noise, the features, a layer, a neuron's or a weight's value.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ui/Editor.h"
#include "ui/panels/PanelSupport.h"

namespace nsb::ui {

using namespace panels;

namespace {

// The combos list compute's names (the ones presets and the command line use), in enum order.
constexpr int OPTIMIZER_COUNT = static_cast<int>(compute::OptimizerKind::AdamW) + 1;
constexpr int ACTIVATION_COUNT = static_cast<int>(compute::Activation::Gelu) + 1;

bool optimizerItem(void*, int index, const char** text) {
  *text = compute::optimizerName(static_cast<compute::OptimizerKind>(index)).data();  // a literal: ends in '\0'
  return true;
}

bool activationItem(void*, int index, const char** text) {
  *text = compute::activationName(static_cast<compute::Activation>(index)).data();
  return true;
}

}  // namespace

// Image data: a neuron's weight image large (first layer) and the test images that excite it most.
void Editor::drawNeuronImages(const train::Snapshot& snapshot, std::size_t layer, std::size_t neuron) {
  ImDrawList* list = ImGui::GetWindowDrawList();
  const float width = ImGui::GetContentRegionAvail().x;
  if (layer == 0) {
    // The weight image large, its spectrum beside it (the Images tab's, from the backend's SpectrumOp).
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const float side = std::floor(std::min(width * 0.6f, 240.0f * mScale));
    const float spectrum = std::floor(std::min(width - side - gap, side));
    const ImVec2 at = ImGui::GetCursorScreenPos();
    mImages.drawWeights(list, mConfig.heatmaps, neuron, Rect{at, ImVec2(at.x + side, at.y + side)});
    ImGui::Dummy(ImVec2(side, side));
    rememberWidget("neuron-weights");
    tooltip("Its incoming weights as an image: blue positive, orange negative, scaled by the largest |w|.");
    if (spectrum >= 16.0f) {
      ImGui::SameLine(0.0f, gap);
      const ImVec2 to = ImGui::GetCursorScreenPos();
      if (mImages.drawSpectrum(list, mConfig.heatmaps, neuron, Rect{to, ImVec2(to.x + spectrum, to.y + spectrum)})) {
        ImGui::Dummy(ImVec2(spectrum, spectrum));
        rememberWidget("neuron-spectrum");
        tooltip(
            "Its spectrum: log(1 + |DFT|) of the weight image, zero frequency in the centre; smooth weights keep "
            "to the middle, stripes and noise spread outwards.");
      } else {
        ImGui::Dummy(ImVec2(spectrum, spectrum));
      }
    }
    ImGui::TextDisabled("weights, and their spectrum");
  }
  const bool refresh = ImGui::Button("Recompute##top");
  tooltip("The search runs when the neuron changes; this runs it again with the current weights.");
  const auto* top = mImages.topImages(snapshot, mConfig.heatmaps, layer, neuron, refresh);
  if (!top) return;
  ImGui::SameLine();
  ImGui::TextDisabled("step %llu, %.0f ms", static_cast<unsigned long long>(top->step), top->milliseconds);
  ImGui::TextUnformatted("Top 16 test images");
  rememberWidget("top-images");
  // Eight a row where each is still at least an image's 28 pixels, so that the list fits beside the
  // weight image at 1280x720.
  const std::size_t perRow = width / 8.0f >= 28.0f ? 8 : 4;
  const float cell = std::floor(width / static_cast<float>(perRow));
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  for (std::size_t i = 0; i < top->top.size(); ++i) {
    const ImVec2 at(origin.x + cell * static_cast<float>(i % perRow), origin.y + cell * static_cast<float>(i / perRow));
    const Rect r{ImVec2(at.x + 1, at.y + 1), ImVec2(at.x + cell - 1, at.y + cell - 1)};
    mImages.drawTop(list, mConfig.heatmaps, i, r);
    const auto [sample, value] = top->top[i];
    if (ImGui::IsWindowHovered() && r.contains(mouse)) {
      ImGui::SetTooltip(
          "test image %zu (%s): activation %.3f\nclick to show it in the Viewport", sample,
          mDataset ? mDataset->className(static_cast<std::size_t>(mDataset->test.labels[sample])).c_str() : "",
          static_cast<double>(value));
      if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) send(mImages.setSample(sample));
    }
  }
  ImGui::Dummy(
      ImVec2(cell * static_cast<float>(perRow), cell * static_cast<float>((top->top.size() + perRow - 1) / perRow)));
}

void Editor::drawDetails(const train::Snapshot& snapshot, const Rect& rect) {
  if (beginPanel("Details", rect)) {
    rememberWidget("panel-details", rect);
    panelMenu("details");
    const auto& spec = snapshot.spec;
    const auto* params = snapshot.probes && snapshot.probes->parameters.size() == spec.parameterCount()
                             ? &snapshot.probes->parameters
                             : nullptr;
    // The labels' room at any UI scale, the fields keeping at least half of a narrow panel.
    ImGui::PushItemWidth(-std::min(100 * mScale, ImGui::GetContentRegionAvail().x * 0.5f));
    switch (mSelection.kind) {
      case SelectionKind::Optimizer:
        ImGui::TextUnformatted("Training");
        pendingMark(mSentHyper.has_value());
        ImGui::Separator();
        drawHyperparams(snapshot);
        break;
      case SelectionKind::Dataset:
        drawDataset();
        break;
      case SelectionKind::Features:
        ImGui::Text("%zu input features", spec.inputs);
        if (planarData(mDataset.get())) {
          drawFeatures();
        } else if (mDataset && mDataset->featureNames.size() <= 64) {
          for (const auto& name : mDataset->featureNames) ImGui::BulletText("%s", name.c_str());
        }
        break;
      case SelectionKind::Layer: {
        const std::size_t l = mSelection.layer;
        if (l >= spec.hidden.size()) break;
        ImGui::Text("Hidden layer %zu: %zu neurons", l + 1, targetWidth(snapshot, l));
        int activation = static_cast<int>(spec.hidden[l].activation);
        if (ImGui::Combo("activation", &activation, activationItem, nullptr, ACTIVATION_COUNT)) {
          send(train::SetActivation{l, static_cast<compute::Activation>(activation)});
        }
        tooltip("The function each neuron applies to its weighted sum; the weights stay when it changes.");
        drawLayerButtons(snapshot, l, false);
        break;
      }
      case SelectionKind::Output:
        ImGui::Text("Output layer: %zu neurons", spec.outputs);
        ImGui::Text("head %s, loss %s", std::string(compute::headName(spec.head)).c_str(),
                    std::string(compute::lossName(spec.loss)).c_str());
        break;
      case SelectionKind::Neuron: {
        const std::size_t layer = mSelection.layer;  // 1.. (the picture's column)
        if (layer == 0) {
          ImGui::Text("Input %zu", mSelection.neuron);
          break;
        }
        const std::size_t l = layer - 1;
        if (l >= spec.layerCount() || mSelection.neuron >= spec.layerOutputs(l)) break;
        ImGui::Text("Neuron %zu of layer %zu", mSelection.neuron, layer);
        if (mImages.active()) drawNeuronImages(snapshot, l, mSelection.neuron);
        if (params && !mImages.active()) {
          parameterField("bias", snapshot, spec.biasOffset(l) + mSelection.neuron);
          const std::size_t in = spec.layerInputs(l);
          ImGui::TextDisabled("incoming weights (Enter sets one)");
          for (std::size_t j = 0; j < std::min<std::size_t>(in, 32); ++j) {
            char label[32];
            std::snprintf(label, sizeof label, "w[%zu]", j);
            parameterField(label, snapshot, spec.weightOffset(l) + mSelection.neuron * in + j);
          }
        }
        if (l < spec.hidden.size()) {
          ImGui::BeginDisabled(spec.hidden[l].width <= 1);
          if (ImGui::Button("Remove this neuron")) {
            send(train::RemoveNeuron{l, mSelection.neuron});
            mSelection = Selection{SelectionKind::Layer, l};
          }
          ImGui::EndDisabled();
          tooltip("Takes the neuron out with its weights; every other weight stays.");
        }
        break;
      }
      case SelectionKind::Weight: {
        const std::size_t l = mSelection.layer;
        if (l >= spec.layerCount() || mSelection.neuron >= spec.layerOutputs(l) ||
            mSelection.from >= spec.layerInputs(l)) {
          break;
        }
        ImGui::Text("Weight from neuron %zu of layer %zu", mSelection.from, l);
        ImGui::Text("to neuron %zu of layer %zu", mSelection.neuron, l + 1);
        if (params)
          parameterField("value", snapshot,
                         spec.weightOffset(l) + mSelection.neuron * spec.layerInputs(l) + mSelection.from);
        break;
      }
    }
    ImGui::PopItemWidth();
    if (mSelection.kind != SelectionKind::Optimizer) {
      ImGui::Spacing();
      if (ImGui::Button("Show the optimizer")) mSelection = Selection{};
    }
  }
  ImGui::End();
}

void Editor::drawHyperparams(const train::Snapshot& snapshot) {
  train::Hyperparams h = mSentHyper ? *mSentHyper : snapshot.hyperparams;
  train::Hyperparams& editing = mEditing;  // the value under an active widget, kept across frames
  if (!mEditingActive) editing = h;
  bool anyActive = false;
  bool commit = false;
  auto track = [&](const char* tip) {
    anyActive = anyActive || ImGui::IsItemActive();
    if (ImGui::IsItemDeactivatedAfterEdit()) commit = true;
    tooltip(tip);
  };

  int optimizer = static_cast<int>(editing.optimizer);
  if (ImGui::Combo("optimizer", &optimizer, optimizerItem, nullptr, OPTIMIZER_COUNT)) {
    editing.optimizer = static_cast<compute::OptimizerKind>(optimizer);
    commit = true;
  }
  rememberWidget("optimizer");
  track("The update rule; a new optimizer starts with fresh state, the weights stay.");
  ImGui::SliderFloat("learning rate", &editing.learningRate, 1e-5f, 1.0f, "%g", ImGuiSliderFlags_Logarithmic);
  rememberWidget("lr");
  track("How far each step moves the weights along the negative gradient.");
  if (editing.optimizer == compute::OptimizerKind::Momentum || editing.optimizer == compute::OptimizerKind::Nesterov) {
    ImGui::SliderFloat("momentum", &editing.momentum, 0.0f, 0.999f, "%.3f");
    track("The share of the previous update carried into the next one.");
  }
  if (editing.optimizer == compute::OptimizerKind::Adam || editing.optimizer == compute::OptimizerKind::AdamW) {
    ImGui::SliderFloat("beta1", &editing.beta1, 0.0f, 0.999f, "%.3f");
    track("Decay of Adam's running mean of the gradient.");
    ImGui::SliderFloat("beta2", &editing.beta2, 0.9f, 0.99999f, "%.5f");
    track("Decay of Adam's running mean of the squared gradient.");
  }
  if (editing.optimizer == compute::OptimizerKind::RmsProp) {
    ImGui::SliderFloat("rho", &editing.rho, 0.0f, 0.999f, "%.3f");
    track("Decay of RMSprop's running mean of the squared gradient.");
  }
  if (editing.optimizer == compute::OptimizerKind::AdamW) {
    ImGui::SliderFloat("weight decay", &editing.weightDecay, 0.0f, 0.5f, "%.4f");
    track("AdamW's decoupled pull of every weight towards zero.");
  }
  ImGui::SliderFloat("L1", &editing.l1, 0.0f, 0.1f, "%g", ImGuiSliderFlags_Logarithmic);
  track("Penalty on the sum of |w|: pushes weights to exactly zero.");
  ImGui::SliderFloat("L2", &editing.l2, 0.0f, 0.1f, "%g", ImGuiSliderFlags_Logarithmic);
  rememberWidget("l2");
  track("Penalty on the sum of w squared: keeps weights small.");
  int batch = static_cast<int>(editing.batchSize);
  ImGui::BeginDisabled(editing.optimizer == compute::OptimizerKind::Gd);
  if (ImGui::SliderInt("batch size", &batch, 1, 256)) editing.batchSize = static_cast<std::size_t>(std::max(batch, 1));
  ImGui::EndDisabled();
  track("Samples averaged per step; gd always uses the whole training set.");
  ImGui::InputInt("seed", &mSeed);
  tooltip("Seed of the initial weights and shuffles: Reset with the same seed gives the same run.");
  if (ImGui::Button("Reset with this seed")) send(train::Reset{static_cast<std::uint64_t>(std::max(mSeed, 0))});
  tooltip("Starts again from the seed's initial weights, keeping the hyperparameters.");
  mEditingActive = anyActive;
  if (commit && !(editing == h)) sendHyperparams(editing);
}

void Editor::parameterField(const char* label, const train::Snapshot& snapshot, std::size_t index) {
  const auto& params = snapshot.probes->parameters;
  if (index >= params.size()) return;
  float value = params[index];
  ImGui::PushID(static_cast<int>(index));
  if (ImGui::InputFloat(label, &value, 0.0f, 0.0f, "%.4f", ImGuiInputTextFlags_EnterReturnsTrue) &&
      std::isfinite(value)) {
    send(train::SetParameter{index, value});
  }
  ImGui::PopID();
  rememberWidget(std::string("param-") + label);
  tooltip("Type a value and press Enter: training goes on from it.");
}

void Editor::drawDataset() {
  if (!mDataset) return;
  const auto& d = *mDataset;
  ImGui::Text("Dataset %s", d.name.c_str());
  ImGui::TextWrapped("%s", d.source.c_str());
  ImGui::Text("%zu train, %zu test samples", d.train.count, d.test.count);
  ImGui::Text("%zu features, %s", d.features, d.task == data::Task::Classification ? "classification" : "regression");
  if (!planarData(&d)) return;
  ImGui::Separator();
  drawNoiseAndRegenerate();
}

void Editor::drawNoiseAndRegenerate() {
  // In presenter mode (the Lesson panel draws them) only the ones the page names.
  if (controlShown("noise")) {
    ImGui::SliderFloat("noise", &mNoise, 0.0f, 0.5f, "%.2f");
    rememberWidget("noise");
    if (ImGui::IsItemDeactivatedAfterEdit()) send(train::RegenerateData{mNoise, mDataSeed});
    tooltip("How far the points scatter from their pattern; the points are drawn again, the weights stay.");
  }
  if (controlShown("regenerate")) {
    if (ImGui::Button("Regenerate")) send(train::RegenerateData{mNoise, ++mDataSeed});
    rememberWidget("regenerate");
    tooltip("Draws new points from the same pattern (a new data seed); the network keeps training on them.");
  }
}

void Editor::drawFeatures() {
  auto current = data::FeatureSet::parse(featureListOf(*mDataset));
  if (!current) return;
  for (std::size_t f = 0; f < data::FEATURE_COUNT; ++f) {
    const auto feature = static_cast<data::Feature>(f);
    bool on = current.value().has(feature);
    const std::string name = data::featureName(feature);
    if (ImGui::Checkbox(name.c_str(), &on)) {
      data::FeatureSet next = current.value();
      next.set(feature, on);
      if (next.size() > 0) {
        send(train::SetFeatures{next});
        send(NetworkView::probesFor(next));
      }
    }
    rememberWidget("feature-" + name);
    tooltip("Feed this function of the point to the network; the weights of the other inputs stay.");
  }
}

}  // namespace nsb::ui
