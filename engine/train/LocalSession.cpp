// LocalSession: the thread, the command loop, pacing and publishing of snapshots; the probes' schedule
// is train/Probes.
#include "train/LocalSession.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <type_traits>

#include "core/Check.h"
#include "core/Log.h"
#include "core/Timer.h"
#include "nn/Checkpoint.h"
#include "train/SessionWork.h"
#include "train/Thinning.h"

namespace nsb::train {

core::Result<std::unique_ptr<Session>> LocalSession::create(TrainerConfig config,
                                                            std::shared_ptr<const data::Dataset> dataset, bool running,
                                                            double speed) {
  if (config.historyKept == 0) config.historyKept = HISTORY_KEPT;
  // Time travel by default where two states of the network fit in the bound and the bound in the host's
  // memory; else off (SetTimeline may turn it on), rather than no session at all.
  if (config.timelineEvery == 0 && Timeline().configure(Timeline::DEFAULT_EVERY, config.timelineBytes, config.spec))
    config.timelineEvery = Timeline::DEFAULT_EVERY;
  auto trainer = Trainer::create(std::move(config), std::move(dataset));
  if (!trainer) return trainer.error();
  return std::unique_ptr<Session>(new LocalSession(std::move(trainer.value()), running, speed));
}

LocalSession::LocalSession(std::unique_ptr<Trainer> trainer, bool running, double speed)
    : mTrainer(std::move(trainer)), mRunning(running), mSpeed(std::max(speed, 0.0)) {
  publish(0.0);
  mThread = std::thread([this] { loop(); });
}

LocalSession::~LocalSession() {
  mStop = true;
  if (mThread.joinable()) mThread.join();
  // No snapshot follows: a sync() waiting on another thread returns Ended, and the members stay until
  // it has left.
  mMailbox.end();
}

std::uint64_t LocalSession::submit(Command command) { return mMailbox.submit(std::move(command)); }

std::shared_ptr<const Snapshot> LocalSession::latest() const { return mMailbox.latest(); }

SyncStatus LocalSession::sync(std::chrono::milliseconds timeout) { return mMailbox.sync(timeout); }

bool LocalSession::awaitApplied(std::uint64_t sequence, std::chrono::milliseconds timeout) {
  return mMailbox.awaitApplied(sequence, timeout);
}

VersionedDataset LocalSession::dataset() const {
  std::lock_guard lock(mDatasetMutex);
  return mDataset;
}

std::shared_ptr<const DeviceProbes> LocalSession::deviceProbes(std::uint64_t probeVersion) const {
  return mProbes.device(probeVersion);
}

bool LocalSession::publish(double stepsPerSecond, ProbeUse probes) {
  // A failed device reads back zeros: the last probes stay on screen.
  const bool probesCurrent = probes != ProbeUse::Refresh || mDeviceFailed || mProbes.refresh(*mTrainer, mRunning);
  auto snapshot = std::make_shared<Snapshot>();
  Trainer& t = *mTrainer;
  snapshot->step = t.step();
  snapshot->run = mRun;
  snapshot->epoch = t.epochProgress();
  snapshot->running = mRunning;
  snapshot->backend = mTrainer->backend().name();
  snapshot->device = mTrainer->backend().deviceName();
  snapshot->stepsPerSubmit = t.config().stepsPerSubmit;
  snapshot->lastLoss = t.lastLoss();
  snapshot->stepsPerSecond = stepsPerSecond;
  snapshot->speed = mSpeed;
  snapshot->bytesTransferred = t.backend().bytesTransferred();
  snapshot->spec = t.config().spec;
  snapshot->hyperparams = t.config().hyperparams;
  snapshot->history = thinned(t.history(), HISTORY_SHOWN);
  snapshot->events = t.events();
  snapshot->appliedSequence = mAppliedSequence;
  snapshot->outcomes.assign(mOutcomes.begin(), mOutcomes.end());
  snapshot->divergence = mDivergence;
  if (probes == ProbeUse::Refresh && !mDeviceFailed) mProbedSpec = t.config().spec;
  if (mProbedSpec == t.config().spec) snapshot->probes = mProbes.current();
  // mDataset is written only on this thread (and by the constructor), so it is read here unlocked.
  VersionedDataset dataset = mDataset;
  if (t.sharedDataset() != dataset.dataset) dataset = {nextDatasetVersion(), t.sharedDataset()};
  snapshot->datasetVersion = dataset.version;
  if (!t.testPredictions().empty() && (!mPredictions || mPredictions->step != t.testPredictionsStep())) {
    mPredictions = std::make_shared<TestPredictions>(TestPredictions{t.testPredictionsStep(), t.testPredictions()});
  }
  snapshot->predictions = mPredictions;
  const auto& histograms = t.histograms();
  if (!histograms.empty() && (!mHistograms || mHistograms->back().step != histograms.back().step ||
                              mHistograms->size() != histograms.size())) {
    mHistograms = std::make_shared<const std::vector<HistogramPoint>>(histograms);
  }
  snapshot->histograms = mHistograms;
  snapshot->watched = t.watchedStep();
  mTimeline = t.timelineSummary(mTimeline);
  snapshot->timeline = mTimeline;
  {
    // The dataset before the snapshot that names it: a user who sees the new version finds its data.
    std::lock_guard lock(mDatasetMutex);
    mDataset = std::move(dataset);
  }
  mMailbox.publish(std::move(snapshot));
  return probesCurrent;
}

// Session-level commands here; the rest go to the trainer. std::visit with one case per command type:
// a new command does not compile until it is handled.
Outcome LocalSession::apply(std::uint64_t sequence, const Command& command) {
  Outcome outcome{sequence, mTrainer->step(), true, {}};
  auto refuse = [&](const core::Status& status) {
    if (!status) {
      outcome.ok = false;
      outcome.message = status.message();
    }
  };
  auto trainer = [&](const auto& edit) {
    const auto applied = mTrainer->apply(edit);
    // Not through a Status made from either branch of a ?: (GCC 12 at -O2 with the sanitizers warned
    // of a string that may be used uninitialized there, and -Werror stops the asan build).
    if (!applied.ok()) {
      outcome.ok = false;
      outcome.message = applied.message();
    }
    // The probes show what the weights compute: hyperparameters and a checkpoint written leave them.
    using Edit = std::decay_t<decltype(edit)>;
    if constexpr (!std::is_same_v<Edit, SetHyperparams> && !std::is_same_v<Edit, SaveCheckpoint> &&
                  !std::is_same_v<Edit, SetTimeline>)
      mProbes.markDirty();
    return applied.ok();
  };
  const auto deviceFailed = [&] {
    if (!mDeviceFailed) return false;
    outcome.ok = false;
    outcome.message = mFailureMessage;
    return true;
  };
  std::visit(
      [&]<typename T>(const T& c) {
        if constexpr (std::is_same_v<T, Pause>) {
          mRunning = false;
          mUntilStep.reset();
          if (sequence == mFailureSequence) deviceFailed();
        } else if constexpr (std::is_same_v<T, Resume>) {
          if (deviceFailed()) return;
          mUntilStep = c.untilStep;
          mRunning = !mUntilStep || mTrainer->step() < *mUntilStep;
          mDivergence.reset();
          mBudget = 1.0;  // the first step at once
          mPaceTimer.reset();
          mHoldUntil = 0;  // training is the answer to Play: the click's hold ends here
        } else if constexpr (std::is_same_v<T, Step>) {
          if (deviceFailed()) return;
          mPendingSteps += c.steps;
          mDivergence.reset();
        } else if constexpr (std::is_same_v<T, SetSpeed>) {
          if (!std::isfinite(c.stepsPerSecond) || c.stepsPerSecond < 0.0) {
            outcome.ok = false;
            outcome.message = "speed: steps a second must be 0 (as fast as possible) or more";
          } else {
            mSpeed = c.stepsPerSecond;
            mBudget = std::min(mBudget, 1.0);
            mPaceTimer.reset();
          }
        } else if constexpr (std::is_same_v<T, SetSessionWork>) {
          if (mWork && mWork != c.work) mWork->release();
          mWork = c.work;
        } else if constexpr (std::is_same_v<T, WatchParameter>) {
          mTrainer->watch(c.index);  // the weights stay: no new probes
        } else if constexpr (std::is_same_v<T, SetProbes>) {
          refuse(mProbes.set(*mTrainer, c));
        } else if constexpr (std::is_same_v<T, Reset>) {
          if (trainer(c)) {
            ++mRun;
            mDivergence.reset();
          }
        } else if constexpr (std::is_same_v<T, Branch>) {
          if (trainer(c)) {
            ++mRun;  // a branch is a run of its own, from its branch point
            mDivergence.reset();
          }
        } else if constexpr (std::is_same_v<T, ViewStep>) {
          if (c.step) mRunning = false;  // a past step stays on screen until play or a branch
          trainer(c);
        } else if constexpr (std::is_same_v<T, SetFeatures>) {
          // New inputs make the probe grids meaningless until the editor sends new ones.
          const std::size_t inputs = mTrainer->config().spec.inputs;
          if (trainer(c) && mTrainer->config().spec.inputs != inputs) mProbes.clear();
        } else if constexpr (std::is_same_v<T, SaveCheckpoint>) {
          if (trainer(c)) outcome.message = "checkpoint saved to " + c.path;
        } else if constexpr (std::is_same_v<T, LoadCheckpoint>) {
          if (trainer(c)) outcome.message = "checkpoint loaded from " + c.path;
        } else if constexpr (std::is_same_v<T, SwitchBackend>) {
          if (mWork) mWork->release();  // its buffers are the old backend's
          // Onto a working device: training may go on (the user presses play).
          if (trainer(c) && mDeviceFailed && mTrainer->status()) {
            mDeviceFailed = false;
            outcome.message = "training goes on on the " + mTrainer->backend().name() + " backend from step " +
                              std::to_string(mTrainer->step());
          }
        } else if constexpr (std::is_same_v<T, AddReplica> || std::is_same_v<T, RemoveReplica> ||
                             std::is_same_v<T, SetReplica> || std::is_same_v<T, ShowReplica>) {
          outcome.ok = false;
          outcome.message = "replicas: this session is not a race (open one with gui --race or a preset's \"race\")";
        } else {
          trainer(c);
        }
      },
      command);
  if (!outcome.ok) core::log().warn("{}", outcome.message);
  return outcome;
}

void LocalSession::stopOnDeviceError() {
  mDeviceFailed = true;
  mRunning = false;
  mPendingSteps = 0;
  mFailureMessage = mTrainer->status().message() + "; training stopped with the weights of step " +
                    std::to_string(mTrainer->goodStep());
  if (mTrainer->deviceLost()) {
    // What is on the device is gone: the host's copy goes to disk before anything else can fail.
    std::error_code error;
    const auto dir = std::filesystem::temp_directory_path(error);
    const auto path =
        (error ? std::filesystem::path(".") : dir) / ("neural-sandbox-device-lost-" + std::to_string(::getpid()) +
                                                      "-step-" + std::to_string(mTrainer->goodStep()) + ".safetensors");
    const core::Status saved = nn::saveCheckpoint(path.string(), mTrainer->checkpoint());
    mFailureMessage += saved ? ", saved to " + path.string() : " (not saved: " + saved.message() + ")";
  }
  mFailureMessage += "; switch the backend to go on";
  core::log().error("{}", mFailureMessage);
  // Reported as the outcome of a Pause of its own, so that it reaches the editor's banner in the
  // commands' order.
  mFailureSequence = submit(Pause{});
}

std::uint64_t LocalSession::pacedSteps() {
  std::uint64_t most = mTrainer->config().stepsPerSubmit;
  if (mSecondsPerStep > 0.0) {
    most = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(SUBMIT_SECONDS / mSecondsPerStep), 1, most);
  }
  if (mSpeed <= 0.0) return most;
  // The budget grows with the clock up to a tenth of a second's steps (at least one): a session that
  // falls behind drops steps instead of queueing them.
  mBudget = std::min(mBudget + mSpeed * mPaceTimer.seconds(), std::max(1.0, mSpeed * 0.1));
  mPaceTimer.reset();
  return std::min(static_cast<std::uint64_t>(mBudget), most);
}

void LocalSession::holdTraining(std::chrono::steady_clock::time_point until) {
  mHoldUntil = until.time_since_epoch().count();
}

void LocalSession::loop() {
  using namespace std::chrono_literals;
  // The same priority as the frames (no nice): at nice 10 beside two busy processes the thread had
  // 3 % of a core, and every command waited behind its submit and publish for up to a second. A
  // window's frame cap keeps CPU for training instead.
  core::Timer rateTimer, publishTimer;
  std::uint64_t rateSteps = 0;
  double stepsPerSecond = 0.0;
  bool changed = false;  // since the last snapshot
  while (!mStop) {
    std::uint64_t appliedUpTo = 0;
    // Commands apply between two submits, in order: a Step runs before the commands queued after it.
    while (mPendingSteps == 0) {
      auto item = mMailbox.tryPop();
      if (!item) break;
      appliedUpTo = item->first;
      mOutcomes.push_back(apply(item->first, item->second));
      if (mOutcomes.size() > OUTCOMES_KEPT) mOutcomes.pop_front();
      mAppliedSequence = appliedUpTo;
      changed = true;
    }
    // A command's answer at once: what it set is published before the probes run again (the output
    // grid takes tens of ms on the CPU backend, up to 200 ms on lavapipe beside other work; 100-370 ms
    // on the CPU beside two busy threads). With the network's shape unchanged the last probes still fit
    // it (after a Reset or a loaded checkpoint they show the previous weights for that long); a new shape
    // goes out without probes, so that its neurons are drawn at once and their pictures follow. The full
    // publish follows in this pass.
    if (appliedUpTo > 0) {
      publish(stepsPerSecond, ProbeUse::Last);  // an awaitApplied() goes on now, not after the probes
      // On the renderer's device the probes then wait PROBE_HOLD_SECONDS: the device has one queue
      // (lavapipe), and the frame that shows the answer went out behind 20-30 ms of probes.
      if (mTrainer->config().backendOptions.context && mTrainer->deviceProbes()) {
        mProbesHeld = true;
        mProbeHold.reset();
      }
    }
    const auto held =
        std::chrono::steady_clock::duration(mHoldUntil.load()) - std::chrono::steady_clock::now().time_since_epoch();
    std::uint64_t want = 0;
    if (mPendingSteps > 0) {
      want = std::min<std::uint64_t>(mPendingSteps, mTrainer->config().stepsPerSubmit);
    } else if (mRunning && held <= held.zero()) {
      want = pacedSteps();
      if (mUntilStep) want = std::min(want, *mUntilStep - std::min(*mUntilStep, mTrainer->step()));
    }
    if (want > 0) {
      core::Timer submitTimer;
      const std::uint64_t done = mTrainer->run(want);
      if (mUntilStep && mTrainer->step() >= *mUntilStep) {
        mRunning = false;  // a Resume's end step reached: paused as by a Pause
        mUntilStep.reset();
      }
      if (done > 0) {
        const double perStep = submitTimer.seconds() / static_cast<double>(done);
        mSecondsPerStep = mSecondsPerStep > 0.0 ? 0.8 * mSecondsPerStep + 0.2 * perStep : perStep;
      }
      mPendingSteps -= std::min<std::uint64_t>(mPendingSteps, done);
      if (mRunning) mBudget = std::max(0.0, mBudget - static_cast<double>(done));
      rateSteps += done;
      changed = true;
      if (mTrainer->diverged()) {
        mRunning = false;
        mPendingSteps = 0;
        mDivergence = mTrainer->divergence();
        mDivergence->count = ++mDivergences;
      }
    }
    // A failure in a step or in an edit (its allocations, pipelines and uploads).
    if (!mDeviceFailed && !mTrainer->status()) {
      stopOnDeviceError();
      changed = true;
    }
    const bool busy = mRunning || mPendingSteps > 0;
    if (rateTimer.seconds() > 0.25) {
      stepsPerSecond = static_cast<double>(rateSteps) / rateTimer.seconds();
      // Only a busy session shows the rate (an idle one publishes 0): a new rate while idle is no change.
      changed = changed || (busy && (stepsPerSecond > 0.0 || rateSteps > 0));
      rateSteps = 0;
      rateTimer.reset();
    }
    // Snapshots copy the history: at most every 15 ms while training; at once after a command or when
    // training stops; never when nothing changed.
    if (changed && (!busy || appliedUpTo > 0 || publishTimer.seconds() > 0.015)) {
      mProbesHeld = mProbesHeld && mProbeHold.seconds() < PROBE_HOLD_SECONDS;
      const bool probesCurrent = publish(busy ? stepsPerSecond : 0.0, mProbesHeld ? ProbeUse::Last : ProbeUse::Refresh);
      publishTimer.reset();
      changed = mProbesHeld || !probesCurrent;  // published again with the probes once the hold ends
    }
    // Synced up to the last command applied once its steps have run and what they did is published; not
    // before a device failure's own Pause is applied: a sync() that ends with it reports it.
    if (mPendingSteps == 0 && !changed && mAppliedSequence >= mFailureSequence) mMailbox.synced(mAppliedSequence);
    // Work between submits (the live landscape): one bounded piece a pass, not while a frame holds
    // training, not on a failed device, not before queued steps.
    bool working = false;
    if (mWork && !mDeviceFailed && mPendingSteps == 0 && held <= held.zero()) working = mWork->advance(*mTrainer);
    if (want == 0 && !working) {
      // Idle, or waiting for the clock at a set speed: wake for the next command or the next step.
      auto wait = 20ms;
      if (mRunning && mSpeed > 0.0) {
        const double seconds = std::max(0.0, (1.0 - mBudget) / mSpeed);
        wait = std::min(wait, std::chrono::milliseconds(static_cast<long>(std::ceil(seconds * 1000.0))));
      }
      if (held > held.zero()) wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(held));
      if (mProbesHeld) {
        const double seconds = std::max(0.0, PROBE_HOLD_SECONDS - mProbeHold.seconds());
        wait = std::min(wait, std::chrono::milliseconds(static_cast<long>(std::ceil(seconds * 1000.0))));
      }
      if (wait.count() > 0) mMailbox.waitForCommand(wait);
    }
  }
  if (mWork) mWork->release();  // before the trainer and its backend go
}

}  // namespace nsb::train
