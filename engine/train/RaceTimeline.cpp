// RaceTimeline: a race's replicas as timeline states and the race put back to them, so that
// `train --race --branch-at` (sandbox/TrainRace.cpp) and the editor's timeline strip (RaceSession) go
// back and branch every replica at once; and the RaceTimeline that keeps them (RaceTimeline.h).
#include "train/RaceTimeline.h"

#include <algorithm>
#include <span>

#include "compute/MemoryBudget.h"
#include "core/Check.h"
#include "train/Race.h"

namespace nsb::train {

using compute::DType;

std::vector<TimelineState> Race::timelineStates() const {
  std::vector<TimelineState> states;
  for (const Replica& r : mReplicas) {
    TimelineState s;
    s.step = mStep;
    s.epoch = mEpoch;
    s.cursor = mCursor;
    s.seed = mConfig.base.seed;
    s.spec = mConfig.base.spec;
    s.hyperparams = r.hyperparams;
    s.params = r.model->read(r.model->params());
    s.state1 = r.model->read(r.model->state1());
    s.state2 = r.model->read(r.model->state2());
    s.lossSum = r.lossSum;
    s.lossCount = r.lossCount;
    s.lastLoss = r.lastLoss;
    states.push_back(std::move(s));
  }
  return states;
}

core::Status Race::restoreTimeline(const std::vector<const TimelineState*>& states) {
  if (states.size() != mReplicas.size()) {
    return core::badInput("timeline: " + std::to_string(states.size()) + " states for a race of " +
                          std::to_string(mReplicas.size()) + " replicas");
  }
  for (std::size_t i = 0; i < states.size(); ++i) {
    const TimelineState* s = states[i];
    const std::string which = "timeline: replica " + std::to_string(i + 1) + "'s state";
    if (!s) return core::badInput(which + " is missing");
    if (!(s->spec == mConfig.base.spec) || s->params.size() != mConfig.base.spec.parameterCount() ||
        s->state1.size() != s->params.size() || s->state2.size() != s->params.size()) {
      return core::badInput(which + ": its network is not the race's");
    }
    if (s->step != states[0]->step || s->epoch != states[0]->epoch || s->cursor != states[0]->cursor ||
        s->seed != states[0]->seed) {
      return core::badInput(which + " is of step " + std::to_string(s->step) + ", replica 1's of step " +
                            std::to_string(states[0]->step));
    }
  }
  // Settings first: a replica whose optimizer changes gets its programs made again.
  for (std::size_t i = 0; i < states.size(); ++i) NSB_TRY(setHyperparams(i, states[i]->hyperparams));
  const TimelineState& first = *states[0];
  mConfig.base.seed = first.seed;
  mStep = first.step;
  for (std::size_t i = 0; i < states.size(); ++i) {
    const TimelineState& s = *states[i];
    Replica& r = mReplicas[i];
    r.model->write(r.model->params(), s.params);
    r.model->write(r.model->state1(), s.state1);
    r.model->write(r.model->state2(), s.state2);
    r.lossSum = s.lossSum;
    r.lossCount = s.lossCount;
    r.lastLoss = s.lastLoss;
    r.startStep = std::min(r.startStep, mStep);
    if (r.divergedAt && *r.divergedAt > mStep) r.divergedAt.reset();
    std::erase_if(r.history, [&](const MetricPoint& p) { return p.step > mStep; });
  }
  startEpoch(first.epoch);
  mCursor = std::min<std::uint64_t>(first.cursor, mStepsPerEpoch);
  const std::int32_t values[compute::COUNTER_COUNT] = {static_cast<std::int32_t>(mStep),
                                                       static_cast<std::int32_t>(mCursor)};
  mBackend->write(mCounters.tensor({compute::COUNTER_COUNT}, DType::I32), std::span<const std::int32_t>(values));
  return mBackend->status();
}

void Race::dropHistoryBefore(std::uint64_t step) {
  for (Replica& r : mReplicas) std::erase_if(r.history, [&](const MetricPoint& p) { return p.step < step; });
}

namespace {

// A replica's state of `spec` (Timeline.cpp counts the same): parameters and two optimizer states.
std::uint64_t replicaStateBytes(const nn::ModelSpec& spec) {
  return sizeof(TimelineState) + 3 * spec.parameterCount() * sizeof(float);
}

}  // namespace

core::Status RaceTimeline::check(std::uint64_t every, std::uint64_t budgetBytes, const nn::ModelSpec& spec,
                                 std::size_t replicas) {
  if (every == 0) return core::Ok{};
  const std::uint64_t step = replicas * replicaStateBytes(spec);
  if (budgetBytes < 2 * step) {
    return core::badInput("timeline: " + compute::formatBytes(budgetBytes) + " does not hold two steps of a race of " +
                          std::to_string(replicas) + " replicas (" + compute::formatBytes(step) +
                          " a step: step 0 and one more)");
  }
  // Asked before anything is kept: the bound is what the timeline may come to hold.
  const compute::MemoryBudget host = compute::hostMemoryBudget();
  if (budgetBytes > host.available) {
    return core::badInput("timeline: " + compute::formatBytes(budgetBytes) + " is more than the " +
                          compute::formatBytes(host.available) + " of host memory available (" + host.source + ")");
  }
  return core::Ok{};
}

core::Status RaceTimeline::configure(std::uint64_t every, std::uint64_t budgetBytes, const nn::ModelSpec& spec,
                                     std::size_t replicas) {
  NSB_TRY(check(every, budgetBytes, spec, replicas));
  if (replicas != mReplicas.size()) mReplicas.assign(replicas, Timeline(every, budgetBytes / replicas));
  for (Timeline& timeline : mReplicas) NSB_TRY(timeline.configure(every, budgetBytes / replicas, spec));
  mEvery = every;
  mBudget = budgetBytes;
  mSpec = spec;
  return core::Ok{};
}

std::uint64_t RaceTimeline::bytes() const {
  std::uint64_t total = 0;
  for (const Timeline& timeline : mReplicas) total += timeline.bytes();
  return total;
}

void RaceTimeline::keep(std::vector<TimelineState> states) {
  if (!enabled()) return;
  NSB_CHECK(states.size() == mReplicas.size()) << states.size() << " states for " << mReplicas.size() << " replicas";
  for (std::size_t i = 0; i < states.size(); ++i) mReplicas[i].keep(std::move(states[i]));
}

std::optional<std::vector<const TimelineState*>> RaceTimeline::find(std::uint64_t step) const {
  if (mReplicas.empty()) return std::nullopt;
  std::vector<const TimelineState*> states;
  for (const Timeline& timeline : mReplicas) {
    const TimelineState* state = timeline.find(step);
    if (!state) return std::nullopt;
    states.push_back(state);
  }
  return states;
}

std::vector<std::uint64_t> RaceTimeline::steps() const {
  return mReplicas.empty() ? std::vector<std::uint64_t>{} : mReplicas[0].steps();
}

void RaceTimeline::removeReplica(std::size_t replica) {
  if (replica >= mReplicas.size()) return;
  mReplicas.erase(mReplicas.begin() + static_cast<std::ptrdiff_t>(replica));
  // A larger share holds what the smaller one did: nothing is thinned, nothing refused.
  if (!check(mEvery, mBudget, mSpec, mReplicas.size())) return;  // the smaller shares still hold the bound
  for (Timeline& timeline : mReplicas) (void)timeline.configure(mEvery, mBudget / mReplicas.size(), mSpec);
}

void RaceTimeline::dropAfter(std::uint64_t step) {
  for (Timeline& timeline : mReplicas) timeline.dropAfter(step);
}

void RaceTimeline::clear() {
  for (Timeline& timeline : mReplicas) timeline.clear();
}

}  // namespace nsb::train
