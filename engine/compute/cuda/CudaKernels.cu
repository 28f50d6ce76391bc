// The CUDA kernels (CudaKernels.cuh). Element-wise kernels loop over a grid stride; reductions add
// strided shares in double and then a fixed pairwise tree in shared memory (no float atomics).
#include <cmath>
#include <type_traits>

#include "compute/OptimizerMath.h"
#include "compute/cuda/CudaKernels.cuh"
#include "compute/cuda/CudaPlan.h"

namespace nsb::compute::cuda {
namespace {

constexpr float INV_SQRT2 = 0.70710678118654752f;
constexpr float INV_SQRT_2PI = 0.39894228040143268f;

#define NSB_GRID_STRIDE(i, count)                                                       \
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < (count); \
       i += std::size_t{gridDim.x} * blockDim.x)

__device__ void report(ErrorWord* error, int code, long long a, long long b, long long c) {
  if (atomicCAS(&error->code, DEVICE_OK, code) == DEVICE_OK) {
    error->a = a;
    error->b = b;
    error->c = c;
  }
}

__device__ float sigmoidOf(float x) { return 1.0f / (1.0f + expf(-x)); }

__device__ float activate(float v, Activation activation) {
  switch (activation) {
    case Activation::Linear:
      return v;
    case Activation::Sigmoid:
      return sigmoidOf(v);
    case Activation::Tanh:
      return tanhf(v);
    case Activation::Relu:
      return v > 0.0f ? v : 0.0f;
    case Activation::LeakyRelu:
      return v > 0.0f ? v : LEAKY_RELU_SLOPE * v;
    case Activation::Gelu:
      return 0.5f * v * (1.0f + erff(v * INV_SQRT2));
  }
  return v;
}

// act'(z), from a = act(z) where given (sigmoid and tanh, as the CPU backend does).
__device__ float derivative(float z, const float* a, std::size_t i, Activation activation) {
  switch (activation) {
    case Activation::Linear:
      return 1.0f;
    case Activation::Sigmoid: {
      const float s = a ? a[i] : sigmoidOf(z);
      return s * (1.0f - s);
    }
    case Activation::Tanh: {
      const float t = a ? a[i] : tanhf(z);
      return 1.0f - t * t;
    }
    case Activation::Relu:
      return z > 0.0f ? 1.0f : 0.0f;
    case Activation::LeakyRelu:
      return z > 0.0f ? 1.0f : LEAKY_RELU_SLOPE;
    case Activation::Gelu:
      return 0.5f * (1.0f + erff(z * INV_SQRT2)) + z * INV_SQRT_2PI * expf(-0.5f * z * z);
  }
  return 1.0f;
}

template <typename T>
__global__ void gatherKernel(ErrorWord* error, const T* src, std::size_t srcRows, const std::int32_t* index,
                             std::size_t indexCount, const std::int32_t* counters, std::size_t rows, std::size_t cols,
                             float scale, void* out) {
  const std::int32_t cursor = counters[COUNTER_CURSOR];
  if (cursor < 0 || (static_cast<std::size_t>(cursor) + 1) * rows > indexCount) {
    if (blockIdx.x == 0 && threadIdx.x == 0)
      report(error, GATHER_CURSOR, cursor, static_cast<long long>(rows), static_cast<long long>(indexCount));
    return;
  }
  const std::size_t first = static_cast<std::size_t>(cursor) * rows;
  NSB_GRID_STRIDE(e, rows * cols) {
    const std::size_t i = e / cols, j = e - i * cols;
    const std::int32_t idx = index[first + i];
    if (idx < 0 || static_cast<std::size_t>(idx) >= srcRows) {
      report(error, GATHER_INDEX, static_cast<long long>(first + i), idx, static_cast<long long>(srcRows));
      continue;
    }
    const T value = src[static_cast<std::size_t>(idx) * cols + j];
    if constexpr (std::is_same_v<T, std::int32_t>) {
      static_cast<std::int32_t*>(out)[e] = value;  // I32: copied as is
    } else {
      static_cast<float*>(out)[e] = static_cast<float>(value) * scale;
    }
  }
}

__global__ void biasActivationKernel(float* z, const float* bias, float* a, std::size_t rows, std::size_t n,
                                     Activation activation) {
  NSB_GRID_STRIDE(e, rows * n) {
    const float v = z[e] + bias[e % n];
    z[e] = v;
    a[e] = activate(v, activation);
  }
}

__global__ void activationBackwardKernel(const float* da, const float* z, const float* a, float* dz, std::size_t count,
                                         Activation activation) {
  NSB_GRID_STRIDE(i, count) { dz[i] = da[i] * derivative(z[i], a, i, activation); }
}

// Block: BIAS_COLUMNS columns x BIAS_SLICES row slices (threadIdx.x = column, threadIdx.y = slice).
__global__ void biasGradKernel(const float* dz, float* db, std::size_t rows, std::size_t n) {
  __shared__ float partial[BIAS_SLICES][BIAS_COLUMNS];
  const std::size_t column = blockIdx.x * std::size_t{BIAS_COLUMNS} + threadIdx.x;
  float sum = 0.0f;
  if (column < n) {
    for (std::size_t i = threadIdx.y; i < rows; i += BIAS_SLICES) sum += dz[i * n + column];
  }
  partial[threadIdx.y][threadIdx.x] = sum;
  __syncthreads();
  if (threadIdx.y == 0 && column < n) {
    float total = 0.0f;
    for (unsigned s = 0; s < BIAS_SLICES; ++s) total += partial[s][threadIdx.x];
    db[column] = total;
  }
}

// Adds the block's `value`s in a fixed pairwise tree; the result is valid in thread 0.
__device__ double blockSum(double value) {
  __shared__ double shares[REDUCE_THREADS];
  shares[threadIdx.x] = value;
  __syncthreads();
  for (unsigned half = REDUCE_THREADS / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) shares[threadIdx.x] += shares[threadIdx.x + half];
    __syncthreads();
  }
  return shares[0];
}

// One thread per row: the head's output, dz and the row's loss (the CPU backend's formulas).
__global__ void lossRowsKernel(ErrorWord* error, LossArgs x) {
  const std::size_t n = x.n;
  const float inverseCount = 1.0f / static_cast<float>(x.rows * n);
  const float inverseRows = 1.0f / static_cast<float>(x.rows);
  NSB_GRID_STRIDE(i, x.rows) {
    if (x.classTarget && n > 1 && (x.classTarget[i] < 0 || static_cast<std::size_t>(x.classTarget[i]) >= n)) {
      report(error, CLASS_TARGET, static_cast<long long>(i), x.classTarget[i], static_cast<long long>(n));
      x.rowLoss[i] = 0.0;
      continue;
    }
    auto target = [&](std::size_t j) -> float {
      if (x.valueTarget) return x.valueTarget[i * n + j];
      const std::int32_t label = x.classTarget[i];
      if (n == 1) return static_cast<float>(label);
      return static_cast<std::size_t>(label) == j ? 1.0f : 0.0f;
    };
    const float* zr = x.z + i * n;
    float* pr = x.output + i * n;
    float* dr = x.dz + i * n;
    double total = 0.0;
    if (x.head == Head::Softmax) {
      float max = zr[0];
      for (std::size_t j = 1; j < n; ++j) max = fmaxf(max, zr[j]);
      float sum = 0.0f;
      for (std::size_t j = 0; j < n; ++j) sum += expf(zr[j] - max);
      const float logSum = max + logf(sum);
      const float inverseSum = 1.0f / sum;
      if (x.kind == LossKind::CrossEntropy) {
        float targetSum = 0.0f;
        for (std::size_t j = 0; j < n; ++j) targetSum += target(j);
        for (std::size_t j = 0; j < n; ++j) {
          const float t = target(j);
          const float zj = zr[j];  // read before writing: output or dz may be z
          if (t != 0.0f) total -= static_cast<double>(t * (zj - logSum));
          const float p = expf(zj - max) * inverseSum;
          pr[j] = p;
          dr[j] = (p * targetSum - t) * inverseRows;
        }
      } else {
        float dot = 0.0f;
        for (std::size_t j = 0; j < n; ++j) {
          const float p = expf(zr[j] - max) * inverseSum;
          const float diff = p - target(j);
          total += static_cast<double>(diff * diff);
          dot += 2.0f * diff * inverseCount * p;
        }
        for (std::size_t j = 0; j < n; ++j) {
          const float p = expf(zr[j] - max) * inverseSum;
          const float g = 2.0f * (p - target(j)) * inverseCount;
          pr[j] = p;
          dr[j] = p * (g - dot);
        }
      }
    } else {
      for (std::size_t j = 0; j < n; ++j) {
        const float v = zr[j];
        const float t = target(j);
        if (x.head == Head::Linear) {
          const float diff = v - t;
          total += static_cast<double>(diff * diff);
          pr[j] = v;
          dr[j] = 2.0f * diff * inverseCount;
        } else if (x.kind == LossKind::BinaryCrossEntropy) {
          const float softplus = fmaxf(v, 0.0f) + log1pf(expf(-fabsf(v)));
          total += static_cast<double>(softplus - t * v);
          const float p = sigmoidOf(v);
          pr[j] = p;
          dr[j] = (p - t) * inverseCount;
        } else {
          const float p = sigmoidOf(v);
          const float q = sigmoidOf(-v);
          const float diff = p - t;
          total += static_cast<double>(diff * diff);
          pr[j] = p;
          dr[j] = 2.0f * diff * inverseCount * p * q;
        }
      }
    }
    x.rowLoss[i] = total;
  }
}

// One block: loss[0] = the sum of the rows' losses over rows (cross-entropy) or elements.
__global__ void lossTotalKernel(LossArgs x) {
  double share = 0.0;
  for (std::size_t i = threadIdx.x; i < x.rows; i += REDUCE_THREADS) share += x.rowLoss[i];
  const double total = blockSum(share);
  if (threadIdx.x == 0) {
    const bool perRow = x.head == Head::Softmax && x.kind == LossKind::CrossEntropy;
    x.loss[0] = static_cast<float>(total / static_cast<double>(perRow ? x.rows : x.rows * x.n));
  }
}

__global__ void argmaxKernel(const float* z, std::size_t rows, std::size_t n, std::int32_t* predictions) {
  NSB_GRID_STRIDE(i, rows) {
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

// OptimizerMath.h's scheduledLearningRate, on the device.
__device__ float learningRate(const float* hyper, int step) {
  const float lr = hyper[HYPER_LR];
  const int schedule = static_cast<int>(hyper[HYPER_SCHEDULE]);
  if (schedule == 1) {
    const int every = static_cast<int>(hyper[HYPER_STEP_EVERY]);
    if (every <= 0) return lr;
    return lr * powf(hyper[HYPER_STEP_GAMMA], static_cast<float>(step / every));
  }
  if (schedule == 2) {
    const float total = hyper[HYPER_TOTAL_STEPS];
    if (total <= 0.0f) return lr;
    const float progress = fminf(static_cast<float>(step) / total, 1.0f);
    const float minLr = lr * hyper[HYPER_MIN_FACTOR];
    return minLr + 0.5f * (lr - minLr) * (1.0f + cosf(3.14159265358979f * progress));
  }
  return lr;
}

__device__ float signOf(float x) { return static_cast<float>((x > 0.0f) - (x < 0.0f)); }

// The CPU backend's optimizerStep, element by element (CpuKernels.cpp).
__global__ void optimizerKernel(OptimizerArgs o) {
  const float* h = o.hyper;
  const int step = o.counters[COUNTER_STEP];
  const float lr = learningRate(h, step);
  const float l1 = h[HYPER_L1], l2 = h[HYPER_L2], eps = h[HYPER_EPSILON];
  NSB_GRID_STRIDE(i, o.count) {
    float w = o.params[i];
    const bool regularized = i < o.regularized;
    float g = o.grads[i];
    switch (o.kind) {
      case OptimizerKind::Gd:
      case OptimizerKind::Sgd:
        if (regularized) g = g + l2 * w + l1 * signOf(w);
        w -= lr * g;
        break;
      case OptimizerKind::Momentum: {
        if (regularized) g = g + l2 * w + l1 * signOf(w);
        const float s = h[HYPER_MOMENTUM] * o.state1[i] + g;
        o.state1[i] = s;
        w -= lr * s;
        break;
      }
      case OptimizerKind::Nesterov: {
        if (regularized) g = g + l2 * w + l1 * signOf(w);
        const float mu = h[HYPER_MOMENTUM];
        const float s = mu * o.state1[i] + g;
        o.state1[i] = s;
        w -= lr * (g + mu * s);
        break;
      }
      case OptimizerKind::AdaGrad: {
        if (regularized) g = g + l2 * w + l1 * signOf(w);
        const float s = o.state1[i] + g * g;
        o.state1[i] = s;
        w -= lr * g / (sqrtf(s) + eps);
        break;
      }
      case OptimizerKind::RmsProp: {
        if (regularized) g = g + l2 * w + l1 * signOf(w);
        const float rho = h[HYPER_RHO];
        const float s = rho * o.state1[i] + (1.0f - rho) * g * g;
        o.state1[i] = s;
        w -= lr * g / (sqrtf(s) + eps);
        break;
      }
      case OptimizerKind::Adam:
      case OptimizerKind::AdamW: {
        const float b1 = h[HYPER_BETA1], b2 = h[HYPER_BETA2];
        const float t = static_cast<float>(step + 1);
        const float rootC2 = sqrtf(1.0f - powf(b2, t));
        const float stepSize = lr / (1.0f - powf(b1, t)) * rootC2;
        const float epsScaled = eps * rootC2;
        float l2Term = l2;
        if (o.kind == OptimizerKind::AdamW) {
          // Decoupled decay on the regularized weights first, no L2 term in the gradient.
          if (regularized) w -= lr * h[HYPER_WEIGHT_DECAY] * w;
          l2Term = 0.0f;
        }
        if (regularized) g = g + l2Term * w + l1 * signOf(w);
        const float m = b1 * o.state1[i] + (1.0f - b1) * g;
        const float v = b2 * o.state2[i] + (1.0f - b2) * g * g;
        o.state1[i] = m;
        o.state2[i] = v;
        w -= stepSize * m / (sqrtf(v) + epsScaled);
        break;
      }
    }
    o.params[i] = w;
  }
}

__global__ void advanceKernel(std::int32_t* counters) {
  counters[COUNTER_STEP] += 1;
  counters[COUNTER_CURSOR] += 1;
}

// One block per segment.
__global__ void sumSquaresKernel(const float* x, const float* y, const unsigned long long* segments, float* out) {
  const std::size_t begin = segments[2 * blockIdx.x], end = segments[2 * blockIdx.x + 1];
  double share = 0.0;
  for (std::size_t i = begin + threadIdx.x; i < end; i += REDUCE_THREADS) {
    const double d = y ? static_cast<double>(x[i]) - static_cast<double>(y[i]) : static_cast<double>(x[i]);
    share += d * d;
  }
  const double total = blockSum(share);
  if (threadIdx.x == 0) out[blockIdx.x] = static_cast<float>(total);
}

__global__ void magnitudeKernel(SpectrumLayout layout, const float* spectrum, const float* images, float* magnitude,
                                std::size_t count, std::size_t height) {
  NSB_GRID_STRIDE(i, count) {
    if (layout == SpectrumLayout::Single) {
      magnitude[i] = fabsf(images[i]);
      continue;
    }
    std::size_t k = i;
    if (layout == SpectrumLayout::Column) {
      // A real signal's DFT mirrors: |X[u]| = |X[height - u]|; cuFFT keeps height / 2 + 1 values per image.
      const std::size_t image = i / height, u = i - image * height;
      k = image * (height / 2 + 1) + (u <= height - u ? u : height - u);
    }
    magnitude[i] = hypotf(spectrum[2 * k], spectrum[2 * k + 1]);
  }
}

// One block per tile of rows, one thread per output column (FUSED_MAX_WIDTH threads). Each output is the
// GEMM's sum over k in order, then + bias, then the activation: the CPU backend's z and a to rounding.
__global__ void fusedMlpKernel(FusedMlpArgs args) {
  __shared__ float tile[2][FUSED_TILE_ROWS][FUSED_MAX_WIDTH];
  const std::size_t row0 = blockIdx.x * std::size_t{FUSED_TILE_ROWS};
  const unsigned rowsHere = static_cast<unsigned>(min(std::size_t{FUSED_TILE_ROWS}, args.rows - row0));
  const unsigned in0 = args.layer[0].in;
  for (unsigned e = threadIdx.x; e < rowsHere * in0; e += blockDim.x)
    tile[0][e / in0][e % in0] = args.input[(row0 + e / in0) * in0 + e % in0];
  __syncthreads();
  unsigned from = 0;
  for (unsigned l = 0; l < args.layers; ++l) {
    const FusedMlpArgs::Layer& layer = args.layer[l];
    const unsigned j = threadIdx.x;
    if (j < layer.out) {
      const float* w = layer.weight + std::size_t{j} * layer.in;
      const float b = layer.bias[j];
      for (unsigned r = 0; r < rowsHere; ++r) {
        float sum = 0.0f;
        for (unsigned k = 0; k < layer.in; ++k) sum += tile[from][r][k] * w[k];
        const float v = sum + b;
        const std::size_t o = (row0 + r) * layer.out + j;
        const float a = activate(v, layer.activation);
        layer.z[o] = v;
        layer.a[o] = a;
        tile[1 - from][r][j] = a;
      }
    }
    __syncthreads();
    from = 1 - from;
  }
}

}  // namespace

void launchFusedMlp(cudaStream_t stream, const FusedMlpArgs& args) {
  const auto blocks = static_cast<unsigned>((args.rows + FUSED_TILE_ROWS - 1) / FUSED_TILE_ROWS);
  fusedMlpKernel<<<blocks, static_cast<unsigned>(FUSED_MAX_WIDTH), 0, stream>>>(args);
}

void launchGather(cudaStream_t stream, ErrorWord* error, const void* src, DType dtype, std::size_t srcRows,
                  const std::int32_t* index, std::size_t indexCount, const std::int32_t* counters, void* dst,
                  std::size_t rows, std::size_t cols, float scale) {
  const Launch l = elementLaunch(rows * cols);
  switch (dtype) {
    case DType::U8:
      gatherKernel<std::uint8_t><<<l.blocks, l.threads, 0, stream>>>(
          error, static_cast<const std::uint8_t*>(src), srcRows, index, indexCount, counters, rows, cols, scale, dst);
      return;
    case DType::F32:
      gatherKernel<float><<<l.blocks, l.threads, 0, stream>>>(error, static_cast<const float*>(src), srcRows, index,
                                                              indexCount, counters, rows, cols, scale, dst);
      return;
    case DType::I32:
      gatherKernel<std::int32_t><<<l.blocks, l.threads, 0, stream>>>(
          error, static_cast<const std::int32_t*>(src), srcRows, index, indexCount, counters, rows, cols, scale, dst);
      return;
  }
}

void launchBiasActivation(cudaStream_t stream, float* z, const float* bias, float* a, std::size_t rows, std::size_t n,
                          Activation activation) {
  const Launch l = elementLaunch(rows * n);
  biasActivationKernel<<<l.blocks, l.threads, 0, stream>>>(z, bias, a, rows, n, activation);
}

void launchActivationBackward(cudaStream_t stream, const float* da, const float* z, const float* a, float* dz,
                              std::size_t count, Activation activation) {
  const Launch l = elementLaunch(count);
  activationBackwardKernel<<<l.blocks, l.threads, 0, stream>>>(da, z, a, dz, count, activation);
}

void launchBiasGrad(cudaStream_t stream, const float* dz, float* db, std::size_t rows, std::size_t n) {
  const Launch l = biasGradLaunch(n);
  biasGradKernel<<<l.blocks, dim3(BIAS_COLUMNS, BIAS_SLICES), 0, stream>>>(dz, db, rows, n);
}

void launchLoss(cudaStream_t stream, ErrorWord* error, const LossArgs& args) {
  const Launch l = elementLaunch(args.rows);
  lossRowsKernel<<<l.blocks, l.threads, 0, stream>>>(error, args);
  lossTotalKernel<<<1, REDUCE_THREADS, 0, stream>>>(args);
}

void launchArgmax(cudaStream_t stream, const float* z, std::size_t rows, std::size_t n, std::int32_t* predictions) {
  const Launch l = elementLaunch(rows);
  argmaxKernel<<<l.blocks, l.threads, 0, stream>>>(z, rows, n, predictions);
}

void launchOptimizer(cudaStream_t stream, const OptimizerArgs& args) {
  const Launch l = elementLaunch(args.count);
  optimizerKernel<<<l.blocks, l.threads, 0, stream>>>(args);
}

void launchAdvance(cudaStream_t stream, std::int32_t* counters) { advanceKernel<<<1, 1, 0, stream>>>(counters); }

void launchSumSquares(cudaStream_t stream, const float* x, const float* y, const unsigned long long* segments,
                      std::size_t count, float* out) {
  if (count == 0) return;
  sumSquaresKernel<<<static_cast<unsigned>(count), REDUCE_THREADS, 0, stream>>>(x, y, segments, out);
}

void launchMagnitude(cudaStream_t stream, SpectrumLayout layout, const float* spectrum, const float* images,
                     float* magnitude, std::size_t count, std::size_t height, std::size_t half) {
  const std::size_t values = count * height * half;
  const Launch l = elementLaunch(values);
  magnitudeKernel<<<l.blocks, l.threads, 0, stream>>>(layout, spectrum, images, magnitude, values, height);
}

}  // namespace nsb::compute::cuda
