// remote/RateLimit.h: the per-viewer token bucket on a clock the test moves.
#include <gtest/gtest.h>

#include "remote/RateLimit.h"

namespace nsb::remote {
namespace {

using Clock = RateLimit::Clock;
using std::chrono::milliseconds;

TEST(RateLimit, UnlimitedNeverWaits) {
  RateLimit limit(0);
  EXPECT_TRUE(limit.unlimited());
  limit.sent(1u << 30);
  EXPECT_EQ(limit.untilNext(), Clock::duration::zero());
}

TEST(RateLimit, AWriteGoesIntoDebtAndTheNextWaitsItOut) {
  const auto t0 = Clock::now();
  RateLimit limit(1000, t0);
  EXPECT_EQ(limit.untilNext(t0), Clock::duration::zero());  // a frame is never cut, however large
  limit.sent(500, t0);
  EXPECT_NEAR(std::chrono::duration<double>(limit.untilNext(t0)).count(), 0.5, 1e-6);
  EXPECT_NEAR(std::chrono::duration<double>(limit.untilNext(t0 + milliseconds(400))).count(), 0.1, 1e-6);
  EXPECT_EQ(limit.untilNext(t0 + milliseconds(500)), Clock::duration::zero());
}

// Writing whenever allowed, for 10 simulated seconds of 300-byte frames offered every 10 ms: what goes
// out stays under rate * time + one frame, and an idle viewer saves at most BURST_SECONDS of the rate.
TEST(RateLimit, BytesOverTimeStayUnderTheRatePlusOneWrite) {
  const auto t0 = Clock::now();
  RateLimit limit(2048, t0);
  std::uint64_t total = 0;
  for (int tick = 0; tick <= 1000; ++tick) {
    const auto now = t0 + milliseconds(10 * tick);
    if (limit.untilNext(now) == Clock::duration::zero()) {
      limit.sent(300, now);
      total += 300;
    }
    EXPECT_LE(total, 2048.0 * 0.01 * tick + 300) << "at tick " << tick;
  }
  EXPECT_GE(total, 2048.0 * 10 - 300);  // and the rate is used, not wasted
  // Ten idle seconds later: a quarter second's worth, not ten seconds', may go at once.
  const auto later = t0 + milliseconds(20000);
  std::uint64_t burst = 0;
  while (limit.untilNext(later) == Clock::duration::zero() && burst < 100000) {
    limit.sent(100, later);
    burst += 100;
  }
  EXPECT_LE(burst, 2048 * RateLimit::BURST_SECONDS + 100);
}

}  // namespace
}  // namespace nsb::remote
