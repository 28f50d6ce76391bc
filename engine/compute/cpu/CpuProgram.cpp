// CpuProgram: compile-time validation of every op and the per-submit dispatch to CpuKernels. A wrong
// graph is a bug in its builder, so it fails an NSB_CHECK naming the op and the tensor at compile().
#include "compute/cpu/CpuProgram.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>

#include "compute/OptimizerMath.h"
#include "compute/cpu/DenormalsAsZero.h"
#include "core/Check.h"

namespace nsb::compute::cpu {
namespace {

// Every op is cut into bands chosen from its shape alone (CpuWorkers), so that its results do not depend
// on the thread count. Element-wise ops smaller than PARALLEL_ELEMENTS are one band: below it a hand-over
// to the workers costs more than it saves; larger ones are bands of ELEMENT_BAND elements (32 KiB of each
// array), small enough that 2 or 3 threads finish close together. Element bands start on cache lines.
constexpr std::size_t PARALLEL_ELEMENTS = 16384;
constexpr std::size_t ELEMENT_BAND = 8192;
constexpr std::size_t FLOATS_PER_LINE = 16;
constexpr std::size_t LOSS_PARALLEL_ROWS = 64;  // a row costs n exponentials, not n plain operations
constexpr std::size_t LOSS_BAND_ROWS = 32;
// A GEMM under PARALLEL_GEMM_MACS multiply-adds is one band; larger ones get about one band per BAND_MACS,
// an even count (two threads, the common case, then finish together) of at most MAX_GEMM_BANDS.
constexpr std::size_t PARALLEL_GEMM_MACS = std::size_t{1} << 18;
constexpr std::size_t BAND_MACS = std::size_t{1} << 20;
constexpr std::size_t MAX_GEMM_BANDS = 16;
constexpr std::size_t MIN_BAND_ROWS = 64;

std::size_t ceilDiv(std::size_t a, std::size_t b) { return (a + b - 1) / b; }

std::size_t elementBand(std::size_t count) { return count < PARALLEL_ELEMENTS ? count : ELEMENT_BAND; }

// The rows of a [rows, cols] op in one band: ELEMENT_BAND elements' worth.
std::size_t rowBand(std::size_t rows, std::size_t cols) {
  if (rows * cols < PARALLEL_ELEMENTS) return rows;
  return std::max<std::size_t>(1, ELEMENT_BAND / std::max<std::size_t>(cols, 1));
}

// How a GEMM with op(a) [m, k] and op(b) [k, n] is cut: bands of rows of C unless C is short and wide.
// A band of columns is a strided block for OpenBLAS (256x64 . 64x784 on 2 threads: 170 us by rows, 208
// by columns), but 32-row bands of 64x256 . 256x784 each pack all of B (189 us by rows, 157 by columns).
struct GemmBands {
  bool byRows = true;
  std::size_t band = 0;  // rows or columns of C per band
};

GemmBands gemmBands(std::size_t m, std::size_t n, std::size_t k) {
  GemmBands plan;
  plan.byRows = m >= n || m >= 2 * MIN_BAND_ROWS;
  const std::size_t extent = plan.byRows ? m : n;
  const std::size_t macs = m * n * k;
  if (macs < PARALLEL_GEMM_MACS) {
    plan.band = extent;
    return plan;
  }
  std::size_t bands = std::clamp<std::size_t>(macs / BAND_MACS, 2, MAX_GEMM_BANDS);
  bands += bands % 2;
  plan.band = ceilDiv(ceilDiv(extent, bands), FLOATS_PER_LINE) * FLOATS_PER_LINE;
  return plan;
}

bool overlaps(const Tensor& a, const Tensor& b) {
  if (a.buffer != b.buffer) return false;
  const std::size_t aBegin = a.byteOffset(), aEnd = aBegin + a.bytes();
  const std::size_t bBegin = b.byteOffset(), bEnd = bBegin + b.bytes();
  return aBegin < bEnd && bBegin < aEnd;
}

bool sameRange(const Tensor& a, const Tensor& b) {
  return a.buffer == b.buffer && a.byteOffset() == b.byteOffset() && a.bytes() == b.bytes();
}

// In place (the very same range) or apart; a partial overlap would make the result order-dependent.
bool inPlaceOrApart(const Tensor& a, const Tensor& b) { return sameRange(a, b) || !overlaps(a, b); }

}  // namespace

CpuProgram::CpuProgram(const CpuBufferTable& buffers, CpuWorkers& workers, const Graph& graph, bool timing)
    : mBuffers(buffers), mWorkers(workers), mOps(graph.ops), mTiming(timing) {
  mLabels.reserve(mOps.size());
  mFlops.reserve(mOps.size());
  mSpectrumIndex.assign(mOps.size(), 0);
  for (std::size_t i = 0; i < mOps.size(); ++i) {
    mLabels.push_back(graph.label(i));
    mFlops.push_back(opFlops(mOps[i]));
    std::visit([&](const auto& op) { validate(op, i); }, mOps[i]);
  }
  if (mTiming) mMicroseconds.assign(mOps.size(), 0.0);
}

void CpuProgram::submit(std::uint32_t repeats) {
  const DenormalsAsZero flush;
  if (!mTiming) {
    for (std::uint32_t r = 0; r < repeats; ++r) {
      for (std::size_t i = 0; i < mOps.size(); ++i) std::visit([&](const auto& op) { execute(op, i); }, mOps[i]);
    }
    return;
  }
  using Clock = std::chrono::steady_clock;
  std::fill(mMicroseconds.begin(), mMicroseconds.end(), 0.0);
  for (std::uint32_t r = 0; r < repeats; ++r) {
    for (std::size_t i = 0; i < mOps.size(); ++i) {
      const auto start = Clock::now();
      std::visit([&](const auto& op) { execute(op, i); }, mOps[i]);
      mMicroseconds[i] += std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    }
  }
  if (repeats > 0) {
    for (double& us : mMicroseconds) us /= static_cast<double>(repeats);
  }
}

std::vector<OpTiming> CpuProgram::timings() {
  std::vector<OpTiming> result;
  if (!mTiming) return result;
  result.reserve(mOps.size());
  for (std::size_t i = 0; i < mOps.size(); ++i) result.push_back({mLabels[i], mMicroseconds[i], mFlops[i], 1, mOps[i].index()});
  return result;
}

std::string CpuProgram::where(std::size_t i) const {
  return "cpu backend: op " + std::to_string(i) + " (" + mLabels[i] + ")";
}

void CpuProgram::require(const Tensor& tensor, DType dtype, std::size_t i, const char* what) const {
  NSB_CHECK(tensor.valid()) << where(i) << ": tensor '" << what << "' is not set";
  NSB_CHECK(tensor.dtype == dtype) << where(i) << ": tensor '" << what << "' is " << tensor.describe()
                                   << ", expected " << dtypeName(dtype);
  NSB_CHECK(mBuffers.contains(tensor.buffer))
      << where(i) << ": tensor '" << what << "' names buffer " << tensor.buffer.value << ", which does not exist";
  NSB_CHECK(tensor.byteOffset() + tensor.bytes() <= mBuffers.bytes(tensor.buffer))
      << where(i) << ": tensor '" << what << "' " << tensor.describe() << " at element " << tensor.offset
      << " overruns its buffer of " << mBuffers.bytes(tensor.buffer) << " bytes";
}

// ---- validation --------------------------------------------------------------------------------

void CpuProgram::validate(const GatherOp& op, std::size_t i) {
  NSB_CHECK(op.src.valid() && op.dst.valid()) << where(i) << ": src and dst must be set";
  const DType out = op.src.dtype == DType::I32 ? DType::I32 : DType::F32;
  require(op.src, op.src.dtype, i, "src");
  require(op.dst, out, i, "dst");
  require(op.index, DType::I32, i, "index");
  require(op.counters, DType::I32, i, "counters");
  NSB_CHECK(op.counters.elements() >= COUNTER_COUNT) << where(i) << ": counters needs " << COUNTER_COUNT << " slots";
  NSB_CHECK(op.src.cols() == op.dst.cols())
      << where(i) << ": src rows of " << op.src.cols() << " elements, dst rows of " << op.dst.cols();
  NSB_CHECK(op.dst.rows() <= op.index.elements()) << where(i) << ": a batch of " << op.dst.rows()
                                                  << " rows from an index of " << op.index.elements();
  NSB_CHECK(!overlaps(op.src, op.dst)) << where(i) << ": src and dst overlap";
}

void CpuProgram::validate(const GemmOp& op, std::size_t i) {
  require(op.a, DType::F32, i, "a");
  require(op.b, DType::F32, i, "b");
  require(op.c, DType::F32, i, "c");
  const std::size_t m = op.transA ? op.a.cols() : op.a.rows();
  const std::size_t k = op.transA ? op.a.rows() : op.a.cols();
  const std::size_t kb = op.transB ? op.b.cols() : op.b.rows();
  const std::size_t n = op.transB ? op.b.rows() : op.b.cols();
  NSB_CHECK(k == kb) << where(i) << ": op(a) is [" << m << ", " << k << "] but op(b) is [" << kb << ", " << n << "]";
  NSB_CHECK(op.c.rows() == m && op.c.cols() == n)
      << where(i) << ": c is " << op.c.describe() << ", expected [" << m << ", " << n << "]";
  NSB_CHECK(m > 0 && n > 0 && k > 0) << where(i) << ": empty product";
  constexpr auto INT_LIMIT = static_cast<std::size_t>(INT_MAX);
  NSB_CHECK(m <= INT_LIMIT && n <= INT_LIMIT && k <= INT_LIMIT && op.a.cols() <= INT_LIMIT && op.b.cols() <= INT_LIMIT)
      << where(i) << ": dimensions exceed BLAS's int range";
  NSB_CHECK(!overlaps(op.c, op.a) && !overlaps(op.c, op.b)) << where(i) << ": c overlaps an input";
}

void CpuProgram::validate(const BiasActivationOp& op, std::size_t i) {
  require(op.z, DType::F32, i, "z");
  require(op.bias, DType::F32, i, "bias");
  require(op.a, DType::F32, i, "a");
  NSB_CHECK(op.bias.elements() == op.z.cols())
      << where(i) << ": bias " << op.bias.describe() << " for rows of " << op.z.cols();
  NSB_CHECK(op.a.elements() == op.z.elements()) << where(i) << ": a " << op.a.describe() << " vs z " << op.z.describe();
  NSB_CHECK(inPlaceOrApart(op.a, op.z)) << where(i) << ": a partly overlaps z";
  NSB_CHECK(!overlaps(op.bias, op.z) && !overlaps(op.bias, op.a)) << where(i) << ": bias overlaps z or a";
}

void CpuProgram::validate(const ActivationBackwardOp& op, std::size_t i) {
  require(op.da, DType::F32, i, "da");
  require(op.z, DType::F32, i, "z");
  require(op.dz, DType::F32, i, "dz");
  NSB_CHECK(op.da.elements() == op.z.elements() && op.dz.elements() == op.z.elements())
      << where(i) << ": da " << op.da.describe() << ", z " << op.z.describe() << ", dz " << op.dz.describe()
      << " differ in size";
  NSB_CHECK(inPlaceOrApart(op.dz, op.da) && inPlaceOrApart(op.dz, op.z)) << where(i) << ": dz partly overlaps an input";
  if (op.a.valid()) {
    require(op.a, DType::F32, i, "a");
    NSB_CHECK(op.a.elements() == op.z.elements()) << where(i) << ": a " << op.a.describe() << " vs z " << op.z.describe();
    NSB_CHECK(inPlaceOrApart(op.dz, op.a)) << where(i) << ": dz partly overlaps a";
  }
}

void CpuProgram::validate(const BiasGradOp& op, std::size_t i) {
  require(op.dz, DType::F32, i, "dz");
  require(op.db, DType::F32, i, "db");
  NSB_CHECK(op.db.elements() == op.dz.cols()) << where(i) << ": db " << op.db.describe() << " for rows of " << op.dz.cols();
  NSB_CHECK(!overlaps(op.db, op.dz)) << where(i) << ": db overlaps dz";
}

void CpuProgram::validate(const LossOp& op, std::size_t i) {
  NSB_CHECK(lossSupported(op.head, op.loss_kind))
      << where(i) << ": the " << headName(op.head) << " head does not go with the " << lossName(op.loss_kind) << " loss";
  require(op.z, DType::F32, i, "z");
  require(op.output, DType::F32, i, "output");
  require(op.loss, DType::F32, i, "loss");
  require(op.dz, DType::F32, i, "dz");
  NSB_CHECK(op.target.valid()) << where(i) << ": tensor 'target' is not set";
  const std::size_t rows = op.z.rows(), n = op.z.cols();
  NSB_CHECK(rows > 0 && n > 0) << where(i) << ": empty logits";
  if (op.target.dtype == DType::I32) {
    require(op.target, DType::I32, i, "target");
    NSB_CHECK(op.target.elements() == rows) << where(i) << ": class target " << op.target.describe() << " for "
                                            << rows << " rows";
  } else {
    require(op.target, DType::F32, i, "target");
    NSB_CHECK(op.target.elements() == rows * n) << where(i) << ": target " << op.target.describe() << " vs z "
                                                << op.z.describe();
  }
  NSB_CHECK(op.output.elements() == rows * n && op.dz.elements() == rows * n)
      << where(i) << ": output " << op.output.describe() << " and dz " << op.dz.describe() << " must match z "
      << op.z.describe();
  NSB_CHECK(op.loss.elements() >= 1) << where(i) << ": loss needs one element";
  mLossRows.resize(std::max(mLossRows.size(), rows));
  NSB_CHECK(!overlaps(op.output, op.dz)) << where(i) << ": output and dz overlap";
  NSB_CHECK(inPlaceOrApart(op.output, op.z) && inPlaceOrApart(op.dz, op.z)) << where(i) << ": output or dz partly overlaps z";
  NSB_CHECK(!overlaps(op.loss, op.z) && !overlaps(op.loss, op.output) && !overlaps(op.loss, op.dz) &&
            !overlaps(op.target, op.output) && !overlaps(op.target, op.dz))
      << where(i) << ": loss or target overlaps another tensor";
}

void CpuProgram::validate(const ArgmaxOp& op, std::size_t i) {
  require(op.z, DType::F32, i, "z");
  require(op.predictions, DType::I32, i, "predictions");
  NSB_CHECK(op.predictions.elements() == op.z.rows())
      << where(i) << ": predictions " << op.predictions.describe() << " for " << op.z.rows() << " rows";
  NSB_CHECK(op.z.cols() > 0) << where(i) << ": empty rows";
}

void CpuProgram::validate(const OptimizerOp& op, std::size_t i) {
  require(op.params, DType::F32, i, "params");
  require(op.grads, DType::F32, i, "grads");
  require(op.hyper, DType::F32, i, "hyper");
  require(op.counters, DType::I32, i, "counters");
  const std::size_t count = op.params.elements();
  NSB_CHECK(op.grads.elements() == count) << where(i) << ": grads " << op.grads.describe() << " vs params "
                                          << op.params.describe();
  NSB_CHECK(op.regularized <= count) << where(i) << ": " << op.regularized << " regularized of " << count << " params";
  NSB_CHECK(op.hyper.elements() >= HYPER_COUNT) << where(i) << ": hyper needs " << HYPER_COUNT << " slots";
  NSB_CHECK(op.counters.elements() >= COUNTER_COUNT) << where(i) << ": counters needs " << COUNTER_COUNT << " slots";
  NSB_CHECK(!overlaps(op.params, op.grads)) << where(i) << ": params overlap grads";
  const int states = optimizerStateCount(op.kind);
  const Tensor* state[2] = {&op.state1, &op.state2};
  const char* names[2] = {"state1", "state2"};
  for (int s = 0; s < states; ++s) {
    require(*state[s], DType::F32, i, names[s]);
    NSB_CHECK(state[s]->elements() == count)
        << where(i) << ": " << names[s] << " " << state[s]->describe() << " must be as large as params";
    NSB_CHECK(!overlaps(*state[s], op.params) && !overlaps(*state[s], op.grads))
        << where(i) << ": " << names[s] << " overlaps params or grads";
  }
  if (states == 2) {
    NSB_CHECK(!overlaps(op.state1, op.state2)) << where(i) << ": state1 overlaps state2";
  }
}

void CpuProgram::validate(const AdvanceOp& op, std::size_t i) {
  require(op.counters, DType::I32, i, "counters");
  NSB_CHECK(op.counters.elements() >= COUNTER_COUNT) << where(i) << ": counters needs " << COUNTER_COUNT << " slots";
}

void CpuProgram::validate(const CopyOp& op, std::size_t i) {
  NSB_CHECK(op.src.valid()) << where(i) << ": tensor 'src' is not set";
  require(op.src, op.src.dtype, i, "src");
  require(op.dst, op.src.dtype, i, "dst");
  NSB_CHECK(op.src.elements() == op.dst.elements()) << where(i) << ": src " << op.src.describe() << " vs dst "
                                                    << op.dst.describe();
}

void CpuProgram::validate(const SumSquaresOp& op, std::size_t i) {
  require(op.x, DType::F32, i, "x");
  require(op.out, DType::F32, i, "out");
  if (op.y.valid()) {
    require(op.y, DType::F32, i, "y");
    NSB_CHECK(op.y.elements() == op.x.elements()) << where(i) << ": y " << op.y.describe() << " vs x " << op.x.describe();
  }
  NSB_CHECK(op.out.elements() == op.segments.size())
      << where(i) << ": out " << op.out.describe() << " for " << op.segments.size() << " segments";
  for (const auto& [begin, end] : op.segments) {
    NSB_CHECK(begin <= end && end <= op.x.elements())
        << where(i) << ": segment [" << begin << ", " << end << ") outside x " << op.x.describe();
  }
  NSB_CHECK(!overlaps(op.out, op.x) && (!op.y.valid() || !overlaps(op.out, op.y))) << where(i) << ": out overlaps an input";
}

void CpuProgram::validate(const SpectrumOp& op, std::size_t i) {
  require(op.images, DType::F32, i, "images");
  require(op.magnitude, DType::F32, i, "magnitude");
  const std::size_t points = op.height * op.width;
  NSB_CHECK(points > 0 && op.images.elements() % points == 0 && op.images.elements() > 0)
      << where(i) << ": images " << op.images.describe() << " are not whole " << op.height << "x" << op.width << " images";
  const std::size_t count = op.images.elements() / points;
  NSB_CHECK(op.magnitude.elements() == count * op.height * (op.width / 2 + 1))
      << where(i) << ": magnitude " << op.magnitude.describe() << ", expected " << count << "x" << op.height << "x"
      << op.width / 2 + 1;
  NSB_CHECK(!overlaps(op.images, op.magnitude)) << where(i) << ": magnitude overlaps images";
  mSpectrumIndex[i] = mSpectra.size();
  mSpectra.emplace_back().prepare(op.height, op.width);
}

// ---- execution ---------------------------------------------------------------------------------

void CpuProgram::execute(const GatherOp& op, std::size_t) {
  const std::int32_t cursor = mBuffers.at<std::int32_t>(op.counters)[COUNTER_CURSOR];
  const std::size_t rows = op.dst.rows(), cols = op.dst.cols();
  NSB_CHECK(cursor >= 0 && (static_cast<std::size_t>(cursor) + 1) * rows <= op.index.elements())
      << "gather: batch " << cursor << " of " << rows << " rows runs past the index of " << op.index.elements();
  const std::size_t first = static_cast<std::size_t>(cursor) * rows;
  const std::int32_t* index = mBuffers.at<std::int32_t>(op.index);
  const std::size_t srcRows = op.src.rows();
  const std::size_t band = rowBand(rows, cols);
  switch (op.src.dtype) {
    case DType::U8: {
      const std::uint8_t* src = mBuffers.at<std::uint8_t>(op.src);
      float* dst = mBuffers.at<float>(op.dst);
      mWorkers.forBands(rows, band, [&](std::size_t b, std::size_t e) {
        gatherU8(src, srcRows, index, first + b, e - b, cols, op.scale, dst + b * cols);
      });
      return;
    }
    case DType::F32: {
      const float* src = mBuffers.at<float>(op.src);
      float* dst = mBuffers.at<float>(op.dst);
      mWorkers.forBands(rows, band, [&](std::size_t b, std::size_t e) {
        gatherF32(src, srcRows, index, first + b, e - b, cols, op.scale, dst + b * cols);
      });
      return;
    }
    case DType::I32:
      gatherI32(mBuffers.at<std::int32_t>(op.src), srcRows, index, first, rows, cols, mBuffers.at<std::int32_t>(op.dst));
      return;
  }
}

void CpuProgram::execute(const GemmOp& op, std::size_t) {
  const std::size_t m = op.transA ? op.a.cols() : op.a.rows();
  const std::size_t k = op.transA ? op.a.rows() : op.a.cols();
  const std::size_t n = op.transB ? op.b.rows() : op.b.cols();
  const float* a = mBuffers.at<float>(op.a);
  const float* b = mBuffers.at<float>(op.b);
  float* c = mBuffers.at<float>(op.c);
  const std::size_t lda = op.a.cols(), ldb = op.b.cols();
  // Each band is a single-threaded sgemm over the whole of K.
  const GemmBands plan = gemmBands(m, n, k);
  if (plan.byRows) {
    mWorkers.forBands(m, plan.band, [&](std::size_t r0, std::size_t r1) {
      gemm(op.transA ? a + r0 : a + r0 * lda, lda, op.transA, b, ldb, op.transB, c + r0 * n, n, r1 - r0, n, k, op.alpha, op.beta);
    });
  } else {
    mWorkers.forBands(n, plan.band, [&](std::size_t c0, std::size_t c1) {
      gemm(a, lda, op.transA, op.transB ? b + c0 * ldb : b + c0, ldb, op.transB, c + c0, n, m, c1 - c0, k, op.alpha, op.beta);
    });
  }
}

void CpuProgram::execute(const BiasActivationOp& op, std::size_t) {
  float* z = mBuffers.at<float>(op.z);
  const float* bias = mBuffers.at<float>(op.bias);
  float* a = mBuffers.at<float>(op.a);
  const std::size_t n = op.z.cols();
  mWorkers.forBands(op.z.rows(), rowBand(op.z.rows(), n), [&](std::size_t b, std::size_t e) {
    biasActivation(z + b * n, bias, a + b * n, e - b, n, op.activation);
  });
}

void CpuProgram::execute(const ActivationBackwardOp& op, std::size_t) {
  const float* da = mBuffers.at<float>(op.da);
  const float* z = mBuffers.at<float>(op.z);
  const float* a = op.a.valid() ? mBuffers.at<float>(op.a) : nullptr;
  float* dz = mBuffers.at<float>(op.dz);
  mWorkers.forBands(op.z.elements(), elementBand(op.z.elements()), [&](std::size_t b, std::size_t e) {
    activationBackward(da + b, z + b, a ? a + b : nullptr, dz + b, e - b, op.activation);
  });
}

void CpuProgram::execute(const BiasGradOp& op, std::size_t) {
  biasGrad(mBuffers.at<float>(op.dz), mBuffers.at<float>(op.db), op.dz.rows(), op.dz.cols());
}

void CpuProgram::execute(const LossOp& op, std::size_t) {
  LossArgs args;
  args.z = mBuffers.at<float>(op.z);
  if (op.target.dtype == DType::I32) {
    args.classTarget = mBuffers.at<std::int32_t>(op.target);
  } else {
    args.valueTarget = mBuffers.at<float>(op.target);
  }
  args.output = mBuffers.at<float>(op.output);
  args.loss = mBuffers.at<float>(op.loss);
  args.dz = mBuffers.at<float>(op.dz);
  args.rows = op.z.rows();
  args.n = op.z.cols();
  args.head = op.head;
  args.kind = op.loss_kind;
  args.rowLoss = mLossRows.data();
  mWorkers.forBands(args.rows, args.rows < LOSS_PARALLEL_ROWS ? args.rows : LOSS_BAND_ROWS, [&](std::size_t b, std::size_t e) { loss(args, b, e); });
  lossTotal(args);
}

void CpuProgram::execute(const ArgmaxOp& op, std::size_t) {
  argmax(mBuffers.at<float>(op.z), op.z.rows(), op.z.cols(), mBuffers.at<std::int32_t>(op.predictions));
}

void CpuProgram::execute(const OptimizerOp& op, std::size_t) {
  const int states = optimizerStateCount(op.kind);
  float* params = mBuffers.at<float>(op.params);
  const float* grads = mBuffers.at<float>(op.grads);
  float* state1 = states >= 1 ? mBuffers.at<float>(op.state1) : nullptr;
  float* state2 = states >= 2 ? mBuffers.at<float>(op.state2) : nullptr;
  const float* hyper = mBuffers.at<float>(op.hyper);
  const std::int32_t step = mBuffers.at<std::int32_t>(op.counters)[COUNTER_STEP];
  mWorkers.forBands(op.params.elements(), elementBand(op.params.elements()), [&](std::size_t b, std::size_t e) {
    OptimizerArgs args;
    args.params = params + b;
    args.grads = grads + b;
    args.state1 = state1 ? state1 + b : nullptr;
    args.state2 = state2 ? state2 + b : nullptr;
    args.count = e - b;
    args.regularized = std::clamp(op.regularized, b, e) - b;
    args.hyper = hyper;
    args.step = step;
    args.kind = op.kind;
    optimizerStep(args);
  });
}

void CpuProgram::execute(const AdvanceOp& op, std::size_t) {
  std::int32_t* counters = mBuffers.at<std::int32_t>(op.counters);
  counters[COUNTER_STEP] += 1;
  counters[COUNTER_CURSOR] += 1;
}

void CpuProgram::execute(const CopyOp& op, std::size_t) {
  std::memmove(mBuffers.checkedData(op.dst), mBuffers.checkedData(op.src), op.src.bytes());
}

void CpuProgram::execute(const SumSquaresOp& op, std::size_t) {
  const float* x = mBuffers.at<float>(op.x);
  const float* y = op.y.valid() ? mBuffers.at<float>(op.y) : nullptr;
  float* out = mBuffers.at<float>(op.out);
  for (std::size_t s = 0; s < op.segments.size(); ++s) out[s] = sumSquares(x, y, op.segments[s].first, op.segments[s].second);
}

void CpuProgram::execute(const SpectrumOp& op, std::size_t i) {
  SpectrumScratch& scratch = mSpectra[mSpectrumIndex[i]];
  const float* images = mBuffers.at<float>(op.images);
  float* magnitude = mBuffers.at<float>(op.magnitude);
  const std::size_t points = op.height * op.width;
  const std::size_t outPoints = op.height * (op.width / 2 + 1);
  const std::size_t count = op.images.elements() / points;
  for (std::size_t c = 0; c < count; ++c) scratch.run(images + c * points, magnitude + c * outPoints);
}

}  // namespace nsb::compute::cpu
