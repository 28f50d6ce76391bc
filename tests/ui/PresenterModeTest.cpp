// Presenter mode leaves out of the Viewport every control of its views that the lesson's page does not
// name (issue 16, item 5): the Surface view's buttons, tabs, sliders and start handle, the network view's
// clickable edges, and the menu bar with its view toggles. What the views show stays (the map, the
// table). Leaving presenter mode brings every control back. Checked in the widget registry of a headless
// editor on a lesson written for the test. The keys follow the same rule, the Lesson panel's buttons
// drive the Surface view on a page that shows it, and the image view's controls are filtered too.
#include <GLFW/glfw3.h>
#include <gtest/gtest.h>
#include <imgui.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>

#include "HeadlessEditor.h"
#include "lesson/Lesson.h"
#include "ui/Editor.h"

namespace nsb::ui {
namespace {

// Page 1: the bowl with gd and momentum, naming the Step button and the first run's learning rate.
// Page 2: the network, naming only Play. Page 3: the network, naming its edges. Page 4: the first hidden
// layer's +. Page 5: the data's noise and Regenerate. Page 6: the bowl, naming Play, Step and Reset.
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
    {"text": "data", "settings": {"view": "network"}, "controls": ["noise", "regenerate"]},
    {"text": "surface buttons",
     "settings": {"view": "surface", "surface": {"name": "bowl", "condition": 10, "start": [-4, 2], "speed": 10,
                  "optimizers": [{"optimizer": "gd", "lr": 0.1}]}},
     "controls": ["play", "step", "reset"]}
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
  std::uint64_t surfaceSteps() const { return editor->surface().lab().runs()[0].run.steps(); }
  // The commands a network's play, step or reset sends the session.
  std::size_t sessionRunCommands() const {
    return sentOf<train::Step>().size() + sentOf<train::Reset>().size() + sentOf<train::Pause>().size() +
           sentOf<train::Resume>().size();
  }
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

// The network view's zoom and pan, and the 3D view's camera, are controls too: a page that does not name
// them leaves the picture where it is.
TEST_F(PresenterMode, TheNetworksZoomAndTheOrbitCameraAreControlsOnlyWhereNamed) {
  editor->showLessonPage(1);  // the network, naming Play only
  editor->setPresenter(true);
  frame();
  frame();
  ImGuiIO& io = ImGui::GetIO();
  const auto wheelOverTheNetwork = [&] {
    const auto neuron = editor->network().neuronRect(1, 0);
    EXPECT_TRUE(neuron);
    io.MousePos = neuron ? neuron->center() : ImVec2(0, 0);
    frame();
    io.MouseWheel = 1.0f;
    frame();
    io.MouseWheel = 0.0f;
    frame();
  };
  const Rect before = *editor->network().neuronRect(1, 0);
  wheelOverTheNetwork();
  const Rect after = *editor->network().neuronRect(1, 0);
  EXPECT_EQ(after.width(), before.width()) << "the wheel zoomed the network, but the page does not name network-zoom";
  editor->setOrbitMode(true);
  frame();
  const float yaw = editor->orbit().camera().yaw;
  io.MousePos = editor->viewportRect().center();
  frame();
  io.MouseDown[0] = true;
  frame();
  io.MousePos.x += 40.0f;
  frame();
  io.MouseDown[0] = false;
  frame();
  EXPECT_EQ(editor->orbit().camera().yaw, yaw) << "a drag turned the 3D view, but the page does not name network-orbit";

  editor->setPresenter(false);  // every control back: the same drag turns it, the wheel zooms
  frame();
  io.MouseDown[0] = true;
  frame();
  io.MousePos.x += 40.0f;
  frame();
  io.MouseDown[0] = false;
  frame();
  EXPECT_NE(editor->orbit().camera().yaw, yaw);
  editor->setOrbitMode(false);
  frame();
  frame();
  const float unzoomed = editor->network().neuronRect(1, 0)->width();
  wheelOverTheNetwork();
  EXPECT_GT(editor->network().neuronRect(1, 0)->width(), unzoomed);
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
  frame();  // the Lesson panel's footer takes the page's controls' height, measured in the first frame
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

// A key stands for a control and acts only where that control is shown: in presenter mode, where the
// page names it (issue 16: presenter mode hides every control the page does not name).
TEST_F(PresenterMode, AKeyActsOnlyWhereThePageShowsItsControl) {
  ImGui::GetIO().KeyMap[ImGuiKey_Space] = ' ';  // as GLFW numbers it (the App's key map)
  // The Surface view, whose page names its Step button only.
  editor->setPresenter(true);
  frame();
  ASSERT_TRUE(editor->surface().playing());
  tap(' ');
  EXPECT_TRUE(editor->surface().playing()) << "Space paused the runs, but the page shows no Play";
  tap('S');
  EXPECT_FALSE(editor->surface().playing()) << "S stands for the Step button, which the page shows";
  const std::uint64_t steps = surfaceSteps();
  ASSERT_GT(steps, 0u);
  tap('R');
  EXPECT_EQ(surfaceSteps(), steps) << "R reset the runs, but the page shows no Reset";
  tap('3');
  EXPECT_FALSE(editor->surface().threeD()) << "3 turned the 3D view on, but the page shows no 3D tab";

  // The network, whose page names Play only (the session is paused: S could step).
  editor->showLessonPage(1);
  frame();
  frame();
  ASSERT_FALSE(editor->surfaceMode());
  ASSERT_FALSE(editor->playing());
  tap('S');
  tap('R');
  tap('3');
  EXPECT_EQ(sessionRunCommands(), 0u) << "S or R sent a command, but the page shows neither Step nor Reset";
  EXPECT_FALSE(editor->orbitMode()) << "3 turned the 3D view on, but the page shows no view toggle";
  tap(' ');
  EXPECT_EQ(sentOf<train::Resume>().size(), 1u) << "Space stands for Play, which the page shows";

  // Out of presenter mode every key acts again.
  snapshot.appliedSequence = sent.size();  // the session answered the Resume, and paused since
  editor->setPresenter(false);
  frame();
  ASSERT_FALSE(editor->playing());
  tap('S');
  tap('R');
  tap('3');
  EXPECT_EQ(sentOf<train::Step>().size(), 1u);
  EXPECT_EQ(sentOf<train::Reset>().size(), 1u);
  EXPECT_TRUE(editor->orbitMode());
}

// On a page that shows the Surface view, the Lesson panel's Play, Step and Reset drive the surface's runs,
// as the view's own buttons do, and send nothing to the network session behind it.
TEST_F(PresenterMode, OnASurfacePageTheLessonPanelsButtonsDriveTheSurface) {
  editor->showLessonPage(5);
  editor->setPresenter(true);
  frame();
  frame();
  ASSERT_TRUE(editor->surfaceMode());
  for (const char* button : {"play", "step", "reset"}) ASSERT_TRUE(drawn(button)) << button;
  EXPECT_FALSE(drawn("surface-play")) << "the page names the Lesson panel's buttons, not the view's";
  ASSERT_TRUE(editor->surface().playing());
  clickWidget("play");
  EXPECT_FALSE(editor->surface().playing()) << "Pause did not pause the surface's runs";
  const std::uint64_t steps = surfaceSteps();
  clickWidget("step");
  EXPECT_EQ(surfaceSteps(), steps + 1) << "Step did not step the surface";
  clickWidget("reset");
  EXPECT_EQ(surfaceSteps(), 0u) << "Reset did not put the runs back at the start";
  clickWidget("play");
  EXPECT_TRUE(editor->surface().playing()) << "Play did not play the surface's runs";
  EXPECT_EQ(sessionRunCommands(), 0u) << "the buttons acted on the network behind the surface";

  // On a network page the same buttons drive the session again.
  editor->showLessonPage(1);
  frame();
  frame();
  clickWidget("play");
  EXPECT_EQ(sentOf<train::Resume>().size(), 1u);
}

// Every page of every shipped lesson, in presenter mode, draws the controls it names and none of the
// others (issue 16's test: "every shipped lesson ... hides what it says").
class ShippedLessons : public test::HeadlessEditor {};

TEST_F(ShippedLessons, EveryPageShowsExactlyTheControlsItNames) {
  // The controls of the full editor and of the Surface view that these lessons' presets draw.
  const char* const controls[] = {"play",
                                  "step",
                                  "reset",
                                  "speed",
                                  "backend",
                                  "optimizer",
                                  "lr",
                                  "l1",
                                  "l2",
                                  "dataset",
                                  "add-layer",
                                  "noise",
                                  "regenerate",
                                  "add-neuron-0",
                                  "remove-neuron-0",
                                  "remove-layer-0",
                                  "menu-file",
                                  "menu-view",
                                  "surface-play",
                                  "surface-step",
                                  "surface-reset",
                                  "surface-speed",
                                  "surface-kind",
                                  "surface-tab-contour",
                                  "surface-tab-3d",
                                  "surface-start",
                                  "surface-add",
                                  "surface-add-kind",
                                  "surface-remove-0",
                                  "surface-lr-0",
                                  "surface-row-0",
                                  "surface-tolerance",
                                  "surface-step-panel"};
  for (const auto& name : lesson::lessonNames()) {
    auto lesson = lesson::Lesson::load(name);
    ASSERT_TRUE(lesson.ok()) << lesson.message();
    makeEditor(lesson->preset, [&](EditorConfig& config) { config.lesson = lesson.value(); });
    withParameters();
    frame();
    editor->setPresenter(true);
    for (std::size_t p = 0; p < lesson->pages.size(); ++p) {
      const lesson::Page& page = lesson->pages[p];
      editor->showLessonPage(p);
      frame();
      frame();
      for (const char* control : controls) {
        const bool named = std::find(page.controls.begin(), page.controls.end(), control) != page.controls.end();
        EXPECT_EQ(editor->widgetRect(control).has_value(), named)
            << name << " page " << p + 1 << ": " << control << (named ? " is named but not drawn" : " is drawn");
      }
    }
  }
}

// A small image dataset (8x8 pixels, three classes), so that the network view is the image view.
std::shared_ptr<const data::Dataset> tinyImages() {
  auto d = std::make_shared<data::Dataset>();
  d->name = "tiny-images";
  d->features = 64;
  d->classes = 3;
  d->u8 = true;
  d->imageWidth = d->imageHeight = 8;
  d->normalisation.scale = 1.0f / 255.0f;
  for (auto [split, count] : {std::pair{&d->train, 30}, std::pair{&d->test, 12}}) {
    split->count = static_cast<std::size_t>(count);
    for (int i = 0; i < count; ++i) {
      split->labels.push_back(i % 3);
      for (int k = 0; k < 64; ++k) split->pixels.push_back(static_cast<std::uint8_t>((i * 37 + k * 11) % 256));
    }
  }
  return d;
}

// Image data: the image view's own controls (the sample's arrows and their keys, a random
// misclassified image, the edges per neuron) are in the registry and, in presenter mode, drawn only
// where the page names them. Page 1 names the next-image arrow, page 2 nothing.
class PresenterImages : public test::HeadlessEditor {
 protected:
  void SetUp() override {
    HeadlessEditor::SetUp();
    auto lesson = lesson::Lesson::fromJson(nlohmann::json::parse(R"({"title": "Images", "preset": "spiral",
                                  "pages": [{"text": "next", "controls": ["image-next"]}, {"text": "none"}]})"),
                                           "test");
    ASSERT_TRUE(lesson.ok()) << lesson.message();
    makeEditor("spiral", [&](EditorConfig& config) {
      config.dataset = tinyImages();
      config.featureList.clear();
      config.lesson = lesson.value();
    });
    snapshot.spec = nn::ModelSpec{.inputs = 64, .hidden = {{8}}, .outputs = 3};
    ImGuiIO& io = ImGui::GetIO();
    io.KeyMap[ImGuiKey_LeftArrow] = GLFW_KEY_LEFT;
    io.KeyMap[ImGuiKey_RightArrow] = GLFW_KEY_RIGHT;
    frame();
    frame();
    ASSERT_TRUE(editor->network().showsImages());
  }
  bool drawn(const std::string& name) const { return editor->widgetRect(name).has_value(); }
  static constexpr const char* CONTROLS[] = {"image-previous", "image-next", "image-misclassified", "image-edges"};
};

TEST_F(PresenterImages, TheImageViewDrawsOnlyTheControlsThePageNames) {
  for (const char* control : CONTROLS) EXPECT_TRUE(drawn(control)) << control << " outside presenter mode";
  clickWidget("image-next");
  EXPECT_EQ(editor->images().sample(), 1u);
  ASSERT_EQ(sentOf<train::SetProbes>().size(), 1u) << "the chosen image's probe goes to the session";

  editor->setPresenter(true);
  frame();
  for (const char* control : CONTROLS) {
    const std::string name = control;
    EXPECT_EQ(drawn(name), name == "image-next")
        << name << (drawn(name) ? " is drawn, but the page does not name it" : " is named by the page");
  }
  clickWidget("image-next");
  EXPECT_EQ(editor->images().sample(), 2u);
  ImGui::GetIO().MousePos = editor->viewportRect().center();  // the keys act over the Viewport
  tap(GLFW_KEY_LEFT);
  EXPECT_EQ(editor->images().sample(), 2u) << "Left chose another image, but the page shows no previous-image arrow";
  tap(GLFW_KEY_RIGHT);
  EXPECT_EQ(editor->images().sample(), 3u) << "Right stands for the next-image arrow, which the page shows";

  editor->showLessonPage(1);  // names no control: no row of controls at all
  frame();
  for (const char* control : CONTROLS) EXPECT_FALSE(drawn(control)) << control;
  editor->setPresenter(false);
  frame();
  for (const char* control : CONTROLS) EXPECT_TRUE(drawn(control)) << control << " is back";
}

}  // namespace
}  // namespace nsb::ui
