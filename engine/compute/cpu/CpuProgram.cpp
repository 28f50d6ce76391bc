// CpuProgram: compile-time validation of every op and the per-submit dispatch to CpuKernels. A wrong
// graph is a bug in its builder, so it fails an NSB_CHECK naming the op and the tensor at compile().
#include "compute/cpu/CpuProgram.h"

#include <chrono>
#include <climits>
#include <cstring>

#include "compute/OptimizerMath.h"
#include "core/Check.h"

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace nsb::compute::cpu {
namespace {

// Flush-to-zero and denormals-are-zero for the duration of a submit, restored after. Optimizer states
// of weights whose gradient stays exactly 0 (dead ReLUs, MNIST's blank border pixels) decay into
// denormals within ~1000 steps, and denormal arithmetic made the Adam update ~10x slower. GPUs flush
// them too, so results differ only below 1e-38.
class DenormalsAsZero {
public:
#if defined(__SSE__)
  DenormalsAsZero() : mSaved(_mm_getcsr()) { _mm_setcsr(mSaved | FTZ | DAZ); }
  ~DenormalsAsZero() { _mm_setcsr(mSaved); }

private:
  static constexpr unsigned FTZ = 0x8000u;
  static constexpr unsigned DAZ = 0x0040u;
  unsigned mSaved;
#endif
};

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

CpuProgram::CpuProgram(const CpuBufferTable& buffers, const Graph& graph, bool timing)
    : mBuffers(buffers), mOps(graph.ops), mTiming(timing) {
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
  switch (op.src.dtype) {
    case DType::U8:
      gatherU8(mBuffers.at<std::uint8_t>(op.src), srcRows, index, first, rows, cols, op.scale, mBuffers.at<float>(op.dst));
      return;
    case DType::F32:
      gatherF32(mBuffers.at<float>(op.src), srcRows, index, first, rows, cols, op.scale, mBuffers.at<float>(op.dst));
      return;
    case DType::I32:
      gatherI32(mBuffers.at<std::int32_t>(op.src), srcRows, index, first, rows, cols, mBuffers.at<std::int32_t>(op.dst));
      return;
  }
}

void CpuProgram::execute(const GemmOp& op, std::size_t) {
  const std::size_t m = op.transA ? op.a.cols() : op.a.rows();
  const std::size_t k = op.transA ? op.a.rows() : op.a.cols();
  const std::size_t n = op.transB ? op.b.rows() : op.b.cols();
  gemm(mBuffers.at<float>(op.a), op.a.cols(), op.transA, mBuffers.at<float>(op.b), op.b.cols(), op.transB,
       mBuffers.at<float>(op.c), m, n, k, op.alpha, op.beta);
}

void CpuProgram::execute(const BiasActivationOp& op, std::size_t) {
  biasActivation(mBuffers.at<float>(op.z), mBuffers.at<float>(op.bias), mBuffers.at<float>(op.a), op.z.rows(),
                 op.z.cols(), op.activation);
}

void CpuProgram::execute(const ActivationBackwardOp& op, std::size_t) {
  activationBackward(mBuffers.at<float>(op.da), mBuffers.at<float>(op.z), op.a.valid() ? mBuffers.at<float>(op.a) : nullptr,
                     mBuffers.at<float>(op.dz), op.z.elements(), op.activation);
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
  loss(args);
}

void CpuProgram::execute(const ArgmaxOp& op, std::size_t) {
  argmax(mBuffers.at<float>(op.z), op.z.rows(), op.z.cols(), mBuffers.at<std::int32_t>(op.predictions));
}

void CpuProgram::execute(const OptimizerOp& op, std::size_t) {
  const int states = optimizerStateCount(op.kind);
  OptimizerArgs args;
  args.params = mBuffers.at<float>(op.params);
  args.grads = mBuffers.at<float>(op.grads);
  args.state1 = states >= 1 ? mBuffers.at<float>(op.state1) : nullptr;
  args.state2 = states >= 2 ? mBuffers.at<float>(op.state2) : nullptr;
  args.count = op.params.elements();
  args.regularized = op.regularized;
  args.hyper = mBuffers.at<float>(op.hyper);
  args.step = mBuffers.at<std::int32_t>(op.counters)[COUNTER_STEP];
  args.kind = op.kind;
  optimizerStep(args);
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
