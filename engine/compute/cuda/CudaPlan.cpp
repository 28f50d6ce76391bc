#include "compute/cuda/CudaPlan.h"

#include <algorithm>

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
