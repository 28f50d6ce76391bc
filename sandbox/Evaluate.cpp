#include "Evaluate.h"

#include <cmath>
#include <memory>

#include "compute/MemoryBudget.h"
#include "data/DatasetCatalog.h"
#include "data/Synthetic2D.h"
#include "train/Preset.h"
#include "train/Trainer.h"

namespace nsb::sandbox {

core::Result<data::Dataset> loadCheckpointDataset(const nn::Checkpoint& c, const std::string& dataset) {
  data::DatasetRequest request;
  request.name = dataset.empty() ? c.extra.value("dataset", std::string()) : dataset;
  if (request.name.empty()) return core::badInput("--dataset: the checkpoint does not name its dataset; give one");
  data::parseSyntheticKind(request.name, request.synthetic.kind);
  request.synthetic.seed = c.seed;
  request.csv.seed = c.seed;
  // The data as it was made for training (points, noise, split, CSV options, seed): checkpoints since it
  // was recorded.
  if (auto read = train::readDatasetRecord(c.extra, request.name, c.seed, request); !read)
    return core::badInput("--checkpoint: its data: " + read.message());
  if (c.extra.contains("features") && c.extra["features"].is_string()) {
    auto features = data::FeatureSet::parse(c.extra["features"].get<std::string>());
    if (features) request.features = features.value();
  }
  return data::loadDataset(request);
}

core::Result<Evaluation> evaluateCheckpoint(const nn::Checkpoint& c, const std::string& datasetName,
                                            const std::string& backend, int device) {
  auto dataset = loadCheckpointDataset(c, datasetName);
  if (!dataset) return dataset.error();
  auto shared = std::make_shared<const data::Dataset>(std::move(dataset.value()));
  train::TrainerConfig config;
  config.backend = backend;
  config.backendOptions.device = device;
  auto budget = compute::memoryBudgetFromEnvironment();
  if (!budget) return budget.error();
  config.backendOptions.memoryBudget = budget.value();
  config.spec = c.spec;
  config.seed = c.seed;
  auto created = train::Trainer::create(config, shared);
  if (!created) return created.error();
  NSB_TRY(created.value()->restore(c));
  const auto result = created.value()->evaluateTest();
  const bool regression = shared->task == data::Task::Regression;
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json fields = {{"backend", created.value()->backend().name()},
                           {"device", created.value()->backend().deviceName()},
                           {"samples", result.samples},
                           {"test_loss", num(result.loss)},
                           {"test_accuracy", regression ? nlohmann::json(nullptr) : num(result.accuracy)},
                           {"test_mse", regression ? num(result.mse) : nlohmann::json(nullptr)}};
  return Evaluation{std::move(fields), shared->name};
}

}  // namespace nsb::sandbox
