#pragma once
// Race: 2 to 8 replicas of one network trained in lockstep on one backend: the same initial weights,
// the same batches in the same order, each replica with its own optimizer and hyperparameters. One
// program per step holds them all (the batch gathered once, one submit), each replica's ops those of
// its solo Trainer step, so that each replica computes what a solo run with its settings computes.
// It shares the Trainer's data path (Batches.h), graphs (TrainingGraphs.h), evaluation and memory
// check; live edits, probes and checkpoints stay with the Trainer.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "compute/Backend.h"
#include "core/Result.h"
#include "data/Dataset.h"
#include "nn/Checkpoint.h"
#include "nn/Model.h"
#include "train/Batches.h"
#include "train/Hyperparams.h"
#include "train/Metrics.h"
#include "train/Timeline.h"
#include "train/Trainer.h"

namespace nsb::train {

struct RaceConfig {
  // The backend, network, seed, steps per submit and metric interval of every replica; its
  // hyperparameters are not used (each replica has its own, sharing the batch size).
  TrainerConfig base{};
  std::vector<Hyperparams> replicas;  // MIN_REPLICAS to MAX_REPLICAS (RaceSpec.h)
};

class Race {
 public:
  // Creates the backend, checks the memory of every replica before allocating any, uploads the
  // dataset once, gives every replica the initial weights of the seed.
  static core::Result<std::unique_ptr<Race>> create(RaceConfig config, std::shared_ptr<const data::Dataset> dataset);
  ~Race();

  // Runs up to `steps` steps of every replica (a metric point of each every metricsEvery steps);
  // stops early only when the device fails (status()). Returns the steps run.
  std::uint64_t run(std::uint64_t steps);
  // Every replica on the test set, in one pass over it.
  std::vector<Evaluation> evaluateTest();

  std::size_t size() const { return mReplicas.size(); }
  const Hyperparams& hyperparams(std::size_t replica) const { return mReplicas[replica].hyperparams; }
  const std::vector<MetricPoint>& history(std::size_t replica) const { return mReplicas[replica].history; }
  double lastLoss(std::size_t replica) const { return mReplicas[replica].lastLoss; }
  // The step at which the replica's training loss was first not finite. It trains on (its numbers stay
  // NaN), so that one replica's divergence does not end the race.
  std::optional<std::uint64_t> divergedAt(std::size_t replica) const { return mReplicas[replica].divergedAt; }
  std::vector<float> parameters(std::size_t replica) const;
  // A number that names the replica for the life of the race (its colour in the editor): 0, 1, ... in
  // the order the replicas were made; a removed replica's number is not given again.
  std::uint64_t id(std::size_t replica) const { return mReplicas[replica].id; }
  // The step its curve starts at: 0, or the step it was added at.
  std::uint64_t startStep(std::size_t replica) const { return mReplicas[replica].startStep; }

  // Live edits between two steps (RaceEdits.cpp); a refusal changes nothing. A new replica starts from
  // the weights replica `from` has now with fresh optimizer state, on the same batches from here on.
  core::Status addReplica(const Hyperparams& hyperparams, std::size_t from);
  core::Status removeReplica(std::size_t replica);
  // Its optimizer and values; the batch size stays the race's. A new optimizer starts from fresh state.
  core::Status setHyperparams(std::size_t replica, const Hyperparams& hyperparams);
  // Every replica back to the seed's initial weights at step 0 (with `seed` when given), histories cleared.
  void reset(std::optional<std::uint64_t> seed);
  std::uint64_t seed() const { return mConfig.base.seed; }
  const nn::ModelSpec& spec() const { return mConfig.base.spec; }
  // Checkpoints (RaceCheckpoints.cpp): replica `replica` as a solo checkpoint of its settings at the
  // race's step (loadable by eval and train --resume alone); restore() takes one per replica, in order,
  // each of the race's network and batch and all at one step, and continues the race from there as if
  // it had not stopped.
  nn::Checkpoint checkpoint(std::size_t replica) const;
  core::Status restore(const std::vector<nn::Checkpoint>& checkpoints);

  // Time travel (RaceTimeline.cpp): every replica's state now, as a solo run keeps it (Timeline.h), and
  // the race put back to such states, one per replica in order, all of one step: each replica takes its
  // state's weights, optimizer state and settings and its curve keeps the points up to that step, so
  // that the race goes on from there exactly as it went the first time.
  std::vector<TimelineState> timelineStates() const;
  core::Status restoreTimeline(const std::vector<const TimelineState*>& states);
  // A branch in the editor is a run of its own: its curves start at its branch point.
  void dropHistoryBefore(std::uint64_t step);

  std::uint64_t step() const { return mStep; }
  std::uint64_t epoch() const { return mEpoch; }
  double epochProgress() const;
  std::uint64_t stepsPerEpoch() const { return mStepsPerEpoch; }
  std::size_t batchSize() const { return mBatch; }
  compute::Backend& backend() { return *mBackend; }
  // The step program's per-op timings of its last submit, as Trainer::timings() (with timing on).
  std::vector<compute::OpTiming> timings() { return mStepProgram->timings(); }
  core::Status status() const { return mBackend->status(); }

 private:
  struct Replica {
    std::uint64_t id = 0, startStep = 0;
    Hyperparams hyperparams;
    std::unique_ptr<nn::Model> model;  // in slot i of mStorage for the i-th replica (layOut)
    std::vector<float> start;          // a new replica's weights until it is laid out
    compute::Buffer hyper, norms;
    nn::Workspace trainWs, evalWs;
    double lastLoss = NOT_MEASURED, lossSum = 0.0;
    std::uint64_t lossCount = 0;
    std::optional<std::uint64_t> divergedAt;
    std::vector<MetricPoint> history;
  };

  Race(RaceConfig config, std::shared_ptr<const data::Dataset> dataset);
  core::Status initialise();
  // Every replica's model in one nn::ModelStorage, slot i for the i-th replica, laid out again (through
  // the host) when replicas come or go: like ops of the replicas then differ by one offset, and the
  // Vulkan backend runs them as one dispatch (compute/vulkan/VulkanBatch.h).
  void layOut();
  void buildPrograms();
  void startEpoch(std::uint64_t epoch);
  void takeMetricPoints();
  Replica makeReplica(const Hyperparams& h, const std::vector<float>& parameters);

  RaceConfig mConfig;
  std::shared_ptr<const data::Dataset> mDataset;
  std::unique_ptr<compute::Backend> mBackend;
  DeviceData mData;
  compute::Buffer mCounters, mEvalCounters;
  std::vector<Replica> mReplicas;
  std::shared_ptr<nn::ModelStorage> mStorage;
  compute::Buffer mTrainSpace, mEvalSpace;  // every replica's workspaces (nn::Model::makeWorkspaces)
  std::unique_ptr<compute::Program> mStepProgram, mMetricsProgram, mEvalProgram;
  std::size_t mBatch = 0;
  std::uint64_t mNextId = 0;
  std::uint64_t mStep = 0, mEpoch = 0, mCursor = 0, mStepsPerEpoch = 1;
};

}  // namespace nsb::train
