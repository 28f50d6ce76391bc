// Session: commands from another thread apply between steps and show up in snapshots as events;
// sync's statuses; the dataset by version; snapshots that outlive their session; device probes only
// through the local session's side channel.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <set>
#include <thread>

#include "TrainTestSupport.h"
#include "gpu/VulkanContext.h"
#include "train/LocalSession.h"

namespace nsb::train::testing {
namespace {

std::unique_ptr<Session> makeSession(bool running) {
  Loaded l = loadPreset("spiral");
  l.config.stepsPerSubmit = 4;
  auto s = LocalSession::create(l.config, l.dataset, running);
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

// A click in the editor holds training (Session::holdTraining): no submit starts until the hold ends,
// while commands still apply at once; then training goes on by itself.
TEST(Session, AHoldStopsTrainingUntilItEndsAndCommandsStillApply) {
  using namespace std::chrono_literals;
  auto s = makeSession(true);
  for (int i = 0; i < 400 && s->latest()->step < 20; ++i) std::this_thread::sleep_for(5ms);
  const auto until = std::chrono::steady_clock::now() + 2s;
  s->holdTraining(until);
  // Any command: once it is answered, a submit in flight when the hold began has ended.
  Hyperparams h = s->latest()->hyperparams;
  h.learningRate = 0.02f;
  const std::uint64_t edit = s->submit(SetHyperparams{h});
  ASSERT_TRUE(s->awaitApplied(edit, 1s)) << "a command applies during a hold";
  const auto held = s->latest()->step;
  EXPECT_FLOAT_EQ(s->latest()->hyperparams.learningRate, 0.02f);
  std::this_thread::sleep_for(300ms);
  ASSERT_LT(std::chrono::steady_clock::now(), until) << "the machine stalled past the hold";
  EXPECT_EQ(s->latest()->step, held) << "no step during the hold";
  std::this_thread::sleep_until(until);
  for (int i = 0; i < 400 && s->latest()->step == held; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_GT(s->latest()->step, held) << "training goes on after the hold";
  EXPECT_TRUE(s->latest()->running);

  // Play is the one click whose answer is training: a Resume ends the hold at once.
  s->submit(Pause{});
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  const auto paused = s->latest()->step;
  s->holdTraining(std::chrono::steady_clock::now() + 10s);
  s->submit(Resume{});
  for (int i = 0; i < 400 && s->latest()->step == paused; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_GT(s->latest()->step, paused) << "Resume did not end the hold";
}

// A Resume with an end step (a served job) runs to exactly that step and pauses itself; a Pause sent
// meanwhile stops it at the next submit, with nothing queued ahead of it.
TEST(Session, AResumeUntilAStepStopsThereAndAPauseStillStopsAtOnce) {
  auto s = makeSession(false);
  const std::uint64_t end = 777;  // not a multiple of the 4 steps a submit
  s->submit(Resume{end});
  for (int i = 0; i < 3000 && (s->latest()->running || s->latest()->step == 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  EXPECT_EQ(s->latest()->step, end);
  EXPECT_FALSE(s->latest()->running);
  s->submit(Resume{end});  // already there: stays paused
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  EXPECT_EQ(s->latest()->step, end);
  EXPECT_FALSE(s->latest()->running);

  s->submit(Resume{std::uint64_t{1} << 40});
  for (int i = 0; i < 3000 && s->latest()->step < end + 100; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::uint64_t pause = s->submit(Pause{});
  ASSERT_TRUE(s->awaitApplied(pause, std::chrono::seconds(10)));
  const std::uint64_t stopped = s->latest()->step;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(s->latest()->step, stopped) << "steps ran after the Pause was applied";
  EXPECT_FALSE(s->latest()->running);
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
  auto created = LocalSession::create(l.config, l.dataset, true);
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
  auto created = LocalSession::create(l.config, l.dataset, false);
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

TEST(Session, SyncTimesOutOnABusySessionAndSyncsOnceItsCommandsAreApplied) {
  auto s = makeSession(false);
  s->submit(Step{3});
  EXPECT_EQ(s->sync(), SyncStatus::Synced);
  EXPECT_EQ(s->latest()->step, 3u);
  s->submit(Step{100'000'000});  // hours of training: the session stays busy
  const auto start = std::chrono::steady_clock::now();
  const SyncStatus status = s->sync(std::chrono::milliseconds(50));
  EXPECT_EQ(status, SyncStatus::TimedOut) << syncStatusName(status);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  EXPECT_LT(s->latest()->step, 100'000'000u);
}

// awaitApplied: true once a published snapshot answers the command (not waiting for steps queued
// before later commands), false when the command is still queued behind steps at the timeout.
TEST(Session, AwaitAppliedReturnsOnceASnapshotAnswersTheCommand) {
  auto s = makeSession(true);
  const std::uint64_t pause = s->submit(Pause{});
  ASSERT_TRUE(s->awaitApplied(pause, std::chrono::seconds(10)));
  const auto answered = s->latest();
  EXPECT_GE(answered->appliedSequence, pause);
  EXPECT_FALSE(answered->running);

  s->submit(Step{100'000'000});  // hours of training: a command after it waits
  const std::uint64_t reset = s->submit(Reset{1});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(s->awaitApplied(reset, std::chrono::milliseconds(50)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
  EXPECT_LT(s->latest()->appliedSequence, reset);
}

// A sync() waiting on another thread when the session goes returns Ended instead of waiting for
// commands that will never be applied.
TEST(Session, SyncReturnsEndedWhenTheSessionEndsWhileItWaits) {
  auto s = makeSession(false);
  s->submit(Step{100'000'000});
  std::promise<void> calling;
  auto waiting = std::async(std::launch::async, [session = s.get(), &calling] {
    calling.set_value();
    return session->sync();  // 24 hours
  });
  calling.get_future().wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // inside sync() by now
  s.reset();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const SyncStatus status = waiting.get();
  EXPECT_EQ(status, SyncStatus::Ended) << syncStatusName(status);
}

// The dataset is fetched by version: a step or an edit of the network leaves the version (and the
// data) as they were; points drawn again (new noise), new features and a new session's data each
// come with a new version, and every snapshot names the version it was made with.
TEST(Session, TheDatasetVersionChangesExactlyWhenTheDataChanges) {
  auto s = makeSession(false);
  const VersionedDataset first = s->dataset();
  ASSERT_TRUE(first.dataset);
  EXPECT_GT(first.version, 0u);
  EXPECT_EQ(s->latest()->datasetVersion, first.version);

  s->submit(Step{5});
  Hyperparams h = s->latest()->hyperparams;
  h.learningRate = 0.05f;
  s->submit(SetHyperparams{h});
  s->submit(SetLayerWidth{0, 9});
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  EXPECT_EQ(s->latest()->step, 5u);
  EXPECT_EQ(s->latest()->datasetVersion, first.version) << "steps and network edits leave the data";
  EXPECT_EQ(s->dataset().version, first.version);
  EXPECT_EQ(s->dataset().dataset, first.dataset);

  s->submit(RegenerateData{0.3f, 9});
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  const VersionedDataset noisy = s->dataset();
  EXPECT_GT(noisy.version, first.version) << "points drawn again with new noise";
  EXPECT_EQ(s->latest()->datasetVersion, noisy.version);
  EXPECT_NE(noisy.dataset->train.points, first.dataset->train.points);

  s->submit(SetFeatures{data::FeatureSet::parse("x1,x2,x1x2").value()});
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  const VersionedDataset featured = s->dataset();
  EXPECT_GT(featured.version, noisy.version) << "new features";
  EXPECT_EQ(s->latest()->datasetVersion, featured.version);
  EXPECT_EQ(featured.dataset->features, 3u);

  s->submit(Step{2});
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  EXPECT_EQ(s->latest()->datasetVersion, featured.version);

  auto other = makeSession(false);
  const std::set<std::uint64_t> versions{first.version, noisy.version, featured.version};
  EXPECT_EQ(versions.count(other->dataset().version), 0u) << "a new session's data has a version of its own";
}

// A snapshot is values: everything it points to stays readable, unchanged, after its session (and
// its trainer and backend) are gone.
TEST(Session, ASnapshotStaysValidAndReadableAfterItsSessionIsDestroyed) {
  Loaded l = loadPreset("spiral");
  l.config.stepsPerSubmit = 4;
  l.config.metricsEvery = 4;
  auto created = LocalSession::create(l.config, l.dataset, false);
  ASSERT_TRUE(created.ok()) << created.message();
  auto s = std::move(created.value());
  SetProbes probes;
  probes.inputs.push_back(std::vector<float>(8 * 8 * l.config.spec.inputs, 0.5f));
  s->submit(probes);
  s->submit(Step{20});
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  const auto snap = s->latest();
  ASSERT_TRUE(snap->probes && snap->predictions && snap->histograms);
  ASSERT_EQ(snap->probes->probes.size(), 1u);
  const auto layers = snap->probes->probes[0].layers;
  const auto parameters = snap->probes->parameters;
  const auto classes = snap->predictions->classes;
  const std::size_t histograms = snap->histograms->size(), history = snap->history.size();
  ASSERT_FALSE(layers.empty());
  ASSERT_FALSE(classes.empty());
  s.reset();
  EXPECT_EQ(snap->step, 20u);
  EXPECT_EQ(snap->probes->probes[0].layers, layers);
  EXPECT_EQ(snap->probes->parameters, parameters);
  EXPECT_EQ(snap->predictions->classes, classes);
  EXPECT_EQ(snap->histograms->size(), histograms);
  EXPECT_EQ(snap->history.size(), history);
  EXPECT_EQ(snap->history.back().step, 20u);
  EXPECT_EQ(snap->backend, "cpu");
}

// The probe grids of the editor: the 64x64 neuron grid and the 256x256 output grid.
SetProbes editorProbes(std::size_t inputs) {
  SetProbes probes;
  probes.inputs.push_back(std::vector<float>(64 * 64 * inputs, 0.25f));
  probes.inputs.push_back(std::vector<float>(256 * 256 * inputs, 0.5f));
  return probes;
}

// On the CPU backend every probe result is in the snapshot (of the large grid only the head's output)
// and the side channel stays closed, even with the renderer's Vulkan context at hand.
TEST(Session, DeviceProbesAreNullOnTheCpuBackend) {
  Loaded l = loadPreset("spiral");
  l.config.stepsPerSubmit = 4;
  if (!gpu::listVulkanDevices().empty()) {
    auto context = gpu::VulkanContext::create();
    ASSERT_TRUE(context.ok()) << context.message();
    l.config.backendOptions.context = context.value();
  }
  auto created = LocalSession::create(l.config, l.dataset, false);
  ASSERT_TRUE(created.ok()) << created.message();
  auto& s = created.value();
  s->submit(editorProbes(l.config.spec.inputs));
  s->submit(Step{3});
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  const auto snap = s->latest();
  ASSERT_TRUE(snap->probes);
  EXPECT_FALSE(snap->probes->onDevice);
  EXPECT_EQ(s->deviceProbes(snap->probes->version), nullptr);
  const std::size_t layers = snap->spec.layerCount();
  for (const auto& probe : snap->probes->probes) {
    ASSERT_EQ(probe.layers.size(), layers) << "every result on the host";
    EXPECT_TRUE(probe.offsets.empty());
    EXPECT_EQ(probe.layers.back().size(), probe.rows * snap->spec.outputs);
    for (std::size_t h = 0; h + 1 < layers; ++h) {
      // Of the 256x256 grid only the head's output: no view draws its hidden layers.
      const std::size_t expected = probe.rows < 256 * 256 ? probe.rows * snap->spec.layerOutputs(h) : 0;
      EXPECT_EQ(probe.layers[h].size(), expected) << "probe of " << probe.rows << " rows, layer " << h;
    }
  }
}

// The probes show what the weights compute: a new learning rate runs none of them again.
TEST(Session, AHyperparameterEditRunsNoProbeAgain) {
  auto s = makeSession(false);
  SetProbes probes;
  probes.inputs.push_back(std::vector<float>(8 * 8 * s->latest()->spec.inputs, 0.5f));
  s->submit(probes);
  s->submit(Step{1});
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  const auto before = s->latest();
  ASSERT_TRUE(before->probes);
  Hyperparams h = before->hyperparams;
  h.learningRate *= 2.0f;
  s->submit(SetHyperparams{h});
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  const auto after = s->latest();
  EXPECT_EQ(after->hyperparams.learningRate, h.learningRate);
  ASSERT_TRUE(after->probes);
  EXPECT_EQ(after->probes->version, before->probes->version) << "the probes ran again for a learning rate";
  s->submit(Step{1});
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  EXPECT_GT(s->latest()->probes->version, before->probes->version) << "a step does run them";
}

// A structural edit is answered before its probes run (the output view's grid takes tens of ms on the
// CPU, hundreds beside busy threads): the answer shows the new shape without probes, the probes follow,
// and no snapshot ever carries probes run on another shape.
TEST(Session, AStructuralEditIsAnsweredBeforeItsProbesAndNoProbesOfAnotherShapeArePublished) {
  auto s = makeSession(false);
  SetProbes probes;  // a grid large enough that its run takes far longer than a thread's wake-up
  probes.inputs.push_back(std::vector<float>(512 * 512 * s->latest()->spec.inputs, 0.5f));
  s->submit(probes);
  s->submit(Step{1});
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  ASSERT_TRUE(s->latest()->probes);
  for (int edit = 0; edit < 3; ++edit) {
    const std::size_t width = s->latest()->spec.hidden[0].width;
    const std::uint64_t sent = s->submit(SetLayerWidth{0, width + 1});
    ASSERT_TRUE(s->awaitApplied(sent, std::chrono::seconds(30)));
    const auto answer = s->latest();
    EXPECT_EQ(answer->spec.hidden[0].width, width + 1);
    EXPECT_FALSE(answer->probes) << "the answer waited for the probes of the new shape";
    ASSERT_EQ(s->sync(), SyncStatus::Synced);
    const auto after = s->latest();
    ASSERT_TRUE(after->probes) << "the new shape's probes never came";
    EXPECT_EQ(after->probes->parameters.size(), after->spec.parameterCount());
    EXPECT_EQ(after->probes->probes[0].step, after->step);
  }
  // The invariant while training: every snapshot's probes, when it has any, ran on its shape.
  s->submit(Resume{});
  for (int i = 0; i < 40; ++i) {
    if (i % 10 == 0) s->submit(SetLayerWidth{0, s->latest()->spec.hidden[0].width + 1});
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto snap = s->latest();
    if (snap->probes) {
      EXPECT_EQ(snap->probes->parameters.size(), snap->spec.parameterCount()) << "at step " << snap->step;
    }
  }
}

// A paused spiral session on Vulkan sharing `context`, as the editor makes it on the renderer's device.
std::unique_ptr<Session> rendererDeviceSession(const std::shared_ptr<gpu::VulkanContext>& context, Loaded& l) {
  l = loadPreset("spiral", "vulkan");
  l.config.stepsPerSubmit = 4;
  l.config.backendOptions.context = context;
  auto created = LocalSession::create(l.config, l.dataset, false);
  EXPECT_TRUE(created.ok()) << created.message();
  return created.ok() ? std::move(created.value()) : nullptr;
}

// On the renderer's device (one queue on lavapipe) the probes wait after a command's answer, so that the
// frame showing it is not queued behind them: the answer comes at once, the probes about 50 ms later.
TEST(Session, OnTheRenderersDeviceTheProbesWaitAfterACommandsAnswer) {
  if (gpu::listVulkanDevices().empty()) GTEST_SKIP() << "no Vulkan device";
  auto context = gpu::VulkanContext::create();
  ASSERT_TRUE(context.ok()) << context.message();
  Loaded l;
  const auto s = rendererDeviceSession(context.value(), l);
  ASSERT_TRUE(s);
  SetProbes probes;  // one small grid: a run takes a few ms, so the wait is the hold's, not the probes'
  probes.inputs.push_back(std::vector<float>(8 * 8 * l.config.spec.inputs, 0.5f));
  s->submit(probes);
  s->submit(Step{3});
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  const auto before = s->latest();
  ASSERT_TRUE(before->probes);
  const std::uint64_t reset = s->submit(Reset{1});
  ASSERT_TRUE(s->awaitApplied(reset, std::chrono::seconds(30)));
  const auto answered = std::chrono::steady_clock::now();
  const auto answer = s->latest();
  EXPECT_EQ(answer->step, 0u);
  ASSERT_TRUE(answer->probes);
  EXPECT_EQ(answer->probes->version, before->probes->version) << "the answer waited for the probes";
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - answered).count();
  EXPECT_GE(waited, 0.04) << "the probes ran at once after the answer";
  ASSERT_TRUE(s->latest()->probes);
  EXPECT_EQ(s->latest()->probes->step, 0u) << "after the wait the probes show the reset weights";
}

// Vulkan on the renderer's device: the large probe's results stay on the device and come only
// through deviceProbes(version), and a buffer handed out there is not written again while its
// holder keeps it (the ring of slots goes round the other slots), but is once it is let go.
TEST(Session, DeviceProbesComeOnlyThroughTheSideChannelAndAreNotRewrittenWhileHeld) {
  if (gpu::listVulkanDevices().empty()) GTEST_SKIP() << "no Vulkan device";
  auto context = gpu::VulkanContext::create();
  ASSERT_TRUE(context.ok()) << context.message();
  Loaded l;
  const auto s = rendererDeviceSession(context.value(), l);
  ASSERT_TRUE(s);
  s->submit(editorProbes(l.config.spec.inputs));
  s->submit(Step{1});
  ASSERT_EQ(s->sync(), SyncStatus::Synced);
  auto snap = s->latest();
  ASSERT_TRUE(snap->probes);
  ASSERT_TRUE(snap->probes->onDevice);
  ASSERT_EQ(snap->probes->probes.size(), 2u);
  const ProbeResult& output = snap->probes->probes[1];
  EXPECT_TRUE(output.layers.empty()) << "the 256x256 grid stays on the device";
  EXPECT_EQ(output.offsets.size(), snap->spec.layerCount());
  auto held = s->deviceProbes(snap->probes->version);
  ASSERT_TRUE(held);
  EXPECT_EQ(held->version, snap->probes->version);
  EXPECT_NE(held->buffer.buffer, 0u);
  EXPECT_EQ(s->deviceProbes(snap->probes->version + 1), nullptr) << "no such probe set yet";
  snap.reset();

  // While `held` is kept, new probe sets use the other slots.
  std::set<std::uint64_t> buffers;
  for (int i = 0; i < 6; ++i) {
    s->submit(Step{1});
    ASSERT_EQ(s->sync(), SyncStatus::Synced);
    const auto next = s->latest();
    ASSERT_TRUE(next->probes && next->probes->onDevice);
    const auto device = s->deviceProbes(next->probes->version);
    ASSERT_TRUE(device);
    EXPECT_NE(device->buffer.buffer, held->buffer.buffer) << "a held slot was written again";
    buffers.insert(device->buffer.buffer);
  }
  EXPECT_EQ(buffers.size(), Trainer::PROBE_SLOTS - 1) << "the other slots take turns";

  // Let go, the slot is written again.
  const std::uint64_t heldBuffer = held->buffer.buffer;
  held.reset();
  bool reused = false;
  for (int i = 0; i < 6 && !reused; ++i) {
    s->submit(Step{1});
    ASSERT_EQ(s->sync(), SyncStatus::Synced);
    const auto next = s->latest();
    ASSERT_TRUE(next->probes);
    const auto device = s->deviceProbes(next->probes->version);
    reused = device && device->buffer.buffer == heldBuffer;
  }
  EXPECT_TRUE(reused) << "the released slot should come round again";
}

}  // namespace
}  // namespace nsb::train::testing
