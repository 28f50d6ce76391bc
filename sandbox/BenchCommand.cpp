// `neural-sandbox bench`: the backend comparison (see engine/bench/BenchRunner.h).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "Commands.h"
#include "TrainOptions.h"
#include "bench/BenchRunner.h"
#include "compute/Registry.h"

namespace nsb::sandbox {

Action addBenchCommand(CLI::App& app) {
  struct Options {
    TrainOptions train;
    std::string backends = "cpu";
    std::string batches = "32,256";
    std::uint64_t steps = 300;
    int repeats = 5;
    bool noTorch = false, noKernels = false, json = false;
    std::string python = "/usr/bin/python3";
    std::string out;
  };
  auto o = std::make_shared<Options>();
  o->train.defaultPreset = "mnist-mlp";
  auto* cmd = app.add_subcommand("bench", "Compare backends (and PyTorch) on the same model, seed and batches");
  cmd->add_option("--preset", o->train.preset, "Preset name or JSON file (default: mnist-mlp)");
  cmd->add_option("--dataset", o->train.dataset,
                  "Dataset name or path (default: the preset's; for mnist-mlp fashion-mnist, the larger set)");
  cmd->add_option("--backends", o->backends, "Comma-separated backends to compare")->capture_default_str();
  cmd->add_option("--batches", o->batches, "Comma-separated batch sizes")->capture_default_str();
  cmd->add_option("--steps", o->steps, "Steps per timed block")->capture_default_str();
  cmd->add_option("--repeats", o->repeats, "Timed blocks (the median is reported)")->capture_default_str();
  cmd->add_option("--threads", o->train.threads,
                  "CPU backend threads (unset: the better of 1 and 2 threads, as for PyTorch)");
  cmd->add_option("--seed", o->train.seed, "Seed");
  cmd->add_flag("--no-torch", o->noTorch, "Skip the PyTorch reference");
  cmd->add_option("--python", o->python, "The Python that imports torch for the reference")->capture_default_str();
  cmd->add_flag("--no-kernels", o->noKernels, "Skip the device's peak and the GEMM-alone measurements");
  cmd->add_flag("--json", o->json, "Print the report as one JSON object on the last line of stdout");
  cmd->add_option("--out", o->out, "Also write the JSON report to FILE");
  return [o]() -> int {
    if (o->steps == 0 || o->repeats <= 0) return fail(core::badInput("--steps and --repeats must be positive"));
    if (!o->train.dataset && o->train.preset.value_or(o->train.defaultPreset) == "mnist-mlp") {
      o->train.dataset = "fashion-mnist";
    }
    auto setup = buildTraining(o->train);
    if (!setup) return fail(setup.error());
    bench::BenchConfig config;
    config.base = setup->config;
    config.dataset = setup->dataset;
    config.steps = o->steps;
    config.repeats = o->repeats;
    config.torch = !o->noTorch;
    config.python = o->python;
    config.kernels = !o->noKernels;
    config.backends.clear();
    std::stringstream list(o->backends);
    for (std::string b; std::getline(list, b, ',');) {
      if (b.empty()) continue;
      if (b != "cpu" && b != "vulkan" && b != "cuda")
        return fail(core::badInput("--backends: unknown backend '" + b + "'"));
      config.backends.push_back(b);
    }
    if (config.backends.empty()) return fail(core::badInput("--backends: give at least one backend"));
    config.batches.clear();
    std::stringstream batches(o->batches);
    for (std::string b; std::getline(batches, b, ',');) {
      std::size_t batch = 0;
      try {
        batch = std::stoul(b);
      } catch (const std::exception&) {
      }
      if (batch == 0) return fail(core::badInput("--batches: '" + b + "' is not a batch size"));
      config.batches.push_back(batch);
    }
    auto report =
        bench::runBench(config, [](const std::string& line) { std::fprintf(stderr, "bench: %s\n", line.c_str()); });
    if (!report) return fail(report.error());
    std::printf("%s", report->toText().c_str());
    const std::string json = report->toJson().dump();
    if (!o->out.empty()) {
      const std::string tmp = o->out + ".tmp-" + std::to_string(::getpid());
      {
        std::ofstream file(tmp);
        file << report->toJson().dump(2) << "\n";
        if (!file) return fail(core::badInput("--out " + o->out + ": cannot write the file"));
      }
      std::error_code ec;
      std::filesystem::rename(tmp, o->out, ec);
      if (ec) {
        std::filesystem::remove(tmp);
        return fail(core::runtimeError("--out " + o->out + ": " + ec.message()));
      }
    }
    if (o->json) std::printf("%s\n", json.c_str());
    return 0;
  };
}

}  // namespace nsb::sandbox
