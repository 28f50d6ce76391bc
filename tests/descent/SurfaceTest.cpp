// The surfaces: every gradient against central finite differences of its value, every listed minimum
// a stationary point at the listed value, the names, the noise of the noisy bowl and the grid sampler.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/Rng.h"
#include "descent/Surface.h"

namespace nsb::descent {
namespace {

// Central differences in double with h = 1e-5 relative to the point's scale: truncation ~h^2 f''' and
// rounding ~1e-16 |f| / h, both below 1e-6 of the gradient's size plus the function's scale for these
// polynomials over their view ranges (Beale reaches ~1e5 at the corners, so the absolute part scales).
constexpr double STEP = 1e-5;
constexpr double RELATIVE_TOLERANCE = 1e-6;

Point centralDifference(const Surface& s, Point p) {
  const double hx = STEP * std::max(1.0, std::fabs(p.x)), hy = STEP * std::max(1.0, std::fabs(p.y));
  return {(s.value({p.x + hx, p.y}) - s.value({p.x - hx, p.y})) / (2 * hx),
          (s.value({p.x, p.y + hy}) - s.value({p.x, p.y - hy})) / (2 * hy)};
}

TEST(Surface, GradientsMatchCentralDifferences) {
  for (SurfaceKind kind : allSurfaces()) {
    const Surface surface(kind, {.condition = 7.0, .sigma = 0.0});
    const ViewRange r = surface.range();
    core::Rng rng(42);
    for (int i = 0; i < 100; ++i) {
      const Point p{r.xMin + (r.xMax - r.xMin) * static_cast<double>(rng.uniform()),
                    r.yMin + (r.yMax - r.yMin) * static_cast<double>(rng.uniform())};
      const Point exact = surface.gradient(p);
      const Point numeric = centralDifference(surface, p);
      const double scale = std::max({1.0, std::fabs(exact.x), std::fabs(exact.y), std::fabs(surface.value(p))});
      EXPECT_NEAR(exact.x, numeric.x, RELATIVE_TOLERANCE * scale)
          << surface.name() << " at (" << p.x << ", " << p.y << ")";
      EXPECT_NEAR(exact.y, numeric.y, RELATIVE_TOLERANCE * scale)
          << surface.name() << " at (" << p.x << ", " << p.y << ")";
    }
  }
}

TEST(Surface, ListedMinimaAreStationaryAtTheirValue) {
  for (SurfaceKind kind : allSurfaces()) {
    const Surface surface(kind, {.condition = 7.0, .sigma = 0.0});
    for (const Minimum& m : surface.minima()) {
      // The irrational minima (Himmelblau's three, the camel's) are Newton-refined doubles: their
      // gradient is rounding, well below 1e-9.
      const Point g = surface.gradient(m.at);
      EXPECT_LT(std::hypot(g.x, g.y), 1e-9) << surface.name() << " at (" << m.at.x << ", " << m.at.y << ")";
      EXPECT_NEAR(surface.value(m.at), m.value, 1e-12) << surface.name();
      // A minimum, not a saddle: every point a little away is higher.
      for (const Point d : {Point{1e-3, 0}, Point{-1e-3, 0}, Point{0, 1e-3}, Point{0, -1e-3}, Point{7e-4, 7e-4}}) {
        EXPECT_GT(surface.value({m.at.x + d.x, m.at.y + d.y}), m.value) << surface.name();
      }
      EXPECT_EQ(surface.distanceToNearestMinimum(m.at), 0.0);
    }
  }
}

TEST(Surface, MinimaAreWhereTheIssueSaysAndTheGlobalOnesAreLowest) {
  auto count = [](SurfaceKind kind) { return Surface(kind).minima().size(); };
  EXPECT_EQ(count(SurfaceKind::Bowl), 1u);
  EXPECT_EQ(count(SurfaceKind::Rosenbrock), 1u);
  EXPECT_EQ(count(SurfaceKind::Himmelblau), 4u);
  EXPECT_EQ(count(SurfaceKind::Saddle), 0u);
  EXPECT_EQ(count(SurfaceKind::Camel), 6u);
  const Minimum beale = Surface(SurfaceKind::Beale).minima().at(0);
  EXPECT_EQ(beale.at.x, 3.0);
  EXPECT_EQ(beale.at.y, 0.5);
  const Surface camel(SurfaceKind::Camel);
  double lowest = 0;
  for (const Minimum& m : camel.minima()) lowest = std::min(lowest, m.value);
  for (const Minimum& m : camel.minima()) EXPECT_EQ(m.global, m.value == lowest);
  EXPECT_NEAR(lowest, -1.0316284534898774, 1e-12);
  EXPECT_TRUE(std::isinf(Surface(SurfaceKind::Saddle).distanceToNearestMinimum({0, 0})));
}

TEST(Surface, NamesRoundTripAndUnknownNamesAreRefused) {
  for (SurfaceKind kind : allSurfaces()) {
    SurfaceKind parsed{};
    ASSERT_TRUE(parseSurface(surfaceName(kind), parsed)) << surfaceName(kind);
    EXPECT_EQ(parsed, kind);
  }
  SurfaceKind parsed{};
  EXPECT_FALSE(parseSurface("noisy_bowl", parsed));
  EXPECT_FALSE(parseSurface("", parsed));
  EXPECT_EQ(surfaceName(SurfaceKind::NoisyBowl), "noisy-bowl");
}

TEST(Surface, DefaultStartsLieInTheirViewRanges) {
  for (SurfaceKind kind : allSurfaces()) {
    const Surface s(kind);
    const Point p = s.defaultStart();
    const ViewRange r = s.range();
    EXPECT_TRUE(p.x > r.xMin && p.x < r.xMax && p.y > r.yMin && p.y < r.yMax) << s.name();
    EXPECT_GT(s.distanceToNearestMinimum(p), 0.5) << s.name();
  }
}

TEST(Surface, NoisyBowlAddsSeededNoiseOfItsSigmaOnly) {
  const Surface noisy(SurfaceKind::NoisyBowl, {.condition = 4.0, .sigma = 2.0});
  const Surface bowl(SurfaceKind::Bowl, {.condition = 4.0, .sigma = 2.0});
  core::Rng a(7), b(7), c(7);
  const Point p{1.0, -0.5};
  const Point g1 = noisy.noisyGradient(p, a), g2 = noisy.noisyGradient(p, b);
  EXPECT_EQ(g1.x, g2.x);  // the same seed, the same noise
  EXPECT_EQ(g1.y, g2.y);
  EXPECT_NE(g1.x, 1.0);
  const Point plain = bowl.noisyGradient(p, c);  // the plain bowl takes no noise
  EXPECT_EQ(plain.x, 1.0);
  EXPECT_EQ(plain.y, -2.0);
  // The noise's spread over many draws is sigma (within 5 % for 20,000 samples).
  core::Rng rng(3);
  double sum = 0, sumSquares = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double e = noisy.noisyGradient({0, 0}, rng).x;
    sum += e;
    sumSquares += e * e;
  }
  const double mean = sum / n;
  EXPECT_NEAR(std::sqrt(sumSquares / n - mean * mean), 2.0, 0.1);
  EXPECT_NEAR(mean, 0.0, 0.1);
}

TEST(Surface, GridHoldsTheValuesRowByRow) {
  const Surface s(SurfaceKind::Rosenbrock);
  const ViewRange r{-2.0, 2.0, -1.0, 3.0};
  const std::vector<double> grid = s.sampleGrid(r, 5);
  ASSERT_EQ(grid.size(), 25u);
  EXPECT_EQ(grid[0], s.value({-2.0, -1.0}));
  EXPECT_EQ(grid[4], s.value({2.0, -1.0}));
  EXPECT_EQ(grid[2 * 5 + 3], s.value({1.0, 1.0}));  // row 2: y = 1; column 3: x = 1 (the minimum)
  EXPECT_EQ(grid[2 * 5 + 3], 0.0);
  EXPECT_EQ(grid[24], s.value({2.0, 3.0}));
}

TEST(Surface, ParametersOutOfRangeAreBadInputNamingTheFlag) {
  EXPECT_TRUE(validate({.condition = 1.0, .sigma = 0.0}));
  const auto low = validate({.condition = 0.5, .sigma = 0.0});
  ASSERT_FALSE(low);
  EXPECT_EQ(low.message().rfind("--condition", 0), 0u);
  const auto noise = validate({.condition = 10.0, .sigma = -1.0});
  ASSERT_FALSE(noise);
  EXPECT_EQ(noise.message().rfind("--sigma", 0), 0u);
}

}  // namespace
}  // namespace nsb::descent
