// Viewport: the middle panel, the network view (or the 3D orbit view) under the banners: the
// divergence banner with its ways out, and the last notice or refused command.
#include <string>

#include "train/RaceSpec.h"
#include "ui/Editor.h"
#include "ui/RaceRanking.h"
#include "ui/panels/PanelSupport.h"

namespace nsb::ui {

using namespace panels;

void Editor::drawViewport(const train::Snapshot& snapshot, const Rect& rect) {
  mViewportRect = rect;
  ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0.060f, 0.063f, 0.070f, 1.0f));
  if (beginPanel("Viewport", rect, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse)) {
    rememberWidget("panel-viewport", rect);
    panelMenu("viewport");
    // A watcher's views stay live (their own requests wait for control); the banners' ways out and the
    // replica picker are commands the server refuses it.
    ImGui::BeginDisabled(watching());
    drawBanners(snapshot);
    if (snapshot.race) drawReplicaPicker(snapshot);
    ImGui::EndDisabled();
    const ImVec2 min = ImGui::GetCursorScreenPos();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const Rect area{min, ImVec2(min.x + avail.x, min.y + avail.y)};
    // The live loss landscape (ui/LandscapeView): the session computes it only while it is shown.
    if (mLandscapeMode && !mSurfaceMode) {
      // A race's replicas are named and coloured as in the Race tab.
      std::vector<ReplicaStyle> replicas;
      for (std::size_t i = 0; snapshot.race && i < snapshot.race->replicas.size(); ++i) {
        const train::ReplicaState& r = snapshot.race->replicas[i];
        replicas.push_back(
            {r.id, std::to_string(i + 1) + " " + train::replicaLabel(r.hyperparams), replicaColour(r.id)});
      }
      mLandscape.setReplicas(std::move(replicas));
      mLandscape.draw(area, [this](train::Command c) { return send(std::move(c)); });
      ImGui::End();
      ImGui::PopStyleColor();
      return;
    }
    mLandscape.hide();
    if (mSurfaceMode || mOrbitMode) {
      // Deterministic (headless) frames advance the surface's runs by a fixed 1/30 s: pictures repeat.
      if (mSurfaceMode)
        mSurface.draw(area, mConfig.deterministic ? 1.0 / 30.0 : ImGui::GetIO().DeltaTime);
      else
        mOrbit.draw(snapshot, area, controlShown("network-orbit"));
      ImGui::End();
      ImGui::PopStyleColor();
      return;
    }
    const auto clicked = mNetwork.draw(snapshot, mConfig.heatmaps, area);
    if (clicked) mSelection = Selection{SelectionKind::Neuron, clicked->first, clicked->second};
    if (auto probes = mNetwork.takeProbes()) send(std::move(*probes));
    if (const auto weight = mNetwork.clickedWeight()) {
      mSelection = Selection{SelectionKind::Weight, weight->layer, weight->to, weight->from};
    }
    // A selected weight: the session reports its every last update, which the Step panel shows.
    std::optional<std::size_t> watch;
    const nn::ModelSpec& spec = snapshot.spec;
    if (mSelection.kind == SelectionKind::Weight && mSelection.layer < spec.layerCount() &&
        mSelection.neuron < spec.layerOutputs(mSelection.layer) &&
        mSelection.from < spec.layerInputs(mSelection.layer)) {
      watch = spec.weightOffset(mSelection.layer) + mSelection.neuron * spec.layerInputs(mSelection.layer) +
              mSelection.from;
    }
    if (watch != mWatched) {
      mWatched = watch;
      send(train::WatchParameter{watch});
    }
    if (watch && mNetwork.planar()) mNetwork.drawStepPanel(snapshot, area, *watch);
  }
  ImGui::End();
  ImGui::PopStyleColor();
}

void Editor::drawBanners(const train::Snapshot& snapshot) {
  if (snapshot.divergence && !mDivergenceDismissed && !snapshot.running) {
    const train::Divergence& d = *snapshot.divergence;
    ImGui::PushStyleColor(ImGuiCol_Text, WARNING_COLOUR);
    ImGui::TextWrapped("Training diverged at step %llu: %s. Paused with the weights of step %llu.",
                       static_cast<unsigned long long>(d.step), d.what.c_str(),
                       static_cast<unsigned long long>(d.goodStep));
    ImGui::PopStyleColor();
    rememberWidget("divergence");
    // Its buttons on one row where they fit, else each that does not on a row of its own (presenter
    // mode's large font).
    if (ImGui::Button("Resume from there")) play(true);
    rememberWidget("divergence-resume");
    tooltip("Go on from the last good weights with the same settings.");
    const float lower = snapshot.hyperparams.learningRate * 0.1f;
    const std::string lowerLabel = "Lower the rate to " + core::formatNumber(lower) + " and resume";
    sameLineIfFits(buttonWidth(lowerLabel.c_str()));
    if (ImGui::Button(lowerLabel.c_str())) {
      train::Hyperparams h = snapshot.hyperparams;
      h.learningRate = lower;
      sendHyperparams(h);
      play(true);
    }
    rememberWidget("divergence-lower");
    sameLineIfFits(buttonWidth("Reset##divergence"));
    if (ImGui::Button("Reset##divergence")) {
      send(train::Reset{static_cast<std::uint64_t>(std::max(mSeed, 0))});
      mDivergenceDismissed = true;
    }
    rememberWidget("divergence-reset");
  }
  if (!mError.empty() || !mNotice.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, mError.empty() ? NOTICE_COLOUR : WARNING_COLOUR);
    ImGui::TextWrapped("%s", mError.empty() ? mNotice.c_str() : mError.c_str());
    ImGui::PopStyleColor();
    rememberWidget("notice");
    if (ImGui::IsItemClicked()) {
      mError.clear();
      mNotice.clear();
    }
    tooltip("Click to dismiss.");
  }
}

}  // namespace nsb::ui
