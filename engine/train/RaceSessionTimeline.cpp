// RaceSessionTimeline: time travel in a race session (see RaceSession.h) - the race's timeline kept
// every stride() steps, a kept step shown (ViewStep: every replica's weights, settings and loss there,
// the race itself waiting at its head), a branch from one (Branch: the whole race put back there, a new
// run), and SetTimeline, answered as a solo session answers them (TimelineEdits.cpp).
#include "compute/MemoryBudget.h"
#include "train/RaceSession.h"
#include "train/SessionWork.h"

namespace nsb::train {

void RaceSession::keepTimeline() {
  // A failed device reads back zeros: nothing is kept from it.
  if (!mTimeline.due(mRace->step()) || !mRace->status()) return;
  mTimeline.keep(mRace->timelineStates());
}

void RaceSession::restartTimeline() {
  mTimeline.clear();
  if (mTimeline.enabled() && mRace->status()) mTimeline.keep(mRace->timelineStates());
}

std::optional<std::vector<const TimelineState*>> RaceSession::viewedStates() const {
  if (!mViewed) return std::nullopt;
  auto states = mTimeline.find(*mViewed);
  if (states && states->size() != mRace->size()) return std::nullopt;
  return states;
}

void RaceSession::leaveView() {
  if (!mViewed) return;
  mViewed.reset();
  mProbesStale = true;
}

std::uint64_t RaceContext::step() const { return viewed ? (*viewed)[0]->step : race.step(); }

std::vector<float> RaceContext::parameters(std::size_t replica) const {
  return viewed ? (*viewed)[replica]->params : race.parameters(replica);
}

std::vector<float> RaceSession::shownParameters(std::size_t replica) const {
  if (const auto states = viewedStates()) return (*states)[replica]->params;
  return mRace->parameters(replica);
}

std::shared_ptr<const TimelineSummary> RaceSession::timelineSummary() {
  const auto& t = mTimeline;
  const std::shared_ptr<const TimelineSummary>& last = mTimelineSummary;
  const std::vector<std::uint64_t> steps = t.steps();
  if (last && last->every == t.every() && last->stride == t.stride() && last->bytes == t.bytes() &&
      last->budget == t.budget() && last->viewed == mViewed && last->steps == steps) {
    return last;
  }
  mTimelineSummary = std::make_shared<const TimelineSummary>(
      TimelineSummary{steps, t.every(), t.stride(), t.bytes(), t.budget(), mViewed});
  return mTimelineSummary;
}

core::Status RaceSession::applyTimeline(const Command& command) {
  if (const auto* set = std::get_if<SetTimeline>(&command)) {
    const bool was = mTimeline.enabled();
    NSB_TRY(mTimeline.configure(set->every, set->bytes, mRace->spec(), mRace->size()));
    if (!was && mTimeline.enabled()) restartTimeline();     // from the step now
    if (mViewed && !mTimeline.find(*mViewed)) leaveView();  // thinned away or turned off
    record("timeline", "",
           set->every ? "every " + std::to_string(set->every) + " steps, " + compute::formatBytes(set->bytes) : "off");
    return core::Ok{};
  }
  if (const auto* view = std::get_if<ViewStep>(&command)) {
    if (view->step && !mTimeline.find(*view->step))
      return core::badInput("view step " + std::to_string(*view->step) + ": not a kept step of the timeline");
    // Nothing moves on the device: the race waits at its head, the views show the kept states.
    mViewed = view->step;
    if (mViewed) mRunning = false;  // a past step stays on screen until play or a branch
    mProbesStale = true;
    return core::Ok{};
  }
  const auto& branch = std::get<Branch>(command);
  const auto kept = mTimeline.find(branch.step);
  if (!kept)
    return core::badInput("branch at step " + std::to_string(branch.step) + ": not a kept step of the timeline");
  if (branch.hyperparams) {
    NSB_TRY(branch.hyperparams->validate());
    if (effectiveBatch(*branch.hyperparams, mDataset.dataset->train.count) != mRace->batchSize())
      return core::badInput("branch: the replicas of a race share their batch size (" +
                            std::to_string(mRace->batchSize()) + "); it is not edited per replica");
  }
  const std::uint64_t from = mViewed.value_or(mRace->step());
  NSB_TRY(mRace->restoreTimeline(*kept));
  mViewed.reset();  // the head is left: the branch is the race now (its probes run again below)
  mTimeline.dropAfter(branch.step);
  // A new run: its curves start at the branch point (the editor keeps the old ones as an overlay).
  mRace->dropHistoryBefore(branch.step);
  record("branch", "step " + std::to_string(from), "step " + std::to_string(branch.step));
  ++mRun;
  mProbesStale = true;
  return core::Ok{};
}

}  // namespace nsb::train
