// `neural-sandbox eval`: loads a checkpoint and evaluates it on a dataset's test split.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "Commands.h"
#include "compute/MemoryBudget.h"
#include "data/DatasetCatalog.h"
#include "data/Synthetic2D.h"
#include "nn/Checkpoint.h"
#include "train/Trainer.h"

namespace nsb::sandbox {

Action addEvalCommand(CLI::App& app) {
  struct Options {
    std::string checkpoint, dataset, backend = "auto";
    int device = -1;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("eval", "Evaluate a checkpoint on a dataset's test split");
  cmd->add_option("--checkpoint", o->checkpoint, "A checkpoint saved by train --save")->required();
  cmd->add_option("--dataset", o->dataset, "Dataset name or path (default: the one it was trained on)");
  cmd->add_option("--backend", o->backend, "auto, cpu, vulkan or cuda")->capture_default_str();
  cmd->add_option("--device", o->device, "GPU index for vulkan/cuda");
  cmd->add_flag("--json", o->json, "Print one JSON object with the results as the last line of stdout");
  return [o]() -> int {
    auto loaded = nn::loadCheckpoint(o->checkpoint);
    if (!loaded) return fail(loaded.error());
    const nn::Checkpoint& c = loaded.value();
    data::DatasetRequest request;
    request.name = o->dataset.empty() ? c.extra.value("dataset", std::string()) : o->dataset;
    if (request.name.empty())
      return fail(core::badInput("--dataset: the checkpoint does not name its dataset; give one"));
    data::parseSyntheticKind(request.name, request.synthetic.kind);
    request.synthetic.seed = c.seed;
    request.csv.seed = c.seed;
    if (c.extra.contains("features") && c.extra["features"].is_string()) {
      auto features = data::FeatureSet::parse(c.extra["features"].get<std::string>());
      if (features) request.features = features.value();
    }
    auto dataset = data::loadDataset(request);
    if (!dataset) return fail(dataset.error());
    auto shared = std::make_shared<const data::Dataset>(std::move(dataset.value()));
    train::TrainerConfig config;
    config.backend = o->backend;
    config.backendOptions.device = o->device;
    auto budget = compute::memoryBudgetFromEnvironment();
    if (!budget) return fail(budget.error());
    config.backendOptions.memoryBudget = budget.value();
    config.spec = c.spec;
    config.seed = c.seed;
    auto created = train::Trainer::create(config, shared);
    if (!created) return fail(created.error());
    auto restored = created.value()->restore(c);
    if (!restored) return fail(restored.error());
    const auto result = created.value()->evaluateTest();
    const bool regression = shared->task == data::Task::Regression;
    std::fprintf(stderr, "%s on %s (%zu test samples): loss %.4g", o->checkpoint.c_str(), shared->name.c_str(),
                 result.samples, result.loss);
    if (!regression) std::fprintf(stderr, ", accuracy %.2f%%", 100.0 * result.accuracy);
    if (regression) std::fprintf(stderr, ", mse %.4g", result.mse);
    std::fprintf(stderr, "\n");
    if (o->json) {
      auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
      nlohmann::json j = {{"backend", created.value()->backend().name()},
                          {"device", created.value()->backend().deviceName()},
                          {"samples", result.samples},
                          {"test_loss", num(result.loss)},
                          {"test_accuracy", regression ? nlohmann::json(nullptr) : num(result.accuracy)},
                          {"test_mse", regression ? num(result.mse) : nlohmann::json(nullptr)}};
      std::printf("%s\n", j.dump().c_str());
    }
    return 0;
  };
}

}  // namespace nsb::sandbox
