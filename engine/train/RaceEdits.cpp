// RaceEdits: the live edits of a race between two steps - a replica added, removed or given new
// hyperparameters, and a reset. Each checks everything before it changes anything, and makes the
// step programs again when the replicas or their optimizers changed.
#include <span>

#include "nn/Init.h"
#include "train/MemoryEstimate.h"
#include "train/Race.h"
#include "train/RaceSpec.h"

namespace nsb::train {

core::Status Race::addReplica(const Hyperparams& hyperparams, std::size_t from) {
  const std::size_t n = mReplicas.size();
  if (n >= MAX_REPLICAS) {
    return core::badInput("add replica: the race has " + std::to_string(n) + " replicas, the most it takes");
  }
  if (from >= n) return core::badInput("add replica: there is no replica " + std::to_string(from + 1) + " to copy");
  NSB_TRY(hyperparams.validate());
  if (effectiveBatch(hyperparams, mDataset->train.count) != mBatch) {
    return core::badInput("add replica: its batch differs from the race's " + std::to_string(mBatch) +
                          "; the replicas share their batches");
  }
  NSB_TRY(checkMemory(estimateMemory({.spec = mConfig.base.spec,
                                      .dataset = *mDataset,
                                      .batch = mBatch,
                                      .evalChunk = mConfig.base.evalChunk,
                                      .replicas = n + 1}),
                      *mBackend, "a race of " + std::to_string(n + 1) + " replicas"));
  mReplicas.push_back(makeReplica(hyperparams, parameters(from)));
  buildPrograms();
  return mBackend->status();
}

core::Status Race::removeReplica(std::size_t replica) {
  if (replica >= mReplicas.size()) {
    return core::badInput("remove replica: there is no replica " + std::to_string(replica + 1));
  }
  if (mReplicas.size() <= MIN_REPLICAS) {
    return core::badInput("remove replica: a race keeps at least " + std::to_string(MIN_REPLICAS) + " replicas");
  }
  mBackend->synchronize();  // nothing in flight reads its buffers
  mReplicas.erase(mReplicas.begin() + static_cast<std::ptrdiff_t>(replica));
  buildPrograms();
  return mBackend->status();
}

core::Status Race::setHyperparams(std::size_t replica, const Hyperparams& hyperparams) {
  if (replica >= mReplicas.size())
    return core::badInput("edit replica: there is no replica " + std::to_string(replica + 1));
  NSB_TRY(hyperparams.validate());
  if (effectiveBatch(hyperparams, mDataset->train.count) != mBatch) {
    return core::badInput("edit replica: the replicas of a race share their batch size (" + std::to_string(mBatch) +
                          "); it is not edited per replica");
  }
  Replica& r = mReplicas[replica];
  const bool newOptimizer = r.hyperparams.optimizer != hyperparams.optimizer;
  r.hyperparams = hyperparams;
  const auto values = hyperparams.deviceValues();
  mBackend->write(r.hyper.tensor({compute::HYPER_COUNT}), std::span<const float>(values));
  if (newOptimizer) {
    // A new optimizer starts from fresh state, as in a solo run.
    const std::vector<float> zeros(mConfig.base.spec.parameterCount(), 0.0f);
    r.model->write(r.model->state1(), zeros);
    r.model->write(r.model->state2(), zeros);
    buildPrograms();
  }
  return mBackend->status();
}

void Race::reset(std::optional<std::uint64_t> seed) {
  if (seed) mConfig.base.seed = *seed;
  mStep = 0;
  const auto initial = nn::initialParameters(mConfig.base.spec, mReplicas[0].hyperparams.init, mConfig.base.seed);
  const std::vector<float> zeros(initial.size(), 0.0f);
  for (Replica& r : mReplicas) {
    r.model->write(r.model->params(), initial);
    r.model->write(r.model->state1(), zeros);
    r.model->write(r.model->state2(), zeros);
    r.startStep = 0;
    r.lastLoss = NOT_MEASURED;
    r.lossSum = 0.0;
    r.lossCount = 0;
    r.divergedAt.reset();
    r.history.clear();
  }
  startEpoch(0);
}

}  // namespace nsb::train
