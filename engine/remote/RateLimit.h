#pragma once
// RateLimit: one viewer's bandwidth cap (`serve --max-rate`), a token bucket in bytes. A stream asks
// untilNext() before each write and waits that long (frames arriving meanwhile replace the viewer's one
// latest-frame slot, so a capped viewer skips frames, it never queues them), then counts what it wrote
// with sent(). A write may take the bucket below zero (a frame is never cut), so that over any time T
// a viewer receives at most bytesPerSecond * T + one write. The bucket starts empty and holds at most
// BURST_SECONDS of the rate, so a viewer that was idle cannot then send a long burst.
// Not thread-safe: one per viewer, used by the viewer's stream thread only.
#include <algorithm>
#include <chrono>
#include <cstdint>

namespace nsb::remote {

class RateLimit {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr double BURST_SECONDS = 0.25;

  // 0: unlimited.
  explicit RateLimit(std::uint64_t bytesPerSecond, Clock::time_point now = Clock::now())
      : mRate(static_cast<double>(bytesPerSecond)), mLast(now) {}

  bool unlimited() const { return mRate <= 0.0; }

  // How long until the next write may go (zero: now).
  Clock::duration untilNext(Clock::time_point now = Clock::now()) {
    if (unlimited()) return Clock::duration::zero();
    refill(now);
    if (mTokens >= 0.0) return Clock::duration::zero();
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-mTokens / mRate));
  }

  // Counts a write of `bytes`.
  void sent(std::uint64_t bytes, Clock::time_point now = Clock::now()) {
    if (unlimited()) return;
    refill(now);
    mTokens -= static_cast<double>(bytes);
  }

 private:
  void refill(Clock::time_point now) {
    if (now <= mLast) return;
    mTokens = std::min(mTokens + mRate * std::chrono::duration<double>(now - mLast).count(), mRate * BURST_SECONDS);
    mLast = now;
  }

  double mRate;
  double mTokens = 0.0;
  Clock::time_point mLast;
};

}  // namespace nsb::remote
