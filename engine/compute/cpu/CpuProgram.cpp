// CpuProgram: every op checked at compile() (compute::validate; a wrong graph is a bug in its builder,
// so it fails an NSB_CHECK naming the op and the tensor) and the per-submit dispatch to CpuKernels.
#include "compute/cpu/CpuProgram.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "compute/OptimizerMath.h"
#include "compute/cpu/DenormalsAsZero.h"
#include "core/Check.h"

namespace nsb::compute::cpu {
namespace {

// Every op is cut into bands chosen from its shape alone (CpuWorkers), so that its results do not depend
// on the thread count. An op under its parallel threshold is one band (below it a hand-over to the workers
// costs more than it saves); a larger one gets about one band per so much work, an even count (two threads,
// the common case, then finish together) of at most MAX_BANDS, as equal as their alignment allows. Bands
// stay large: each costs a call, a GEMM band packs the whole of op(b) again (one thread, 256x784 . 784x64:
// 453 us as one call, 462 as 2 bands, 468 as 4, 492 as 8) and a gather band starts with its prefetch cold
// on the thread that takes it. So mnist-mlp's ops are 2 bands each, as they were 2 parts on 2 threads.
constexpr std::size_t MAX_BANDS = 16;
constexpr std::size_t FLOATS_PER_LINE = 16;  // element bands start on cache lines
constexpr std::size_t PARALLEL_ELEMENTS = 16384;
constexpr std::size_t ELEMENTS_PER_BAND = std::size_t{1} << 17;
constexpr std::size_t LOSS_PARALLEL_ROWS = 64;  // a row costs n exponentials, not n plain operations
constexpr std::size_t LOSS_ROWS_PER_BAND = 128;
constexpr std::size_t PARALLEL_GEMM_MACS = std::size_t{1} << 18;
constexpr std::size_t GEMM_MACS_PER_BAND = std::size_t{1} << 23;
constexpr std::size_t MIN_BAND_ROWS = 64;

std::size_t ceilDiv(std::size_t a, std::size_t b) { return (a + b - 1) / b; }

// The band size that cuts [0, extent) into about work / workPerBand bands (at least 2, an even count, at
// most MAX_BANDS) on `align` boundaries; the whole extent when work is under `parallel`.
std::size_t bandFor(std::size_t extent, std::size_t work, std::size_t parallel, std::size_t workPerBand,
                    std::size_t align) {
  if (work < parallel) return extent;
  std::size_t bands = std::clamp<std::size_t>(work / workPerBand, 2, MAX_BANDS);
  bands += bands % 2;
  return ceilDiv(ceilDiv(extent, bands), align) * align;
}

std::size_t elementBand(std::size_t count) {
  return bandFor(count, count, PARALLEL_ELEMENTS, ELEMENTS_PER_BAND, FLOATS_PER_LINE);
}

// The rows of a [rows, cols] op in one band.
std::size_t rowBand(std::size_t rows, std::size_t cols) {
  return bandFor(rows, rows * cols, PARALLEL_ELEMENTS, ELEMENTS_PER_BAND, 1);
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
  plan.band = bandFor(plan.byRows ? m : n, m * n * k, PARALLEL_GEMM_MACS, GEMM_MACS_PER_BAND, FLOATS_PER_LINE);
  return plan;
}

}  // namespace

CpuProgram::CpuProgram(const CpuBufferTable& buffers, CpuWorkers& workers, const Graph& graph, bool timing)
    : mBuffers(buffers), mWorkers(workers), mOps(graph.ops), mTiming(timing) {
  mLabels.reserve(mOps.size());
  mFlops.reserve(mOps.size());
  mSpectrumIndex.assign(mOps.size(), 0);
  mLossRows.resize(mOps.size());
  const BufferSizes sizes = [&buffers](BufferId id) -> std::optional<std::size_t> {
    if (!buffers.contains(id)) return std::nullopt;
    return buffers.bytes(id);
  };
  for (std::size_t i = 0; i < mOps.size(); ++i) {
    mLabels.push_back(graph.label(i));
    mFlops.push_back(opFlops(mOps[i]));
    const std::string reason = validate(mOps[i], sizes);
    NSB_CHECK(reason.empty()) << where(i) << ": " << reason;
    if (const auto* loss = std::get_if<LossOp>(&mOps[i])) mLossRows[i].resize(loss->z.rows());
    if (const auto* spectrum = std::get_if<SpectrumOp>(&mOps[i])) {
      mSpectrumIndex[i] = mSpectra.size();
      mSpectra.emplace_back().prepare(spectrum->height, spectrum->width);
    }
  }
  if (mTiming) mMicroseconds.assign(mOps.size(), 0.0);
  // Each op of lane 0 alone; consecutive ops of lanes > 0 as one block, grouped by lane in order.
  for (std::size_t i = 0; i < mOps.size();) {
    Run run{.begin = i, .end = i + 1};
    if (graph.lane(i) > 0) {
      std::vector<std::uint32_t> names;  // run.lanes[k] holds the ops of lane names[k]
      for (run.end = i; run.end < mOps.size() && graph.lane(run.end) > 0; ++run.end) {
        const auto k =
            static_cast<std::size_t>(std::find(names.begin(), names.end(), graph.lane(run.end)) - names.begin());
        if (k == names.size()) {
          names.push_back(graph.lane(run.end));
          run.lanes.emplace_back();
        }
        run.lanes[k].push_back(run.end);
      }
    }
    i = run.end;
    mRuns.push_back(std::move(run));
  }
}

void CpuProgram::execute(std::size_t i) {
  std::visit([&](const auto& op) { execute(op, i); }, mOps[i]);
}

void CpuProgram::submit(std::uint32_t repeats) {
  const DenormalsAsZero flush;
  if (!mTiming) {
    for (std::uint32_t r = 0; r < repeats; ++r) {
      for (const Run& run : mRuns) {
        if (run.lanes.size() < 2) {
          for (std::size_t i = run.begin; i < run.end; ++i) execute(i);
          continue;
        }
        // Each lane on one thread; its ops' bands then run one after another there (CpuWorkers).
        mWorkers.forBands(run.lanes.size(), 1, [&](std::size_t b, std::size_t e) {
          for (std::size_t lane = b; lane < e; ++lane) {
            for (const std::size_t i : run.lanes[lane]) execute(i);
          }
        });
      }
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
  for (std::size_t i = 0; i < mOps.size(); ++i)
    result.push_back({mLabels[i], mMicroseconds[i], mFlops[i], 1, mOps[i].index()});
  return result;
}

std::string CpuProgram::where(std::size_t i) const {
  return "cpu backend: op " + std::to_string(i) + " (" + mLabels[i] + ")";
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
        gatherU8(src, srcRows, index, first + b, e - b, cols, op.scale, dst + b * cols, first + rows);
      });
      return;
    }
    case DType::F32: {
      const float* src = mBuffers.at<float>(op.src);
      float* dst = mBuffers.at<float>(op.dst);
      mWorkers.forBands(rows, band, [&](std::size_t b, std::size_t e) {
        gatherF32(src, srcRows, index, first + b, e - b, cols, op.scale, dst + b * cols, first + rows);
      });
      return;
    }
    case DType::I32:
      gatherI32(mBuffers.at<std::int32_t>(op.src), srcRows, index, first, rows, cols,
                mBuffers.at<std::int32_t>(op.dst));
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
      gemm(op.transA ? a + r0 : a + r0 * lda, lda, op.transA, b, ldb, op.transB, c + r0 * n, n, r1 - r0, n, k, op.alpha,
           op.beta);
    });
  } else {
    mWorkers.forBands(n, plan.band, [&](std::size_t c0, std::size_t c1) {
      gemm(a, lda, op.transA, op.transB ? b + c0 * ldb : b + c0, ldb, op.transB, c + c0, n, m, c1 - c0, k, op.alpha,
           op.beta);
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

void CpuProgram::execute(const LossOp& op, std::size_t i) {
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
  args.rowLoss = mLossRows[i].data();
  mWorkers.forBands(args.rows, bandFor(args.rows, args.rows, LOSS_PARALLEL_ROWS, LOSS_ROWS_PER_BAND, 1),
                    [&](std::size_t b, std::size_t e) { loss(args, b, e); });
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
  for (std::size_t s = 0; s < op.segments.size(); ++s)
    out[s] = sumSquares(x, y, op.segments[s].first, op.segments[s].second);
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
