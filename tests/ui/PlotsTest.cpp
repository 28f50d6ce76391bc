// The plots' axes and runs: ticks at round values (1, 2, 5 x 10^k), log axes in whole decades, labels
// in their shortest form, hover snapped to the data, and earlier runs kept as at most three overlays.
#include <gtest/gtest.h>
#include <imgui.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "UiTestSupport.h"
#include "ui/Plots.h"

namespace nsb::ui {
namespace {

// Whether v is 1, 2 or 5 x 10^k (or 0) up to the binary noise of decimal fractions.
bool round(double v) {
  if (v == 0) return true;
  const double e = std::floor(std::log10(std::fabs(v)) + 1e-12);
  const double m = std::fabs(v) / std::pow(10.0, e);
  return std::fabs(m - 1) < 1e-9 || std::fabs(m - 2) < 1e-9 || std::fabs(m - 5) < 1e-9;
}

TEST(PlotTicks, NiceTicksAreRoundAndCoverTheRange) {
  struct Case {
    double lo, hi;
    int maxTicks;
  };
  for (const Case& c : {Case{0, 1, 6}, Case{0, 0.0173, 5}, Case{-0.49, 0.51, 6}, Case{3, 1234, 5}, Case{0.2, 0.9, 8},
                        Case{1e-5, 3e-5, 4}, Case{0, 1.02, 6}, Case{0, 120000, 3}}) {
    const auto ticks = niceTicks(c.lo, c.hi, c.maxTicks);
    ASSERT_GE(ticks.size(), 2u);
    EXPECT_LE(static_cast<int>(ticks.size()), c.maxTicks) << c.lo << ".." << c.hi;
    EXPECT_LE(ticks.front(), c.lo) << c.lo << ".." << c.hi;
    EXPECT_GE(ticks.back(), c.hi) << c.lo << ".." << c.hi;
    const double step = ticks[1] - ticks[0];
    EXPECT_TRUE(round(step)) << "step " << step;
    for (std::size_t i = 0; i < ticks.size(); ++i) {
      EXPECT_NEAR(ticks[i], ticks[0] + step * static_cast<double>(i), step * 1e-9);
      EXPECT_NEAR(std::remainder(ticks[i], step), 0.0, step * 1e-9) << ticks[i] << " is a multiple of the step";
    }
  }
  EXPECT_EQ(niceTicks(0, 1, 6), (std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1})) << "accuracy: exactly [0, 1]";
  EXPECT_EQ(niceTicks(0, 1, 3), (std::vector<double>{0, 0.5, 1}));
  EXPECT_EQ(niceTicks(0, 0.3, 4), (std::vector<double>{0, 0.1, 0.2, 0.3})) << "0.3, not 0.30000000000000004";
}

TEST(PlotTicks, AConstantValueGetsAnAxisFromZero) {
  // A constant learning rate: the axis runs from 0 to a round value above it, never below zero.
  const auto ticks = niceTicks(0.03, 0.03, 5);
  EXPECT_EQ(ticks.front(), 0.0);
  EXPECT_GE(ticks.back(), 0.03);
  EXPECT_EQ(niceTicks(0, 0, 5).back(), 1.0);
  EXPECT_LT(niceTicks(-2, -2, 5).front(), -1.9);
}

TEST(PlotTicks, LogAxesAreWholeDecades) {
  EXPECT_EQ(decadeTicks(2e-3, 0.7, 8), (std::vector<double>{1e-3, 1e-2, 0.1, 1}));
  EXPECT_EQ(decadeTicks(0.3, 0.5, 8), (std::vector<double>{0.1, 1})) << "at least one decade";
  EXPECT_EQ(decadeTicks(1e-3, 1e-2, 8), (std::vector<double>{1e-3, 1e-2})) << "exact decades stay";
  const auto many = decadeTicks(1e-12, 10, 5);
  ASSERT_LE(many.size(), 5u);
  EXPECT_LE(many.front(), 1e-12);
  EXPECT_GE(many.back(), 10);
  for (std::size_t i = 1; i < many.size(); ++i) {
    const double decades = std::log10(many[i]) - std::log10(many[i - 1]);
    EXPECT_NEAR(decades, std::round(decades), 1e-9) << "whole decades apart";
  }
  for (double t : many) EXPECT_NEAR(std::log10(t), std::round(std::log10(t)), 1e-9) << t << " is a power of ten";
}

TEST(PlotTicks, LabelsAreShortAndNeverFractionalExponents) {
  EXPECT_EQ(tickLabel(0.2), "0.2");
  EXPECT_EQ(tickLabel(0.1 + 0.2), "0.3");
  EXPECT_EQ(tickLabel(1), "1");
  EXPECT_EQ(tickLabel(1000), "1000");
  EXPECT_EQ(tickLabel(1e-3), "0.001");
  EXPECT_EQ(tickLabel(1e-5), "1e-5");
  EXPECT_EQ(tickLabel(2.5e-5), "2.5e-5");
  EXPECT_EQ(tickLabel(1e6), "1e6");
  EXPECT_EQ(tickLabel(0), "0");
  for (double t : decadeTicks(1e-13, 1e4, 20)) {
    const std::string label = tickLabel(t);
    EXPECT_NEAR(std::strtod(label.c_str(), nullptr) / t, 1.0, 1e-6) << label << " reads back as the tick";
    EXPECT_EQ(label.find("e-0"), std::string::npos) << label;
    EXPECT_EQ(label.find("e+"), std::string::npos) << label;
  }
}

TEST(PlotTicks, HoverSnapsToTheNearestPointInsideTheData) {
  const std::vector<std::pair<double, double>> points = {{30, 1}, {60, 2}, {90, 3}};
  EXPECT_EQ(nearestPoint(points, -500), 0u) << "left of the data: the first point, never a negative step";
  EXPECT_EQ(nearestPoint(points, 44), 0u);
  EXPECT_EQ(nearestPoint(points, 46), 1u);
  EXPECT_EQ(nearestPoint(points, 90), 2u);
  EXPECT_EQ(nearestPoint(points, 1e9), 2u);
  EXPECT_EQ(nearestPoint({}, 5), 0u);
}

class PlotRuns : public ::testing::Test {
 protected:
  void SetUp() override { test::createHeadlessImGui(); }
  void TearDown() override { ImGui::DestroyContext(); }
  void frame(std::uint64_t run, std::size_t points) {
    train::Snapshot snapshot;
    for (std::size_t i = 0; i < points; ++i) {
      train::MetricPoint p;
      p.step = 10 * (i + 1), p.trainLoss = 1.0 / static_cast<double>(i + 1), p.test.loss = p.trainLoss;
      p.test.accuracy = 0.5, p.learningRate = 0.01;
      snapshot.history.push_back(p);
    }
    snapshot.step = 10 * points;
    plots.setRun(run);
    ImGui::NewFrame();
    ImGui::SetNextWindowSize(ImVec2(1200, 300));
    ImGui::Begin("plots");
    plots.draw(snapshot);
    ImGui::End();
    ImGui::Render();
  }
  Plots plots;
};

TEST_F(PlotRuns, EarlierRunsAreKeptUpToThreeAndCleared) {
  frame(1, 20);
  frame(1, 25);
  EXPECT_EQ(plots.earlierRuns(), 0u) << "the same run";
  frame(2, 3);
  EXPECT_EQ(plots.earlierRuns(), 1u);
  frame(3, 0);
  frame(4, 5);
  EXPECT_EQ(plots.earlierRuns(), 2u) << "a run without points leaves no overlay";
  frame(5, 5);
  frame(6, 5);
  frame(7, 5);
  EXPECT_EQ(plots.earlierRuns(), Plots::EARLIER_RUNS);
  plots.clearEarlierRuns();
  EXPECT_EQ(plots.earlierRuns(), 0u);
  plots.beginRun();
  EXPECT_EQ(plots.earlierRuns(), 1u) << "beginRun() keeps the current run's curves";
}

}  // namespace
}  // namespace nsb::ui
