// FramePacer: the cadence of a capped window, and the early frame that shows an answer.
#include <gtest/gtest.h>

#include "ui/FramePacer.h"

namespace nsb::ui {
namespace {

using Clock = FramePacer::Clock;
double secondsSince(Clock::time_point from) { return std::chrono::duration<double>(Clock::now() - from).count(); }

TEST(FramePacer, FramesStartAPeriodApartWhenNothingIsAnswered) {
  FramePacer pacer(50.0);
  const auto start = Clock::now();
  for (int i = 0; i < 6; ++i) pacer.wait(nullptr);
  EXPECT_GE(secondsSince(start), 5 * 0.020 - 0.001) << "six frames at 50 frames/s span five periods at least";
}

TEST(FramePacer, AnAnswerStartsTheFrameAtOnceAndLeavesTheCadence) {
  FramePacer pacer(1.0);  // a second: no machine is that slow, so the bounds below hold under load
  pacer.wait(nullptr);
  const auto slot = Clock::now() + std::chrono::seconds(1);
  Clock::time_point asked{};
  const auto early = Clock::now();
  pacer.wait([&](Clock::time_point deadline) {
    asked = deadline;
    return true;
  });
  EXPECT_LT(secondsSince(early), 0.5) << "answered: no wait for the slot";
  EXPECT_LE(asked, slot) << "the answer is awaited until the next slot at most";
  // The next frame keeps the old slot: not a whole period after the early frame.
  pacer.wait([](Clock::time_point) { return false; });
  EXPECT_GE(secondsSince(early), 0.9);
  EXPECT_LT(secondsSince(early), 1.6) << "the early frame moved the cadence";
}

}  // namespace
}  // namespace nsb::ui
