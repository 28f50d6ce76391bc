// The CPU kernels. Each activation / optimizer is a separate tight loop (the switch sits outside the
// loop) so that -O3 can vectorise it; sums run in index order with a fixed accumulator type.
#include "compute/cpu/CpuKernels.h"

#include <cblas.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "compute/OptimizerMath.h"
#include "core/Check.h"

// An element-wise loop whose output may be one of its inputs exactly (never a shifted view): no
// carried dependency, so GCC may vectorise it without its run-time alias check (which sends in-place
// calls to the scalar loop). Clang's own check does not; there it is nothing (clang only builds the
// fuzzers, where a forced vectorisation that sanitizers prevent would be a -Werror warning).
#if defined(__clang__)
#define NSB_IVDEP
#else
#define NSB_IVDEP _Pragma("GCC ivdep")
#endif

namespace nsb::compute::cpu {
namespace {

constexpr float INV_SQRT2 = 0.70710678118654752f;
constexpr float INV_SQRT_2PI = 0.39894228040143268f;
constexpr double TWO_PI = 6.283185307179586476925;

// exp(x) without a libm call, so that loops over it vectorise (tanh and sigmoid through libm were
// 30 % of the CPU time of the editor on the spiral preset). x = n ln2 + r with |r| <= ln2 / 2, e^r by
// its Taylor series to r^7 (truncation 5e-9 relative), 2^n put into the exponent bits; x is clamped
// to [-87, 88], where 2^n stays a normal float. A NaN stays NaN. Tested through sigmoid (within 4 ulp).
inline float expApprox(float x) {
  constexpr float LOG2E = 1.44269504088896341f;
  constexpr float LN2_HI = 0.693145751953125f;  // ln 2 = LN2_HI + LN2_LO, LN2_HI exact in 16 bits
  constexpr float LN2_LO = 1.42860682030941723212e-6f;
  constexpr float ROUND = 12582912.0f;  // 1.5 * 2^23: adding and subtracting it rounds to an integer
  const float kept = std::min(std::max(x, -87.0f), 88.0f);  // a NaN stays NaN: r carries it
  const float sure = std::min(88.0f, std::max(-87.0f, x));  // a NaN becomes -87: n converts to int
  const float n = (sure * LOG2E + ROUND) - ROUND;
  const float r = (kept - n * LN2_HI) - n * LN2_LO;
  const float p =
      1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 +
                                          r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
  return p * std::bit_cast<float>((static_cast<std::int32_t>(n) + 127) << 23);
}

// tanh through expApprox: an odd Taylor series where |x| < 0.25 (1 - 2 / (e^2|x| + 1) would cancel
// there; the first term left out is below 2e-8 relative), else 1 - 2 / (e^2|x| + 1), with |x| clamped
// at 10, where that is exactly 1 in float. Within 4 ulp of std::tanh (tested).
inline float tanhApprox(float x) {
  const float ax = std::min(std::fabs(x), 10.0f);
  const float x2 = x * x;
  const float series = x * (1.0f + x2 * (-1.0f / 3 + x2 * (2.0f / 15 + x2 * (-17.0f / 315 + x2 * (62.0f / 2835)))));
  const float tail = std::copysign(1.0f - 2.0f / (expApprox(2.0f * ax) + 1.0f), x);
  return ax < 0.25f ? series : tail;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + expApprox(-x)); }
inline float gelu(float x) { return 0.5f * x * (1.0f + std::erf(x * INV_SQRT2)); }
// d/dx of x * Phi(x) = Phi(x) + x * phi(x).
inline float geluDerivative(float x) {
  return 0.5f * (1.0f + std::erf(x * INV_SQRT2)) + x * INV_SQRT_2PI * std::exp(-0.5f * x * x);
}
inline float signOf(float x) { return static_cast<float>((x > 0.0f) - (x < 0.0f)); }

template <typename F>
void biasRows(float* z, const float* bias, float* a, std::size_t rows, std::size_t n, F act) {
  for (std::size_t i = 0; i < rows; ++i) {
    float* zr = z + i * n;
    float* ar = a + i * n;
    NSB_IVDEP
    for (std::size_t j = 0; j < n; ++j) {
      const float v = zr[j] + bias[j];
      zr[j] = v;
      ar[j] = act(v);
    }
  }
}

template <typename F>
void scaleByDerivative(const float* da, const float* x, float* dz, std::size_t count, F derivative) {
  // Element-wise: dz may be da itself, but never a shifted view of it, so the loop has no carried
  // dependency. Without NSB_IVDEP GCC's run-time alias check sends such calls to the scalar loop.
  NSB_IVDEP
  for (std::size_t i = 0; i < count; ++i) dz[i] = da[i] * derivative(x[i]);
}

// ReLU and leaky ReLU backward, the slope below zero a run-time value: with a literal 0 GCC folds
// da * 1 and da * 0 into a branch and leaves the loop scalar (and mispredicted half the time).

void rectifierBackward(const float* da, const float* z, float* dz, std::size_t count, float negativeSlope) {
  NSB_IVDEP
  for (std::size_t i = 0; i < count; ++i) {
    const float slope = z[i] > 0.0f ? 1.0f : negativeSlope;
    dz[i] = da[i] * slope;
  }
}

void checkIndex(std::int32_t idx, std::size_t srcRows, std::size_t position) {
  NSB_CHECK(idx >= 0 && static_cast<std::size_t>(idx) < srcRows)
      << "gather: index[" << position << "] = " << idx << " is outside the source's " << srcRows << " rows";
}

// A weight's gradient with its regularisation: g + l2 w + l1 sign(w), w taken before its update.
inline float regularizedGradient(float g, float w, float l1, float l2) { return g + l2 * w + l1 * signOf(w); }

// Adam on one element: m and v updated, w -= step * m / (sqrt(v) + eps).
inline void adamElement(float& w, float& m, float& v, float g, float b1, float b2, float step, float eps) {
  m = b1 * m + (1.0f - b1) * g;
  v = b2 * v + (1.0f - b2) * g * g;
  w -= step * m / (std::sqrt(v) + eps);
}

// Adam over arrays, without and with the regularisation term (regularizedGradient). Plain functions
// with restrict pointers so that GCC vectorises them (in a lambda it does not); an AVX2 clone, picked at
// load time where the CPU has it, does 8 square roots and divisions at once instead of 4 (the same IEEE
// results: ISO C++ mode does not contract into FMAs). The term is added inside the loop rather than in a
// pass of its own over a copy (forEachGradient): one pass over the arrays instead of two (55,050
// parameters: ~50 -> ~29 us on one thread). Not under ThreadSanitizer: it instruments the clones' resolver,
// which the dynamic loader runs before TSan's runtime is set up (the test programs died at load).
#if defined(__SANITIZE_THREAD__)
#define NSB_AVX2_CLONE
#else
#define NSB_AVX2_CLONE __attribute__((target_clones("avx2", "default")))
#endif
NSB_AVX2_CLONE void adamUpdate(float* __restrict w, float* __restrict m, float* __restrict v, const float* __restrict g,
                               std::size_t count, float b1, float b2, float step, float eps) {
  for (std::size_t i = 0; i < count; ++i) adamElement(w[i], m[i], v[i], g[i], b1, b2, step, eps);
}

NSB_AVX2_CLONE void adamUpdateRegularized(float* __restrict w, float* __restrict m, float* __restrict v,
                                          const float* __restrict g, std::size_t count, float b1, float b2, float step,
                                          float eps, float l1, float l2) {
  for (std::size_t i = 0; i < count; ++i) {
    adamElement(w[i], m[i], v[i], regularizedGradient(g[i], w[i], l1, l2), b1, b2, step, eps);
  }
}

// Calls update(begin, end, g') over chunks of elements, g' = regularizedGradient on the first
// `regularized`, g after. The chunks keep each update a plain loop over arrays that GCC vectorises.
template <typename Update>
void forEachGradient(const OptimizerArgs& o, float l1, float l2, Update update) {
  constexpr std::size_t CHUNK = 512;
  float gradient[CHUNK];
  for (std::size_t begin = 0; begin < o.count; begin += CHUNK) {
    const std::size_t end = std::min(o.count, begin + CHUNK);
    const std::size_t regularizedEnd = std::clamp(o.regularized, begin, end);
    for (std::size_t i = begin; i < regularizedEnd; ++i) {
      gradient[i - begin] = regularizedGradient(o.grads[i], o.params[i], l1, l2);
    }
    for (std::size_t i = regularizedEnd; i < end; ++i) gradient[i - begin] = o.grads[i];
    update(begin, end, static_cast<const float*>(gradient));
  }
}

// The gathered rows lie at random places in a dataset far larger than the caches, so the copy
// waits on memory; fetching a row a few iterations ahead overlaps those waits with the copying.
constexpr std::size_t PREFETCH_AHEAD = 4;
template <typename T>
void prefetchRow(const T* src, std::size_t srcRows, const std::int32_t* index, std::size_t position, std::size_t end,
                 std::size_t cols) {
  if (position >= end) return;
  const std::int32_t idx = index[position];
  if (idx < 0 || static_cast<std::size_t>(idx) >= srcRows) return;  // checked when its turn comes
  const char* row = reinterpret_cast<const char*>(src + static_cast<std::size_t>(idx) * cols);
  constexpr std::size_t LINE = 64;
  for (std::size_t b = 0; b < cols * sizeof(T); b += LINE) __builtin_prefetch(row + b);
}

}  // namespace

void gatherU8(const std::uint8_t* src, std::size_t srcRows, const std::int32_t* index, std::size_t first,
              std::size_t rows, std::size_t cols, float scale, float* dst, std::size_t prefetchEnd) {
  for (std::size_t i = 0; i < rows; ++i) {
    const std::int32_t idx = index[first + i];
    checkIndex(idx, srcRows, first + i);
    prefetchRow(src, srcRows, index, first + i + PREFETCH_AHEAD, prefetchEnd, cols);
    const std::uint8_t* s = src + static_cast<std::size_t>(idx) * cols;
    float* d = dst + i * cols;
    NSB_IVDEP
    for (std::size_t j = 0; j < cols; ++j) d[j] = static_cast<float>(s[j]) * scale;
  }
}

void gatherF32(const float* src, std::size_t srcRows, const std::int32_t* index, std::size_t first, std::size_t rows,
               std::size_t cols, float scale, float* dst, std::size_t prefetchEnd) {
  for (std::size_t i = 0; i < rows; ++i) {
    const std::int32_t idx = index[first + i];
    checkIndex(idx, srcRows, first + i);
    prefetchRow(src, srcRows, index, first + i + PREFETCH_AHEAD, prefetchEnd, cols);
    const float* s = src + static_cast<std::size_t>(idx) * cols;
    float* d = dst + i * cols;
    for (std::size_t j = 0; j < cols; ++j) d[j] = s[j] * scale;
  }
}

void gatherI32(const std::int32_t* src, std::size_t srcRows, const std::int32_t* index, std::size_t first,
               std::size_t rows, std::size_t cols, std::int32_t* dst) {
  for (std::size_t i = 0; i < rows; ++i) {
    const std::int32_t idx = index[first + i];
    checkIndex(idx, srcRows, first + i);
    std::copy_n(src + static_cast<std::size_t>(idx) * cols, cols, dst + i * cols);
  }
}

void gemm(const float* a, std::size_t lda, bool transA, const float* b, std::size_t ldb, bool transB, float* c,
          std::size_t ldc, std::size_t m, std::size_t n, std::size_t k, float alpha, float beta) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b,
              static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

void biasActivation(float* z, const float* bias, float* a, std::size_t rows, std::size_t n, Activation activation) {
  switch (activation) {
    case Activation::Linear:
      biasRows(z, bias, a, rows, n, [](float v) { return v; });
      return;
    case Activation::Sigmoid:
      biasRows(z, bias, a, rows, n, [](float v) { return sigmoid(v); });
      return;
    case Activation::Tanh:
      biasRows(z, bias, a, rows, n, [](float v) { return tanhApprox(v); });
      return;
    case Activation::Relu:
      biasRows(z, bias, a, rows, n, [](float v) { return v > 0.0f ? v : 0.0f; });
      return;
    case Activation::LeakyRelu:
      biasRows(z, bias, a, rows, n, [](float v) { return v > 0.0f ? v : LEAKY_RELU_SLOPE * v; });
      return;
    case Activation::Gelu:
      biasRows(z, bias, a, rows, n, [](float v) { return gelu(v); });
      return;
  }
  NSB_CHECK(false) << "bias_activation: unknown activation " << static_cast<int>(activation);
}

void activationBackward(const float* da, const float* z, const float* a, float* dz, std::size_t count,
                        Activation activation) {
  switch (activation) {
    case Activation::Linear:
      scaleByDerivative(da, z, dz, count, [](float) { return 1.0f; });
      return;
    case Activation::Sigmoid:
      if (a) {
        scaleByDerivative(da, a, dz, count, [](float s) { return s * (1.0f - s); });
      } else {
        scaleByDerivative(da, z, dz, count, [](float v) {
          const float s = sigmoid(v);
          return s * (1.0f - s);
        });
      }
      return;
    case Activation::Tanh:
      if (a) {
        scaleByDerivative(da, a, dz, count, [](float t) { return 1.0f - t * t; });
      } else {
        scaleByDerivative(da, z, dz, count, [](float v) {
          const float t = tanhApprox(v);
          return 1.0f - t * t;
        });
      }
      return;
    case Activation::Relu:
      rectifierBackward(da, z, dz, count, 0.0f);
      return;
    case Activation::LeakyRelu:
      rectifierBackward(da, z, dz, count, LEAKY_RELU_SLOPE);
      return;
    case Activation::Gelu:
      scaleByDerivative(da, z, dz, count, [](float v) { return geluDerivative(v); });
      return;
  }
  NSB_CHECK(false) << "activation_backward: unknown activation " << static_cast<int>(activation);
}

void biasGrad(const float* dz, float* db, std::size_t rows, std::size_t n) {
  std::fill_n(db, n, 0.0f);
  for (std::size_t i = 0; i < rows; ++i) {
    const float* row = dz + i * n;
    for (std::size_t j = 0; j < n; ++j) db[j] += row[j];
  }
}

void loss(const LossArgs& x, std::size_t begin, std::size_t end) {
  const std::size_t n = x.n;
  const std::size_t count = x.rows * n;
  const float inverseCount = 1.0f / static_cast<float>(count);
  const float inverseRows = 1.0f / static_cast<float>(x.rows);
  // The target of element (i, j): given values, the label itself (one column) or the one-hot vector.
  auto target = [&](std::size_t i, std::size_t j) -> float {
    if (x.valueTarget) return x.valueTarget[i * n + j];
    const std::int32_t label = x.classTarget[i];
    if (n == 1) return static_cast<float>(label);
    return static_cast<std::size_t>(label) == j ? 1.0f : 0.0f;
  };
  if (x.classTarget && n > 1) {
    for (std::size_t i = begin; i < end; ++i) {
      NSB_CHECK(x.classTarget[i] >= 0 && static_cast<std::size_t>(x.classTarget[i]) < n)
          << "loss: class target[" << i << "] = " << x.classTarget[i] << " is outside [0, " << n << ")";
    }
  }

  if (x.head == Head::Softmax) {
    for (std::size_t i = begin; i < end; ++i) {
      double total = 0.0;
      const float* zr = x.z + i * n;
      float* pr = x.output + i * n;
      float* dr = x.dz + i * n;
      float max = zr[0];
      for (std::size_t j = 1; j < n; ++j) max = std::max(max, zr[j]);
      // One exponential per element (p_j = e^(z_j - max) / sum) through expApprox, so that the loop
      // vectorises: std::exp twice per element was most of the loss's time at batch 256. The
      // exponentials go to whichever of output and dz is not z itself (at most one of them is).
      float* e = x.output == x.z ? dr : pr;
      NSB_IVDEP
      for (std::size_t j = 0; j < n; ++j) e[j] = expApprox(zr[j] - max);
      float sum = 0.0f;
      for (std::size_t j = 0; j < n; ++j) sum += e[j];
      const float logSum = max + std::log(sum);
      const float inverseSum = 1.0f / sum;
      if (x.kind == LossKind::CrossEntropy) {
        // log p_j = z_j - logsumexp(z): never log(0), so huge logits give a finite loss.
        float targetSum = 0.0f;
        for (std::size_t j = 0; j < n; ++j) targetSum += target(i, j);
        for (std::size_t j = 0; j < n; ++j) {
          const float t = target(i, j);
          if (t != 0.0f) total -= static_cast<double>(t * (zr[j] - logSum));
          const float p = e[j] * inverseSum;
          pr[j] = p;
          dr[j] = (p * targetSum - t) * inverseRows;
        }
      } else {
        for (std::size_t j = 0; j < n; ++j) pr[j] = e[j] * inverseSum;
        // Through the softmax Jacobian: dz_j = p_j (g_j - sum_k g_k p_k), g = dL/dp.
        float dot = 0.0f;
        for (std::size_t j = 0; j < n; ++j) {
          const float diff = pr[j] - target(i, j);
          total += static_cast<double>(diff * diff);
          dot += 2.0f * diff * inverseCount * pr[j];
        }
        for (std::size_t j = 0; j < n; ++j) {
          const float g = 2.0f * (pr[j] - target(i, j)) * inverseCount;
          dr[j] = pr[j] * (g - dot);
        }
      }
      x.rowLoss[i] = total;
    }
    return;
  }

  for (std::size_t i = begin; i < end; ++i) {
    double total = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t e = i * n + j;
      const float v = x.z[e];
      const float t = target(i, j);
      if (x.head == Head::Linear) {
        const float diff = v - t;
        total += static_cast<double>(diff * diff);
        x.output[e] = v;
        x.dz[e] = 2.0f * diff * inverseCount;
      } else if (x.kind == LossKind::BinaryCrossEntropy) {
        // -t log s(v) - (1 - t) log(1 - s(v)) = softplus(v) - t v, with softplus kept finite for any v.
        const float softplus = std::max(v, 0.0f) + std::log1p(std::exp(-std::fabs(v)));
        total += static_cast<double>(softplus - t * v);
        const float p = sigmoid(v);
        x.output[e] = p;
        x.dz[e] = (p - t) * inverseCount;
      } else {
        // 1 - p from sigmoid(-v): computed as 1 - p it would lose every digit once the head saturates.
        const float p = sigmoid(v);
        const float q = sigmoid(-v);
        const float diff = p - t;
        total += static_cast<double>(diff * diff);
        x.output[e] = p;
        x.dz[e] = 2.0f * diff * inverseCount * p * q;
      }
    }
    x.rowLoss[i] = total;
  }
}

void lossTotal(const LossArgs& x) {
  double total = 0.0;
  for (std::size_t i = 0; i < x.rows; ++i) total += x.rowLoss[i];
  const bool perRow = x.head == Head::Softmax && x.kind == LossKind::CrossEntropy;
  x.loss[0] = static_cast<float>(total / static_cast<double>(perRow ? x.rows : x.rows * x.n));
}

void argmax(const float* z, std::size_t rows, std::size_t n, std::int32_t* predictions) {
  for (std::size_t i = 0; i < rows; ++i) {
    const float* zr = z + i * n;
    if (n == 1) {
      predictions[i] = zr[0] > 0.0f ? 1 : 0;
      continue;
    }
    std::size_t best = 0;
    for (std::size_t j = 1; j < n; ++j) {
      if (zr[j] > zr[best]) best = j;
    }
    predictions[i] = static_cast<std::int32_t>(best);
  }
}

void optimizerStep(const OptimizerArgs& o) {
  const float* h = o.hyper;
  const float lr = scheduledLearningRate(h, o.step);
  const float l1 = h[HYPER_L1];
  const float l2 = h[HYPER_L2];
  const float eps = h[HYPER_EPSILON];
  float* w = o.params;
  float* s1 = o.state1;
  float* s2 = o.state2;
  switch (o.kind) {
    case OptimizerKind::Gd:
    case OptimizerKind::Sgd:
      forEachGradient(o, l1, l2, [&](std::size_t b, std::size_t e, const float* g) {
        for (std::size_t i = b; i < e; ++i) w[i] -= lr * g[i - b];
      });
      return;
    case OptimizerKind::Momentum: {
      const float mu = h[HYPER_MOMENTUM];
      forEachGradient(o, l1, l2, [&](std::size_t b, std::size_t e, const float* g) {
        for (std::size_t i = b; i < e; ++i) {
          s1[i] = mu * s1[i] + g[i - b];
          w[i] -= lr * s1[i];
        }
      });
      return;
    }
    case OptimizerKind::Nesterov: {
      const float mu = h[HYPER_MOMENTUM];
      forEachGradient(o, l1, l2, [&](std::size_t b, std::size_t e, const float* g) {
        for (std::size_t i = b; i < e; ++i) {
          s1[i] = mu * s1[i] + g[i - b];
          w[i] -= lr * (g[i - b] + mu * s1[i]);
        }
      });
      return;
    }
    case OptimizerKind::AdaGrad:
      forEachGradient(o, l1, l2, [&](std::size_t b, std::size_t e, const float* g) {
        for (std::size_t i = b; i < e; ++i) {
          s1[i] += g[i - b] * g[i - b];
          w[i] -= lr * g[i - b] / (std::sqrt(s1[i]) + eps);
        }
      });
      return;
    case OptimizerKind::RmsProp: {
      const float rho = h[HYPER_RHO];
      forEachGradient(o, l1, l2, [&](std::size_t b, std::size_t e, const float* g) {
        for (std::size_t i = b; i < e; ++i) {
          s1[i] = rho * s1[i] + (1.0f - rho) * g[i - b] * g[i - b];
          w[i] -= lr * g[i - b] / (std::sqrt(s1[i]) + eps);
        }
      });
      return;
    }
    case OptimizerKind::Adam:
    case OptimizerKind::AdamW: {
      const float b1 = h[HYPER_BETA1];
      const float b2 = h[HYPER_BETA2];
      const float t = static_cast<float>(o.step + 1);
      const float correction1 = 1.0f - std::pow(b1, t);
      const float correction2 = 1.0f - std::pow(b2, t);
      // m / c1 / (sqrt(v / c2) + eps) with one square root and one division per element.
      const float stepSize = lr / correction1;
      const float rootC2 = std::sqrt(correction2);
      const float epsScaled = eps * rootC2;
      const std::size_t r = o.regularized;
      auto adam = [&](float l2Term) {
        adamUpdateRegularized(w, s1, s2, o.grads, r, b1, b2, stepSize * rootC2, epsScaled, l1, l2Term);
        adamUpdate(w + r, s1 + r, s2 + r, o.grads + r, o.count - r, b1, b2, stepSize * rootC2, epsScaled);
      };
      if (o.kind == OptimizerKind::Adam) {
        adam(l2);
        return;
      }
      // AdamW: decoupled decay on the regularized weights first, no L2 term in the gradient.
      const float decay = lr * h[HYPER_WEIGHT_DECAY];
      for (std::size_t i = 0; i < r; ++i) w[i] -= decay * w[i];
      adam(0.0f);
      return;
    }
  }
  NSB_CHECK(false) << "optimizer: unknown kind " << static_cast<int>(o.kind);
}

float sumSquares(const float* x, const float* y, std::size_t begin, std::size_t end) {
  double sum = 0.0;
  if (y) {
    for (std::size_t i = begin; i < end; ++i) {
      const double d = static_cast<double>(x[i]) - static_cast<double>(y[i]);
      sum += d * d;
    }
  } else {
    for (std::size_t i = begin; i < end; ++i) sum += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  }
  return static_cast<float>(sum);
}

void SpectrumScratch::prepare(std::size_t height, std::size_t width) {
  mHeight = height;
  mWidth = width;
  mHalf = width / 2 + 1;
  auto table = [](std::size_t size, std::vector<double>& cosines, std::vector<double>& sines) {
    cosines.resize(size);
    sines.resize(size);
    for (std::size_t k = 0; k < size; ++k) {
      const double angle = TWO_PI * static_cast<double>(k) / static_cast<double>(size);
      cosines[k] = std::cos(angle);
      sines[k] = std::sin(angle);
    }
  };
  table(width, mCosW, mSinW);
  table(height, mCosH, mSinH);
  mRe.assign(height * mHalf, 0.0);
  mIm.assign(height * mHalf, 0.0);
}

void SpectrumScratch::run(const float* image, float* magnitude) {
  // Row DFTs of the real input: R[r, v] = sum_c x[r, c] e^(-2 pi i v c / W), v <= W / 2.
  for (std::size_t r = 0; r < mHeight; ++r) {
    const float* row = image + r * mWidth;
    for (std::size_t v = 0; v < mHalf; ++v) {
      double re = 0.0, im = 0.0;
      std::size_t k = 0;  // (v * c) mod W, stepped instead of multiplied
      for (std::size_t c = 0; c < mWidth; ++c) {
        const double value = static_cast<double>(row[c]);
        re += value * mCosW[k];
        im -= value * mSinW[k];
        k += v;
        if (k >= mWidth) k -= mWidth;
      }
      mRe[r * mHalf + v] = re;
      mIm[r * mHalf + v] = im;
    }
  }
  // Column DFTs of R: F[u, v] = sum_r R[r, v] e^(-2 pi i u r / H).
  for (std::size_t u = 0; u < mHeight; ++u) {
    float* out = magnitude + u * mHalf;
    for (std::size_t v = 0; v < mHalf; ++v) {
      double re = 0.0, im = 0.0;
      std::size_t k = 0;
      for (std::size_t r = 0; r < mHeight; ++r) {
        const double a = mRe[r * mHalf + v];
        const double b = mIm[r * mHalf + v];
        re += a * mCosH[k] + b * mSinH[k];
        im += b * mCosH[k] - a * mSinH[k];
        k += u;
        if (k >= mHeight) k -= mHeight;
      }
      out[v] = static_cast<float>(std::sqrt(re * re + im * im));
    }
  }
}

}  // namespace nsb::compute::cpu
