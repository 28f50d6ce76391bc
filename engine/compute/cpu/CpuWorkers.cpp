// CpuWorkers: a generation counter hands a job to every worker at once; each thread takes bands from a
// shared counter until none is left, then counts itself off. Spinning first keeps a hand-over at a few
// microseconds between the ops of a step.
#include "compute/cpu/CpuWorkers.h"

#include <sched.h>

#include <algorithm>
#include <chrono>

#include "compute/cpu/DenormalsAsZero.h"
#include "core/Check.h"

namespace nsb::compute::cpu {
namespace {

// How long a worker waits for the next job before it sleeps: longer than the largest GEMM between two
// element-wise ops of a training step, short enough that a paused session leaves the core idle.
constexpr auto SPIN_TIME = std::chrono::milliseconds(2);

}  // namespace

thread_local bool CpuWorkers::tInBand = false;

CpuWorkers::CpuWorkers(int threads) {
  NSB_CHECK(threads >= 1) << "cpu workers: " << threads << " threads";
  for (int i = 1; i < threads; ++i) mWorkers.emplace_back([this] { workerLoop(); });
}

CpuWorkers::~CpuWorkers() {
  mStop.store(true, std::memory_order_relaxed);
  mGeneration.fetch_add(1, std::memory_order_release);
  mGeneration.notify_all();
  for (std::thread& worker : mWorkers) worker.join();
}

void CpuWorkers::run(std::size_t count, std::size_t band, Function function, const void* context) {
  mFunction = function;
  mContext = context;
  mCount = count;
  mBand = band;
  mNextBand.store(0, std::memory_order_relaxed);
  mPending.store(mWorkers.size(), std::memory_order_relaxed);
  mGeneration.fetch_add(1, std::memory_order_release);
  mGeneration.notify_all();
  takeBands();
  // Every worker counts itself off, so none can still be reading this job when the next one is written.
  while (mPending.load(std::memory_order_acquire) != 0) sched_yield();
}

void CpuWorkers::takeBands() {
  const std::size_t bands = (mCount + mBand - 1) / mBand;
  tInBand = true;
  for (std::size_t i = mNextBand.fetch_add(1, std::memory_order_relaxed); i < bands;
       i = mNextBand.fetch_add(1, std::memory_order_relaxed)) {
    mFunction(mContext, i * mBand, std::min((i + 1) * mBand, mCount));
  }
  tInBand = false;
}

void CpuWorkers::workerLoop() {
  const DenormalsAsZero flush;  // as on the caller's thread during a submit
  std::uint64_t seen = 0;
  while (true) {
    std::uint64_t generation = mGeneration.load(std::memory_order_acquire);
    const auto spinUntil = std::chrono::steady_clock::now() + SPIN_TIME;
    while (generation == seen && std::chrono::steady_clock::now() < spinUntil) {
      sched_yield();
      generation = mGeneration.load(std::memory_order_acquire);
    }
    while (generation == seen) {
      mGeneration.wait(seen, std::memory_order_acquire);
      generation = mGeneration.load(std::memory_order_acquire);
    }
    seen = generation;
    if (mStop.load(std::memory_order_relaxed)) return;
    takeBands();
    mPending.fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace nsb::compute::cpu
