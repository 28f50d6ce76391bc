#pragma once
// HeadlessEditor: the fixture of the tests of the editor's panel logic. An Editor on a preset's network
// in a headless ImGui context (no renderer, no session), a Snapshot it draws, the Commands it submits
// collected in `sent`, and the frame, click and key helpers that drive it.
#include <gtest/gtest.h>
#include <imgui.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "UiTestSupport.h"
#include "nn/Init.h"
#include "ui/Editor.h"

namespace nsb::ui::test {

class HeadlessEditor : public ::testing::Test {
 protected:
  // A fixture that overrides SetUp calls this one first: the context must exist before any editor.
  void SetUp() override { createHeadlessImGui(); }
  void TearDown() override {
    editor.reset();  // the editor before the context it draws in
    ImGui::DestroyContext();
  }

  // An editor on `preset`'s network, data and features (CPU), and the snapshot to match. `adjust` sets
  // what a test needs beyond the preset (a lesson, a surface, fetchDataset, deterministic) before the
  // editor is made, since the editor reads its config only then.
  void makeEditor(const std::string& preset, const std::function<void(EditorConfig&)>& adjust = {}) {
    const AppOptions options = presetOptions(preset, "cpu");
    snapshot.spec = options.config.spec;
    snapshot.hyperparams = options.config.hyperparams;
    snapshot.backend = "cpu";
    EditorConfig config;
    config.submit = [this](train::Command c) -> std::uint64_t {
      sent.push_back(std::move(c));
      return sent.size();
    };
    config.dataset = options.dataset;
    config.featureList = options.featureList;
    config.presetName = preset;
    if (adjust) adjust(config);
    editor = std::make_unique<Editor>(std::move(config));
  }

  // Weights in the snapshot (Xavier, seed 1), for the tests that click an edge or read a weight.
  void withParameters() {
    auto set = std::make_shared<train::ProbeSet>();
    set->parameters = nn::initialParameters(snapshot.spec, nn::InitKind::Xavier, 1);
    snapshot.probes = set;
  }

  EditorRequests frame() {
    ImGui::NewFrame();
    EditorRequests requests = editor->draw(snapshot, FrameStats{});
    ImGui::Render();
    return requests;
  }
  // A left click at `p` (press, release), with a frame to hover first.
  void click(const ImVec2& p) {
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = p;
    frame();
    io.MouseDown[0] = true;
    frame();
    io.MouseDown[0] = false;
    frame();
  }
  // A click on the middle of a widget the last frame drew (by its name in the widget registry).
  // A point 0.3 of the way along an edge of the network view's last frame (its middle or a quarter may
  // be where two edges cross).
  ImVec2 alongEdge(const WeightRef& edge) const {
    const auto from = editor->network().neuronRect(edge.layer, edge.from);
    const auto to = editor->network().neuronRect(edge.layer + 1, edge.to);
    EXPECT_TRUE(from && to);
    if (!from || !to) return ImVec2(0, 0);
    const ImVec2 a(from->max.x, from->center().y), b(to->min.x, to->center().y);
    return ImVec2(a.x + 0.3f * (b.x - a.x), a.y + 0.3f * (b.y - a.y));
  }
  void clickWidget(const std::string& name) {
    const auto rect = editor->widgetRect(name);
    ASSERT_TRUE(rect) << name << " was not drawn";
    click(rect->center());
  }
  // A key pressed for one frame and released in the next (`key` as the App's key map numbers it).
  void tap(int key) {
    ImGuiIO& io = ImGui::GetIO();
    io.KeysDown[key] = true;
    frame();
    io.KeysDown[key] = false;
    frame();
  }
  template <typename T>
  std::vector<T> sentOf() const {
    std::vector<T> out;
    for (const auto& c : sent) {
      if (const auto* v = std::get_if<T>(&c)) out.push_back(*v);
    }
    return out;
  }

  train::Snapshot snapshot;
  std::vector<train::Command> sent;
  std::unique_ptr<Editor> editor;
};

}  // namespace nsb::ui::test
