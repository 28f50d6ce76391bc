// `neural-sandbox landscape`: the loss landscape around a checkpoint's weights (engine/landscape): two
// filter-normalised random directions (Li et al. 2018; for a network of exactly two parameters, the
// two parameters themselves, which gives the exact surface), the grid of data losses over
// [-span, span]^2 on the first --batch test samples, written as CSV (alpha, beta, loss) and the
// directions as safetensors, both atomically; --json prints the centre, lowest and highest loss.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "Commands.h"
#include "Evaluate.h"
#include "compute/MemoryBudget.h"
#include "compute/Registry.h"
#include "data/DatasetCatalog.h"
#include "data/Synthetic2D.h"
#include "landscape/Directions.h"
#include "landscape/LossGrid.h"
#include "nn/Checkpoint.h"

namespace nsb::sandbox {
namespace {

struct LandscapeOptions {
  std::string checkpoint, dataset, backend = "auto", out, directions;
  int device = -1;
  std::int64_t grid = static_cast<std::int64_t>(landscape::DEFAULT_GRID);  // signed, so that -3 is refused
  double span = 1.0;
  std::int64_t batch = 256;
  std::uint64_t seed = 1;
  bool biases = false, json = false;
};

constexpr std::int64_t MAX_BATCH = 1 << 20;

core::Result<landscape::GridConfig> gridConfig(const LandscapeOptions& o) {
  const auto maxGrid = static_cast<std::int64_t>(landscape::MAX_GRID);
  if (o.grid < 3 || o.grid > maxGrid || o.grid % 2 == 0) {
    return core::badInput("--grid: expected an odd number from 3 to " + std::to_string(maxGrid) + ", got " +
                          std::to_string(o.grid));
  }
  if (!std::isfinite(o.span) || o.span <= 0.0 || o.span > 1e6) {
    char text[64];
    std::snprintf(text, sizeof text, "%g", o.span);
    return core::badInput(std::string("--span: expected a number > 0 (at most 1e6), got ") + text);
  }
  if (o.batch < 1 || o.batch > MAX_BATCH) {
    return core::badInput("--batch: expected 1 to " + std::to_string(MAX_BATCH) + " samples, got " +
                          std::to_string(o.batch));
  }
  return landscape::GridConfig{.points = static_cast<std::size_t>(o.grid), .span = static_cast<float>(o.span)};
}

std::string gridCsv(const landscape::Grid& grid) {
  std::string text = "alpha,beta,loss\n";
  char line[96];
  for (std::size_t j = 0; j < grid.points; ++j) {
    for (std::size_t i = 0; i < grid.points; ++i) {
      std::snprintf(line, sizeof line, "%.9g,%.9g,%.9g\n", static_cast<double>(grid.coordinate(i)),
                    static_cast<double>(grid.coordinate(j)), static_cast<double>(grid.at(i, j)));
      text += line;
    }
  }
  return text;
}

int run(const LandscapeOptions& o) {
  auto config = gridConfig(o);
  if (!config) return fail(config.error());
  auto loaded = nn::loadCheckpoint(o.checkpoint);
  if (!loaded) return fail(loaded.error());
  const nn::Checkpoint& c = loaded.value();
  auto dataset = loadCheckpointDataset(c, o.dataset);
  if (!dataset) return fail(dataset.error());
  auto batch = landscape::evaluationBatch(dataset.value(), c.spec, static_cast<std::size_t>(o.batch));
  if (!batch) return fail(batch.error());

  compute::BackendOptions options;
  options.device = o.device;
  auto budget = compute::memoryBudgetFromEnvironment();
  if (!budget) return fail(budget.error());
  options.memoryBudget = budget.value();
  auto backend = compute::createBackend(o.backend, options);
  if (!backend) return fail(backend.error());

  // "seconds" counts the directions and the grid, not loading the checkpoint and the dataset.
  const auto start = std::chrono::steady_clock::now();
  const bool exact = c.spec.parameterCount() == 2;
  const landscape::Directions directions =
      exact ? landscape::parameterAxes(c.spec) : landscape::randomDirections(c.spec, c.parameters, o.seed, o.biases);
  const std::size_t total = config->points * config->points;
  const bool report = total >= 65 * 65;  // progress lines only where a grid takes a while
  auto grid = landscape::computeGrid(*backend.value(), c.spec, c.parameters, directions, batch.value(), config.value(),
                                     [&](std::size_t done, std::size_t all) {
                                       if (report) std::fprintf(stderr, "landscape: %zu/%zu grid points\n", done, all);
                                     });
  if (!grid) return fail(grid.error());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (!o.out.empty()) {
    auto written = writeFileAtomically(o.out, gridCsv(grid.value()));
    if (!written) return fail(written.error());
  }
  if (!o.directions.empty()) {
    auto bytes = landscape::serializeDirections(c.spec, directions);
    if (!bytes) return fail(bytes.error());
    auto written = writeFileAtomically(o.directions, std::string(bytes->begin(), bytes->end()));
    if (!written) return fail(written.error());
  }
  const auto& loss = grid->loss;
  const auto [low, high] = std::minmax_element(loss.begin(), loss.end());
  std::fprintf(stderr, "%s: %zux%zu landscape of %s on %zu samples (%s, %s), centre loss %.6g, %.3f s\n",
               o.checkpoint.c_str(), config->points, config->points, exact ? "both parameters" : "random directions",
               batch->rows, backend.value()->name().c_str(), backend.value()->deviceName().c_str(),
               static_cast<double>(grid->centre()), seconds);
  if (o.json) {
    auto num = [](float v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
    const nlohmann::json j = {
        {"centre_loss", num(grid->centre())}, {"min_loss", num(*low)}, {"max_loss", num(*high)}, {"seconds", seconds}};
    std::printf("%s\n", j.dump().c_str());
  }
  return 0;
}

}  // namespace

Action addLandscapeCommand(CLI::App& app) {
  auto o = std::make_shared<LandscapeOptions>();
  auto* cmd = app.add_subcommand(
      "landscape",
      "The loss landscape around a checkpoint's weights: the data loss (no L1/L2) over a grid of the plane of two "
      "filter-normalised random directions (Li et al. 2018), on the first --batch samples of the test split");
  cmd->add_option("--checkpoint", o->checkpoint, "A checkpoint saved by train --save")->required();
  cmd->add_option("--dataset", o->dataset, "Dataset name or path (default: the one it was trained on)");
  cmd->add_option("--grid", o->grid, "Grid points per side, odd, 3 to 1025")->capture_default_str();
  cmd->add_option("--span", o->span, "alpha and beta run over [-span, span]")->capture_default_str();
  cmd->add_option("--batch", o->batch, "Evaluation samples: the first N of the test split, in file order")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the random directions")->capture_default_str();
  cmd->add_flag("--biases", o->biases,
                "Perturb the biases too (each layer's bias scaled to the weights' bias norm); off: zero");
  cmd->add_option("--out", o->out, "Write the grid as CSV: alpha,beta,loss, one row per grid point (N*N rows)");
  cmd->add_option("--directions", o->directions,
                  "Write the two directions as safetensors: alpha.layers.N.weight, alpha.layers.N.bias, "
                  "beta.layers.N.weight, ... (the checkpoint's names, prefixed)");
  cmd->add_option("--backend", o->backend, "auto, cpu, vulkan or cuda")->capture_default_str();
  cmd->add_option("--device", o->device, "GPU index for vulkan/cuda");
  cmd->add_flag("--json", o->json,
                "Print {\"centre_loss\", \"min_loss\", \"max_loss\", \"seconds\"} as the last line of stdout (seconds: "
                "drawing the directions and computing the grid, not loading)");
  return [o]() -> int { return run(*o); };
}

}  // namespace nsb::sandbox
