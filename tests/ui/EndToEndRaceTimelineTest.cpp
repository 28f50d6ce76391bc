// The end-to-end editor suite on time travel in a race (issue 17, items 3 and 4): the real application
// on a race of two spiral replicas, training on its own thread, driven by widget name: the timeline's
// interval typed into the strip under the Race tab, a scrub to a kept step (every replica's views then
// show the race as it was there: the probes' step and weights, the table's losses), a branch from it
// with the first replica's settings edited before play, the second replica's curve then the original's
// again bit for bit, the first's not, and the original's curves faded beside the branch's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "EditorDriver.h"
#include "UiTestSupport.h"
#include "train/RaceSpec.h"

namespace nsb::ui {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr int ANSWER_FRAMES = 150;
#else
constexpr int ANSWER_FRAMES = 60;
#endif

// As the Race tab writes a loss.
std::string lossText(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

TEST(EndToEndRaceTimeline, ScrubsARaceToAKeptStepAndBranchesItOnTheCpu) {
  auto options = test::presetOptions("spiral", "cpu", 1024, 640);
  options.lockstep = false;
  options.speed = 300.0;  // a head a few hundred steps on: the branch gets back to it within the test
  auto replicas = train::parseRace("sgd:0.1,adam:0.01", options.config.hyperparams);
  ASSERT_TRUE(replicas.ok());
  options.race = replicas.value();
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  test::EditorDriver d(*app.value());
  const auto race = [&] { return d.latest()->race; };

  // The strip under the Race tab: a step kept every 20.
  ASSERT_TRUE(d.typeInto("timeline-every", "20", 30)) << d.screenText();
  ASSERT_TRUE(d.framesUntil(
      [&] {
        const auto t = d.latest()->timeline;
        return t && t->every == 20 && t->steps.size() >= 8 && race()->replicas[0].history.size() >= 4;
      },
      900))
      << d.screenText();
  ASSERT_TRUE(d.click("play", 2));  // pause
  ASSERT_TRUE(d.framesUntil([&] { return !d.latest()->running; }, ANSWER_FRAMES));
  d.frames(3);
  const auto head = d.latest();
  ASSERT_TRUE(head->probes);
  const auto steps = head->timeline->steps;
  // A kept step on a metric point (spiral: one every 30 steps), past the first one.
  std::uint64_t target = 0;
  for (const std::uint64_t s : steps) {
    if (s % 60 == 0 && s > 0 && s + 60 < head->step) target = s;
  }
  ASSERT_GT(target, 0u) << "kept steps up to " << steps.back();

  // Scrub: the slider typed into, as a drag to that step would set it.
  ASSERT_TRUE(d.typeInto("timeline", std::to_string(target)));
  ASSERT_TRUE(d.framesUntil(
      [&] {
        const auto s = d.latest();
        return s->timeline->viewed == target && s->probes && s->probes->step == target;
      },
      ANSWER_FRAMES))
      << "the kept step " << target << " is not shown:\n"
      << d.screenText();
  EXPECT_EQ(d.latest()->step, target);
  EXPECT_NE(d.latest()->probes->parameters, head->probes->parameters) << "the views still show the head";
  d.frame();
  EXPECT_TRUE(d.shows("step " + std::to_string(target) + " (shown")) << d.screenText();
  // The table ranks the replicas as they were there: each one's test loss at the kept step.
  for (const auto& r : head->race->replicas) {
    const auto at = std::find_if(r.history.begin(), r.history.end(), [&](const auto& p) { return p.step == target; });
    ASSERT_NE(at, r.history.end());
    const std::string label = std::to_string(r.id + 1) + " " + train::replicaLabel(r.hyperparams);
    EXPECT_TRUE(d.shows(label, lossText(at->test.loss))) << label << " at " << target << ":\n" << d.screenText();
    EXPECT_FALSE(d.shows(label, lossText(r.history.back().test.loss))) << "the head's loss:\n" << d.screenText();
  }
  // The other replica at the same step: the picker keeps the step shown.
  const auto first = d.latest()->probes->parameters;
  ASSERT_TRUE(d.click("show-replica", 2));
  ASSERT_TRUE(d.click("show-replica-2", 3));
  ASSERT_TRUE(
      d.framesUntil([&] { return race()->shown == 1 && d.latest()->probes->parameters != first; }, ANSWER_FRAMES));
  EXPECT_EQ(d.latest()->timeline->viewed, target);
  EXPECT_EQ(d.latest()->probes->step, target);
  ASSERT_TRUE(d.click("show-replica", 2));
  ASSERT_TRUE(d.click("show-replica-1", 3));
  ASSERT_TRUE(
      d.framesUntil([&] { return race()->shown == 0 && d.latest()->probes->parameters == first; }, ANSWER_FRAMES));

  // Branch: the whole race from the step shown, paused; the shown (first) replica's settings edited now
  // apply from there.
  const std::uint64_t run = d.latest()->run;
  ASSERT_TRUE(d.click("timeline-branch"));
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->run == run + 1; }, ANSWER_FRAMES)) << d.screenText();
  EXPECT_EQ(d.latest()->step, target);
  EXPECT_FALSE(d.latest()->timeline->viewed);
  EXPECT_EQ(d.latest()->timeline->steps.back(), target) << "the original's later steps are still kept";
  ASSERT_TRUE(d.typeInto("replica-spec", "sgd:0.05"));
  ASSERT_TRUE(d.click("set-replica"));
  ASSERT_TRUE(d.framesUntil([&] { return race()->replicas[0].hyperparams.learningRate == 0.05f; }, ANSWER_FRAMES));
  EXPECT_EQ(d.latest()->step, target) << "the branch trained before play";
  ASSERT_TRUE(d.click("play"));
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->step >= head->step + 30; }, 900)) << d.screenText();
  ASSERT_TRUE(d.click("play"));  // pause: the curves stay as compared
  ASSERT_TRUE(d.framesUntil([&] { return !d.latest()->running; }, ANSWER_FRAMES));

  // The second replica (adam: its moments come back too), unchanged, goes the original's way bit for
  // bit; the edited one does not.
  const auto branch = d.latest()->race;
  std::size_t same = 0, differ = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    for (const auto& p : branch->replicas[i].history) {
      EXPECT_GE(p.step, target) << "a point of the original in the branch";
      const auto& original = head->race->replicas[i].history;
      const auto o = std::find_if(original.begin(), original.end(), [&](const auto& q) { return q.step == p.step; });
      if (p.step == target || o == original.end()) continue;
      if (i == 1) {
        // The test set's numbers, of the weights alone: the train loss averages the last loss of each
        // submit, and a paced run's submits are not the original's.
        EXPECT_EQ(p.test.loss, o->test.loss) << "step " << p.step;
        EXPECT_EQ(p.test.accuracy, o->test.accuracy) << "step " << p.step;
        ++same;
      } else if (p.test.loss != o->test.loss) {
        ++differ;
      }
    }
  }
  EXPECT_GE(same, 2u);
  EXPECT_GE(differ, 2u) << "the edited replica went the original's way";
  d.frame();
  EXPECT_EQ(d.editor().raceCurves().earlierRuns(), 1u);
  EXPECT_TRUE(d.shows("faded: 1 earlier run")) << d.screenText();
}

}  // namespace
}  // namespace nsb::ui
