#pragma once
// CpuWorkers: the CPU backend's own threads. Each op is cut into bands whose size its caller chooses
// from the op's shape alone, never from the thread count, and the threads (the caller's included) take
// the bands in turn. A band is computed the same way whichever thread takes it (a GEMM band is one
// single-threaded OpenBLAS call, and OpenBLAS picks its kernels by shape), so results depend neither on
// the thread count nor on timing. Workers spin (yielding, so that the training and render threads still
// get the core) for 2 ms after each job, then sleep.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

namespace nsb::compute::cpu {

class CpuWorkers {
 public:
  explicit CpuWorkers(int threads);  // threads - 1 workers are started; 1 runs everything inline
  CpuWorkers(const CpuWorkers&) = delete;
  CpuWorkers& operator=(const CpuWorkers&) = delete;
  ~CpuWorkers();

  int threads() const { return static_cast<int>(mWorkers.size()) + 1; }

  // Calls body(begin, end) once for each band [i * band, min((i + 1) * band, count)) of [0, count),
  // in any order and on any thread; a single band runs on the calling thread with no hand-over (one
  // costs a few microseconds). Returns when every band is done. Called from inside a band (a program's
  // lanes, each running its ops' own bands), it runs the bands one after another on that thread: the
  // same bands, so the same results.
  template <typename Body>
  void forBands(std::size_t count, std::size_t band, const Body& body) {
    if (band == 0 || band >= count) band = count;
    if (count == 0) return;
    if (mWorkers.empty() || band == count || tInBand) {
      for (std::size_t begin = 0; begin < count; begin += band) body(begin, std::min(begin + band, count));
      return;
    }
    const Function function = [](const void* context, std::size_t begin, std::size_t end) {
      (*static_cast<const Body*>(context))(begin, end);
    };
    run(count, band, function, &body);
  }

 private:
  using Function = void (*)(const void* context, std::size_t begin, std::size_t end);

  void run(std::size_t count, std::size_t band, Function function, const void* context);
  void takeBands();
  void workerLoop();

  static thread_local bool tInBand;  // this thread is running a band of some job

  std::vector<std::thread> mWorkers;
  // The job, written by the caller before mGeneration is bumped (release), read by workers after.
  Function mFunction = nullptr;
  const void* mContext = nullptr;
  std::size_t mCount = 0, mBand = 1;
  std::atomic<std::size_t> mNextBand{0};  // the next band not yet taken
  std::atomic<std::uint64_t> mGeneration{0};
  std::atomic<std::size_t> mPending{0};  // workers not yet done with the current job
  std::atomic<bool> mStop{false};
};

}  // namespace nsb::compute::cpu
