// Session: commands from another thread apply between steps and show up in snapshots as events.
#include <gtest/gtest.h>

#include "TrainTestSupport.h"
#include "train/Session.h"

namespace nsb::train::testing {
namespace {

std::unique_ptr<Session> makeSession(bool running) {
  Loaded l = loadPreset("spiral");
  l.config.stepsPerSubmit = 4;
  auto s = Session::create(l.config, l.dataset, running);
  EXPECT_TRUE(s.ok());
  return std::move(s.value());
}

TEST(Session, StepWhilePausedRunsExactlyThatManySteps) {
  auto s = makeSession(false);
  s->submit(Step{7});
  s->sync();
  EXPECT_EQ(s->latest()->step, 7u);
  EXPECT_FALSE(s->latest()->running);
}

TEST(Session, LearningRateEditIsRecordedAtTheStepItTookEffect) {
  auto s = makeSession(false);
  s->submit(Step{5});
  Hyperparams h = s->latest()->hyperparams;
  h.learningRate = 0.123f;
  s->submit(SetHyperparams{h});
  s->sync();
  auto snap = s->latest();
  ASSERT_EQ(snap->events.size(), 1u);
  EXPECT_EQ(snap->events[0].step, 5u);
  EXPECT_EQ(snap->events[0].what, "lr");
  EXPECT_FLOAT_EQ(snap->hyperparams.learningRate, 0.123f);
}

TEST(Session, RunsWhileRunningAndStopsOnPause) {
  auto s = makeSession(true);
  for (int i = 0; i < 200 && s->latest()->step < 50; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  s->submit(Pause{});
  s->sync();
  const auto step = s->latest()->step;
  EXPECT_GE(step, 50u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(s->latest()->step, step) << "paused";
}

TEST(Session, ResetGoesBackToStepZero) {
  auto s = makeSession(false);
  s->submit(Step{12});
  s->submit(Reset{});
  s->sync();
  EXPECT_EQ(s->latest()->step, 0u);
  EXPECT_EQ(s->latest()->events.back().what, "reset");
}

TEST(Session, SnapshotsCarryAThinnedHistoryEndingAtTheLastPoint) {
  Loaded l = loadPreset("spiral");
  l.config.stepsPerSubmit = 4;
  l.config.metricsEvery = 1;  // a metric point every step: 5,000 of them
  auto created = Session::create(l.config, l.dataset, false);
  ASSERT_TRUE(created.ok());
  auto& s = created.value();
  s->submit(Step{5000});
  s->sync();
  const auto snap = s->latest();
  ASSERT_EQ(snap->step, 5000u);
  const auto& h = snap->history;
  ASSERT_GE(h.size(), 1024u);
  EXPECT_LE(h.size(), 2049u) << "at most 2,048 points and the last";
  EXPECT_EQ(h.back().step, 5000u) << "the newest point is always there";
  const std::uint64_t stride = h[1].step - h[0].step;
  EXPECT_EQ(stride & (stride - 1), 0u) << "a power-of-two stride: " << stride;
  for (std::size_t i = 1; i + 1 < h.size(); ++i) EXPECT_EQ(h[i].step - h[i - 1].step, stride) << i;
}

}  // namespace
}  // namespace nsb::train::testing
