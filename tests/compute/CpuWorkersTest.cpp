// CpuWorkers: every index of a range is handed out exactly once, in parts on `align` boundaries, one
// part per thread; small ranges and a single thread run on the caller alone.
#include <gtest/gtest.h>

#include <algorithm>
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

std::vector<Part> partsOf(CpuWorkers& workers, std::size_t count, std::size_t grain, std::size_t align) {
  std::mutex mutex;
  std::vector<Part> parts;
  workers.forRange(count, grain, align, [&](std::size_t begin, std::size_t end) {
    const std::lock_guard lock(mutex);
    parts.push_back({begin, end, std::this_thread::get_id()});
  });
  std::sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) { return a.begin < b.begin; });
  return parts;
}

TEST(CpuWorkers, HandsOutEveryIndexOnceInAlignedPartsOnePerThread) {
  CpuWorkers workers(3);
  EXPECT_EQ(workers.threads(), 3);
  for (std::size_t count : {48u, 1000u, 1003u, 55050u}) {
    for (int repeat = 0; repeat < 50; ++repeat) {  // hand-overs back to back, as between a step's ops
      const auto parts = partsOf(workers, count, 16, 16);
      ASSERT_EQ(parts.size(), 3u) << count;
      std::set<std::thread::id> threads;
      std::size_t next = 0;
      for (const Part& p : parts) {
        EXPECT_EQ(p.begin, next) << "parts must tile the range with no gap or overlap";
        EXPECT_LT(p.begin, p.end);
        EXPECT_EQ(p.begin % 16, 0u);
        next = p.end;
        threads.insert(p.thread);
      }
      EXPECT_EQ(next, count);
      EXPECT_EQ(threads.size(), 3u) << "each part runs on its own thread";
      EXPECT_TRUE(threads.count(std::this_thread::get_id())) << "the caller runs a part itself";
    }
  }
}

TEST(CpuWorkers, SmallRangesAndOneThreadRunOnTheCaller) {
  CpuWorkers workers(2);
  const auto small = partsOf(workers, 100, 101, 1);
  ASSERT_EQ(small.size(), 1u);
  EXPECT_EQ(small[0].begin, 0u);
  EXPECT_EQ(small[0].end, 100u);
  EXPECT_EQ(small[0].thread, std::this_thread::get_id());

  CpuWorkers alone(1);
  const auto all = partsOf(alone, 100000, 1, 1);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].end, 100000u);
  EXPECT_EQ(all[0].thread, std::this_thread::get_id());
}

TEST(CpuWorkers, AlignedPartsMayBeEmptyButTheRangeIsCovered) {
  CpuWorkers workers(4);
  // 40 elements on 16-element boundaries for 4 threads: boundaries 0, 0, 16, 16, 40.
  const auto parts = partsOf(workers, 40, 1, 16);
  std::size_t covered = 0;
  for (const Part& p : parts) covered += p.end - p.begin;
  EXPECT_EQ(covered, 40u);
  EXPECT_EQ(parts.back().end, 40u);
}

}  // namespace
}  // namespace nsb::compute::cpu
