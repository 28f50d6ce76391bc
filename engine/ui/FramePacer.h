#pragma once
// FramePacer: frames on a fixed cadence (a window's frame cap, the end-to-end suite's 30 frames/s).
// Each frame starts a period after the previous slot; a late frame keeps the cadence (the next starts
// at once), one later than a whole period starts it again. A frame may go out before its slot, off the
// cadence, once the session has answered what the editor sent or a click or key waits: the frame that
// shows a Pause, a Reset or an edit is not held back up to a whole period after the answer came, nor
// the frame that takes a click after the click came.
#include <chrono>
#include <functional>
#include <thread>

namespace nsb::ui {

class FramePacer {
 public:
  using Clock = std::chrono::steady_clock;
  // Blocks until the answer the editor waits for (or input that may act) has come (true) or `deadline`
  // passed (false); may answer false at once when nothing is awaited.
  using AnswerWait = std::function<bool(Clock::time_point deadline)>;

  explicit FramePacer(double framesPerSecond)
      : mPeriod(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / framesPerSecond))) {}

  // Waits until the next frame may start.
  void wait(const AnswerWait& answered) {
    if (mStarted && !(answered && answered(mNext))) std::this_thread::sleep_until(mNext);
    const auto now = Clock::now();
    if (mStarted && now < mNext) return;  // an early frame leaves the cadence as it was
    mNext = mStarted && now - mNext < mPeriod ? mNext + mPeriod : now + mPeriod;
    mStarted = true;
  }

 private:
  Clock::duration mPeriod;
  Clock::time_point mNext{};
  bool mStarted = false;
};

}  // namespace nsb::ui
