#pragma once
// DenormalsAsZero: flush-to-zero and denormals-are-zero on the calling thread while it lives (the
// MXCSR register is per thread, so every thread that runs kernels sets it).
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace nsb::compute::cpu {

// Set for the duration of a submit on the caller's thread, for their whole life on CpuWorkers' threads.
// Optimizer states
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

}  // namespace nsb::compute::cpu
