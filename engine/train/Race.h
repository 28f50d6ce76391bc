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
#include "nn/Model.h"
#include "train/Batches.h"
#include "train/Hyperparams.h"
#include "train/Metrics.h"
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

  std::uint64_t step() const { return mStep; }
  std::uint64_t epoch() const { return mEpoch; }
  double epochProgress() const;
  std::uint64_t stepsPerEpoch() const { return mStepsPerEpoch; }
  std::size_t batchSize() const { return mBatch; }
  compute::Backend& backend() { return *mBackend; }
  core::Status status() const { return mBackend->status(); }

 private:
  struct Replica {
    Hyperparams hyperparams;
    std::unique_ptr<nn::Model> model;
    compute::Buffer hyper, norms;
    nn::Workspace trainWs, evalWs;
    double lastLoss = NOT_MEASURED, lossSum = 0.0;
    std::uint64_t lossCount = 0;
    std::optional<std::uint64_t> divergedAt;
    std::vector<MetricPoint> history;
  };

  Race(RaceConfig config, std::shared_ptr<const data::Dataset> dataset);
  core::Status initialise();
  void buildPrograms();
  void startEpoch(std::uint64_t epoch);
  void takeMetricPoints();

  RaceConfig mConfig;
  std::shared_ptr<const data::Dataset> mDataset;
  std::unique_ptr<compute::Backend> mBackend;
  DeviceData mData;
  compute::Buffer mCounters, mEvalCounters;
  std::vector<Replica> mReplicas;
  std::unique_ptr<compute::Program> mStepProgram, mMetricsProgram, mEvalProgram;
  std::size_t mBatch = 0;
  std::uint64_t mStep = 0, mEpoch = 0, mCursor = 0, mStepsPerEpoch = 1;
};

}  // namespace nsb::train
