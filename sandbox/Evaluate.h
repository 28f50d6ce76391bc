#pragma once
// A checkpoint evaluated on a dataset's test split: what `eval` prints and what a server's
// POST /jobs/ID/eval answers, one code path for both so that their accuracies are equal.
#include <nlohmann/json.hpp>
#include <string>

#include "core/Result.h"
#include "data/Dataset.h"
#include "nn/Checkpoint.h"

namespace nsb::sandbox {

struct Evaluation {
  nlohmann::json fields;    // eval --json's: backend, device, samples, test_loss, test_accuracy, test_mse
  std::string datasetName;  // for the line on stderr
};

// The dataset a checkpoint is evaluated on (`eval`, `landscape`): `dataset` is a name or path; empty: the
// one the checkpoint names. Generated data and the split use the checkpoint's seed, and its features.
core::Result<data::Dataset> loadCheckpointDataset(const nn::Checkpoint& checkpoint, const std::string& dataset);

// `dataset` as above.
core::Result<Evaluation> evaluateCheckpoint(const nn::Checkpoint& checkpoint, const std::string& dataset,
                                            const std::string& backend, int device);

}  // namespace nsb::sandbox
