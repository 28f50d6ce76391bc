// RaceTimeline: a race's replicas as timeline states and the race put back to them, so that
// `train --race --branch-at` goes back and branches every replica at once (sandbox/TrainRace.cpp).
#include <algorithm>
#include <span>

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

}  // namespace nsb::train
