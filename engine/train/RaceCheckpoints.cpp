// RaceCheckpoints: a race's replicas as solo checkpoints (nn/Checkpoint.h), and a race continued from
// them: `train --race ... --save` and `--resume` (one file per replica, see sandbox/TrainRace.cpp).
#include <nlohmann/json.hpp>
#include <span>

#include "train/Preset.h"
#include "train/Race.h"

namespace nsb::train {

using compute::DType;

nn::Checkpoint Race::checkpoint(std::size_t replica) const {
  const Replica& r = mReplicas[replica];
  nn::Checkpoint c;
  c.spec = mConfig.base.spec;
  c.hyperparams = r.hyperparams.toJson();
  c.normalisation = mDataset->normalisation;
  c.step = mStep;
  c.seed = mConfig.base.seed;
  c.optimizer = r.hyperparams.optimizer;
  c.parameters = r.model->read(r.model->params());
  c.state1 = r.model->read(r.model->state1());
  c.state2 = r.model->read(r.model->state2());
  c.extra = {{"epoch", mEpoch}, {"cursor", mCursor}, {"dataset", mDataset->name}, {"batch", mBatch}};
  if (mConfig.base.data) recordDataset(c.extra, *mConfig.base.data, mConfig.base.seed);
  return c;
}

core::Status Race::restore(const std::vector<nn::Checkpoint>& checkpoints) {
  if (checkpoints.size() != mReplicas.size()) {
    return core::badInput("resume: " + std::to_string(checkpoints.size()) + " checkpoints for a race of " +
                          std::to_string(mReplicas.size()) + " replicas");
  }
  const nn::Checkpoint& first = checkpoints[0];
  const auto epoch = first.extra.value("epoch", std::uint64_t{0});
  const auto cursor = first.extra.value("cursor", std::uint64_t{0});
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    const nn::Checkpoint& c = checkpoints[i];
    const std::string which = "resume: replica " + std::to_string(i + 1) + "'s checkpoint";
    if (!(c.spec == mConfig.base.spec)) return core::badInput(which + ": its network is not the race's");
    if (c.parameters.size() != mConfig.base.spec.parameterCount()) {
      return core::badInput(which + ": wrong parameter count");
    }
    if (c.step != first.step || c.seed != first.seed || c.extra.value("epoch", std::uint64_t{0}) != epoch ||
        c.extra.value("cursor", std::uint64_t{0}) != cursor) {
      return core::badInput(which + " is of step " + std::to_string(c.step) + ", replica 1's of step " +
                            std::to_string(first.step) + ": the files of one race save are needed");
    }
    if (c.extra.value("batch", mBatch) != mBatch) return core::badInput(which + ": another batch size");
  }
  mConfig.base.seed = first.seed;
  mStep = first.step;
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    const nn::Checkpoint& c = checkpoints[i];
    Replica& r = mReplicas[i];
    const std::vector<float> zeros(c.parameters.size(), 0.0f);
    // Another optimizer than the file's (the race's spec wins) starts from fresh state.
    const bool sameOptimizer = c.optimizer == r.hyperparams.optimizer;
    r.model->write(r.model->params(), c.parameters);
    r.model->write(r.model->state1(), sameOptimizer && !c.state1.empty() ? c.state1 : zeros);
    r.model->write(r.model->state2(), sameOptimizer && !c.state2.empty() ? c.state2 : zeros);
    r.startStep = mStep;
    r.history.clear();
  }
  startEpoch(epoch);
  mCursor = std::min<std::uint64_t>(cursor, mStepsPerEpoch);
  const std::int32_t values[compute::COUNTER_COUNT] = {static_cast<std::int32_t>(mStep),
                                                       static_cast<std::int32_t>(mCursor)};
  mBackend->write(mCounters.tensor({compute::COUNTER_COUNT}, DType::I32), std::span<const std::int32_t>(values));
  return mBackend->status();
}

}  // namespace nsb::train
