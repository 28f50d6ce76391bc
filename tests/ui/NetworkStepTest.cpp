// The network's Step panel: the edge hit test picks the edge under a point (and none on a neuron or
// beside the network), a clicked edge makes the editor ask the session to watch that weight, and the
// panel shows the watched update's equations from the snapshot.
#include <gtest/gtest.h>
#include <imgui.h>

#include <memory>
#include <vector>

#include "UiTestSupport.h"
#include "nn/Init.h"
#include "ui/Editor.h"

namespace nsb::ui {
namespace {

class NetworkStep : public ::testing::Test {
 protected:
  void SetUp() override {
    test::createHeadlessImGui();
    const auto options = test::spiralOptions("cpu");
    snapshot.spec = options.config.spec;
    snapshot.hyperparams = options.config.hyperparams;
    snapshot.backend = "cpu";
    auto set = std::make_shared<train::ProbeSet>();
    set->parameters = nn::initialParameters(snapshot.spec, nn::InitKind::Xavier, 1);
    snapshot.probes = set;
    EditorConfig config;
    config.submit = [this](train::Command c) -> std::uint64_t {
      sent.push_back(std::move(c));
      return sent.size();
    };
    config.dataset = options.dataset;
    config.featureList = options.featureList;
    editor = std::make_unique<Editor>(std::move(config));
  }
  void TearDown() override {
    editor.reset();
    ImGui::DestroyContext();
  }
  void frame() {
    ImGui::NewFrame();
    editor->draw(snapshot, FrameStats{});
    ImGui::Render();
  }
  void click(const ImVec2& p) {
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = p;
    frame();
    io.MouseDown[0] = true;
    frame();
    io.MouseDown[0] = false;
    frame();
  }
  // A point 0.3 of the way along an edge (its middle or a quarter may be where two edges cross).
  ImVec2 alongEdge(const WeightRef& edge) const {
    const auto from = editor->network().neuronRect(edge.layer, edge.from);
    const auto to = editor->network().neuronRect(edge.layer + 1, edge.to);
    EXPECT_TRUE(from && to);
    if (!from || !to) return ImVec2(0, 0);
    const ImVec2 a(from->max.x, from->center().y), b(to->min.x, to->center().y);
    return ImVec2(a.x + 0.3f * (b.x - a.x), a.y + 0.3f * (b.y - a.y));
  }
  std::vector<train::WatchParameter> watches() const {
    std::vector<train::WatchParameter> out;
    for (const auto& c : sent) {
      if (const auto* w = std::get_if<train::WatchParameter>(&c)) out.push_back(*w);
    }
    return out;
  }

  train::Snapshot snapshot;
  std::vector<train::Command> sent;
  std::unique_ptr<Editor> editor;
};

TEST_F(NetworkStep, TheEdgeHitTestPicksTheEdgeUnderAPoint) {
  frame();
  const NetworkView& view = editor->network();
  for (const WeightRef edge : {WeightRef{0, 0, 0}, WeightRef{0, 1, 3}, WeightRef{1, 2, 1}, WeightRef{1, 0, 0}}) {
    const auto hit = view.edgeAt(alongEdge(edge));
    ASSERT_TRUE(hit) << "layer " << edge.layer << " " << edge.from << " -> " << edge.to;
    EXPECT_EQ(hit->layer, edge.layer);
    EXPECT_EQ(hit->from, edge.from);
    EXPECT_EQ(hit->to, edge.to);
  }
  const auto neuron = view.neuronRect(1, 0);
  ASSERT_TRUE(neuron);
  EXPECT_FALSE(view.edgeAt(neuron->center())) << "a neuron is not an edge";
  const auto input = view.neuronRect(0, 0);
  ASSERT_TRUE(input);
  EXPECT_FALSE(view.edgeAt(ImVec2(input->min.x - 10.0f, input->center().y))) << "left of the network";
}

TEST_F(NetworkStep, AClickedEdgeIsWatchedAndItsUpdateShown) {
  frame();
  frame();  // the layout settles in the second frame
  const WeightRef edge{1, 2, 1};
  click(alongEdge(edge));
  const std::size_t index =
      snapshot.spec.weightOffset(edge.layer) + edge.to * snapshot.spec.layerInputs(edge.layer) + edge.from;
  const auto asked = watches();
  ASSERT_EQ(asked.size(), 1u);
  ASSERT_TRUE(asked[0].index);
  EXPECT_EQ(*asked[0].index, index);
  EXPECT_GT(editor->network().stepPanelRect().width(), 0.0f) << "the Step panel is drawn";

  train::WatchedStep step;
  step.index = index;
  step.step = 12;
  step.before = 0.5f;
  step.gradient = 0.25f;
  step.learningRate = 0.1f;
  step.after = 0.475f;
  step.hyperparams.optimizer = compute::OptimizerKind::Sgd;
  snapshot.watched = step;
  frame();
  // The Editor draws; the lines it shows are weightEquations' (the text is checked in WatchedStepTest).
  EXPECT_EQ(watches().size(), 1u) << "asked once, not every frame";
  // Selecting something else stops the watch.
  const auto neuron = editor->network().neuronRect(1, 0);
  ASSERT_TRUE(neuron);
  click(neuron->center());
  ASSERT_EQ(watches().size(), 2u);
  EXPECT_FALSE(watches()[1].index);
}

}  // namespace
}  // namespace nsb::ui
