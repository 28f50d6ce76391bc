#include "train/Session.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <type_traits>
#include <optional>


#include "core/Check.h"
#include "core/Log.h"
#include "core/Timer.h"

namespace nsb::train {
namespace {

constexpr std::size_t HISTORY_SHOWN = 2048;  // metric points in a snapshot, at most (about 2 per pixel)

// At most `most` points of a history: those whose index is a multiple of the smallest power of two
// that gets there, and the last. A snapshot is made every 15 ms and a free-running CPU run records
// hundreds of points a second, so copying all of them (two allocations each) became most of the
// session's work; a power-of-two stride keeps the same points from one snapshot to the next.
std::vector<MetricPoint> thinned(const std::vector<MetricPoint>& all, std::size_t most) {
  std::size_t stride = 1;
  while (all.size() / stride > most) stride *= 2;
  if (stride == 1) return all;
  std::vector<MetricPoint> out;
  out.reserve(all.size() / stride + 2);
  for (std::size_t i = 0; i < all.size(); i += stride) out.push_back(all[i]);
  if ((all.size() - 1) % stride != 0) out.push_back(all.back());
  return out;
}

}  // namespace

core::Result<std::unique_ptr<Session>> Session::create(TrainerConfig config, std::shared_ptr<const data::Dataset> dataset,
                                                       bool running, double speed) {
  auto trainer = Trainer::create(std::move(config), std::move(dataset));
  if (!trainer) return trainer.error();
  return std::unique_ptr<Session>(new Session(std::move(trainer.value()), running, speed));
}

Session::Session(std::unique_ptr<Trainer> trainer, bool running, double speed)
    : mTrainer(std::move(trainer)), mRunning(running), mSpeed(std::max(speed, 0.0)) {
  publish(0.0);
  mThread = std::thread([this] { loop(); });
}

Session::~Session() {
  mStop = true;
  if (mThread.joinable()) mThread.join();
}

std::uint64_t Session::submit(Command command) {
  std::uint64_t sequence;
  {
    // Numbered and queued under one lock, so that the queue's order is the numbers' order.
    std::lock_guard lock(mSnapshotMutex);
    sequence = ++mSubmitted;
    mCommands.push({sequence, std::move(command)});
  }
  return sequence;
}

std::shared_ptr<const Snapshot> Session::latest() const {
  std::lock_guard lock(mSnapshotMutex);
  return mSnapshot;
}

bool Session::sync(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mSnapshotMutex);
  const std::uint64_t target = mSubmitted;
  return mApplied.wait_for(lock, timeout, [&] { return mSynced >= target; });
}

core::Status Session::applyProbes(const SetProbes& probes) {
  const std::size_t inputs = mTrainer->config().spec.inputs;
  for (const auto& grid : probes.inputs) {
    if (grid.empty() || grid.size() % inputs != 0) {
      return core::badInput("probes ignored: their inputs do not fit the network's " + std::to_string(inputs) +
                            " inputs");
    }
  }
  for (std::size_t i = 0; i < probes.inputs.size(); ++i) {
    if (i < mTrainer->probeCount()) {
      mTrainer->setProbeInputs(i, probes.inputs[i]);
    } else {
      mTrainer->addProbe(probes.inputs[i]);
    }
  }
  mProbeCount = probes.inputs.size();
  mProbesDirty = true;
  return core::Ok{};
}

// Runs the probes again when the weights may have changed: while training on the schedule below (the
// editor's refresh rate), at once otherwise, so that a paused or stepped session is always current.
void Session::refreshProbes() {
  if (mProbeCount == 0) return;
  Trainer& t = *mTrainer;
  auto current = [&](std::size_t i) { return t.probeStep(i) == t.step(); };
  bool stale = mProbesDirty || !mProbes;
  for (std::size_t i = 0; i < mProbeCount; ++i) stale = stale || !current(i);
  if (!stale) return;
  // An edit (new spec, new weights) is shown at once, so that no snapshot pairs a spec with old probes.
  // While training, every probe runs at most a third of the time: every 30 ms where they are cheap
  // (a GPU), less often where a run costs more than 10 ms (lavapipe: 20-30 ms, most of it the
  // 65,536-row output grid). In between, the small probes (the neurons' 64x64 grids, a sample) run
  // alone, at most every 30 ms: the neuron heatmaps refresh more often than the output view (on
  // lavapipe in a window about 10 times a second against 4 or 5).
  std::vector<bool> which;  // empty: every probe
  if (mRunning && mProbes && !mProbesDirty && mProbeTimer.seconds() < std::max(0.03, 3.0 * mProbeSeconds)) {
    if (mSmallProbeTimer.seconds() < 0.03) return;
    for (std::size_t i = 0; i < t.probeCount(); ++i) {
      which.push_back(i < mProbeCount && t.probeRows(i) < LARGE_PROBE_ROWS && !current(i));
    }
    if (std::none_of(which.begin(), which.end(), [](bool small) { return small; })) return;
  }
  // Device slots that nobody else holds any more (no reader, not the trainer's) are released here, on
  // the thread that uses the backend.
  std::erase_if(mSlotsHeld, [](const auto& held) { return held.use_count() == 1; });
  // On the renderer's device the probes stay there (zero copy); elsewhere they come to the host.
  std::optional<std::size_t> slot;
  if (t.config().backendOptions.context && t.deviceProbes()) {
    for (std::size_t i = 1; i <= Trainer::PROBE_SLOTS && !slot; ++i) {
      const std::size_t s = (mLastSlot + i) % Trainer::PROBE_SLOTS;
      if (mSlotReaders[s].expired()) slot = s;
    }
    // Every slot still read (the renderer holds a ProbeSet until its frame has finished): while
    // training, try again next time; an edit, a step or a pause is shown at once, through the host.
    if (!slot && mRunning && !mProbesDirty) return;
    std::atomic_thread_fence(std::memory_order_acquire);  // pairs with the reader's release of its ProbeSet
  }
  const bool all = which.empty();
  if (all) mProbeTimer.reset();
  mSmallProbeTimer.reset();
  auto set = std::make_shared<ProbeSet>();
  set->step = t.step();
  set->version = mProbes ? mProbes->version + 1 : 1;
  const std::size_t layers = t.config().spec.layerCount();
  std::shared_ptr<const Trainer::ProbeSlot> device;
  if (slot) {
    device = t.runProbes(*slot, which);
    const auto native = t.backend().native(device->buffer.id());
    NSB_CHECK(native.has_value()) << "probe slots need a backend with native buffers";
    set->device = DeviceProbes{*native, device};
  } else {
    t.runProbes(which);
  }
  for (std::size_t i = 0; i < mProbeCount; ++i) {
    const nn::Workspace& ws = t.probe(i);
    ProbeResult result;
    result.rows = ws.batch;
    result.step = t.probeStep(i);
    std::size_t floats = 0;
    for (std::size_t l = 0; l < layers; ++l) floats += ws.batch * t.config().spec.layerOutputs(l);
    // Small probes (one image's activations, for the image views) come to the host in any case.
    if (!device || floats * sizeof(float) <= HOST_PROBE_BYTES) {
      for (std::size_t l = 0; l < layers; ++l) {
        result.layers.push_back(t.backend().read<float>(l + 1 == layers ? ws.output : ws.a[l]));
      }
    }
    if (device) result.offsets = device->offsets[i];
    set->probes.push_back(std::move(result));
  }
  set->parameters = t.parameters();
  set->spectrum = t.weightSpectrum();
  if (slot) {
    mSlotReaders[*slot] = set;
    if (std::find(mSlotsHeld.begin(), mSlotsHeld.end(), device) == mSlotsHeld.end()) mSlotsHeld.push_back(device);
    mLastSlot = *slot;
  }
  mProbes = std::move(set);
  mProbesDirty = false;
  if (all) mProbeSeconds = mProbeTimer.seconds();
}

void Session::publish(double stepsPerSecond) {
  refreshProbes();
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
  snapshot->probes = mProbes;
  snapshot->dataset = t.sharedDataset();
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
  std::lock_guard lock(mSnapshotMutex);
  mSnapshot = std::move(snapshot);
}

// Session-level commands here; the rest go to the trainer. std::visit with one case per command type:
// a new command does not compile until it is handled.
Outcome Session::apply(std::uint64_t sequence, const Command& command) {
  Outcome outcome{sequence, mTrainer->step(), true, {}};
  auto refuse = [&](const core::Status& status) {
    if (!status) {
      outcome.ok = false;
      outcome.message = status.message();
    }
  };
  auto trainer = [&](const auto& edit) {
    const auto applied = mTrainer->apply(edit);
    refuse(applied.ok() ? core::Status(core::Ok{}) : core::Status(applied.error()));
    mProbesDirty = true;
    return applied.ok();
  };
  std::visit(
      [&]<typename T>(const T& c) {
        if constexpr (std::is_same_v<T, Pause>) {
          mRunning = false;
        } else if constexpr (std::is_same_v<T, Resume>) {
          mRunning = true;
          mDivergence.reset();
          mBudget = 1.0;  // the first step at once
          mPaceTimer.reset();
        } else if constexpr (std::is_same_v<T, Step>) {
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
        } else if constexpr (std::is_same_v<T, SetProbes>) {
          refuse(applyProbes(c));
        } else if constexpr (std::is_same_v<T, Reset>) {
          if (trainer(c)) {
            ++mRun;
            mDivergence.reset();
          }
        } else if constexpr (std::is_same_v<T, SetFeatures>) {
          // New inputs make the probe grids meaningless until the editor sends new ones.
          const std::size_t inputs = mTrainer->config().spec.inputs;
          if (trainer(c) && mTrainer->config().spec.inputs != inputs) {
            mProbeCount = 0;
            mProbes.reset();
          }
        } else if constexpr (std::is_same_v<T, SaveCheckpoint>) {
          if (trainer(c)) outcome.message = "checkpoint saved to " + c.path;
        } else if constexpr (std::is_same_v<T, LoadCheckpoint>) {
          if (trainer(c)) outcome.message = "checkpoint loaded from " + c.path;
        } else {
          trainer(c);
        }
      },
      command);
  if (!outcome.ok) core::log().warn("{}", outcome.message);
  return outcome;
}

std::uint64_t Session::pacedSteps() {
  const std::uint64_t most = mTrainer->config().stepsPerSubmit;
  if (mSpeed <= 0.0) return most;
  // The budget grows with the clock up to a tenth of a second's steps (at least one): a session that
  // falls behind drops steps instead of queueing them.
  mBudget = std::min(mBudget + mSpeed * mPaceTimer.seconds(), std::max(1.0, mSpeed * 0.1));
  mPaceTimer.reset();
  return std::min(static_cast<std::uint64_t>(mBudget), most);
}

void Session::loop() {
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
      auto item = mCommands.tryPop();
      if (!item) break;
      appliedUpTo = item->first;
      mOutcomes.push_back(apply(item->first, item->second));
      if (mOutcomes.size() > OUTCOMES_KEPT) mOutcomes.pop_front();
      mAppliedSequence = appliedUpTo;
      changed = true;
    }
    std::uint64_t want = 0;
    if (mPendingSteps > 0) {
      want = std::min<std::uint64_t>(mPendingSteps, mTrainer->config().stepsPerSubmit);
    } else if (mRunning) {
      want = pacedSteps();
    }
    if (want > 0) {
      const std::uint64_t done = mTrainer->run(want);
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
    if (rateTimer.seconds() > 0.25) {
      stepsPerSecond = static_cast<double>(rateSteps) / rateTimer.seconds();
      changed = changed || stepsPerSecond > 0.0 || rateSteps > 0;
      rateSteps = 0;
      rateTimer.reset();
    }
    // Snapshots copy the history: at most every 15 ms while training; at once after a command or when
    // training stops; never when nothing changed.
    const bool busy = mRunning || mPendingSteps > 0;
    if (changed && (!busy || appliedUpTo > 0 || publishTimer.seconds() > 0.015)) {
      publish(busy ? stepsPerSecond : 0.0);
      publishTimer.reset();
      changed = false;
    }
    {
      // Synced up to the last command applied once its steps have run and what they did is published
      // (set here, after the publish, so sync() never returns on a snapshot about to be replaced).
      std::lock_guard lock(mSnapshotMutex);
      if (mPendingSteps == 0 && !changed) mSynced = mAppliedSequence;
    }
    mApplied.notify_all();
    if (want == 0) {
      // Idle, or waiting for the clock at a set speed: wake for the next command or the next step.
      auto wait = 20ms;
      if (mRunning && mSpeed > 0.0) {
        const double seconds = std::max(0.0, (1.0 - mBudget) / mSpeed);
        wait = std::min(wait, std::chrono::milliseconds(static_cast<long>(std::ceil(seconds * 1000.0))));
      }
      if (wait.count() > 0) mCommands.waitFor(wait);
    }
  }
}

}  // namespace nsb::train
