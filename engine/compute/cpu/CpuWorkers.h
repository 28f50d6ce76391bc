#pragma once
// CpuWorkers: the CPU backend's own threads. Each GEMM is cut into bands, each a single-threaded
// OpenBLAS call (OpenBLAS's own threads spun through every other op of a step and slowed it), and so are
// the gather, bias + activation, activation backward, loss and optimizer. A range is cut into one
// contiguous part per thread, the caller running the first; every element is computed exactly as on one
// thread, so results depend neither on the thread count nor on timing. Workers spin (yielding, so that
// the training and render threads still get the core) for 2 ms after each job, then sleep.
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

  // Calls body(begin, end) over [0, count) cut into threads() contiguous parts whose boundaries are
  // multiples of `align`; on the calling thread alone when count < grain (a hand-over costs a few
  // microseconds). Returns when every part is done.
  template <typename Body>
  void forRange(std::size_t count, std::size_t grain, std::size_t align, const Body& body) {
    if (mWorkers.empty() || count < grain) {
      body(std::size_t{0}, count);
      return;
    }
    const Function function = [](const void* context, std::size_t begin, std::size_t end) {
      (*static_cast<const Body*>(context))(begin, end);
    };
    run(count, align, function, &body);
  }

private:
  using Function = void (*)(const void* context, std::size_t begin, std::size_t end);

  void run(std::size_t count, std::size_t align, Function function, const void* context);
  void runPart(std::size_t part);
  void workerLoop(std::size_t part);

  std::vector<std::thread> mWorkers;  // worker i runs part i + 1
  // The job, written by the caller before mGeneration is bumped (release), read by workers after.
  Function mFunction = nullptr;
  const void* mContext = nullptr;
  std::size_t mCount = 0, mAlign = 1;
  std::atomic<std::uint64_t> mGeneration{0};
  std::atomic<std::size_t> mPending{0};  // workers not yet done with the current job
  std::atomic<bool> mStop{false};
};

}  // namespace nsb::compute::cpu
