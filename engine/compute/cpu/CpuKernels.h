#pragma once
// The CPU backend's kernels over raw host pointers, one function per op of Op.h. Each runs on the thread
// that calls it (OpenBLAS single-threaded; CpuProgram hands bands of an op to CpuWorkers) and every
// reduction runs in a fixed order, so results repeat bit for bit.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "compute/Op.h"

namespace nsb::compute::cpu {

// dst[i, :] = src[index[first + i], :] * scale for i < rows; srcRows bounds the index values. Rows are
// prefetched a few positions ahead up to index position prefetchEnd (the batch's end, past this band's, so
// that a band's first rows are already on their way when the band before ends on the same thread).
void gatherU8(const std::uint8_t* src, std::size_t srcRows, const std::int32_t* index, std::size_t first,
              std::size_t rows, std::size_t cols, float scale, float* dst, std::size_t prefetchEnd);
void gatherF32(const float* src, std::size_t srcRows, const std::int32_t* index, std::size_t first, std::size_t rows,
               std::size_t cols, float scale, float* dst, std::size_t prefetchEnd);
void gatherI32(const std::int32_t* src, std::size_t srcRows, const std::int32_t* index, std::size_t first,
               std::size_t rows, std::size_t cols, std::int32_t* dst);

// Row-major c[m, n] = alpha * op(a) * op(b) + beta * c through cblas_sgemm; lda/ldb/ldc are the stored rows' lengths.
void gemm(const float* a, std::size_t lda, bool transA, const float* b, std::size_t ldb, bool transB, float* c,
          std::size_t ldc, std::size_t m, std::size_t n, std::size_t k, float alpha, float beta);

// z[i, j] += bias[j]; a[i, j] = act(z[i, j]). a may be z.
void biasActivation(float* z, const float* bias, float* a, std::size_t rows, std::size_t n, Activation activation);

// dz = da * act'(z). `a` (= act(z)) may be null; when given, sigmoid and tanh take their derivative from it.
// dz may be da.
void activationBackward(const float* da, const float* z, const float* a, float* dz, std::size_t count,
                        Activation activation);

// db[j] = sum over rows of dz[i, j], rows in order.
void biasGrad(const float* dz, float* db, std::size_t rows, std::size_t n);

struct LossArgs {
  const float* z = nullptr;
  const std::int32_t* classTarget = nullptr;  // [rows] class indices, or
  const float* valueTarget = nullptr;         // [rows, n] values
  float* output = nullptr;
  float* loss = nullptr;
  float* dz = nullptr;        // may be z
  double* rowLoss = nullptr;  // [rows] scratch: each row's loss, summed in row order by lossTotal
  std::size_t rows = 0, n = 0;
  Head head = Head::Softmax;
  LossKind kind = LossKind::CrossEntropy;
};
// Whether the CPU backend implements this head + loss pair (the pairs ModelSpec::validate accepts).
// Rows [begin, end): the head's output, dz and rowLoss; rows are independent, so parts may run at once.
void loss(const LossArgs& args, std::size_t begin, std::size_t end);
// loss[0] from rowLoss, summed in row order (the same for any split of the rows).
void lossTotal(const LossArgs& args);

void argmax(const float* z, std::size_t rows, std::size_t n, std::int32_t* predictions);

struct OptimizerArgs {
  float* params = nullptr;
  const float* grads = nullptr;
  float* state1 = nullptr;
  float* state2 = nullptr;
  std::size_t count = 0, regularized = 0;
  const float* hyper = nullptr;  // HYPER_COUNT values
  std::int32_t step = 0;
  OptimizerKind kind = OptimizerKind::Adam;
};
void optimizerStep(const OptimizerArgs& args);

// out = sum of (x - y)^2 (or x^2 when y is null) over [begin, end), in element order, accumulated in double.
float sumSquares(const float* x, const float* y, std::size_t begin, std::size_t end);

// The direct 2D DFT magnitude of one image [height, width] -> [height, width / 2 + 1], rows then columns,
// in double. The tables are made once (prepare) so that a run allocates nothing.
class SpectrumScratch {
 public:
  void prepare(std::size_t height, std::size_t width);
  void run(const float* image, float* magnitude);

 private:
  std::size_t mHeight = 0, mWidth = 0, mHalf = 0;
  std::vector<double> mCosW, mSinW, mCosH, mSinH, mRe, mIm;
};

}  // namespace nsb::compute::cpu
