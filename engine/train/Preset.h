#pragma once
// Preset: a lesson or experiment in one JSON file (assets/presets/NAME.json): the dataset, the
// network's hidden layers and head, and the training settings. The model's input and output widths
// come from the dataset when it is loaded. Command-line flags override a preset's values.
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/Result.h"
#include "data/DatasetCatalog.h"
#include "nn/ModelSpec.h"
#include "train/Hyperparams.h"

namespace nsb::train {

// A preset of kind "surface": the Surface view in front, with this closed-form surface and these
// optimizers descending it from one start (the names are checked by descent::SurfaceLab, which
// this module cannot see). The network of the preset trains beside it as usual.
struct SurfaceSetup {
  std::string surface = "bowl";
  double condition = 10.0;                     // the bowl's k
  double sigma = 0.5;                          // the noisy bowl's gradient noise
  std::optional<std::array<double, 2>> start;  // unset: the surface's default start
  std::vector<Hyperparams> optimizers;
  double speed = 30.0;  // steps a second for each optimizer (0: the per-frame budget)

  bool operator==(const SurfaceSetup&) const = default;
};

struct Preset {
  std::string name;
  std::string description;
  data::DatasetRequest dataset;
  std::vector<nn::LayerSpec> hidden;
  std::optional<compute::Head> head;      // default: from the dataset's task and classes
  std::optional<compute::LossKind> loss;  // default: from the head
  Hyperparams hyperparams;
  std::uint64_t epochs = 10;
  std::optional<double> stopAtLoss, stopAtAccuracy;
  std::uint64_t seed = 1;
  std::optional<SurfaceSetup> surface;  // "kind": "surface"
  // "race": replicas trained in lockstep by `train` (the --race syntax, RaceSpec.h), checked against the
  // preset's training settings when it is loaded.
  std::optional<std::string> race;

  // The network for a loaded dataset (inputs and outputs from it).
  core::Result<nn::ModelSpec> modelFor(const data::Dataset& dataset) const;

  nlohmann::json toJson() const;
  static core::Result<Preset> fromJson(const nlohmann::json& json, const std::string& nameForErrors);
  // NAME (assets/presets/NAME.json, compiled in) or a path to a JSON file.
  static core::Result<Preset> load(const std::string& nameOrPath);
};

// A preset's "dataset" object. A checkpoint records it too (extra "data"), so that `eval` and
// `train --resume` rebuild the data it was trained on (--points, --noise, --train-ratio, the CSV options).
nlohmann::json datasetJson(const data::DatasetRequest& request);
// Reads one into `request` over its values; errors name the key ("'dataset.points' must be ...").
core::Status readDatasetJson(const nlohmann::json& json, data::DatasetRequest& request);
// A checkpoint's record of its data, written into its extra: "data" (datasetJson) and, where the data
// was drawn with another seed than the run's (the editor's Regenerate), "data_seed".
void recordDataset(nlohmann::json& extra, const data::DatasetRequest& request, std::uint64_t runSeed);
// The data a checkpoint records (recordDataset) read over `request`, seed included; false when it records
// none for `name`.
core::Result<bool> readDatasetRecord(const nlohmann::json& extra, const std::string& name, std::uint64_t runSeed,
                                     data::DatasetRequest& request);

// The built-in presets.
std::vector<std::string> presetNames();

}  // namespace nsb::train
