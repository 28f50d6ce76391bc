// `neural-sandbox eval`: loads a checkpoint and evaluates it on a dataset's test split.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "Commands.h"
#include "Evaluate.h"
#include "nn/Checkpoint.h"

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
    auto evaluated = evaluateCheckpoint(loaded.value(), o->dataset, o->backend, o->device);
    if (!evaluated) return fail(evaluated.error());
    const nlohmann::json& r = evaluated->fields;
    auto number = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; };
    std::fprintf(stderr, "%s on %s (%zu test samples): loss %.4g", o->checkpoint.c_str(),
                 evaluated->datasetName.c_str(), r["samples"].get<std::size_t>(), number(r["test_loss"]));
    if (!r["test_accuracy"].is_null()) std::fprintf(stderr, ", accuracy %.2f%%", 100.0 * number(r["test_accuracy"]));
    if (!r["test_mse"].is_null()) std::fprintf(stderr, ", mse %.4g", number(r["test_mse"]));
    std::fprintf(stderr, "\n");
    if (o->json) std::printf("%s\n", r.dump().c_str());
    return 0;
  };
}

}  // namespace nsb::sandbox
