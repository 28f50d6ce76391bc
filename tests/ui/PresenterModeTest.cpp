// Presenter mode leaves out of the Viewport every control of its views that the lesson's page does not
// name (issue 16, item 5): the Surface view's buttons, tabs, sliders and start handle, the network view's
// clickable edges, and the menu bar with its view toggles. What the views show stays (the map, the
// table). Leaving presenter mode brings every control back. Checked in the widget registry of a headless
// editor on a lesson written for the test.
#include <gtest/gtest.h>
#include <imgui.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "HeadlessEditor.h"
#include "lesson/Lesson.h"
#include "ui/Editor.h"

namespace nsb::ui {
namespace {

// Page 1: the bowl with gd and momentum, naming the Step button and the first run's learning rate.
// Page 2: the network, naming only Play. Page 3: the network, naming its edges. Page 4: the first hidden
// layer's +. Page 5: the data's noise and Regenerate.
constexpr const char* LESSON = R"({
  "title": "Presenter",
  "preset": "spiral",
  "pages": [
    {"text": "bowl",
     "settings": {"view": "surface", "surface": {"name": "bowl", "condition": 10, "start": [-4, 2], "speed": 10,
                  "optimizers": [{"optimizer": "gd", "lr": 0.1},
                                 {"optimizer": "momentum", "lr": 0.02, "momentum": 0.9}]}},
     "controls": ["surface-step", "surface-lr-0"]},
    {"text": "network", "settings": {"view": "network"}, "controls": ["play"]},
    {"text": "edges", "settings": {"view": "network"}, "controls": ["network-edge"]},
    {"text": "neurons", "settings": {"view": "network"}, "controls": ["add-neuron-0"]},
    {"text": "data", "settings": {"view": "network"}, "controls": ["noise", "regenerate"]}
  ]
})";

// Every control the Surface view draws for that page outside presenter mode.
const char* const SURFACE_CONTROLS[] = {
    "surface-play",     "surface-step",       "surface-reset",       "surface-speed",     "surface-kind",
    "surface-k",        "surface-row-0",      "surface-row-1",       "surface-tolerance", "surface-step-panel",
    "surface-add-kind", "surface-add",        "surface-remove-0",    "surface-remove-1",  "surface-lr-0",
    "surface-lr-1",     "surface-momentum-1", "surface-tab-contour", "surface-tab-3d",    "surface-map",
    "surface-start"};

class PresenterMode : public test::HeadlessEditor {
 protected:
  void SetUp() override {
    HeadlessEditor::SetUp();
    const std::string path = ::testing::TempDir() + "/presenter-lesson.json";
    std::ofstream(path) << LESSON;
    auto lesson = lesson::Lesson::load(path);
    std::filesystem::remove(path);
    ASSERT_TRUE(lesson.ok()) << lesson.message();
    makeEditor(lesson->preset, [&](EditorConfig& config) { config.lesson = lesson.value(); });
    withParameters();
    frame();  // the first frame applies the first page: the Surface view in front
    frame();
    ASSERT_TRUE(editor->surfaceMode());
  }
  bool drawn(const std::string& name) const { return editor->widgetRect(name).has_value(); }
};

TEST_F(PresenterMode, TheSurfaceViewDrawsOnlyTheControlsThePageNames) {
  for (const char* control : SURFACE_CONTROLS) EXPECT_TRUE(drawn(control)) << control << " outside presenter mode";
  EXPECT_TRUE(drawn("menu-view"));

  editor->setPresenter(true);
  frame();
  ASSERT_TRUE(editor->presenter());
  for (const char* control : SURFACE_CONTROLS) {
    const std::string name = control;
    EXPECT_EQ(drawn(name), name == "surface-step" || name == "surface-lr-0")
        << name << (drawn(name) ? " is drawn, but the page does not name it" : " is named by the page");
  }
  EXPECT_FALSE(drawn("menu-view")) << "no menu bar, and so no view toggles, in presenter mode";
  EXPECT_TRUE(drawn("surface-steps-0")) << "the table still shows the runs";
  EXPECT_TRUE(drawn("panel-viewport"));
  EXPECT_GT(editor->surface().mapTriangles(), 0u) << "the map is still drawn";
  // The named controls work: Step steps every run (paused, so that only the click steps).
  editor->surface().setPlaying(false);
  const auto steps = editor->surface().lab().runs()[0].run.steps();
  clickWidget("surface-step");
  EXPECT_EQ(editor->surface().lab().runs()[0].run.steps(), steps + 1);

  editor->setPresenter(false);
  frame();
  for (const char* control : SURFACE_CONTROLS) EXPECT_TRUE(drawn(control)) << control << " is back";
  EXPECT_TRUE(drawn("menu-view"));
}

TEST_F(PresenterMode, TheNetworksEdgesAreAControlOnlyWhereThePageNamesThem) {
  editor->showLessonPage(1);  // the network, naming Play only
  editor->setPresenter(true);
  frame();
  frame();  // the layout settles in the second frame
  ASSERT_FALSE(editor->surfaceMode());
  const WeightRef edge{1, 2, 1};
  click(alongEdge(edge));
  EXPECT_TRUE(sentOf<train::WatchParameter>().empty()) << "an edge is no control on this page";

  editor->showLessonPage(2);  // the page that names the edges
  frame();
  click(alongEdge(edge));
  const auto asked = sentOf<train::WatchParameter>();
  ASSERT_EQ(asked.size(), 1u);
  ASSERT_TRUE(asked[0].index);
  EXPECT_EQ(*asked[0].index,
            snapshot.spec.weightOffset(edge.layer) + edge.to * snapshot.spec.layerInputs(edge.layer) + edge.from);
}

// The Outliner and Details are not drawn in presenter mode: the Lesson panel draws the layer buttons and
// the data controls a page names (the overfitting lesson's "fewer neurons" and "more data"), and only those.
TEST_F(PresenterMode, TheLessonPanelDrawsTheLayerAndDataControlsThePageNames) {
  editor->showLessonPage(3);
  editor->setPresenter(true);
  frame();
  frame();
  ASSERT_TRUE(drawn("add-neuron-0")) << "named by the page";
  EXPECT_FALSE(drawn("remove-neuron-0")) << "the page names only +";
  EXPECT_FALSE(drawn("remove-layer-0")) << "nor the layer's x";
  EXPECT_FALSE(drawn("noise"));
  const std::size_t width = snapshot.spec.hidden[0].width;
  clickWidget("add-neuron-0");
  const auto widths = sentOf<train::SetLayerWidth>();
  ASSERT_EQ(widths.size(), 1u);
  EXPECT_EQ(widths[0].layer, 0u);
  EXPECT_EQ(widths[0].width, width + 1);

  editor->showLessonPage(4);
  frame();
  EXPECT_TRUE(drawn("noise"));
  ASSERT_TRUE(drawn("regenerate"));
  EXPECT_FALSE(drawn("add-neuron-0"));
  const std::size_t before = sentOf<train::RegenerateData>().size();
  clickWidget("regenerate");
  EXPECT_EQ(sentOf<train::RegenerateData>().size(), before + 1);

  editor->setPresenter(false);
  frame();
  EXPECT_TRUE(drawn("add-neuron-0") && drawn("remove-neuron-0") && drawn("remove-layer-0"))
      << "the Outliner's +, - and x are back";
}

}  // namespace
}  // namespace nsb::ui
