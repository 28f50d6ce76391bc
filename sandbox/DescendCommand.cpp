// `neural-sandbox descend`: one optimizer on one closed-form surface (engine/descent), headless: the
// same update kernel as the CPU backend's networks, from a start point for a number of steps; the end
// point, its value, the first step within --tolerance of a minimum, --path FILE.csv and --json. A run
// that reaches a non-finite value stops there, says so on stderr and still exits 0.
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "Commands.h"
#include "TrainOptions.h"
#include "core/Format.h"
#include "descent/DescentRun.h"

namespace nsb::sandbox {
namespace {

using nlohmann::json;

// Path files and memory: 16 bytes a step, so at most 160 MB of path.
constexpr std::int64_t MAX_STEPS = 10'000'000;

struct DescendOptions {
  std::string surface;
  std::string optimizer = "adam";
  std::optional<float> lr, l1, l2;
  OptimizerValues values;
  std::optional<std::string> start;
  std::int64_t steps = 1000;  // signed, so that -3 is refused rather than wrapped
  std::uint64_t seed = 1;
  std::optional<std::string> path;
  double tolerance = descent::DescentRun::DEFAULT_TOLERANCE;
  std::optional<double> condition, sigma;
  bool json = false;
};

core::Result<descent::Point> parseStart(const std::string& text) {
  const auto bad =
      core::badInput("--start: expected X,Y (two finite numbers, e.g. --start=-1.5,2), got '" + text + "'");
  const auto comma = text.find(',');
  if (comma == std::string::npos) return bad;
  descent::Point p;
  try {
    std::size_t used = 0;
    const std::string x = text.substr(0, comma), y = text.substr(comma + 1);
    p.x = std::stod(x, &used);
    if (used != x.size()) return bad;
    p.y = std::stod(y, &used);
    if (used != y.size()) return bad;
  } catch (const std::exception&) {
    return bad;
  }
  if (!std::isfinite(p.x) || !std::isfinite(p.y) || std::fabs(p.x) > 1e30 || std::fabs(p.y) > 1e30) return bad;
  return p;
}

json stepOrNull(const std::optional<std::uint64_t>& step) { return step ? json(*step) : json(nullptr); }

int runDescend(const DescendOptions& o) {
  descent::SurfaceKind kind;
  if (!descent::parseSurface(o.surface, kind)) {
    return fail(core::badInput("--surface: unknown surface '" + o.surface +
                               "' (bowl, rosenbrock, beale, himmelblau, saddle, camel, noisy-bowl)"));
  }
  descent::SurfaceParams params;
  if (o.condition) params.condition = *o.condition;
  if (o.sigma) params.sigma = *o.sigma;
  if (auto status = descent::validate(params); !status) return fail(status.error());
  const descent::Surface surface(kind, params);

  train::Hyperparams h;
  if (!compute::parseOptimizer(o.optimizer, h.optimizer)) {
    return fail(core::badInput("--optimizer: unknown optimizer '" + o.optimizer +
                               "' (gd, sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw)"));
  }
  if (o.lr) h.learningRate = *o.lr;
  if (o.l1) h.l1 = *o.l1;
  if (o.l2) h.l2 = *o.l2;
  applyOptimizerValues(o.values, h);
  if (auto status = h.validate(); !status) return fail(status.error());
  if (o.steps < 0 || o.steps > MAX_STEPS) {
    return fail(core::badInput("--steps: must be between 0 and " + std::to_string(MAX_STEPS)));
  }
  if (!std::isfinite(o.tolerance) || o.tolerance <= 0.0) return fail(core::badInput("--tolerance: must be positive"));

  descent::Point start = surface.defaultStart();
  if (o.start) {
    auto parsed = parseStart(*o.start);
    if (!parsed) return fail(parsed.error());
    start = parsed.value();
  }

  descent::DescentRun run(surface, h, start, o.seed);
  run.setTolerance(o.tolerance);
  run.run(static_cast<std::uint64_t>(o.steps));

  if (o.path) {
    std::ostringstream csv;
    csv << "step,x,y,f\n";
    const auto& path = run.path();
    for (std::size_t i = 0; i < path.size(); ++i) {
      csv << i << "," << core::formatNumber(static_cast<float>(path[i].x)) << ","
          << core::formatNumber(static_cast<float>(path[i].y)) << "," << core::formatNumber(surface.value(path[i]))
          << "\n";
    }
    if (auto status = writeFileAtomically(*o.path, csv.str()); !status) return fail(status.error());
  }

  const descent::Point end = run.position();
  if (run.divergedStep()) {
    std::fprintf(stderr, "neural-sandbox: descend: diverged at step %llu (a non-finite value); stopped there\n",
                 static_cast<unsigned long long>(*run.divergedStep()));
  }
  if (o.json) {
    const json line = {
        {"surface", surface.name()},
        {"optimizer", compute::optimizerName(h.optimizer)},
        {"steps", run.steps()},
        {"final", {core::decimalValue(static_cast<float>(end.x)), core::decimalValue(static_cast<float>(end.y))}},
        {"f", std::isfinite(run.value()) ? json(run.value()) : json(nullptr)},
        {"converged_step", stepOrNull(run.convergedStep())},
        {"diverged_step", stepOrNull(run.divergedStep())}};
    std::printf("%s\n", line.dump().c_str());
  } else {
    std::printf("%s, %s (lr %s): %llu steps from (%s, %s) to (%s, %s), f = %s\n", std::string(surface.name()).c_str(),
                std::string(compute::optimizerName(h.optimizer)).c_str(), core::formatNumber(h.learningRate).c_str(),
                static_cast<unsigned long long>(run.steps()), core::formatNumber(static_cast<float>(start.x)).c_str(),
                core::formatNumber(static_cast<float>(start.y)).c_str(),
                core::formatNumber(static_cast<float>(end.x)).c_str(),
                core::formatNumber(static_cast<float>(end.y)).c_str(), core::formatNumber(run.value()).c_str());
    if (run.convergedStep()) {
      std::printf("within %s of a minimum from step %llu\n", core::formatNumber(o.tolerance).c_str(),
                  static_cast<unsigned long long>(*run.convergedStep()));
    } else {
      std::printf("never within %s of a minimum (nearest: %s away)\n", core::formatNumber(o.tolerance).c_str(),
                  core::formatNumber(run.distanceToMinimum()).c_str());
    }
  }
  return 0;
}

}  // namespace

Action addDescendCommand(CLI::App& app) {
  auto* command = app.add_subcommand(
      "descend", "Run one optimizer on a closed-form 2D surface with the networks' own update kernel (CPU, float32)");
  auto o = std::make_shared<DescendOptions>();
  command->add_option("--surface", o->surface, "bowl, rosenbrock, beale, himmelblau, saddle, camel or noisy-bowl")
      ->required();
  command->add_option("--optimizer", o->optimizer, "gd, sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw")
      ->capture_default_str();
  command->add_option("--lr", o->lr, "Learning rate, (0, 10] (default 0.001)");
  addOptimizerValueOptions(*command, o->values);
  command->add_option("--l1", o->l1, "L1 strength, [0, 1]");
  command->add_option("--l2", o->l2, "Coupled L2 term (torch's weight_decay), [0, 1]");
  command->add_option("--start", o->start,
                      "Start point X,Y; write --start=X,Y when X is negative (default: the surface's own)");
  command->add_option("--steps", o->steps, "Optimizer steps, 0 to 10000000")->capture_default_str();
  command->add_option("--condition", o->condition, "bowl, noisy-bowl: k in (x^2 + k y^2) / 2, [1, 1e6] (default 10)");
  command->add_option("--sigma", o->sigma,
                      "noisy-bowl: standard deviation of the gradient noise, [0, 100] (default 0.5)");
  command->add_option("--seed", o->seed, "Seed of the noisy bowl's noise")->capture_default_str();
  command
      ->add_option("--tolerance", o->tolerance,
                   "Converged: Euclidean distance to a listed minimum at most this (the camel lists all 6 local "
                   "minima, the saddle none)")
      ->capture_default_str();
  command->add_option("--path", o->path, "Write every point as CSV: step,x,y,f (step 0 is the start)");
  command->add_flag("--json", o->json,
                    "Last line: {surface, optimizer, steps, final: [x, y], f, converged_step, diverged_step}");
  return [o]() { return runDescend(*o); };
}

}  // namespace nsb::sandbox
