// The end-to-end suite drives a lesson (issue 16, item 5) in the real application while training runs on
// its own thread: Next and Back, a page's settings applied when shown (the network page's learning rate
// trips the NaN guard), presenter mode by F11 (every control the page does not name absent from the
// frame, the Surface view's own among them, the UI scale raised, and back), the page's own controls working.
#include <GLFW/glfw3.h>
#include <gtest/gtest.h>

#include "EditorDriver.h"
#include "UiTestSupport.h"
#include "lesson/Lesson.h"

namespace nsb::ui {
namespace {

TEST(EndToEnd, LessonPagesAndPresenterMode) {
  auto lesson = lesson::Lesson::load("learning-rate");
  ASSERT_TRUE(lesson.ok()) << lesson.message();
  auto options = test::presetOptions(lesson->preset, "cpu", 1024, 640);
  options.lockstep = false;
  options.speed = 0.0;
  options.lesson = lesson.value();
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  test::EditorDriver d(*app.value());
  d.frames(3);
  EXPECT_TRUE(d.shows("page 1 of 5")) << d.screenText();
  EXPECT_TRUE(d.editor().surfaceMode()) << "the first page shows the surface";
  for (int page = 2; page <= 5; ++page) {
    ASSERT_TRUE(d.click("lesson-next"));
    EXPECT_EQ(d.editor().lessonPage(), static_cast<std::size_t>(page - 1));
  }
  d.frame();  // the click's frame sent the page's settings: the picture comes with the session's answer
  EXPECT_TRUE(d.shows("page 5 of 5")) << d.screenText();
  EXPECT_FALSE(d.editor().surfaceMode()) << "the last page shows the network";
  // Its settings (plain SGD at lr 5, a reset) reach the session, and the NaN guard pauses training.
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->divergence.has_value(); }, 300))
      << "lr " << d.latest()->hyperparams.learningRate << ", step " << d.latest()->step;
  EXPECT_FLOAT_EQ(d.latest()->hyperparams.learningRate, 5.0f);

  // Presenter mode: the page names lr, play and reset.
  const float scale = app.value()->uiScale();
  d.pushTap(GLFW_KEY_F11);
  d.drain();
  d.frames(2);
  ASSERT_TRUE(d.editor().presenter());
  EXPECT_GE(app.value()->uiScale(), std::max(1.5f, scale));
  for (const char* shown : {"lr", "play", "reset", "lesson-back", "lesson-next", "panel-viewport"}) {
    EXPECT_TRUE(d.widget(shown)) << shown;
  }
  for (const char* hidden : {"optimizer", "l2", "step", "speed", "backend", "panel-outliner", "panel-details"}) {
    EXPECT_FALSE(d.widget(hidden)) << hidden << " is not on the page";
  }
  // Back to the bowl page, which names no control.
  ASSERT_TRUE(d.click("lesson-back"));
  EXPECT_EQ(d.editor().lessonPage(), 3u);
  EXPECT_TRUE(d.editor().surfaceMode());
  EXPECT_FALSE(d.widget("lr"));
  EXPECT_FALSE(d.widget("play"));
  // Nor the Surface view's own controls, nor the menu bar with its view toggles; the map stays.
  for (const char* hidden :
       {"surface-play", "surface-step", "surface-tab-3d", "surface-lr-0", "surface-start", "menu-view"}) {
    EXPECT_FALSE(d.widget(hidden)) << hidden << " is not on the page";
  }
  EXPECT_TRUE(d.widget("surface-steps-0"));
  d.pushTap(GLFW_KEY_F11);
  d.drain();
  d.frames(2);
  EXPECT_FALSE(d.editor().presenter());
  EXPECT_FLOAT_EQ(app.value()->uiScale(), scale);
  EXPECT_TRUE(d.widget("panel-outliner"));
  EXPECT_TRUE(d.widget("lr"));
  EXPECT_TRUE(d.widget("surface-play"));
  EXPECT_TRUE(d.widget("menu-view"));
}

}  // namespace
}  // namespace nsb::ui
