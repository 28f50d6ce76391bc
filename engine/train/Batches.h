#pragma once
// Batches: how a run serves its data, shared by Trainer and Race: the dataset's copy on a backend, the
// tensors a graph gathers from, each epoch's shuffle and how many steps go into one submit.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "compute/Backend.h"
#include "data/Dataset.h"
#include "train/TrainingGraphs.h"

namespace nsb::train {

// A dataset on a backend: both splits' features and targets, the training index (each epoch's
// permutation) and the test index (the identity padded to whole evaluation chunks).
struct DeviceData {
  compute::Buffer trainX, trainY, testX, testY, trainIndex, testIndex;

  static DeviceData upload(compute::Backend& backend, const data::Dataset& dataset, std::size_t evalChunk);
  // What a graph gathers from, with the counters it advances.
  SplitTensors train(const data::Dataset& dataset, const compute::Buffer& counters) const;
  SplitTensors test(const data::Dataset& dataset, std::size_t evalChunk, const compute::Buffer& counters) const;
  // Writes epoch `epoch`'s permutation of the training rows into trainIndex.
  void shuffle(compute::Backend& backend, std::uint64_t seed, std::uint64_t epoch, std::size_t trainCount) const;
};

// The training rows in the order epoch `epoch` visits them: a function of the seed and the epoch only,
// so that every run with the same seed sees the same batches.
std::vector<std::int32_t> epochPermutation(std::uint64_t seed, std::uint64_t epoch, std::size_t count);

// Steps for the next submit of a run at `step` with `cursor` batches of this epoch done: several at a
// time (at most stepsPerSubmit and `left`), never across an epoch end, and a metrics step (every
// `metricsEvery` steps) alone.
struct NextSubmit {
  std::uint64_t steps = 1;
  bool metrics = false;
};
NextSubmit nextSubmit(std::uint64_t step, std::uint64_t cursor, std::uint64_t stepsPerEpoch, std::uint64_t metricsEvery,
                      std::uint64_t stepsPerSubmit, std::uint64_t left);

}  // namespace nsb::train
