// TimelineEdits: the Trainer's side of time travel (train/Timeline.h) - keeping a state every stride()
// steps, showing a kept step (ViewStep) and branching from one (Branch) - and SetTimeline.
#include "compute/MemoryBudget.h"
#include "train/Trainer.h"

namespace nsb::train {

TimelineState Trainer::timelineState() const {
  TimelineState s;
  s.step = mStep;
  s.epoch = mEpoch;
  s.cursor = mCursor;
  s.seed = mConfig.seed;
  s.spec = mConfig.spec;
  s.hyperparams = mConfig.hyperparams;
  s.params = mModel->read(mModel->params());
  s.state1 = mModel->read(mModel->state1());
  s.state2 = mModel->read(mModel->state2());
  s.lossSum = mLossSum;
  s.lossCount = mLossCount;
  s.lastLoss = mLastLoss;
  return s;
}

std::optional<std::uint64_t> Trainer::viewedStep() const {
  if (!mViewHead) return std::nullopt;
  return mStep;
}

std::shared_ptr<const TimelineSummary> Trainer::timelineSummary(std::shared_ptr<const TimelineSummary> last) const {
  const std::optional<std::uint64_t> viewed = viewedStep();
  const auto& t = mTimeline;
  if (last && last->every == t.every() && last->stride == t.stride() && last->bytes == t.bytes() &&
      last->budget == t.budget() && last->viewed == viewed && last->steps.size() == t.size() &&
      (t.size() == 0 || last->steps.back() == t.steps().back())) {
    return last;
  }
  return std::make_shared<const TimelineSummary>(
      TimelineSummary{t.steps(), t.every(), t.enabled() ? t.stride() : 0, t.bytes(), t.budget(), viewed});
}

void Trainer::keepTimeline() {
  // A failed device reads back zeros: nothing is kept from it.
  if (!mTimeline.due(mStep) || !mBackend->status()) return;
  mTimeline.keep(timelineState());
}

void Trainer::restartTimeline() {
  mViewHead.reset();
  mTimeline.clear();
  if (mTimeline.enabled() && mBackend->status()) mTimeline.keep(timelineState());
}

core::Status Trainer::restoreTimeline(const TimelineState& s) {
  if (!(s.spec == mConfig.spec)) rebuild(ModelState{s.spec, s.params, s.state1, s.state2});
  const bool regraph = s.hyperparams.optimizer != mConfig.hyperparams.optimizer ||
                       effectiveBatch(s.hyperparams, mDataset->train.count) != mBatch;
  mConfig.hyperparams = s.hyperparams;
  mConfig.seed = s.seed;
  writeHyperparams();
  if (regraph) buildPrograms();
  mModel->write(mModel->params(), s.params);
  mModel->write(mModel->state1(), s.state1);
  mModel->write(mModel->state2(), s.state2);
  mStep = s.step;
  mLossSum = s.lossSum;
  mLossCount = s.lossCount;
  mLastLoss = s.lastLoss;
  mDiverged = false;
  startEpoch(s.epoch, s.cursor);
  NSB_TRY(mBackend->status());
  keepGoodState();
  return core::Ok{};
}

void Trainer::leaveView() {
  if (!mViewHead) return;
  const TimelineState head = std::move(*mViewHead);
  mViewHead.reset();
  (void)restoreTimeline(head);  // a device failure shows in status()
}

core::Status Trainer::applyTimeline(const Command& command) {
  if (const auto* set = std::get_if<SetTimeline>(&command)) {
    const bool was = mTimeline.enabled();
    NSB_TRY(mTimeline.configure(set->every, set->bytes, mConfig.spec));
    if (!was && mTimeline.enabled()) restartTimeline();  // from the step now
    record("timeline", "",
           set->every ? "every " + std::to_string(set->every) + " steps, " + compute::formatBytes(set->bytes) : "off");
    return core::Ok{};
  }
  if (const auto* view = std::get_if<ViewStep>(&command)) {
    if (!view->step) {
      leaveView();
      return mBackend->status();
    }
    const TimelineState* kept = mTimeline.find(*view->step);
    if (!kept) return core::badInput("view step " + std::to_string(*view->step) + ": not a kept step of the timeline");
    if (!mViewHead) mViewHead = timelineState();
    return restoreTimeline(*kept);
  }
  const auto& branch = std::get<Branch>(command);
  const TimelineState* kept = mTimeline.find(branch.step);
  if (!kept)
    return core::badInput("branch at step " + std::to_string(branch.step) + ": not a kept step of the timeline");
  if (branch.hyperparams) NSB_TRY(branch.hyperparams->validate());
  const std::uint64_t from = mViewHead ? mViewHead->step : mStep;
  mViewHead.reset();  // the head is left: the branch is the run now
  NSB_TRY(restoreTimeline(*kept));
  mTimeline.dropAfter(branch.step);
  // A new run: its curves start at the branch point (the editor keeps the old ones as an overlay).
  std::erase_if(mHistory, [&](const MetricPoint& p) { return p.step != branch.step; });
  mHistograms.clear();
  mTestPredictions.clear();
  record("branch", "step " + std::to_string(from), "step " + std::to_string(branch.step));
  if (branch.hyperparams && !(*branch.hyperparams == mConfig.hyperparams)) {
    auto applied = apply(SetHyperparams{*branch.hyperparams});
    if (!applied) return applied.error();
  }
  return core::Ok{};
}

}  // namespace nsb::train
