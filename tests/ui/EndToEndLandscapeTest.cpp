// The end-to-end suite opens the live loss landscape (issue 17, item 2) in the real application while
// training runs on its own thread: View > Landscape, the first grid drawn, refreshes as training goes
// on (a newer step each time), a grid size typed in taking effect, Pause answered while it refreshes,
// and the 3D surface drawn; in a race, every replica's path on the trajectory plane in its colour.
#include <gtest/gtest.h>

#include <string>

#include "EditorDriver.h"
#include "UiTestSupport.h"
#include "train/RaceSpec.h"
#include "ui/RaceRanking.h"

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

TEST(EndToEnd, ARaceDrawsEveryReplicaOnTheTrajectoryPlaneInItsColour) {
  auto options = test::presetOptions("spiral", "cpu", 1024, 700);
  options.lockstep = false;
  options.speed = 0.0;
  options.stepsPerFrame = 10;
  auto replicas = train::parseRace("sgd:0.1,adam:0.01", options.config.hyperparams);
  ASSERT_TRUE(replicas.ok());
  options.race = replicas.value();
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  test::EditorDriver d(*app.value());
  d.frames(2);
  ASSERT_TRUE(d.menu("menu-view", "view-landscape"));
  // A small grid on a small batch: refreshes of a few ms, so that a busy machine still sees several.
  ASSERT_TRUE(d.typeInto("landscape-grid", "9", 2));
  ASSERT_TRUE(d.typeInto("landscape-samples", "32"));
  ASSERT_TRUE(d.click("landscape-plane", 2));
  ASSERT_TRUE(d.clickText("Trajectory (PCA)"));
  LandscapeView& view = d.editor().landscape();
  const auto race = [&] { return *d.latest()->race; };
  // The paths as the Race tab names and colours the replicas, in the race's order.
  const auto drawnAsRaced = [&] {
    const auto& paths = view.pathsDrawn();
    const auto r = race();
    if (paths.size() != r.replicas.size()) return false;
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (paths[i].colour != replicaColour(r.replicas[i].id) ||
          paths[i].name != std::to_string(i + 1) + " " + train::replicaLabel(r.replicas[i].hyperparams))
        return false;
    }
    return true;
  };
  ASSERT_TRUE(d.framesUntil([&] { return view.pathsDrawn().size() == 2 && drawnAsRaced(); }, 900)) << d.screenText();
  // Each path is its kept steps and its weights now; the shown replica (1) is the centre.
  EXPECT_GE(view.pathsDrawn()[0].points.size(), 3u);
  EXPECT_EQ(view.pathsDrawn()[0].points.back().distance, 0.0f);
  EXPECT_GT(view.pathsDrawn()[1].points.back().distance, 0.0f);
  EXPECT_GE(view.pathPointsDrawn(), view.pathsDrawn()[0].points.size() + view.pathsDrawn()[1].points.size());
  EXPECT_TRUE(d.shows("1 sgd:0.1", ": 0 off the plane")) << d.screenText();
  EXPECT_TRUE(d.shows("2 adam:0.01", "off the plane")) << d.screenText();

  // A third replica: its path joins in its own colour at the next refresh.
  ASSERT_TRUE(d.typeInto("replica-spec", "rmsprop:0.005", 3));
  ASSERT_TRUE(d.click("add-replica"));
  ASSERT_TRUE(d.framesUntil([&] { return race().replicas.size() == 3 && drawnAsRaced(); }, 900)) << d.screenText();
  EXPECT_EQ(view.pathsDrawn()[2].colour, replicaColour(2));

  // The 3D surface draws the same paths.
  ASSERT_TRUE(d.click("landscape-3d"));
  d.frames(2);
  EXPECT_TRUE(drawnAsRaced());
  EXPECT_GT(view.pathPointsDrawn(), 0u);
}

}  // namespace
}  // namespace nsb::ui
