// Session: commands from another thread apply between steps and show up in snapshots as events.
#include <gtest/gtest.h>

#include <cstdio>

#include "TrainTestSupport.h"
#include "gpu/VulkanContext.h"
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

// A paused session publishes only when something changed: with no commands its snapshot stays the
// same object, also across the steps-a-second meter's tick (every 250 ms) after a Step.
TEST(Session, PausedSessionDoesNotRepublishWithoutAChange) {
  auto s = makeSession(false);
  const auto idle = s->latest();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(s->latest().get(), idle.get());
  SetProbes probes;
  probes.inputs.push_back(std::vector<float>(8 * 8 * idle->spec.inputs, 0.5f));
  s->submit(probes);
  s->submit(Step{3});
  s->sync();
  const auto stepped = s->latest();
  EXPECT_EQ(stepped->step, 3u);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(s->latest().get(), stepped.get());
}

// While training, the large probes (the output view's 256x256 grid) may lag the probe set's step; the
// small ones (a neuron grid) never do; paused, every probe is current. On lavapipe where there is one
// (a run of the large grid there costs more than 10 ms, so it runs less often than the small one).
TEST(Session, SmallProbesAreAlwaysCurrentAndAPauseMakesEveryProbeCurrent) {
  const bool vulkan = !gpu::listVulkanDevices().empty();
  Loaded l = loadPreset("spiral", vulkan ? "vulkan" : "cpu");
  l.config.stepsPerSubmit = 4;
  auto created = Session::create(l.config, l.dataset, true);
  ASSERT_TRUE(created.ok()) << created.message();
  auto& s = created.value();
  const std::size_t inputs = s->latest()->spec.inputs;
  SetProbes probes;
  probes.inputs.push_back(std::vector<float>(64 * 64 * inputs, 0.25f));
  probes.inputs.push_back(std::vector<float>(256 * 256 * inputs, 0.5f));
  s->submit(probes);
  std::size_t seen = 0, lagging = 0;
  for (int i = 0; i < 400 && (seen < 20 || s->latest()->step < 50); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto snap = s->latest();
    if (!snap->probes || snap->probes->probes.size() != 2) continue;
    ++seen;
    EXPECT_EQ(snap->probes->probes[0].step, snap->probes->step) << "the small probe lags";
    EXPECT_LE(snap->probes->probes[1].step, snap->probes->step);
    lagging += snap->probes->probes[1].step < snap->probes->step;
  }
  EXPECT_GE(seen, 20u);
  std::printf("%zu of %zu snapshots on %s showed the large probe behind the small one\n", lagging, seen,
              vulkan ? "vulkan" : "cpu");
  s->submit(Pause{});
  s->sync();
  const auto snap = s->latest();
  ASSERT_TRUE(snap->probes);
  for (const auto& probe : snap->probes->probes) EXPECT_EQ(probe.step, snap->step) << "paused: every probe is current";
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
