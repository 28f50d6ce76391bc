// The end-to-end suite drives time travel (issue 17, item 3) in the real application while training
// runs on its own thread: the timeline's interval typed into the strip under the plots, a scrub to a
// kept step (the views then show the network as it was there: the probes' parameters and step), a
// branch from it (a new run from that step, the old one faded in the plots) with a learning rate
// edited before play, and the branch's curves starting at its branch point.
#include <gtest/gtest.h>

#include <string>

#include "EditorDriver.h"
#include "UiTestSupport.h"

namespace nsb::ui {
namespace {

TEST(EndToEnd, TheTimelineScrubsToAKeptStepAndBranchesFromIt) {
  auto options = test::presetOptions("spiral", "cpu", 800, 640);
  options.lockstep = false;
  options.speed = 0.0;
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  test::EditorDriver d(*app.value());
  ASSERT_TRUE(d.typeInto("timeline-every", "20", 30));
  ASSERT_TRUE(d.framesUntil(
      [&] {
        const auto t = d.latest()->timeline;
        return t && t->every == 20 && t->steps.size() >= 6 && d.latest()->history.size() >= 3;
      },
      600))
      << d.screenText();
  d.frame();
  EXPECT_TRUE(d.shows("in use")) << d.screenText();
  ASSERT_TRUE(d.click("play", 2));  // pause
  ASSERT_TRUE(d.framesUntil([&] { return !d.latest()->running; }, 300));
  d.frames(3);
  const auto head = d.latest();
  ASSERT_TRUE(head->probes);
  const auto steps = head->timeline->steps;
  const std::uint64_t target = steps[steps.size() / 2];
  ASSERT_GT(target, 0u);

  // Scrub: the slider typed into, as a drag to that step would set it.
  ASSERT_TRUE(d.typeInto("timeline", std::to_string(target)));
  ASSERT_TRUE(d.framesUntil(
      [&] {
        const auto s = d.latest();
        return s->timeline->viewed == target && s->probes && s->probes->step == target;
      },
      300))
      << "the kept step " << target << " is not shown:\n"
      << d.screenText();
  EXPECT_EQ(d.latest()->step, target);
  EXPECT_NE(d.latest()->probes->parameters, head->probes->parameters) << "the views still show the last step";
  d.frame();
  EXPECT_TRUE(d.shows("step " + std::to_string(target) + " (shown")) << d.screenText();
  EXPECT_EQ(d.shownStep(), target) << d.screenText();

  // Branch: a new run from the step shown, paused; a learning rate edited now applies from there.
  const std::uint64_t run = d.latest()->run;
  ASSERT_TRUE(d.click("timeline-branch"));
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->run == run + 1; }, 300)) << d.screenText();
  EXPECT_EQ(d.latest()->step, target);
  EXPECT_FALSE(d.latest()->timeline->viewed);
  EXPECT_EQ(d.latest()->timeline->steps.back(), target) << "the original's later steps are still kept";
  ASSERT_TRUE(d.typeInto("lr", "0.005"));
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->hyperparams.learningRate == 0.005f; }, 300));
  EXPECT_EQ(d.latest()->step, target) << "the branch trained before play";
  ASSERT_TRUE(d.click("play"));
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->history.size() >= 2 && d.latest()->step > target + 60; }, 600));
  for (const auto& p : d.latest()->history) EXPECT_GE(p.step, target) << "a point of the original in the branch";
  d.frame();
  EXPECT_EQ(d.editor().plots().earlierRuns(), 1u);
  EXPECT_TRUE(d.shows("faded: 1 earlier run")) << d.screenText();
}

}  // namespace
}  // namespace nsb::ui
