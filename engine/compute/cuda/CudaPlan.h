#pragma once
// The CUDA backend's host-side decisions, kept apart from the kernels so that they are tested on machines
// without a GPU: launch shapes, the deterministic reduction layouts, the cuBLAS workspace and when a
// program is captured as a CUDA graph.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "compute/Op.h"

namespace nsb::compute::cuda {

struct Launch {
  unsigned blocks = 0, threads = 0;
};

constexpr unsigned ELEMENT_THREADS = 256;
// Element-wise kernels loop over a grid stride, so a grid past this many blocks only adds scheduling.
constexpr unsigned MAX_ELEMENT_BLOCKS = 4096;

// One thread per element (grid-stride beyond MAX_ELEMENT_BLOCKS blocks); at least one block.
Launch elementLaunch(std::size_t count);

// Sums without float atomics: each of REDUCE_THREADS threads adds a strided share in double, then the
// shares are added pairwise in a fixed tree, so a sum is the same on every run (not the CPU's order, so
// not bit-identical to it: within the op suite's tolerances).
constexpr unsigned REDUCE_THREADS = 256;

// The bias gradient db[j] = sum_i dz[i, j]: blocks of BIAS_COLUMNS columns, each column summed by
// BIAS_SLICES threads over rows s, s + BIAS_SLICES, ..., then the slices added in order.
constexpr unsigned BIAS_COLUMNS = 32;
constexpr unsigned BIAS_SLICES = 8;
Launch biasGradLaunch(std::size_t columns);

// cuBLAS's workspace, set once per stream so that a captured graph never allocates: NVIDIA's cuBLAS
// guide recommends 32 MiB on Hopper (compute capability 9.x and later) and 4 MiB before.
std::size_t cublasWorkspaceBytes(int computeMajor);

// When a program's submits run as a CUDA graph: the first submit runs the ops one by one (a warm-up:
// cuBLAS picks its kernels, the module's kernels load), the second captures one step and every submit
// from then replays it `repeats` times. A program with timing never captures (its events time each op);
// one that failed to capture stays on the op-by-op path.
enum class SubmitPath { Direct, CaptureThenReplay, Replay };

class GraphPlan {
 public:
  explicit GraphPlan(bool enabled) : mEnabled(enabled) {}
  // The path of the next submit; call once per submit.
  SubmitPath next();
  // Capture failed (a library call that cannot be captured): direct from now on.
  void captureFailed() { mEnabled = false; }
  // How many times the program's commands were recorded (Program::recordings).
  std::uint32_t recordings() const { return mRecordings; }

 private:
  bool mEnabled = true;
  std::uint32_t mSubmits = 0;
  bool mCaptured = false;
  std::uint32_t mRecordings = 0;
};

// The fused narrow-MLP forward pass, in the spirit of tiny-cuda-nn's fully fused MLP but in FP32 (parity
// with the CPU backend; tiny-cuda-nn uses FP16 tensor cores). The rule: consecutive dense layers (a GEMM
// x W^T into z, then the bias and activation of z) whose input and output widths are all at most
// FUSED_MAX_WIDTH run as one kernel that keeps each tile of rows in shared memory from layer to layer,
// instead of two launches per layer. A chain needs at least two layers. The input layer of an image
// network (784 wide) stays on cuBLAS, so mnist-mlp's 64-64 and 64-10 layers are the chain.
constexpr std::size_t FUSED_MAX_WIDTH = 128;
constexpr std::size_t FUSED_MAX_LAYERS = 8;
constexpr unsigned FUSED_TILE_ROWS = 16;

struct FusedLayer {
  std::size_t gemm = 0, bias = 0;  // the layer's op indices (the BiasActivationOp follows its GemmOp)
  std::size_t in = 0, out = 0;
};
using FusedChain = std::vector<FusedLayer>;

// The chains of a graph's ops that the fused kernel runs, in op order; ops not in one run as they are.
std::vector<FusedChain> planFusedMlp(const std::vector<Op>& ops);

}  // namespace nsb::compute::cuda
