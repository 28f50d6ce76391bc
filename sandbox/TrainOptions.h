#pragma once
// The flags shared by train, bench and the editor: a preset, and everything that overrides it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "data/Dataset.h"
#include "nn/Checkpoint.h"
#include "train/Trainer.h"

namespace nsb::sandbox {

struct TrainOptions {
  std::string preset = "spiral";
  std::optional<std::string> dataset, hidden, activation, loss, optimizer, schedule, init, features, task;
  std::optional<int> labelColumn;
  std::string backend = "auto";
  int device = -1;
  int threads = 0;
  std::optional<std::uint64_t> seed, epochs;
  std::optional<std::size_t> batch, points;
  std::optional<float> lr, l1, l2, noise, trainRatio;
  std::optional<double> stopAtLoss, stopAtAccuracy;
  bool standardize = false;
  std::uint32_t stepsPerSubmit = 16;
  std::uint32_t metricsEvery = 0;
};

// A run ready to start: the trainer's configuration, the loaded dataset and the run's limits.
struct Training {
  train::TrainerConfig config;
  std::shared_ptr<const data::Dataset> dataset;
  std::uint64_t epochs = 1;
  std::optional<double> stopAtLoss, stopAtAccuracy;
  std::string presetName;
  std::string featureList;
};

void addTrainOptions(CLI::App& app, TrainOptions& options);
// Loads the preset, applies the flags over it, loads the dataset. With `resume`, the checkpoint's
// network, hyperparameters and seed are the base instead of the preset's.
core::Result<Training> buildTraining(const TrainOptions& options, const nn::Checkpoint* resume = nullptr);

}  // namespace nsb::sandbox
