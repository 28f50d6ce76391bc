// The network's Step panel: the edge hit test picks the edge under a point (and none on a neuron or
// beside the network), a clicked edge makes the editor ask the session to watch that weight, and the
// panel shows the watched update's equations from the snapshot.
#include <gtest/gtest.h>
#include <imgui.h>

#include "HeadlessEditor.h"
#include "ui/Editor.h"

namespace nsb::ui {
namespace {

// The spiral preset's editor, with weights in the snapshot for the edges to show and watch.
class NetworkStep : public test::HeadlessEditor {
 protected:
  void SetUp() override {
    HeadlessEditor::SetUp();
    makeEditor("spiral");
    withParameters();
  }
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
  const auto asked = sentOf<train::WatchParameter>();
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
  EXPECT_EQ(sentOf<train::WatchParameter>().size(), 1u) << "asked once, not every frame";
  // Selecting something else stops the watch.
  const auto neuron = editor->network().neuronRect(1, 0);
  ASSERT_TRUE(neuron);
  click(neuron->center());
  ASSERT_EQ(sentOf<train::WatchParameter>().size(), 2u);
  EXPECT_FALSE(sentOf<train::WatchParameter>()[1].index);
}

}  // namespace
}  // namespace nsb::ui
