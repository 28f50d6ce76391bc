#pragma once
// Metrics: one point of the training history (taken every N steps) and the result of an evaluation.
#include <cstdint>
#include <limits>
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

}  // namespace nsb::train
