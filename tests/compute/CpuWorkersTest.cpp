// CpuWorkers: a range is cut into the bands its caller asks for, whatever the thread count; every band
// is handed out exactly once; one band and one thread run on the caller alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "compute/cpu/CpuWorkers.h"

namespace nsb::compute::cpu {
namespace {

struct Part {
  std::size_t begin, end;
  std::thread::id thread;
};

std::vector<Part> partsOf(CpuWorkers& workers, std::size_t count, std::size_t band,
                          std::chrono::microseconds work = std::chrono::microseconds(0)) {
  std::mutex mutex;
  std::vector<Part> parts;
  workers.forBands(count, band, [&](std::size_t begin, std::size_t end) {
    if (work.count() > 0) std::this_thread::sleep_for(work);
    const std::lock_guard lock(mutex);
    parts.push_back({begin, end, std::this_thread::get_id()});
  });
  std::sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) { return a.begin < b.begin; });
  return parts;
}

std::vector<std::pair<std::size_t, std::size_t>> ranges(const std::vector<Part>& parts) {
  std::vector<std::pair<std::size_t, std::size_t>> result;
  for (const Part& p : parts) result.emplace_back(p.begin, p.end);
  return result;
}

// The bands depend on the count and the band size only: this is what makes results independent of
// the thread count (a GEMM band is one OpenBLAS call, whose kernels depend on its shape).
TEST(CpuWorkers, BandsAreTheSameForEveryThreadCount) {
  CpuWorkers one(1), two(2), three(3);
  for (const auto& [count, band] :
       {std::pair<std::size_t, std::size_t>{48, 16}, {1000, 16}, {1003, 64}, {55050, 8192}}) {
    std::vector<std::pair<std::size_t, std::size_t>> expected;
    for (std::size_t begin = 0; begin < count; begin += band)
      expected.emplace_back(begin, std::min(begin + band, count));
    for (int repeat = 0; repeat < 50; ++repeat) {  // hand-overs back to back, as between a step's ops
      EXPECT_EQ(ranges(partsOf(one, count, band)), expected) << count << " / " << band << ", 1 thread";
      EXPECT_EQ(ranges(partsOf(two, count, band)), expected) << count << " / " << band << ", 2 threads";
      EXPECT_EQ(ranges(partsOf(three, count, band)), expected) << count << " / " << band << ", 3 threads";
    }
  }
}

TEST(CpuWorkers, EveryThreadTakesBands) {
  CpuWorkers workers(3);
  const auto parts = partsOf(workers, 24, 1, std::chrono::microseconds(2000));
  ASSERT_EQ(parts.size(), 24u);
  std::set<std::thread::id> threads;
  for (const Part& p : parts) threads.insert(p.thread);
  EXPECT_EQ(threads.size(), 3u) << "24 bands of 2 ms each should keep all 3 threads busy";
}

TEST(CpuWorkers, OneBandAndOneThreadRunOnTheCaller) {
  CpuWorkers workers(2);
  const auto single = partsOf(workers, 100, 100);
  ASSERT_EQ(single.size(), 1u);
  EXPECT_EQ(single[0].end, 100u);
  EXPECT_EQ(single[0].thread, std::this_thread::get_id());
  EXPECT_EQ(partsOf(workers, 100, 0).size(), 1u) << "band 0 means the whole range";

  CpuWorkers alone(1);
  const auto all = partsOf(alone, 100000, 1000);
  ASSERT_EQ(all.size(), 100u);
  for (const Part& p : all) EXPECT_EQ(p.thread, std::this_thread::get_id());
  EXPECT_TRUE(partsOf(alone, 0, 16).empty());
}

// A program's lanes (Graph::lanes) are bands whose ops ask for bands of their own: those run on the
// thread of the lane, one after another, the same bands as anywhere else.
TEST(CpuWorkers, BandsAskedForInsideABandRunOnItsThread) {
  CpuWorkers workers(2);
  std::mutex mutex;
  std::vector<std::vector<Part>> inner(4);
  workers.forBands(4, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t lane = begin; lane < end; ++lane) {
      const auto parts = partsOf(workers, 1000, 64);
      const std::lock_guard lock(mutex);
      inner[lane] = parts;
    }
  });
  std::vector<std::pair<std::size_t, std::size_t>> expected;
  for (std::size_t begin = 0; begin < 1000; begin += 64)
    expected.emplace_back(begin, std::min<std::size_t>(begin + 64, 1000));
  for (const auto& parts : inner) {
    EXPECT_EQ(ranges(parts), expected);
    for (const Part& p : parts) EXPECT_EQ(p.thread, parts.front().thread) << "a lane's bands left its thread";
  }
}

}  // namespace
}  // namespace nsb::compute::cpu
