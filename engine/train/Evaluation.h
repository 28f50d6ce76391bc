#pragma once
// Evaluation: the host side of the metric points - the test set scored in double from the head's
// outputs (padded rows left out), the per-layer norms, and the weight and gradient histograms.
// Trainer::evaluateTest and Trainer::takeMetricPoint (defined in Evaluation.cpp) drive them.
#include <cstdint>
#include <span>
#include <vector>

#include "data/Dataset.h"
#include "nn/ModelSpec.h"
#include "train/Metrics.h"

namespace nsb::train {

// Scores the test set chunk by chunk, in order.
class TestScorer {
 public:
  // `predictions`, when given, receives the class predicted for every test sample (classification).
  TestScorer(const data::Dataset& dataset, const nn::ModelSpec& spec, std::vector<std::int32_t>* predictions);
  // The chunk's head outputs ([rows, outputs]) and argmax predictions, starting at test sample
  // `start`; rows past the test set (padding) are ignored.
  void addChunk(std::size_t start, std::span<const float> output, std::span<const std::int32_t> predictions);
  Evaluation result() const;

 private:
  const data::Dataset& mDataset;
  const nn::ModelSpec& mSpec;
  std::vector<std::int32_t>* mPredictions;
  double mLossSum = 0.0, mSquareSum = 0.0;
  std::size_t mCorrect = 0;
};

// Fills the point's gradient norms and update ratios from the metrics step's norms ([3 * layers]:
// squared gradient, update and weight norms per layer).
void addNorms(MetricPoint& point, std::span<const float> norms, std::size_t layers);

Histogram histogramOf(std::span<const float> values, std::size_t bins);
// Per layer, the histograms of its weights (not biases) in `params` and `grads` (the flat layout).
HistogramPoint histogramsOf(const nn::ModelSpec& spec, std::uint64_t step, std::span<const float> params,
                            std::span<const float> grads, std::size_t bins);

}  // namespace nsb::train
