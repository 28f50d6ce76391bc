// The Lesson panel in a headless ImGui context (no renderer, no session): Next and Back move between
// pages and send a page's settings once each time it is shown; presenter mode (View menu or F11) leaves
// every control the page does not name out of the frame (and so out of the widget registry) and asks for
// a larger UI scale.
#include <gtest/gtest.h>
#include <imgui.h>

#include <string>

#include "lesson/Lesson.h"
#include "ui/Editor.h"
#include "ui/HeadlessEditor.h"

namespace nsb::ui {
namespace {

// An editor on a lesson's preset with the lesson open on its first page.
class LessonPanel : public test::HeadlessEditor {
 protected:
  void open(const std::string& name) {
    auto lesson = lesson::Lesson::load(name);
    ASSERT_TRUE(lesson.ok()) << lesson.message();
    makeEditor(lesson->preset, [&](EditorConfig& config) { config.lesson = lesson.value(); });
  }
};

TEST_F(LessonPanel, NextAndBackApplyAPageWhenItIsShown) {
  open("activation");
  frame();
  frame();
  EXPECT_EQ(editor->lessonPage(), 0u);
  EXPECT_TRUE(sent.empty()) << "the first page sets nothing";
  ASSERT_TRUE(editor->widgetRect("lesson-back"));
  clickWidget("lesson-next");
  EXPECT_EQ(editor->lessonPage(), 1u);
  // The sigmoid page: its hyperparameters, sigmoid in all six hidden layers, a reset; sent once.
  EXPECT_EQ(sentOf<train::SetHyperparams>().size(), 1u);
  EXPECT_EQ(sentOf<train::SetActivation>().size(), 6u);
  EXPECT_EQ(sentOf<train::Reset>().size(), 1u);
  for (const auto& c : sent) {
    if (const auto* a = std::get_if<train::SetActivation>(&c)) {
      EXPECT_EQ(a->activation, compute::Activation::Sigmoid);
    }
  }
  frame();
  EXPECT_EQ(sent.size(), 8u) << "a page's settings go once";
  clickWidget("lesson-back");
  EXPECT_EQ(editor->lessonPage(), 0u);
  clickWidget("lesson-next");
  clickWidget("lesson-next");
  EXPECT_EQ(editor->lessonPage(), 2u);
  EXPECT_EQ(sentOf<train::SetActivation>().size(), 18u) << "showing a page again applies it again";
  EXPECT_EQ(std::get<train::SetActivation>(sent[sent.size() - 2]).activation, compute::Activation::Relu);
  clickWidget("lesson-next");  // the last page: Next is disabled
  EXPECT_EQ(editor->lessonPage(), 2u);
}

TEST_F(LessonPanel, PagesSetTheLayerWidthsAndThePointsLikeTheEditorsControls) {
  open("overfitting");
  frame();
  EXPECT_TRUE(sentOf<train::SetLayerWidth>().empty()) << "the first page's network is the preset's";
  EXPECT_TRUE(sentOf<train::RegenerateData>().empty()) << "and so are its points";
  editor->showLessonPage(3);  // fewer neurons: one layer of 3
  frame();
  const auto removed = sentOf<train::RemoveLayer>();
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].layer, 1u);
  auto widths = sentOf<train::SetLayerWidth>();
  ASSERT_EQ(widths.size(), 1u);
  EXPECT_EQ(widths[0].layer, 0u);
  EXPECT_EQ(widths[0].width, 3u);
  // More data: (no session here, so the snapshot keeps two layers of 32 and the first layer's width
  // sent is still pending) that layer back to 32, and 1000 points.
  editor->showLessonPage(4);
  frame();
  widths = sentOf<train::SetLayerWidth>();
  ASSERT_EQ(widths.size(), 2u);
  EXPECT_EQ(widths[1].layer, 0u);
  EXPECT_EQ(widths[1].width, 32u);
  const auto data = sentOf<train::RegenerateData>();
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0].points, std::optional<std::size_t>(1000));
}

TEST_F(LessonPanel, PresenterModeDrawsOnlyThePagesControls) {
  open("overfitting");
  frame();
  ASSERT_TRUE(editor->widgetRect("panel-outliner"));
  ASSERT_TRUE(editor->widgetRect("panel-details"));
  editor->showLessonPage(1);  // the L2 page: l2, play and reset
  const auto before = frame();
  EXPECT_FALSE(before.presenterScale);
  clickWidget("menu-view");
  clickWidget("view-presenter");
  ASSERT_TRUE(editor->presenter());
  frame();  // the Lesson panel's controls take their height, measured in presenter mode's first frame
  for (const char* shown : {"l2", "play", "reset", "lesson-next", "lesson-back", "panel-lesson", "panel-viewport"}) {
    EXPECT_TRUE(editor->widgetRect(shown)) << shown << " is named by the page or always shown";
  }
  for (const char* hidden : {"lr", "optimizer", "step", "speed", "backend", "panel-outliner", "panel-details",
                             "add-layer", "dataset", "noise"}) {
    EXPECT_FALSE(editor->widgetRect(hidden)) << hidden << " is not on the page";
  }
  // The page's L2 slider sends the edit like the Details panel's.
  const std::size_t before2 = sentOf<train::SetHyperparams>().size();
  const auto slider = *editor->widgetRect("l2");
  click(ImVec2(slider.min.x + 0.7f * slider.width(), slider.center().y));  // the frame, not the label
  EXPECT_EQ(sentOf<train::SetHyperparams>().size(), before2 + 1);
  // F11 leaves presenter mode and asks for the scale from before.
  ImGui::GetIO().KeysDown[Editor::PRESENTER_KEY] = true;
  frame();
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
  tap(Editor::PRESENTER_KEY);
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
