#include "train/Batches.h"

#include <algorithm>
#include <numeric>
#include <span>
#include <utility>

#include "compute/OptimizerMath.h"
#include "core/Rng.h"

namespace nsb::train {

using compute::DType;

namespace {

bool isClassification(const data::Dataset& d) { return d.task == data::Task::Classification; }

// Uploads a split's features and targets; returns {x, y} buffers.
std::pair<compute::Buffer, compute::Buffer> uploadSplit(compute::Backend& backend, const data::Dataset& d,
                                                        const data::Split& split) {
  const std::size_t rows = std::max<std::size_t>(split.count, 1);
  compute::Buffer x = backend.allocate(rows * d.features * (d.u8 ? sizeof(std::uint8_t) : sizeof(float)));
  if (split.count > 0) {
    if (d.u8) {
      backend.upload(x.id(), 0, std::as_bytes(std::span(split.pixels)));
    } else {
      backend.upload(x.id(), 0, std::as_bytes(std::span(split.values)));
    }
  }
  const std::size_t yCols = isClassification(d) ? 1 : d.outputs;
  compute::Buffer y = backend.allocate(rows * yCols * sizeof(float));  // i32 labels or f32 targets
  if (split.count > 0) {
    if (isClassification(d)) {
      backend.upload(y.id(), 0, std::as_bytes(std::span(split.labels)));
    } else {
      backend.upload(y.id(), 0, std::as_bytes(std::span(split.targets)));
    }
  }
  return {std::move(x), std::move(y)};
}

SplitTensors splitTensors(const data::Dataset& d, const compute::Buffer& x, const compute::Buffer& y, std::size_t rows,
                          const compute::Tensor& index, const compute::Buffer& counters) {
  const bool classes = isClassification(d);
  return SplitTensors{.x = x.tensor({rows, d.features}, d.u8 ? DType::U8 : DType::F32),
                      .y = classes ? y.tensor({rows}, DType::I32) : y.tensor({rows, d.outputs}),
                      .index = index,
                      .counters = counters.tensor({compute::COUNTER_COUNT}, DType::I32),
                      .scale = d.u8 ? d.normalisation.scale : 1.0f};
}

}  // namespace

DeviceData DeviceData::upload(compute::Backend& backend, const data::Dataset& d, std::size_t evalChunk) {
  DeviceData data;
  std::tie(data.trainX, data.trainY) = uploadSplit(backend, d, d.train);
  std::tie(data.testX, data.testY) = uploadSplit(backend, d, d.test);
  data.trainIndex = backend.allocate(d.train.count * sizeof(std::int32_t));
  const std::size_t padded = evalChunks(d.test.count, evalChunk).padded;
  std::vector<std::int32_t> index(padded, 0);
  for (std::size_t i = 0; i < d.test.count; ++i) index[i] = static_cast<std::int32_t>(i);
  data.testIndex = backend.allocate(padded * sizeof(std::int32_t));
  backend.write(data.testIndex.tensor({padded}, DType::I32), std::span<const std::int32_t>(index));
  return data;
}

SplitTensors DeviceData::train(const data::Dataset& d, const compute::Buffer& counters) const {
  return splitTensors(d, trainX, trainY, d.train.count, trainIndex.tensor({d.train.count}, DType::I32), counters);
}

SplitTensors DeviceData::test(const data::Dataset& d, std::size_t evalChunk, const compute::Buffer& counters) const {
  const EvalChunks chunks = evalChunks(d.test.count, evalChunk);
  return splitTensors(d, testX, testY, chunks.rows, testIndex.tensor({chunks.padded}, DType::I32), counters);
}

void DeviceData::shuffle(compute::Backend& backend, std::uint64_t seed, std::uint64_t epoch,
                         std::size_t trainCount) const {
  const auto perm = epochPermutation(seed, epoch, trainCount);
  backend.write(trainIndex.tensor({perm.size()}, DType::I32), std::span<const std::int32_t>(perm));
}

std::vector<std::int32_t> epochPermutation(std::uint64_t seed, std::uint64_t epoch, std::size_t count) {
  std::vector<std::int32_t> perm(count);
  std::iota(perm.begin(), perm.end(), 0);
  core::Rng rng(seed * 0x9E3779B97F4A7C15ull + epoch + 1);
  rng.shuffle(perm);
  return perm;
}

NextSubmit nextSubmit(std::uint64_t step, std::uint64_t cursor, std::uint64_t stepsPerEpoch, std::uint64_t metricsEvery,
                      std::uint64_t stepsPerSubmit, std::uint64_t left) {
  const std::uint64_t toMetrics = metricsEvery - step % metricsEvery;  // >= 1
  if (toMetrics == 1) return {1, true};
  return {std::min<std::uint64_t>({stepsPerSubmit, left, stepsPerEpoch - cursor, toMetrics - 1}), false};
}

}  // namespace nsb::train
