// RaceSession: the race's thread, its commands, pacing and snapshots (see RaceSession.h).
#include "train/RaceSession.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/Log.h"
#include "train/RaceSpec.h"
#include "train/SessionWork.h"
#include "train/Thinning.h"

namespace nsb::train {
namespace {

constexpr double PROBE_SECONDS = 0.1;  // while training, the views' probes run again at most this often

std::string replicaName(std::size_t index, const Hyperparams& h) {
  return "replica " + std::to_string(index + 1) + " (" + replicaLabel(h) + ")";
}

}  // namespace

core::Result<std::unique_ptr<Session>> RaceSession::create(RaceConfig config,
                                                           std::shared_ptr<const data::Dataset> dataset, bool running,
                                                           double speed) {
  if (config.base.historyKept == 0) config.base.historyKept = HISTORY_KEPT;
  // Time travel by default where two steps of the race fit in the bound and the bound in the host's
  // memory (as a solo session's); checked before the race is made.
  const nn::ModelSpec& spec = config.base.spec;
  const std::size_t replicas = config.replicas.size();
  if (config.base.timelineEvery == 0 &&
      RaceTimeline::check(Timeline::DEFAULT_EVERY, config.base.timelineBytes, spec, replicas))
    config.base.timelineEvery = Timeline::DEFAULT_EVERY;
  RaceTimeline timeline;
  if (auto configured = timeline.configure(config.base.timelineEvery, config.base.timelineBytes, spec, replicas);
      !configured)
    return configured.error();
  TrainerConfig views = config.base;
  views.backend = "cpu";
  views.backendOptions.context = nullptr;
  views.timelineEvery = 0;  // the race keeps the timeline
  if (!config.replicas.empty()) views.hyperparams = config.replicas[0];
  auto race = Race::create(std::move(config), dataset);
  if (!race) return race.error();
  auto trainer = Trainer::create(std::move(views), dataset);
  if (!trainer) return trainer.error();
  VersionedDataset versioned{nextDatasetVersion(), std::move(dataset)};
  return std::unique_ptr<Session>(new RaceSession(std::move(race.value()), std::move(trainer.value()),
                                                  std::move(timeline), std::move(versioned), running, speed));
}

RaceSession::RaceSession(std::unique_ptr<Race> race, std::unique_ptr<Trainer> views, RaceTimeline timeline,
                         VersionedDataset dataset, bool running, double speed)
    : mRace(std::move(race)),
      mViews(std::move(views)),
      mTimeline(std::move(timeline)),
      mDataset(std::move(dataset)),
      mRunning(running),
      mSpeed(std::max(speed, 0.0)) {
  mPaths.follow(*mRace);  // every path's first point: the initial weights
  restartTimeline();
  publish(0.0);
  mThread = std::thread([this] { loop(); });
}

RaceSession::~RaceSession() {
  mStop = true;
  if (mThread.joinable()) mThread.join();
  mMailbox.end();
}

std::uint64_t RaceSession::submit(Command command) { return mMailbox.submit(std::move(command)); }

std::shared_ptr<const Snapshot> RaceSession::latest() const { return mMailbox.latest(); }

SyncStatus RaceSession::sync(std::chrono::milliseconds timeout) { return mMailbox.sync(timeout); }

bool RaceSession::awaitApplied(std::uint64_t sequence, std::chrono::milliseconds timeout) {
  return mMailbox.awaitApplied(sequence, timeout);
}

VersionedDataset RaceSession::dataset() const { return mDataset; }

void RaceSession::holdTraining(std::chrono::steady_clock::time_point until) {
  mHoldUntil = until.time_since_epoch().count();
}

void RaceSession::record(std::string what, std::string before, std::string after) {
  mEvents.push_back({mRace->step(), std::move(what), std::move(before), std::move(after)});
}

void RaceSession::refreshProbes() {
  mProbesStale = false;
  mProbeTimer.reset();
  if (!mDeviceFailed) {
    mViews->setParameters(shownParameters(mShown));
    mProbes.markDirty();
    mProbes.refresh(*mViews, false);
  }
  std::shared_ptr<const ProbeSet> shown = mProbes.current();
  if (!shown) return;
  auto set = std::make_shared<ProbeSet>(*shown);
  set->step = mViewed.value_or(mRace->step());
  for (auto& probe : set->probes) probe.step = set->step;
  if (mMinus && !mDeviceFailed) {
    // The same probes on the other replica's weights: every value shown becomes shown minus other.
    const std::vector<float> other = shownParameters(*mMinus);
    mViews->setParameters(other);
    mProbes.markDirty();
    mProbes.refresh(*mViews, false);
    const ProbeSet& minus = *mProbes.current();
    for (std::size_t i = 0; i < set->parameters.size() && i < other.size(); ++i) set->parameters[i] -= other[i];
    for (std::size_t p = 0; p < set->probes.size() && p < minus.probes.size(); ++p) {
      auto& layers = set->probes[p].layers;
      for (std::size_t l = 0; l < layers.size() && l < minus.probes[p].layers.size(); ++l) {
        const auto& b = minus.probes[p].layers[l];
        for (std::size_t k = 0; k < layers[l].size() && k < b.size(); ++k) layers[l][k] -= b[k];
      }
    }
    set->version = minus.version;  // a version of its own: the editor uploads it again
  }
  mShownProbes = std::move(set);
}

void RaceSession::publish(double stepsPerSecond) {
  Race& race = *mRace;
  // A kept step shown: every replica's settings and loss as they were there; the curves stay whole.
  const auto viewed = viewedStates();
  auto state = std::make_shared<RaceState>();
  for (std::size_t i = 0; i < race.size(); ++i) {
    std::optional<std::uint64_t> divergedAt = race.divergedAt(i);
    if (viewed && divergedAt > mViewed) divergedAt.reset();
    state->replicas.push_back({.id = race.id(i),
                               .startStep = race.startStep(i),
                               .hyperparams = viewed ? (*viewed)[i]->hyperparams : race.hyperparams(i),
                               .lastLoss = viewed ? (*viewed)[i]->lastLoss : race.lastLoss(i),
                               .divergedAt = divergedAt,
                               .history = thinned(race.history(i), HISTORY_SHOWN)});
  }
  state->shown = mShown;
  state->minus = mMinus;
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->step = viewed ? (*viewed)[0]->step : race.step();
  snapshot->run = mRun;
  snapshot->epoch = viewed ? static_cast<double>((*viewed)[0]->epoch) +
                                 static_cast<double>((*viewed)[0]->cursor) / static_cast<double>(race.stepsPerEpoch())
                           : race.epochProgress();
  snapshot->running = mRunning;
  snapshot->backend = race.backend().name();
  snapshot->device = race.backend().deviceName();
  snapshot->stepsPerSubmit = mViews->config().stepsPerSubmit;
  snapshot->lastLoss = state->replicas[mShown].lastLoss;
  snapshot->stepsPerSecond = stepsPerSecond;
  snapshot->speed = mSpeed;
  snapshot->bytesTransferred = race.backend().bytesTransferred();
  snapshot->spec = mViews->config().spec;
  snapshot->hyperparams = state->replicas[mShown].hyperparams;
  snapshot->history = state->replicas[mShown].history;
  snapshot->events = mEvents;
  snapshot->appliedSequence = mAppliedSequence;
  snapshot->outcomes.assign(mOutcomes.begin(), mOutcomes.end());
  snapshot->probes = mShownProbes;
  snapshot->datasetVersion = mDataset.version;
  snapshot->timeline = timelineSummary();
  snapshot->race = std::move(state);
  mMailbox.publish(std::move(snapshot));
}

Outcome RaceSession::apply(std::uint64_t sequence, const Command& command) {
  Outcome outcome{sequence, mRace->step(), true, {}};
  auto refuse = [&](std::string message) {
    outcome.ok = false;
    outcome.message = std::move(message);
  };
  auto check = [&](const core::Status& status) {
    if (!status) refuse(status.message());
    return status.ok();
  };
  auto replicaIndex = [&](std::size_t index, const char* what) {
    if (index < mRace->size()) return true;
    refuse(std::string(what) + ": there is no replica " + std::to_string(index + 1) + " (the race has " +
           std::to_string(mRace->size()) + ")");
    return false;
  };
  // A replica edit: the hyperparameters of replica `index` become `h`, recorded as an event.
  auto edit = [&](std::size_t index, const Hyperparams& h) {
    if (!replicaIndex(index, "edit replica")) return;
    leaveView();  // an edit applies at the head
    const Hyperparams before = mRace->hyperparams(index);
    if (!check(mRace->setHyperparams(index, h))) return;
    const auto oldJson = before.toJson(), newJson = h.toJson();
    for (const auto& [key, value] : newJson.items()) {
      if (oldJson[key] != value) record(replicaName(index, before) + " " + key, oldJson[key].dump(), value.dump());
    }
  };
  if (mDeviceFailed && !std::holds_alternative<Pause>(command) && !std::holds_alternative<ShowReplica>(command)) {
    refuse(mRace->status().message());
    return outcome;
  }
  std::visit(
      [&]<typename T>(const T& c) {
        if constexpr (std::is_same_v<T, Pause>) {
          mRunning = false;
          mUntilStep.reset();
        } else if constexpr (std::is_same_v<T, Resume>) {
          leaveView();  // training goes on from the head
          mUntilStep = c.untilStep;
          mRunning = !mUntilStep || mRace->step() < *mUntilStep;
          mBudget = 1.0;
          mPaceTimer.reset();
          mHoldUntil = 0;
        } else if constexpr (std::is_same_v<T, Step>) {
          leaveView();
          mPendingSteps += c.steps;
        } else if constexpr (std::is_same_v<T, SetSpeed>) {
          if (!std::isfinite(c.stepsPerSecond) || c.stepsPerSecond < 0.0) {
            refuse("speed: steps a second must be 0 (as fast as possible) or more");
          } else {
            mSpeed = c.stepsPerSecond;
            mBudget = std::min(mBudget, 1.0);
            mPaceTimer.reset();
          }
        } else if constexpr (std::is_same_v<T, Reset>) {
          const std::uint64_t oldSeed = mRace->seed();
          record("reset", "step " + std::to_string(mRace->step()) + ", seed " + std::to_string(oldSeed), "");
          leaveView();
          mRace->reset(c.seed);
          mEvents.back().after = "step 0, seed " + std::to_string(mRace->seed());
          restartTimeline();
          ++mRun;
          mProbesStale = true;
        } else if constexpr (std::is_same_v<T, SetProbes>) {
          check(mProbes.set(*mViews, c));
          mProbesStale = true;
        } else if constexpr (std::is_same_v<T, WatchParameter>) {
          if (c.index) refuse("the Step panel follows a solo run's weight, not a race's");
        } else if constexpr (std::is_same_v<T, SetHyperparams>) {
          edit(mShown, c.hyperparams);
        } else if constexpr (std::is_same_v<T, SetReplica>) {
          edit(c.replica, c.hyperparams);
        } else if constexpr (std::is_same_v<T, AddReplica>) {
          // A kept step holds every replica: the timeline starts again from here, if it holds one more.
          const std::size_t n = mRace->size() + 1;
          if (!check(RaceTimeline::check(mTimeline.every(), mTimeline.budget(), mRace->spec(), n))) return;
          leaveView();
          if (check(mRace->addReplica(c.hyperparams, c.from))) {
            const std::size_t added = mRace->size() - 1;
            record("add replica", "",
                   replicaName(added, c.hyperparams) + " from replica " + std::to_string(c.from + 1));
            (void)mTimeline.configure(mTimeline.every(), mTimeline.budget(), mRace->spec(), n);  // checked above
            restartTimeline();
          }
        } else if constexpr (std::is_same_v<T, RemoveReplica>) {
          if (!replicaIndex(c.replica, "remove replica")) return;
          const std::string name = replicaName(c.replica, mRace->hyperparams(c.replica));
          leaveView();
          if (!check(mRace->removeReplica(c.replica))) return;
          mTimeline.removeReplica(c.replica);
          record("remove replica", name, "");
          // The views keep showing the same replicas where they remain.
          auto moved = [&](std::size_t i) { return i > c.replica ? i - 1 : i; };
          if (mShown == c.replica)
            mShown = 0;
          else
            mShown = moved(mShown);
          if (mMinus && (*mMinus == c.replica || moved(*mMinus) == mShown))
            mMinus.reset();
          else if (mMinus)
            mMinus = moved(*mMinus);
          mProbesStale = true;
        } else if constexpr (std::is_same_v<T, SetSessionWork>) {
          if (mWork && mWork != c.work) mWork->release();
          mWork = c.work;
        } else if constexpr (std::is_same_v<T, SetTimeline> || std::is_same_v<T, ViewStep> ||
                             std::is_same_v<T, Branch>) {
          if (!check(applyTimeline(c))) return;
          // A branch's new settings are the shown replica's, as SetHyperparams edits it.
          if constexpr (std::is_same_v<T, Branch>) {
            if (c.hyperparams) edit(mShown, *c.hyperparams);
          }
        } else if constexpr (std::is_same_v<T, ShowReplica>) {
          if (!replicaIndex(c.replica, "show replica")) return;
          if (c.minus && (!replicaIndex(*c.minus, "show replica") || *c.minus == c.replica)) {
            if (outcome.ok) refuse("show replica: the difference takes two different replicas");
            return;
          }
          mShown = c.replica;
          mMinus = c.minus;
          mProbesStale = true;
        } else {
          refuse(
              "a race compares optimizers on one network: the network, its data, the backend and "
              "checkpoints are not edited in a race");
        }
      },
      command);
  if (!outcome.ok) core::log().warn("{}", outcome.message);
  return outcome;
}

std::uint64_t RaceSession::pacedSteps() {
  std::uint64_t most = mViews->config().stepsPerSubmit;
  if (mSecondsPerStep > 0.0) {
    most = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(SUBMIT_SECONDS / mSecondsPerStep), 1, most);
  }
  if (mSpeed <= 0.0) return most;
  mBudget = std::min(mBudget + mSpeed * mPaceTimer.seconds(), std::max(1.0, mSpeed * 0.1));
  mPaceTimer.reset();
  return std::min(static_cast<std::uint64_t>(mBudget), most);
}

void RaceSession::loop() {
  using namespace std::chrono_literals;
  core::Timer rateTimer, publishTimer;
  std::uint64_t rateSteps = 0;
  double stepsPerSecond = 0.0;
  bool changed = false;
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
    if (appliedUpTo > 0 && !mDeviceFailed) mPaths.follow(*mRace);  // a replica added or removed, a reset
    const auto held =
        std::chrono::steady_clock::duration(mHoldUntil.load()) - std::chrono::steady_clock::now().time_since_epoch();
    std::uint64_t want = 0;
    if (mPendingSteps > 0) {
      want = std::min<std::uint64_t>(mPendingSteps, mViews->config().stepsPerSubmit);
    } else if (mRunning && held <= held.zero() && !mDeviceFailed) {
      want = pacedSteps();
      if (mUntilStep) want = std::min(want, *mUntilStep - std::min(*mUntilStep, mRace->step()));
    }
    // A submit ends where a replica's path or the timeline keeps a point.
    if (const std::uint64_t next = mPaths.stepsToNext(mRace->step()); want > 0 && next > 0) want = std::min(want, next);
    if (const std::uint64_t next = mTimeline.stepsToNext(mRace->step()); want > 0 && next > 0)
      want = std::min(want, next);
    if (want > 0) {
      core::Timer submitTimer;
      const std::uint64_t done = mRace->run(want);
      if (mUntilStep && mRace->step() >= *mUntilStep) {
        mRunning = false;  // a Resume's end step reached: paused as by a Pause
        mUntilStep.reset();
      }
      if (done > 0 && mRace->status()) {
        mPaths.follow(*mRace);
        keepTimeline();
      }
      if (done > 0) {
        const double perStep = submitTimer.seconds() / static_cast<double>(done);
        mSecondsPerStep = mSecondsPerStep > 0.0 ? 0.8 * mSecondsPerStep + 0.2 * perStep : perStep;
        mProbesStale = true;
      }
      mPendingSteps -= std::min(mPendingSteps, done);
      if (mRunning) mBudget = std::max(0.0, mBudget - static_cast<double>(done));
      rateSteps += done;
      changed = true;
    }
    if (!mDeviceFailed && !mRace->status()) {
      // The race stops where the device failed; its state is not kept (a race has no checkpoint).
      mDeviceFailed = true;
      mRunning = false;
      mPendingSteps = 0;
      core::log().error("race: {}; training stopped at step {}", mRace->status().message(), mRace->step());
      changed = true;
    }
    const bool busy = mRunning || mPendingSteps > 0;
    if (rateTimer.seconds() > 0.25) {
      stepsPerSecond = static_cast<double>(rateSteps) / rateTimer.seconds();
      changed = changed || (busy && rateSteps > 0);
      rateSteps = 0;
      rateTimer.reset();
    }
    if (changed && (!busy || appliedUpTo > 0 || publishTimer.seconds() > 0.015)) {
      // The views follow at most every PROBE_SECONDS while training; at once after a command or a stop.
      if (mProbesStale && (!busy || appliedUpTo > 0 || mProbeTimer.seconds() > PROBE_SECONDS)) refreshProbes();
      publish(busy ? stepsPerSecond : 0.0);
      publishTimer.reset();
      changed = mProbesStale && !busy;
    }
    if (mPendingSteps == 0 && !changed) mMailbox.synced(mAppliedSequence);
    // The work (the live landscape) a piece at a time between submits, as LocalSession runs it.
    bool working = false;
    // With a kept step shown, around every replica's weights there, as a solo session's trainer holds them.
    if (mWork && !mDeviceFailed && mPendingSteps == 0 && held <= held.zero()) {
      const auto viewed = viewedStates();
      RaceContext context{
          .race = *mRace, .shown = mShown, .edits = mEvents.size(), .paths = {}, .viewed = viewed ? &*viewed : nullptr};
      for (std::size_t i = 0; i < mRace->size(); ++i) context.paths.push_back(mPaths.path(mRace->id(i)));
      working = mWork->advance(*mViews, &context);
    }
    if (want == 0 && !working) {
      auto wait = 20ms;
      if (mRunning && mSpeed > 0.0) {
        const double seconds = std::max(0.0, (1.0 - mBudget) / mSpeed);
        wait = std::min(wait, std::chrono::milliseconds(static_cast<long>(std::ceil(seconds * 1000.0))));
      }
      if (held > held.zero()) wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(held));
      if (wait.count() > 0) mMailbox.waitForCommand(wait);
    }
  }
  if (mWork) mWork->release();  // before the views' trainer and its backend go
}

}  // namespace nsb::train
