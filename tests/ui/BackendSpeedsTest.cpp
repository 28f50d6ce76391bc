// BackendSpeeds: the Benchmark tab's figures, without ImGui: one sample per new step while running,
// steps/s times the batch, the median per backend.
#include <gtest/gtest.h>

#include "ui/BackendSpeeds.h"

namespace nsb::ui {
namespace {

train::Snapshot running(const char* backend, std::uint64_t step, double stepsPerSecond) {
  train::Snapshot snapshot;
  snapshot.backend = backend;
  snapshot.device = std::string(backend) + "-device";
  snapshot.running = true;
  snapshot.step = step;
  snapshot.stepsPerSecond = stepsPerSecond;
  snapshot.hyperparams.batchSize = 10;
  return snapshot;
}

TEST(BackendSpeeds, MedianOfStepsPerSecondTimesBatch) {
  BackendSpeeds speeds;
  std::uint64_t step = 0;
  for (double rate : {90.0, 100.0, 5000.0, 110.0, 100.0}) speeds.record(running("cpu", ++step, rate));
  EXPECT_DOUBLE_EQ(speeds.median("cpu"), 1000.0) << "the 5000 steps/s outlier does not move the median";
  EXPECT_DOUBLE_EQ(speeds.median("vulkan"), 0.0) << "never seen";
}

TEST(BackendSpeeds, OneSamplePerNewStep) {
  BackendSpeeds speeds;
  speeds.record(running("cpu", 1, 10.0));
  for (int frame = 0; frame < 5; ++frame) speeds.record(running("cpu", 2, 100.0));  // the same step, drawn 5 times
  ASSERT_EQ(speeds.backends().size(), 1u);
  EXPECT_EQ(speeds.backends()[0].samplesPerSecond.size(), 2u);
  EXPECT_DOUBLE_EQ(speeds.median("cpu"), 1000.0) << "the median of {100, 1000} takes the upper one";
}

TEST(BackendSpeeds, NothingWhilePausedOrWithoutARate) {
  BackendSpeeds speeds;
  auto paused = running("cpu", 1, 100.0);
  paused.running = false;
  speeds.record(paused);
  speeds.record(running("cpu", 2, 0.0));
  speeds.record(running("", 3, 100.0));
  EXPECT_TRUE(speeds.backends().empty());
}

TEST(BackendSpeeds, EachBackendKeptApartInTheOrderSeen) {
  BackendSpeeds speeds;
  speeds.record(running("vulkan", 1, 50.0));
  speeds.record(running("cpu", 2, 20.0));
  speeds.record(running("vulkan", 3, 60.0));
  ASSERT_EQ(speeds.backends().size(), 2u);
  EXPECT_EQ(speeds.backends()[0].name, "vulkan");
  EXPECT_EQ(speeds.backends()[0].device, "vulkan-device");
  EXPECT_DOUBLE_EQ(speeds.median("vulkan"), 600.0);
  EXPECT_DOUBLE_EQ(speeds.median("cpu"), 200.0);
}

TEST(BackendSpeeds, KeepsTheLastSamples) {
  BackendSpeeds speeds;
  std::uint64_t step = 0;
  for (std::size_t i = 0; i < BackendSpeeds::KEEP; ++i) speeds.record(running("cpu", ++step, 1.0));
  for (std::size_t i = 0; i < BackendSpeeds::KEEP / 2 + 1; ++i) speeds.record(running("cpu", ++step, 9.0));
  EXPECT_EQ(speeds.backends()[0].samplesPerSecond.size(), BackendSpeeds::KEEP);
  EXPECT_DOUBLE_EQ(speeds.median("cpu"), 90.0) << "the oldest samples dropped out";
}

}  // namespace
}  // namespace nsb::ui
