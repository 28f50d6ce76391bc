#pragma once
// Wall-clock timer on the steady clock.
#include <chrono>

namespace nsb::core {

class Timer {
 public:
  Timer() : mStart(Clock::now()) {}
  void reset() { mStart = Clock::now(); }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - mStart).count(); }
  double microseconds() const { return seconds() * 1e6; }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point mStart;
};

}  // namespace nsb::core
