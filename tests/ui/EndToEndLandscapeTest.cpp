// The end-to-end suite opens the live loss landscape (issue 17, item 2) in the real application while
// training runs on its own thread: View > Landscape, the first grid drawn, refreshes as training goes
// on (a newer step each time), a grid size typed in taking effect, Pause answered while it refreshes,
// and the 3D surface drawn.
#include <gtest/gtest.h>

#include <string>

#include "EditorDriver.h"
#include "UiTestSupport.h"

namespace nsb::ui {
namespace {

TEST(EndToEnd, TheLandscapeRefreshesWhileTraining) {
  auto options = test::presetOptions("spiral", "cpu", 900, 700);
  options.lockstep = false;
  options.speed = 0.0;
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  test::EditorDriver d(*app.value());
  d.frames(2);
  ASSERT_TRUE(d.menu("menu-view", "view-landscape"));
  LandscapeView& view = d.editor().landscape();
  ASSERT_TRUE(d.framesUntil([&] { return view.shownVersion() > 0; }, 600)) << d.screenText();
  const auto first = view.result();
  ASSERT_EQ(first->error, "");
  EXPECT_EQ(first->grid.points, landscape::DEFAULT_GRID);
  EXPECT_EQ(view.trianglesDrawn(), 2u * 32 * 32);
  EXPECT_TRUE(d.shows("loss at the weights")) << d.screenText();

  // Refreshes while training: every 100 steps by default, each of weights further on.
  ASSERT_TRUE(d.framesUntil(
      [&] { return view.shownVersion() >= first->version + 2 && view.result()->step > first->step; }, 900))
      << "no refresh while training:\n"
      << d.screenText();

  // A grid of 9 typed in: the next refresh has it.
  ASSERT_TRUE(d.typeInto("landscape-grid", "9"));
  ASSERT_TRUE(d.framesUntil([&] { return view.result() && view.result()->grid.points == 9; }, 600)) << d.screenText();
  d.frame();
  EXPECT_EQ(view.trianglesDrawn(), 2u * 8 * 8);

  // Pause is answered while the landscape refreshes (pieces of a few ms on the session thread).
  ASSERT_TRUE(d.click("play", 2));
  ASSERT_TRUE(d.framesUntil([&] { return !d.latest()->running; }, 60)) << "Pause waited behind the landscape";

  ASSERT_TRUE(d.click("landscape-3d"));
  d.frames(2);
  EXPECT_TRUE(view.threeD());
  EXPECT_GT(view.trianglesDrawn(), 0u);
  EXPECT_TRUE(d.shows("drag to orbit")) << d.screenText();
}

}  // namespace
}  // namespace nsb::ui
