#pragma once
// The flags shared by train, bench and the editor: a preset, and everything that overrides it.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/Dataset.h"
#include "nn/Checkpoint.h"
#include "train/Trainer.h"

namespace nsb::sandbox {

// The optimizer's constants on the command line (train, gui, bench and descend), unset unless given:
// --momentum, --beta1, --beta2, --rho, --eps, --weight-decay.
struct OptimizerValues {
  std::optional<float> momentum, beta1, beta2, rho, eps, weightDecay;
};
void addOptimizerValueOptions(CLI::App& app, OptimizerValues& values);
// Writes the given values into `h` (Hyperparams::validate checks their ranges). For each given one,
// calls given(flag, newValue, oldValue), for the notes of a resumed run.
void applyOptimizerValues(const OptimizerValues& values, train::Hyperparams& h,
                          const std::function<void(const char*, float, float)>& given = {});

struct TrainOptions {
  // Unset: a resumed checkpoint's preset, else defaultPreset. An explicit --preset always wins.
  std::optional<std::string> preset;
  std::string defaultPreset = "spiral";
  std::optional<std::string> dataset, hidden, activation, loss, optimizer, schedule, init, features, task;
  std::optional<int> labelColumn;
  std::string backend = "auto";
  int device = -1;
  int threads = 0;
  std::optional<std::uint64_t> seed, epochs;
  std::optional<std::size_t> batch, points;
  std::optional<float> lr, l1, l2, noise, trainRatio;
  OptimizerValues optimizerValues;
  std::optional<double> stopAtLoss, stopAtAccuracy;
  bool standardize = false;
  std::uint32_t stepsPerSubmit = 16;
  std::uint32_t metricsEvery = 0;
  std::optional<std::string> race;  // `train --race` (its flag is train's alone)
};

// A run ready to start: the trainer's configuration, the loaded dataset and the run's limits.
struct Training {
  train::TrainerConfig config;
  std::shared_ptr<const data::Dataset> dataset;
  std::uint64_t epochs = 1;
  // The step at which `epochs` epochs are done: epochs x steps per epoch, or for a resumed run the
  // checkpoint's step plus what is left of its epochs at this run's batch size.
  std::uint64_t endStep = 0;
  std::optional<double> stopAtLoss, stopAtAccuracy;
  std::string presetName;
  std::string presetSource;  // the name or file the preset was loaded from (what a checkpoint records)
  std::string featureList;
  // Resumed runs: one line per flag that overrides a checkpoint value ("--lr 0.5 overrides the
  // checkpoint's 0.01"), for the command to print.
  std::vector<std::string> notes;
  // A race (--race, else the preset's "race"): each replica's hyperparameters, the run's with the
  // replica's optimizer and values over them. Empty: a solo run.
  std::vector<train::Hyperparams> race;
  std::string raceSpec;  // the spec it came from (a resumed race reads it again over each replica's file)
};

void addTrainOptions(CLI::App& app, TrainOptions& options);
// Loads the preset, applies the flags over it, loads the dataset. With `resume`, the checkpoint's
// network, hyperparameters, seed, preset and epochs are the base instead of the preset's, and explicit
// flags override them (each override named in Training::notes); flags that would change the network
// (--hidden, --activation, --loss) are refused. A cosine schedule without its own total_steps is sized
// by the run's epochs, also when resuming, so that more --epochs extend it.
core::Result<Training> buildTraining(const TrainOptions& options, const nn::Checkpoint* resume = nullptr);

// `train` with a race (TrainRace.cpp): the replicas of run.race in lockstep, for at most maxSteps
// steps when it is not 0. A race's checkpoints and metrics are one file per replica, named by
// replicaPath(): --save and --metrics write them, --resume reads the files of every replica of the race.
struct RaceRun {
  bool json = false;
  std::uint64_t maxSteps = 0;
  std::string savePath;
  std::uint64_t saveEvery = 0;
  std::string metricsPath;
  std::string resumePath;
  std::uint64_t timelineEvery = 0;  // a snapshot of every replica every N steps (0: none)
  std::uint64_t timelineBytes = 0;  // all replicas' snapshots together
  std::optional<std::uint64_t> branchAt;
  std::vector<train::Hyperparams> branch;  // the branch's replicas (empty: the race's own)
};
int trainRace(const Training& run, const RaceRun& options);
// "run.safetensors" -> "run-2.safetensors" for replica index 1: the file of one replica of a race.
std::string replicaPath(const std::string& path, std::size_t replica);
// The metric history as --metrics writes it (CSV by the extension, else JSON lines).
std::string metricsText(const std::string& path, const std::vector<train::MetricPoint>& history, std::size_t layers);

}  // namespace nsb::sandbox
