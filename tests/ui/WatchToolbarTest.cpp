// The watch page's toolbar (EditorConfig::watchPage): the job's rate, as its snapshot carries it, and
// neither the speed control (the server sets the pace) nor frames/s (the page's own are --watch-fps).
#include <gtest/gtest.h>

#include "HeadlessEditor.h"

namespace nsb::ui {
namespace {

class WatchToolbar : public test::HeadlessEditor {};

TEST_F(WatchToolbar, ShowsNoSpeedControlAndNoFramesASecond) {
  snapshot.stepsPerSecond = 1234.0;
  makeEditor("spiral", [](EditorConfig& config) { config.speed = 30.0; });
  frame();
  ASSERT_TRUE(editor->widgetRect("speed"));
  const auto editorStatus = editor->widgetRect("status");
  ASSERT_TRUE(editorStatus);

  makeEditor("spiral", [](EditorConfig& config) {
    config.speed = 30.0;
    config.watchPage = true;
  });
  frame();
  EXPECT_FALSE(editor->widgetRect("speed"));
  const auto watchStatus = editor->widgetRect("status");
  ASSERT_TRUE(watchStatus);
  // The same step, epoch, loss and rate, less "   0 frames/s".
  const float framesWidth = ImGui::CalcTextSize("   0 frames/s").x;
  EXPECT_NEAR(editorStatus->width() - watchStatus->width(), framesWidth, 1.0f);
}

}  // namespace
}  // namespace nsb::ui
