#pragma once
// Metrics: one point of the training history (taken every N steps) and the result of an evaluation.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace nsb::train {

constexpr double NOT_MEASURED = std::numeric_limits<double>::quiet_NaN();

struct Evaluation {
  double loss = NOT_MEASURED;
  double accuracy = NOT_MEASURED;  // classification only
  double mse = NOT_MEASURED;       // regression only
  std::size_t samples = 0;
};

struct MetricPoint {
  std::uint64_t step = 0;
  double epoch = 0.0;
  double trainLoss = NOT_MEASURED;  // mean of the batch losses since the previous point
  Evaluation test;
  double learningRate = 0.0;
  std::vector<double> gradientNorm;  // per layer, of the weight gradient
  std::vector<double> updateRatio;   // per layer: |delta W| / |W| of the last step
};

// Counts of values in `counts.size()` equal bins over [low, high].
struct Histogram {
  float low = 0.0f, high = 0.0f;
  std::vector<std::uint32_t> counts;
};

// Per layer, the distribution of the weights and of the last step's weight gradient at one metric
// point (the editor's Histograms tab draws them over time).
struct HistogramPoint {
  std::uint64_t step = 0;
  std::vector<Histogram> weights, gradients;
};

// Where training went non-finite: training stopped with the weights of `goodStep` restored.
struct Divergence {
  std::uint64_t step = 0;      // the step at which the loss went non-finite
  std::uint64_t goodStep = 0;  // the weights restored are those of this step
  std::string what;            // "the training loss became nan"
  std::uint64_t count = 0;     // numbers the session's divergences, so each one is told apart
};

}  // namespace nsb::train
