// Evaluation: the test set scored on the host, the metric point's norms and histograms, and the
// Trainer members that take them (evaluateTest, takeMetricPoint).
#include "train/Evaluation.h"

#include <algorithm>
#include <cmath>

#include "compute/OptimizerMath.h"
#include "train/Trainer.h"

namespace nsb::train {

using compute::DType;

TestScorer::TestScorer(const data::Dataset& dataset, const nn::ModelSpec& spec, std::vector<std::int32_t>* predictions)
    : mDataset(dataset), mSpec(spec), mPredictions(predictions) {
  if (mPredictions && mDataset.task == data::Task::Classification) mPredictions->assign(mDataset.test.count, 0);
}

void TestScorer::addChunk(std::size_t start, std::span<const float> output, std::span<const std::int32_t> predictions) {
  const data::Dataset& d = mDataset;
  const std::size_t n = mSpec.outputs;
  const bool classes = d.task == data::Task::Classification;
  const std::size_t rows = std::min(output.size() / n, d.test.count - start);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* p = &output[r * n];
    const std::size_t sample = start + r;
    if (classes) {
      const std::int32_t label = d.test.labels[sample];
      if (mPredictions) (*mPredictions)[sample] = predictions[r];
      if (predictions[r] == label) ++mCorrect;
      if (mSpec.loss == compute::LossKind::CrossEntropy) {
        mLossSum -= std::log(std::max(static_cast<double>(p[label]), 1e-30));
      } else if (mSpec.loss == compute::LossKind::BinaryCrossEntropy) {
        for (std::size_t j = 0; j < n; ++j) {
          const double y = n == 1 ? label : (static_cast<std::int32_t>(j) == label ? 1.0 : 0.0);
          const double q = std::clamp(static_cast<double>(p[j]), 1e-12, 1.0 - 1e-12);
          mLossSum -= (y * std::log(q) + (1.0 - y) * std::log(1.0 - q)) / static_cast<double>(n);
        }
      } else {
        for (std::size_t j = 0; j < n; ++j) {
          const double y = n == 1 ? label : (static_cast<std::int32_t>(j) == label ? 1.0 : 0.0);
          mLossSum += (p[j] - y) * (p[j] - y) / static_cast<double>(n);
        }
      }
    } else {
      for (std::size_t j = 0; j < n; ++j) {
        const double diff = static_cast<double>(p[j]) - static_cast<double>(d.test.targets[sample * n + j]);
        mSquareSum += diff * diff / static_cast<double>(n);
      }
    }
  }
}

Evaluation TestScorer::result() const {
  Evaluation result;
  if (mDataset.test.count == 0) return result;
  const double count = static_cast<double>(mDataset.test.count);
  result.samples = mDataset.test.count;
  if (mDataset.task == data::Task::Classification) {
    result.loss = mLossSum / count;
    result.accuracy = static_cast<double>(mCorrect) / count;
  } else {
    result.mse = mSquareSum / count;
    result.loss = result.mse;
  }
  return result;
}

void addNorms(MetricPoint& point, std::span<const float> norms, std::size_t layers) {
  for (std::size_t l = 0; l < layers; ++l) {
    point.gradientNorm.push_back(std::sqrt(static_cast<double>(norms[l])));
    const double weight = std::sqrt(static_cast<double>(norms[2 * layers + l]));
    point.updateRatio.push_back(weight > 0 ? std::sqrt(static_cast<double>(norms[layers + l])) / weight : 0.0);
  }
}

Histogram histogramOf(std::span<const float> values, std::size_t bins) {
  Histogram h;
  h.counts.assign(bins, 0);
  if (values.empty()) return h;
  h.low = *std::min_element(values.begin(), values.end());
  h.high = *std::max_element(values.begin(), values.end());
  const float span = std::max(h.high - h.low, 1e-12f);
  for (const float v : values) {
    const auto bin = static_cast<std::size_t>((v - h.low) / span * static_cast<float>(bins));
    ++h.counts[std::min(bin, bins - 1)];
  }
  return h;
}

HistogramPoint histogramsOf(const nn::ModelSpec& spec, std::uint64_t step, std::span<const float> params,
                            std::span<const float> grads, std::size_t bins) {
  HistogramPoint histograms{step, {}, {}};
  for (std::size_t l = 0; l < spec.layerCount(); ++l) {
    const std::size_t begin = spec.weightOffset(l), count = spec.weightOffset(l + 1) - begin;
    histograms.weights.push_back(histogramOf(params.subspan(begin, count), bins));
    histograms.gradients.push_back(histogramOf(grads.subspan(begin, count), bins));
  }
  return histograms;
}

Evaluation Trainer::evaluateTest() {
  const data::Dataset& d = *mDataset;
  if (d.test.count == 0) return {};
  const std::int32_t zero[compute::COUNTER_COUNT] = {0, 0};
  mBackend->write(mEvalCounters.tensor({compute::COUNTER_COUNT}, DType::I32), std::span<const std::int32_t>(zero));
  TestScorer scorer(d, mConfig.spec, &mTestPredictions);
  mTestPredictionsStep = mStep;
  for (std::size_t start = 0; start < d.test.count; start += mEvalWs.batch) {
    mEvalProgram->submit(1);
    scorer.addChunk(start, mBackend->read<float>(mEvalWs.output), mBackend->read<std::int32_t>(mEvalWs.predictions));
  }
  return scorer.result();
}

MetricPoint Trainer::takeMetricPoint() {
  MetricPoint point;
  point.step = mStep;
  point.epoch = epochProgress();
  point.trainLoss = mLossCount ? mLossSum / static_cast<double>(mLossCount) : NOT_MEASURED;
  mLossSum = 0.0;
  mLossCount = 0;
  point.test = evaluateTest();
  const auto hyper = mConfig.hyperparams.deviceValues();
  point.learningRate = compute::scheduledLearningRate(hyper.data(), static_cast<int>(mStep));
  if (mHaveNorms) {
    const std::size_t layers = mConfig.spec.layerCount();
    addNorms(point, mBackend->read<float>(mNorms.tensor({3 * layers})), layers);
  }
  keepGoodState();
  // Histograms from the weights just read and the last step's gradient.
  const auto grads = mModel->read(mModel->grads());
  if (mHistograms.size() == HISTOGRAM_POINTS) mHistograms.erase(mHistograms.begin());
  mHistograms.push_back(histogramsOf(mConfig.spec, mStep, mGood.params, grads, HISTOGRAM_BINS));
  return point;
}

}  // namespace nsb::train
