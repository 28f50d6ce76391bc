#pragma once
// The CUDA backend's kernels, one launch function per op of Op.h (GEMM goes to cuBLAS and the spectrum's
// FFT to cuFFT in CudaProgram). The formulas are the CPU backend's (CpuKernels.cpp) and the update rules
// OptimizerMath.h's; sums run in a fixed order without float atomics, so results repeat run to run.
// Bad data found on the device (an index outside the dataset, a class outside the logits) is reported
// through the error word and turned into a one-line runtime error by the backend.
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "compute/Op.h"
#include "compute/cuda/CudaPlan.h"

namespace nsb::compute::cuda {

// The device's error word: the first problem a kernel met (code, then three numbers for the message).
enum DeviceError : int { DEVICE_OK = 0, GATHER_CURSOR = 1, GATHER_INDEX = 2, CLASS_TARGET = 3 };
struct ErrorWord {
  int code = DEVICE_OK;
  long long a = 0, b = 0, c = 0;
};

void launchGather(cudaStream_t stream, ErrorWord* error, const void* src, DType dtype, std::size_t srcRows,
                  const std::int32_t* index, std::size_t indexCount, const std::int32_t* counters, void* dst,
                  std::size_t rows, std::size_t cols, float scale);

void launchBiasActivation(cudaStream_t stream, float* z, const float* bias, float* a, std::size_t rows, std::size_t n,
                          Activation activation);

// a may be null (the derivative then comes from z).
void launchActivationBackward(cudaStream_t stream, const float* da, const float* z, const float* a, float* dz,
                              std::size_t count, Activation activation);

void launchBiasGrad(cudaStream_t stream, const float* dz, float* db, std::size_t rows, std::size_t n);

struct LossArgs {
  const float* z = nullptr;
  const std::int32_t* classTarget = nullptr;
  const float* valueTarget = nullptr;
  float* output = nullptr;
  float* loss = nullptr;
  float* dz = nullptr;
  double* rowLoss = nullptr;  // [rows] scratch on the device
  std::size_t rows = 0, n = 0;
  Head head = Head::Softmax;
  LossKind kind = LossKind::CrossEntropy;
};
void launchLoss(cudaStream_t stream, ErrorWord* error, const LossArgs& args);

void launchArgmax(cudaStream_t stream, const float* z, std::size_t rows, std::size_t n, std::int32_t* predictions);

struct OptimizerArgs {
  float* params = nullptr;
  const float* grads = nullptr;
  float* state1 = nullptr;
  float* state2 = nullptr;
  std::size_t count = 0, regularized = 0;
  const float* hyper = nullptr;            // on the device: live edits need no re-recording
  const std::int32_t* counters = nullptr;  // on the device: counters[COUNTER_STEP]
  OptimizerKind kind = OptimizerKind::Adam;
};
void launchOptimizer(cudaStream_t stream, const OptimizerArgs& args);

void launchAdvance(cudaStream_t stream, std::int32_t* counters);

// segments: [count] (begin, end) pairs on the device; out[s] = the sum of segment s.
void launchSumSquares(cudaStream_t stream, const float* x, const float* y, const unsigned long long* segments,
                      std::size_t count, float* out);

// How the spectrum op's magnitudes come from cuFFT's output (CudaProgram's bind(SpectrumOp)).
enum class SpectrumLayout {
  Direct,  // a 2D (or, one row high, 1D) real-to-complex transform: cuFFT's output is the op's layout
  Column,  // one column wide: a 1D transform down the column gives height / 2 + 1 values, the rest mirror them
  Single,  // 1 x 1 images: the transform is the value itself
};
// magnitude[c, u, v] for `images` images of `height` x `half` outputs from cuFFT's `spectrum` (interleaved
// re, im) or, for Single, from the images themselves.
void launchMagnitude(cudaStream_t stream, SpectrumLayout layout, const float* spectrum, const float* images,
                     float* magnitude, std::size_t count, std::size_t height, std::size_t half);

// A chain of dense layers (CudaPlan.h's planFusedMlp) in one launch: tiles of FUSED_TILE_ROWS rows stay
// in shared memory from layer to layer; every layer's z and a are still written (backward reads them).
struct FusedMlpArgs {
  const float* input = nullptr;  // [rows, layer[0].in]
  std::size_t rows = 0;
  unsigned layers = 0;
  struct Layer {
    const float* weight = nullptr;  // [out, in]
    const float* bias = nullptr;    // [out]
    float* z = nullptr;             // [rows, out]
    float* a = nullptr;             // [rows, out]; may be z
    unsigned in = 0, out = 0;
    Activation activation = Activation::Linear;
  } layer[FUSED_MAX_LAYERS];
};
void launchFusedMlp(cudaStream_t stream, const FusedMlpArgs& args);

}  // namespace nsb::compute::cuda
