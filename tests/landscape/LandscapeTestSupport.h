#pragma once
// Small networks, datasets and an independent forward pass in double for the landscape tests.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "compute/Op.h"
#include "core/Rng.h"
#include "data/Dataset.h"
#include "nn/ModelSpec.h"

namespace nsb::landscape::testing {

// 5-7-6-3: tanh, relu, softmax cross-entropy.
inline nn::ModelSpec smallClassifier() {
  nn::ModelSpec spec;
  spec.inputs = 5;
  spec.hidden = {{7, compute::Activation::Tanh}, {6, compute::Activation::Relu}};
  spec.outputs = 3;
  spec.head = compute::Head::Softmax;
  spec.loss = compute::LossKind::CrossEntropy;
  return spec;
}

inline std::vector<float> randomParams(const nn::ModelSpec& spec, std::uint64_t seed, float scale = 0.6f) {
  core::Rng rng(seed);
  std::vector<float> params(spec.parameterCount());
  for (float& v : params) v = rng.normal(0.0f, scale);
  return params;
}

inline data::Dataset classificationData(std::size_t features, std::size_t classes, std::size_t count,
                                        std::uint64_t seed) {
  core::Rng rng(seed);
  data::Dataset d;
  d.name = "test-classes";
  d.task = data::Task::Classification;
  d.features = features;
  d.classes = classes;
  d.test.count = count;
  d.test.values.resize(count * features);
  for (float& v : d.test.values) v = rng.normal();
  for (std::size_t i = 0; i < count; ++i)
    d.test.labels.push_back(static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(classes))));
  return d;
}

inline double activate(compute::Activation a, double z) {
  switch (a) {
    case compute::Activation::Relu:
      return z > 0 ? z : 0;
    case compute::Activation::Tanh:
      return std::tanh(z);
    case compute::Activation::Sigmoid:
      return 1.0 / (1.0 + std::exp(-z));
    default:
      return z;
  }
}

// The mean data loss of `params` on the first `rows` test samples, in double, written from the
// definitions (softmax cross-entropy over rows; sigmoid binary cross-entropy; MSE over elements), not from the engine's
// code.
inline double referenceLoss(const nn::ModelSpec& spec, std::span<const double> params, const data::Dataset& d,
                            std::size_t rows) {
  double total = 0.0;
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<double> a(d.test.values.begin() + static_cast<std::ptrdiff_t>(r * spec.inputs),
                          d.test.values.begin() + static_cast<std::ptrdiff_t>((r + 1) * spec.inputs));
    for (std::size_t l = 0; l < spec.layerCount(); ++l) {
      const std::size_t in = spec.layerInputs(l), out = spec.layerOutputs(l);
      std::vector<double> z(out);
      for (std::size_t o = 0; o < out; ++o) {
        double s = params[spec.biasOffset(l) + o];
        for (std::size_t i = 0; i < in; ++i) s += params[spec.weightOffset(l) + o * in + i] * a[i];
        z[o] = l + 1 < spec.layerCount() ? activate(spec.layerActivation(l), s) : s;
      }
      a = z;
    }
    if (spec.loss == compute::LossKind::CrossEntropy) {
      const double m = *std::max_element(a.begin(), a.end());
      double sum = 0.0;
      for (const double v : a) sum += std::exp(v - m);
      total += -(a[static_cast<std::size_t>(d.test.labels[r])] - m - std::log(sum));
    } else if (spec.loss == compute::LossKind::BinaryCrossEntropy) {
      // One sigmoid output, the label 0 or 1: -log p of the label, written stably from the logit.
      const double z = a[0], y = d.test.labels[r];
      total += std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::fabs(z)));
    } else {
      for (std::size_t j = 0; j < a.size(); ++j) {
        const double diff = a[j] - d.test.targets[r * a.size() + j];
        total += diff * diff / static_cast<double>(a.size());
      }
    }
  }
  return total / static_cast<double>(rows);
}

// params + alpha * first + beta * second, in double.
inline std::vector<double> perturbed(std::span<const float> params, std::span<const float> first,
                                     std::span<const float> second, double alpha, double beta) {
  std::vector<double> out(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) out[i] = params[i] + alpha * first[i] + beta * second[i];
  return out;
}

}  // namespace nsb::landscape::testing
