#pragma once
// The backend comparison: the same network, seed and batches on each backend, timed in one run.
// Reports median samples/s, per-op times and GFLOP/s, drift against the CPU backend after the same
// steps, thread counts and peak memory; and, when Debian's python3-torch is importable, PyTorch
// training the same model with the same hyperparameters and batch size as the opponent. Per backend
// also: the device's FP32 peak (its own peak kernel), GEMMs alone (1024^3, an MNIST layer's three
// products and the editor's largest probe product) in GFLOP/s and as a fraction of that peak,
// dispatches per step, wall time per step against the sum of the step's kernel times, and a check that
// the backend supports every op of the step.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/Result.h"
#include "train/Trainer.h"

namespace nsb::bench {

struct BenchConfig {
  train::TrainerConfig base;  // spec and hyperparameters (batch is overridden)
  std::shared_ptr<const data::Dataset> dataset;
  std::vector<std::string> backends = {"cpu"};
  std::vector<std::size_t> batches = {32, 256};
  std::uint64_t steps = 300;  // steps per timed block
  int repeats = 5;            // timed blocks; the median is reported
  bool torch = true;
  bool kernels = true;                      // the GEMM-alone and peak measurements
  std::string python = "/usr/bin/python3";  // the interpreter that imports torch (bench --python)
};

struct OpStat {
  std::string label;
  std::string kind;  // the op's kind (gemm, gather, ...)
  double microseconds = 0.0;
  double gflops = 0.0;
  double peakFraction = 0.0;  // gflops / the device's peak (0 when the peak is unknown)
  std::uint32_t dispatches = 0;
};

// One GEMM alone: C[m, n] = op(A) op(B) with K = k.
struct GemmStat {
  std::string name;
  std::size_t m = 0, n = 0, k = 0;
  bool transA = false, transB = false;
  double microseconds = 0.0;  // median
  double gflops = 0.0;
  double peakFraction = 0.0;
};

struct BenchEntry {
  std::string backend, device;
  std::size_t batch = 0;
  int threads = 1;
  double samplesPerSec = 0.0;  // median over blocks
  std::vector<double> blockSamplesPerSec;
  std::vector<OpStat> ops;
  double opMicrosecondsTotal = 0.0;
  double lossDrift = 0.0;    // |loss - cpu loss| after the same steps
  double weightDrift = 0.0;  // max |w - w_cpu|
  double finalLoss = 0.0;
  double peakGflops = 0.0;  // 0: the backend does not measure it
  std::vector<GemmStat> gemms;
  std::uint32_t dispatchesPerStep = 0;
  double wallMicrosecondsPerStep = 0.0;  // median block, no timing
  std::uint32_t stepsPerSubmit = 1;
  std::vector<std::string> unsupportedOps;  // op kinds of the step the backend does not support (must be none)
};

struct TorchEntry {
  std::size_t batch = 0;
  std::string device = "cpu";  // "cuda": PyTorch eager on the GPU, the opponent of the cuda backend
  int threads = 1;
  double samplesPerSec = 0.0;
  std::string version;
};

struct BenchReport {
  std::string model, dataset, machine;
  std::vector<BenchEntry> entries;
  std::vector<TorchEntry> torch;  // best thread count per batch and device
  std::vector<TorchEntry> torchAll;
  std::string torchNote;  // why there is no PyTorch figure, if none
  double peakRssMb = 0.0;

  nlohmann::json toJson() const;
  std::string toText() const;
};

using BenchLog = std::function<void(const std::string&)>;
core::Result<BenchReport> runBench(const BenchConfig& config, const BenchLog& log);

}  // namespace nsb::bench
