// The Lesson panel in a headless ImGui context (no renderer, no session): Next and Back move between
// pages and send a page's settings once each time it is shown; presenter mode (View menu or F11) leaves
// every control the page does not name out of the frame (and so out of the widget registry) and asks for
// a larger UI scale.
#include <gtest/gtest.h>
#include <imgui.h>

#include <algorithm>

#include "lesson/Lesson.h"
#include "ui/Editor.h"
#include "ui/UiTestSupport.h"

namespace nsb::ui {
namespace {

class LessonPanel : public ::testing::Test {
 protected:
  void open(const std::string& name) {
    test::createHeadlessImGui();
    auto lesson = lesson::Lesson::load(name);
    ASSERT_TRUE(lesson.ok()) << lesson.message();
    const auto options = test::presetOptions(lesson->preset, "cpu");
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
    config.presetName = lesson->preset;
    config.lesson = std::move(lesson.value());
    editor = std::make_unique<Editor>(std::move(config));
  }
  void TearDown() override {
    editor.reset();
    ImGui::DestroyContext();
  }
  EditorRequests frame() {
    ImGui::NewFrame();
    EditorRequests requests = editor->draw(snapshot, FrameStats{});
    ImGui::Render();
    return requests;
  }
  void click(const std::string& widget) {
    const auto rect = editor->widgetRect(widget);
    ASSERT_TRUE(rect) << widget << " was not drawn";
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = rect->center();
    frame();
    io.MouseDown[0] = true;
    frame();
    io.MouseDown[0] = false;
    frame();
  }
  void pressKey(int key) {
    ImGui::GetIO().KeysDown[key] = true;
    frame();
    ImGui::GetIO().KeysDown[key] = false;
    frame();
  }
  template <typename T>
  std::size_t count() const {
    return static_cast<std::size_t>(
        std::count_if(sent.begin(), sent.end(), [](const auto& c) { return std::holds_alternative<T>(c); }));
  }

  train::Snapshot snapshot;
  std::vector<train::Command> sent;
  std::unique_ptr<Editor> editor;
};

TEST_F(LessonPanel, NextAndBackApplyAPageWhenItIsShown) {
  open("activation");
  frame();
  frame();
  EXPECT_EQ(editor->lessonPage(), 0u);
  EXPECT_TRUE(sent.empty()) << "the first page sets nothing";
  ASSERT_TRUE(editor->widgetRect("lesson-back"));
  click("lesson-next");
  EXPECT_EQ(editor->lessonPage(), 1u);
  // The sigmoid page: its hyperparameters, sigmoid in all six hidden layers, a reset; sent once.
  EXPECT_EQ(count<train::SetHyperparams>(), 1u);
  EXPECT_EQ(count<train::SetActivation>(), 6u);
  EXPECT_EQ(count<train::Reset>(), 1u);
  for (const auto& c : sent) {
    if (const auto* a = std::get_if<train::SetActivation>(&c)) {
      EXPECT_EQ(a->activation, compute::Activation::Sigmoid);
    }
  }
  frame();
  EXPECT_EQ(sent.size(), 8u) << "a page's settings go once";
  click("lesson-back");
  EXPECT_EQ(editor->lessonPage(), 0u);
  click("lesson-next");
  click("lesson-next");
  EXPECT_EQ(editor->lessonPage(), 2u);
  EXPECT_EQ(count<train::SetActivation>(), 18u) << "showing a page again applies it again";
  EXPECT_EQ(std::get<train::SetActivation>(sent[sent.size() - 2]).activation, compute::Activation::Relu);
  click("lesson-next");  // the last page: Next is disabled
  EXPECT_EQ(editor->lessonPage(), 2u);
}

TEST_F(LessonPanel, PresenterModeDrawsOnlyThePagesControls) {
  open("overfitting");
  frame();
  ASSERT_TRUE(editor->widgetRect("panel-outliner"));
  ASSERT_TRUE(editor->widgetRect("panel-details"));
  editor->showLessonPage(1);  // the L2 page: l2, play and reset
  ImGui::NewFrame();
  const auto before = editor->draw(snapshot, FrameStats{});
  ImGui::Render();
  EXPECT_FALSE(before.presenterScale);
  click("menu-view");
  click("view-presenter");
  ASSERT_TRUE(editor->presenter());
  for (const char* shown : {"l2", "play", "reset", "lesson-next", "lesson-back", "panel-lesson", "panel-viewport"}) {
    EXPECT_TRUE(editor->widgetRect(shown)) << shown << " is named by the page or always shown";
  }
  for (const char* hidden : {"lr", "optimizer", "step", "speed", "backend", "panel-outliner", "panel-details",
                             "add-layer", "dataset", "noise"}) {
    EXPECT_FALSE(editor->widgetRect(hidden)) << hidden << " is not on the page";
  }
  // The page's L2 slider sends the edit like the Details panel's.
  const std::size_t before2 = count<train::SetHyperparams>();
  const auto slider = *editor->widgetRect("l2");
  ImGuiIO& io = ImGui::GetIO();
  io.MousePos = ImVec2(slider.min.x + 0.7f * slider.width(), slider.center().y);  // the frame, not the label
  frame();
  io.MouseDown[0] = true;
  frame();
  io.MouseDown[0] = false;
  frame();
  EXPECT_EQ(count<train::SetHyperparams>(), before2 + 1);
  // F11 leaves presenter mode and asks for the scale from before.
  ImGui::GetIO().KeysDown[Editor::PRESENTER_KEY] = true;
  ImGui::NewFrame();
  editor->draw(snapshot, FrameStats{});
  ImGui::Render();
  ImGui::GetIO().KeysDown[Editor::PRESENTER_KEY] = false;
  EXPECT_FALSE(editor->presenter());
  const auto after = frame();
  ASSERT_TRUE(after.presenterScale);
  EXPECT_FLOAT_EQ(*after.presenterScale, 1.0f);
  EXPECT_TRUE(editor->widgetRect("panel-outliner"));
  EXPECT_TRUE(editor->widgetRect("lr"));
}

TEST_F(LessonPanel, PresenterModeRaisesTheScale) {
  open("learning-rate");
  frame();
  pressKey(Editor::PRESENTER_KEY);
  EXPECT_TRUE(editor->presenter());
  // The request went out with the frame after the key; a second toggle is back to 1.
  editor->setPresenter(false);
  editor->setPresenter(true);
  const auto requests = frame();
  ASSERT_TRUE(requests.presenterScale);
  EXPECT_GE(*requests.presenterScale, 1.5f);
}

}  // namespace
}  // namespace nsb::ui
