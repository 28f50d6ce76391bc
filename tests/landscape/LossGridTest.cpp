// LossGrid: the centre and other grid points against losses computed here in double at the perturbed
// weights, chunking, the exact surface of a two-parameter network, CPU against Vulkan, the memory
// check and bad grids.
#include <gtest/gtest.h>

#include <cmath>

#include "LandscapeTestSupport.h"
#include "compute/Registry.h"
#include "gpu/VulkanContext.h"
#include "landscape/LossGrid.h"

namespace nsb::landscape {
namespace {

// The grid is computed in float (GEMMs over at most 7 terms, a softmax over 3, a mean over 40 rows)
// from weights perturbed in float: 1e-5 relative to a loss near 1 fails any wrong weight or sample yet
// passes rounding.
constexpr double TOLERANCE = 1e-5;

struct Fixture {
  nn::ModelSpec spec = testing::smallClassifier();
  std::vector<float> params = testing::randomParams(spec, 7);
  data::Dataset dataset = testing::classificationData(5, 3, 50, 9);
  Directions directions = randomDirections(spec, params, 21);
  // 40 of the 50 test samples: the rows past the batch must not count.
  EvaluationBatch batch = evaluationBatch(dataset, spec, 40).value();
};

std::unique_ptr<compute::Backend> cpu() { return compute::createBackend("cpu").value(); }

TEST(LossGrid, CentreEqualsTheLossAtTheWeights) {
  Fixture f;
  const auto grid = computeGrid(*cpu(), f.spec, f.params, f.directions, f.batch, {.points = 9, .span = 0.7f});
  ASSERT_TRUE(grid) << grid.message();
  const std::vector<double> weights(f.params.begin(), f.params.end());
  const double want = testing::referenceLoss(f.spec, weights, f.dataset, 40);
  EXPECT_NEAR(grid->centre(), want, TOLERANCE * want);
  EXPECT_EQ(grid->coordinate(4), 0.0f);
}

TEST(LossGrid, OtherPointsEqualTheLossAtThePerturbedWeights) {
  Fixture f;
  // Chunks of 5 points: the 81 points take 17 submits, the last one short.
  const GridConfig config{.points = 9, .span = 0.7f, .chunk = 5};
  const auto grid = computeGrid(*cpu(), f.spec, f.params, f.directions, f.batch, config);
  ASSERT_TRUE(grid) << grid.message();
  ASSERT_EQ(grid->loss.size(), 81u);
  for (const auto& [i, j] : {std::pair<std::size_t, std::size_t>{0, 0}, {8, 2}, {3, 8}, {8, 8}}) {
    const double alpha = -0.7 + 1.4 * static_cast<double>(i) / 8.0, beta = -0.7 + 1.4 * static_cast<double>(j) / 8.0;
    EXPECT_NEAR(grid->coordinate(i), alpha, 1e-6);
    const auto weights = testing::perturbed(f.params, f.directions.first, f.directions.second, alpha, beta);
    const double want = testing::referenceLoss(f.spec, weights, f.dataset, 40);
    EXPECT_NEAR(grid->at(i, j), want, TOLERANCE * want) << "alpha " << alpha << ", beta " << beta;
  }
  // The chunking does not change the grid (the whole grid in one submit).
  const auto whole = computeGrid(*cpu(), f.spec, f.params, f.directions, f.batch, {.points = 9, .span = 0.7f});
  ASSERT_TRUE(whole);
  for (std::size_t p = 0; p < 81; ++p) EXPECT_NEAR(grid->loss[p], whole->loss[p], 1e-6) << "point " << p;
}

TEST(LossGrid, PerturbedBiasesCountAtEveryLayer) {
  Fixture f;
  f.directions = randomDirections(f.spec, f.params, 21, true);
  const auto grid =
      computeGrid(*cpu(), f.spec, f.params, f.directions, f.batch, {.points = 5, .span = 1.5f, .chunk = 7});
  ASSERT_TRUE(grid) << grid.message();
  for (const auto& [i, j] : {std::pair<std::size_t, std::size_t>{0, 4}, {4, 1}}) {
    const double alpha = grid->coordinate(i), beta = grid->coordinate(j);
    const auto weights = testing::perturbed(f.params, f.directions.first, f.directions.second, alpha, beta);
    const double want = testing::referenceLoss(f.spec, weights, f.dataset, 40);
    EXPECT_NEAR(grid->at(i, j), want, TOLERANCE * want) << "alpha " << alpha << ", beta " << beta;
  }
}

TEST(LossGrid, TwoParametersGiveTheExactSurface) {
  // y = w x + b with MSE: the loss at (w + alpha, b + beta) in closed form.
  nn::ModelSpec spec;
  spec.inputs = 1;
  spec.outputs = 1;
  spec.head = compute::Head::Linear;
  spec.loss = compute::LossKind::Mse;
  ASSERT_EQ(spec.parameterCount(), 2u);
  data::Dataset d;
  d.name = "line";
  d.task = data::Task::Regression;
  d.features = 1;
  d.outputs = 1;
  d.test.count = 6;
  d.test.values = {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 2.0f};
  d.test.targets = {-1.9f, -0.8f, 0.1f, 1.2f, 2.1f, 3.9f};
  const std::vector<float> params = {0.5f, -0.25f};  // weight, bias
  const auto batch = evaluationBatch(d, spec, 256);
  ASSERT_TRUE(batch) << batch.message();
  EXPECT_EQ(batch->rows, 6u);
  const auto grid = computeGrid(*cpu(), spec, params, parameterAxes(spec), batch.value(), {.points = 5, .span = 2.0f});
  ASSERT_TRUE(grid) << grid.message();
  for (std::size_t j = 0; j < 5; ++j) {
    for (std::size_t i = 0; i < 5; ++i) {
      const double w = 0.5 + grid->coordinate(i), b = -0.25 + grid->coordinate(j);
      double want = 0.0;
      for (std::size_t r = 0; r < 6; ++r) want += std::pow(w * d.test.values[r] + b - d.test.targets[r], 2) / 6.0;
      EXPECT_NEAR(grid->at(i, j), want, 1e-5 * want + 1e-6) << "w " << w << ", b " << b;
    }
  }
}

TEST(LossGrid, CpuAndVulkanAgree) {
  if (gpu::listVulkanDevices().empty()) GTEST_SKIP() << "no Vulkan device";
  Fixture f;
  auto vulkan = compute::createBackend("vulkan");
  ASSERT_TRUE(vulkan) << vulkan.message();
  const GridConfig config{.points = 7, .span = 1.0f, .chunk = 16};
  const auto onCpu = computeGrid(*cpu(), f.spec, f.params, f.directions, f.batch, config);
  const auto onVulkan = computeGrid(*vulkan.value(), f.spec, f.params, f.directions, f.batch, config);
  ASSERT_TRUE(onCpu && onVulkan);
  // The op suite's parity tolerance against the CPU backend (tests/compute/OpSuiteTest.cpp): NMSE <= 1e-7.
  double err = 0.0, ref = 0.0;
  for (std::size_t p = 0; p < onCpu->loss.size(); ++p) {
    err += std::pow(static_cast<double>(onVulkan->loss[p]) - onCpu->loss[p], 2);
    ref += std::pow(static_cast<double>(onCpu->loss[p]), 2);
  }
  EXPECT_LE(err / ref, 1e-7);
}

TEST(LossGrid, OverTheMemoryBudgetIsOneLineBeforeAnyAllocation) {
  Fixture f;
  auto backend = compute::createBackend("cpu", {.memoryBudget = 4096}).value();
  const auto grid = computeGrid(*backend, f.spec, f.params, f.directions, f.batch, {.points = 33});
  ASSERT_FALSE(grid);
  EXPECT_EQ(grid.error().kind, core::ErrorKind::BadInput);
  EXPECT_NE(grid.message().find("memory: the landscape 33x33 of 5-7-6-3 on 40 samples needs"), std::string::npos)
      << grid.message();
  EXPECT_NE(grid.message().find("available"), std::string::npos) << grid.message();
  EXPECT_EQ(grid.message().find('\n'), std::string::npos);
  EXPECT_EQ(backend->bytesAllocated(), 0u);
}

TEST(LossGrid, BadGridsAndDatasetsAreRefused) {
  Fixture f;
  for (const GridConfig& config : {GridConfig{.points = 8}, GridConfig{.points = 1}, GridConfig{.points = MAX_GRID + 2},
                                   GridConfig{.points = 9, .span = 0.0f}, GridConfig{.points = 9, .span = -1.0f}}) {
    const auto grid = computeGrid(*cpu(), f.spec, f.params, f.directions, f.batch, config);
    ASSERT_FALSE(grid) << config.points << " " << config.span;
    EXPECT_EQ(grid.error().kind, core::ErrorKind::BadInput);
  }
  const auto wrongFeatures = evaluationBatch(testing::classificationData(4, 3, 10, 1), f.spec, 10);
  ASSERT_FALSE(wrongFeatures);
  EXPECT_NE(wrongFeatures.message().find("--dataset"), std::string::npos);
  EXPECT_FALSE(evaluationBatch(testing::classificationData(5, 4, 10, 1), f.spec, 10));
}

}  // namespace
}  // namespace nsb::landscape
