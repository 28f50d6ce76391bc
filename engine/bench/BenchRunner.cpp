#include "bench/BenchRunner.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <sstream>

#include "core/Embedded.h"
#include "core/Timer.h"

namespace nsb::bench {

using nlohmann::json;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double peakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

// GEMMs alone on `backend` (made with timing on): the 1024^3 square, the three products of an MNIST
// layer at batch 256 (forward 256x784 . 784x64 with the weights read transposed, and the two backward
// products, one reading dz transposed), and the editor's largest probe product (the spiral preset's
// 256x256 output grid through a hidden layer of 16). The median per-op time over 5 submits of several
// repeats.
std::vector<GemmStat> measureGemms(compute::Backend& backend, double peakGflops) {
  using compute::DType;
  struct Shape {
    const char* name;
    std::size_t m, n, k;
    bool transA, transB;
  };
  const Shape shapes[] = {{"square 1024^3", 1024, 1024, 1024, false, false},
                          {"forward x.W^T 256x784.784x64", 256, 64, 784, false, true},
                          {"weight_grad dz^T.x 64x256.256x784", 64, 784, 256, true, false},
                          {"input_grad dz.W 256x64.64x784", 256, 784, 64, false, false},
                          {"editor probe 65536x16.16x16", 65536, 16, 16, false, true}};
  std::vector<GemmStat> stats;
  for (const Shape& s : shapes) {
    const std::size_t aRows = s.transA ? s.k : s.m, aCols = s.transA ? s.m : s.k;
    const std::size_t bRows = s.transB ? s.n : s.k, bCols = s.transB ? s.k : s.n;
    compute::Buffer a = backend.allocate(aRows * aCols * sizeof(float));
    compute::Buffer b = backend.allocate(bRows * bCols * sizeof(float));
    compute::Buffer c = backend.allocate(s.m * s.n * sizeof(float));
    std::vector<float> values(std::max(aRows * aCols, bRows * bCols));
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 17) * 0.0625f - 0.5f;
    const compute::Tensor ta = a.tensor({aRows, aCols}), tb = b.tensor({bRows, bCols}), tc = c.tensor({s.m, s.n});
    backend.write<float>(ta, std::span<const float>(values.data(), aRows * aCols));
    backend.write<float>(tb, std::span<const float>(values.data(), bRows * bCols));
    compute::Graph graph;
    graph.add(compute::GemmOp{.a = ta, .b = tb, .c = tc, .transA = s.transA, .transB = s.transB}, s.name);
    auto program = backend.compile(graph);
    const double flops = 2.0 * static_cast<double>(s.m * s.n * s.k);
    const auto repeats = static_cast<std::uint32_t>(std::clamp(2e8 / flops, 1.0, 50.0));
    program->submit(1);  // warm-up
    backend.synchronize();
    std::vector<double> times;
    for (int r = 0; r < 5; ++r) {
      program->submit(repeats);
      backend.synchronize();
      const auto timings = program->timings();
      if (!timings.empty() && timings.front().microseconds > 0) times.push_back(timings.front().microseconds);
    }
    GemmStat stat{s.name, s.m, s.n, s.k, s.transA, s.transB};
    stat.microseconds = median(times);
    stat.gflops = stat.microseconds > 0 ? flops / (stat.microseconds * 1e3) : 0.0;
    stat.peakFraction = peakGflops > 0 ? stat.gflops / peakGflops : 0.0;
    stats.push_back(stat);
  }
  return stats;
}

struct Measured {
  BenchEntry entry;
  std::vector<float> weights;
};

core::Result<Measured> measure(const BenchConfig& config, const std::string& backend, std::size_t batch, bool gemms,
                               int threads) {
  train::TrainerConfig c = config.base;
  c.backend = backend;
  if (threads > 0) c.backendOptions.threads = threads;
  c.hyperparams.batchSize = batch;
  c.metricsEvery = 1u << 30;  // no metric steps inside the timed blocks
  auto created = train::Trainer::create(c, config.dataset);
  if (!created) return created.error();
  train::Trainer& t = *created.value();
  Measured m;
  m.entry.backend = t.backend().name();
  m.entry.device = t.backend().deviceName();
  m.entry.threads = t.backend().threads();
  m.entry.batch = t.batchSize();
  t.run(std::min<std::uint64_t>(config.steps, 20));  // warm-up: caches, lazy compilation
  for (int r = 0; r < config.repeats; ++r) {
    core::Timer timer;
    t.run(config.steps);
    t.backend().synchronize();
    m.entry.blockSamplesPerSec.push_back(static_cast<double>(config.steps * t.batchSize()) / timer.seconds());
  }
  m.entry.samplesPerSec = median(m.entry.blockSamplesPerSec);
  m.entry.finalLoss = t.lastLoss();
  m.weights = t.parameters();

  // Per-op times from a second trainer with timing on (timing may cost a little itself).
  c.backendOptions.timing = true;
  auto timed = train::Trainer::create(c, config.dataset);
  if (!timed) return timed.error();
  compute::Backend& device = timed.value()->backend();
  if (config.kernels) m.entry.peakGflops = device.peakGflops();
  m.entry.stepsPerSubmit = c.stepsPerSubmit;
  m.entry.wallMicrosecondsPerStep =
      m.entry.samplesPerSec > 0 ? 1e6 * static_cast<double>(t.batchSize()) / m.entry.samplesPerSec : 0.0;
  // Each op's median over several submits: one submit's times swing by a third on a busy machine.
  constexpr int TIMED_SUBMITS = 15;
  timed.value()->run(c.stepsPerSubmit);  // warm-up
  std::vector<std::vector<double>> samples;
  std::vector<compute::OpTiming> ops;
  for (int s = 0; s < TIMED_SUBMITS; ++s) {
    timed.value()->run(c.stepsPerSubmit);
    ops = timed.value()->timings();
    samples.resize(ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) samples[i].push_back(ops[i].microseconds);
  }
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const compute::OpTiming& op = ops[i];
    OpStat stat;
    stat.label = op.label;
    stat.kind = op.kind < compute::OP_KIND_COUNT ? std::string(compute::opName(op.kind)) : "unknown";
    stat.microseconds = median(samples[i]);
    stat.gflops = stat.microseconds > 0 ? op.flops / (stat.microseconds * 1e3) : 0.0;
    stat.peakFraction = m.entry.peakGflops > 0 ? stat.gflops / m.entry.peakGflops : 0.0;
    stat.dispatches = op.dispatches;
    m.entry.ops.push_back(stat);
    m.entry.opMicrosecondsTotal += stat.microseconds;
    m.entry.dispatchesPerStep += op.dispatches;
    // No op may fall back to the host behind the report's back: the backend must support each kind.
    if (op.kind >= compute::OP_KIND_COUNT || !device.supports(op.kind)) {
      if (std::find(m.entry.unsupportedOps.begin(), m.entry.unsupportedOps.end(), stat.kind) ==
          m.entry.unsupportedOps.end()) {
        m.entry.unsupportedOps.push_back(stat.kind);
      }
    }
  }
  if (config.kernels && gemms) m.entry.gemms = measureGemms(device, m.entry.peakGflops);
  return m;
}

// Trains the same model with PyTorch through engine/bench/torch_reference.py.
void runTorch(const BenchConfig& config, BenchReport& report, const BenchLog& log) {
  if (::access(config.python.c_str(), X_OK) != 0) {
    report.torchNote = config.python + " not found";
    return;
  }
  if (std::system((config.python + " -c 'import torch' >/dev/null 2>&1").c_str()) != 0) {
    report.torchNote = "python3-torch is not importable by " + config.python;
    return;
  }
  const data::Dataset& d = *config.dataset;
  if (d.task != data::Task::Classification) {
    report.torchNote = "the PyTorch reference covers classification only";
    return;
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("nsb-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream x(dir / "x.f32", std::ios::binary);
    std::vector<float> row(d.features);
    for (std::size_t i = 0; i < d.train.count; ++i) {
      for (std::size_t j = 0; j < d.features; ++j) {
        row[j] = d.u8 ? static_cast<float>(d.train.pixels[i * d.features + j]) * d.normalisation.scale
                      : d.train.values[i * d.features + j];
      }
      x.write(reinterpret_cast<const char*>(row.data()), static_cast<std::streamsize>(row.size() * sizeof(float)));
    }
    std::ofstream y(dir / "y.i32", std::ios::binary);
    y.write(reinterpret_cast<const char*>(d.train.labels.data()),
            static_cast<std::streamsize>(d.train.labels.size() * sizeof(std::int32_t)));
    const auto& scripts = core::embeddedBenchScripts();
    std::ofstream script(dir / "torch_reference.py");
    script << scripts.front().text;
  }
  // PyTorch on the CPU with 1 and 2 threads; on the GPU too where the cuda backend is compared and torch
  // sees a CUDA device.
  std::vector<std::pair<std::string, int>> runs = {{"cpu", 1}, {"cpu", 2}};
  if (std::find(config.backends.begin(), config.backends.end(), "cuda") != config.backends.end() &&
      std::system((config.python + " -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'" +
                   " >/dev/null 2>&1")
                      .c_str()) == 0)
    runs.emplace_back("cuda", 1);
  const auto& h = config.base.hyperparams;
  for (std::size_t batch : config.batches) {
    std::map<std::string, TorchEntry> best;
    for (const auto& [device, threads] : runs) {
      json spec = config.base.spec.toJson();
      spec["optimizer"] = compute::optimizerName(h.optimizer);
      spec["lr"] = h.learningRate;
      spec["beta1"] = h.beta1;
      spec["beta2"] = h.beta2;
      spec["epsilon"] = h.epsilon;
      spec["batch"] = batch;
      spec["steps"] = config.steps;
      spec["repeats"] = config.repeats;
      spec["threads"] = threads;
      spec["seed"] = config.base.seed;
      spec["device"] = device;
      std::ofstream(dir / "spec.json") << spec.dump();
      const std::string command = "OPENBLAS_NUM_THREADS=" + std::to_string(threads) +
                                  " OMP_NUM_THREADS=" + std::to_string(threads) + " " + config.python + " " +
                                  (dir / "torch_reference.py").string() + " " + dir.string() + " 2>&1";
      log("pytorch: batch " + std::to_string(batch) + ", " + device + ", " + std::to_string(threads) + " thread(s)");
      FILE* pipe = ::popen(command.c_str(), "r");
      if (!pipe) continue;
      std::string output, lastLine;
      char buffer[4096];
      while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
      ::pclose(pipe);
      std::istringstream lines(output);
      for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.front() == '{') lastLine = line;
      }
      json result = json::parse(lastLine, nullptr, false);
      if (result.is_discarded() || !result.contains("samples_per_sec")) {
        report.torchNote = "the PyTorch reference failed: " + output.substr(0, 300);
        continue;
      }
      TorchEntry e{batch, device, threads, result["samples_per_sec"].get<double>(),
                   result.value("torch", std::string())};
      report.torchAll.push_back(e);
      if (e.samplesPerSec > best[device].samplesPerSec) best[device] = e;
    }
    for (const auto& [device, entry] : best) {
      if (entry.samplesPerSec > 0) report.torch.push_back(entry);
    }
  }
  std::filesystem::remove_all(dir);
}

}  // namespace

core::Result<BenchReport> runBench(const BenchConfig& config, const BenchLog& log) {
  BenchReport report;
  report.model = "";
  for (const auto& l : config.base.spec.hidden) report.model += std::to_string(l.width) + "-";
  report.model =
      std::to_string(config.base.spec.inputs) + "-" + report.model + std::to_string(config.base.spec.outputs);
  report.dataset = config.dataset->name;
  report.machine = cpuModel() + ", " + std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) + " cores";
  for (std::size_t batch : config.batches) {
    std::vector<float> cpuWeights;
    double cpuLoss = 0.0;
    std::vector<std::string> order = config.backends;
    // The CPU runs first: it is the reference the others' drift is measured against.
    std::stable_partition(order.begin(), order.end(), [](const std::string& b) { return b == "cpu"; });
    for (const auto& backend : order) {
      // Without --threads the CPU backend, like PyTorch below, runs with 1 and with 2 threads (where
      // there are 2 cores) and keeps its better run: the fastest thread count depends on the load.
      const bool bothCounts =
          backend == "cpu" && config.base.backendOptions.threads <= 0 && ::sysconf(_SC_NPROCESSORS_ONLN) >= 2;
      core::Result<Measured> measured = core::runtimeError("not measured");
      for (int threads : bothCounts ? std::vector<int>{1, 2} : std::vector<int>{0}) {
        log(backend + ": batch " + std::to_string(batch) +
            (threads ? ", " + std::to_string(threads) + " thread(s)" : ""));
        auto run = measure(config, backend, batch, batch == config.batches.front(), threads);
        if (!run) return run.error();
        if (!measured || run.value().entry.samplesPerSec > measured.value().entry.samplesPerSec)
          measured = std::move(run);
      }
      Measured& m = measured.value();
      if (backend == "cpu") {
        cpuWeights = m.weights;
        cpuLoss = m.entry.finalLoss;
      } else if (!cpuWeights.empty()) {
        m.entry.lossDrift = std::fabs(m.entry.finalLoss - cpuLoss);
        for (std::size_t i = 0; i < cpuWeights.size(); ++i) {
          m.entry.weightDrift =
              std::max(m.entry.weightDrift, static_cast<double>(std::fabs(m.weights[i] - cpuWeights[i])));
        }
      }
      report.entries.push_back(std::move(m.entry));
    }
  }
  report.peakRssMb = peakRssMb();
  if (config.torch) runTorch(config, report, log);
  return report;
}

json BenchReport::toJson() const {
  json entriesJson = json::array();
  for (const auto& e : entries) {
    json ops = json::array();
    for (const auto& op : e.ops) {
      ops.push_back({{"op", op.label},
                     {"kind", op.kind},
                     {"us", op.microseconds},
                     {"gflops", op.gflops},
                     {"peak_fraction", op.peakFraction},
                     {"dispatches", op.dispatches}});
    }
    json gemms = json::array();
    for (const auto& g : e.gemms) {
      gemms.push_back({{"gemm", g.name},
                       {"m", g.m},
                       {"n", g.n},
                       {"k", g.k},
                       {"trans_a", g.transA},
                       {"trans_b", g.transB},
                       {"us", g.microseconds},
                       {"gflops", g.gflops},
                       {"peak_fraction", g.peakFraction}});
    }
    entriesJson.push_back(
        {{"backend", e.backend},
         {"device", e.device},
         {"batch", e.batch},
         {"threads", e.threads},
         {"samples_per_sec", e.samplesPerSec},
         {"blocks_samples_per_sec", e.blockSamplesPerSec},
         {"ops", ops},
         {"op_us_total", e.opMicrosecondsTotal},
         {"loss_drift_vs_cpu", e.lossDrift},
         {"weight_drift_vs_cpu", e.weightDrift},
         {"peak_gflops", e.peakGflops},
         {"gemms", gemms},
         {"dispatches_per_step", e.dispatchesPerStep},
         {"steps_per_submit", e.stepsPerSubmit},
         {"wall_us_per_step", e.wallMicrosecondsPerStep},
         {"wall_over_op_us", e.opMicrosecondsTotal > 0 ? e.wallMicrosecondsPerStep / e.opMicrosecondsTotal : 0.0},
         {"all_ops_supported", e.unsupportedOps.empty()},
         {"unsupported_ops", e.unsupportedOps}});
  }
  json torchJson = json::array();
  for (const auto& t : torchAll) {
    torchJson.push_back({{"batch", t.batch},
                         {"device", t.device},
                         {"threads", t.threads},
                         {"samples_per_sec", t.samplesPerSec},
                         {"torch", t.version}});
  }
  json j = {{"model", model},           {"dataset", dataset},     {"machine", machine},
            {"peak_rss_mb", peakRssMb}, {"entries", entriesJson}, {"pytorch", torchJson}};
  if (!torchNote.empty()) j["pytorch_note"] = torchNote;
  return j;
}

std::string BenchReport::toText() const {
  std::ostringstream out;
  char line[512];
  out << "model " << model << " on " << dataset << ", " << machine << "\n";
  std::snprintf(line, sizeof line, "%-8s %6s %8s %14s %12s %12s %s\n", "backend", "batch", "threads", "samples/s",
                "loss drift", "w drift", "vs PyTorch");
  out << line;
  for (const auto& e : entries) {
    std::string ratio = "-";
    // The cuda backend against PyTorch on the GPU, every other backend against PyTorch on the CPU.
    const std::string opponent = e.backend == "cuda" ? "cuda" : "cpu";
    for (const auto& t : torch) {
      if (t.batch == e.batch && t.device == opponent && t.samplesPerSec > 0) {
        char r[64];
        std::snprintf(r, sizeof r, "%.2fx (%.0f/s, %d thr)", e.samplesPerSec / t.samplesPerSec, t.samplesPerSec,
                      t.threads);
        ratio = r;
      }
    }
    std::snprintf(line, sizeof line, "%-8s %6zu %8d %14.0f %12.2e %12.2e %s\n", e.backend.c_str(), e.batch, e.threads,
                  e.samplesPerSec, e.lossDrift, e.weightDrift, ratio.c_str());
    out << line;
  }
  for (const auto& e : entries) {
    std::snprintf(line, sizeof line,
                  "\nper-op times, %s batch %zu (us per step; total %.1f; wall %.1f us per step = %.2fx the total, "
                  "%u steps per submit; %u dispatches per step)\n",
                  e.backend.c_str(), e.batch, e.opMicrosecondsTotal, e.wallMicrosecondsPerStep,
                  e.opMicrosecondsTotal > 0 ? e.wallMicrosecondsPerStep / e.opMicrosecondsTotal : 0.0, e.stepsPerSubmit,
                  e.dispatchesPerStep);
    out << line;
    for (const auto& op : e.ops) {
      std::snprintf(line, sizeof line, "  %-32s %-20s %10.1f us %8.2f GFLOP/s", op.label.c_str(), op.kind.c_str(),
                    op.microseconds, op.gflops);
      out << line;
      if (op.peakFraction > 0) {
        std::snprintf(line, sizeof line, " %5.1f%% of peak", 100.0 * op.peakFraction);
        out << line;
      }
      std::snprintf(line, sizeof line, " %u dispatch%s\n", op.dispatches, op.dispatches == 1 ? "" : "es");
      out << line;
    }
    out << "  every op of the step supported by " << e.backend << ": "
        << (e.unsupportedOps.empty() ? std::string("yes")
                                     : "NO (" +
                                           [&] {
                                             std::string list;
                                             for (const auto& k : e.unsupportedOps)
                                               list += (list.empty() ? "" : ", ") + k;
                                             return list;
                                           }() +
                                           ")")
        << "\n";
  }
  std::vector<std::string> gemmDone;  // one GEMM table per backend (they do not depend on the batch)
  for (const auto& e : entries) {
    if (e.gemms.empty() || std::find(gemmDone.begin(), gemmDone.end(), e.backend) != gemmDone.end()) continue;
    gemmDone.push_back(e.backend);
    out << "\nGEMM alone, " << e.backend << " (" << e.device << ")";
    if (e.peakGflops > 0) {
      std::snprintf(line, sizeof line, ", FP32 peak %.1f GFLOP/s (peak kernel)", e.peakGflops);
      out << line;
    }
    out << "\n";
    for (const auto& g : e.gemms) {
      std::snprintf(line, sizeof line, "  %-36s %10.1f us %8.2f GFLOP/s", g.name.c_str(), g.microseconds, g.gflops);
      out << line;
      if (g.peakFraction > 0) {
        std::snprintf(line, sizeof line, " %5.1f%% of peak", 100.0 * g.peakFraction);
        out << line;
      }
      out << "\n";
    }
  }
  if (!torchNote.empty()) out << "\nPyTorch: " << torchNote << "\n";
  std::snprintf(line, sizeof line, "\npeak resident memory %.0f MB\n", peakRssMb);
  out << line;
  return out.str();
}

}  // namespace nsb::bench
