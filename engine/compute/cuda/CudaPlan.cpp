#include "compute/cuda/CudaPlan.h"

#include <algorithm>
#include <optional>
#include <variant>

namespace nsb::compute::cuda {

Launch elementLaunch(std::size_t count) {
  const std::size_t blocks = (count + ELEMENT_THREADS - 1) / ELEMENT_THREADS;
  return {static_cast<unsigned>(std::clamp<std::size_t>(blocks, 1, MAX_ELEMENT_BLOCKS)), ELEMENT_THREADS};
}

Launch biasGradLaunch(std::size_t columns) {
  const std::size_t blocks = (columns + BIAS_COLUMNS - 1) / BIAS_COLUMNS;
  return {static_cast<unsigned>(std::max<std::size_t>(blocks, 1)), BIAS_COLUMNS * BIAS_SLICES};
}

std::size_t cublasWorkspaceBytes(int computeMajor) {
  constexpr std::size_t MIB = std::size_t{1} << 20;
  return computeMajor >= 9 ? 32 * MIB : 4 * MIB;
}

namespace {

bool sameTensor(const Tensor& a, const Tensor& b) {
  return a.buffer == b.buffer && a.offset == b.offset && a.shape == b.shape && a.dtype == b.dtype;
}

// The layer at ops[i], ops[i + 1] when they are a dense layer of the fused kernel's kind.
std::optional<FusedLayer> denseLayer(const std::vector<Op>& ops, std::size_t i) {
  if (i + 1 >= ops.size()) return std::nullopt;
  const auto* gemm = std::get_if<GemmOp>(&ops[i]);
  const auto* bias = std::get_if<BiasActivationOp>(&ops[i + 1]);
  if (!gemm || !bias || gemm->transA || !gemm->transB || gemm->alpha != 1.0f || gemm->beta != 0.0f) return std::nullopt;
  if (!sameTensor(gemm->c, bias->z) || gemm->a.shape.size() != 2 || gemm->b.shape.size() != 2) return std::nullopt;
  const std::size_t in = gemm->a.cols(), out = gemm->b.rows();
  if (in > FUSED_MAX_WIDTH || out > FUSED_MAX_WIDTH) return std::nullopt;
  return FusedLayer{i, i + 1, in, out};
}

}  // namespace

std::vector<FusedChain> planFusedMlp(const std::vector<Op>& ops) {
  std::vector<FusedChain> chains;
  std::size_t i = 0;
  while (i < ops.size()) {
    FusedChain chain;
    std::size_t next = i;
    while (chain.size() < FUSED_MAX_LAYERS) {
      const auto layer = denseLayer(ops, next);
      if (!layer) break;
      // A layer joins the chain only when it reads what the layer before wrote.
      if (!chain.empty()) {
        const auto& previous = std::get<BiasActivationOp>(ops[chain.back().bias]);
        if (!sameTensor(std::get<GemmOp>(ops[next]).a, previous.a)) break;
      }
      chain.push_back(*layer);
      next += 2;
    }
    if (chain.size() >= 2) {
      chains.push_back(std::move(chain));
      i = next;
    } else {
      ++i;
    }
  }
  return chains;
}

SubmitPath GraphPlan::next() {
  ++mSubmits;
  if (!mEnabled || mSubmits == 1) {
    if (mRecordings == 0) mRecordings = 1;  // the op-by-op path records nothing: count the program once
    return SubmitPath::Direct;
  }
  if (!mCaptured) {
    mCaptured = true;
    mRecordings = 1;
    return SubmitPath::CaptureThenReplay;
  }
  return SubmitPath::Replay;
}

}  // namespace nsb::compute::cuda
