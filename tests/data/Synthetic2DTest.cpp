// Synthetic 2D datasets: determinism by seed, ranges, class balance, the rule each noise-free set follows,
// and config validation.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "data/Synthetic2D.h"

namespace nsb::data {
namespace {

constexpr SyntheticKind ALL_KINDS[] = {SyntheticKind::Circle,   SyntheticKind::Xor,     SyntheticKind::Gauss,
                                       SyntheticKind::Spiral,   SyntheticKind::Moons,   SyntheticKind::Checkerboard,
                                       SyntheticKind::RegPlane, SyntheticKind::RegGauss};

Dataset make(SyntheticKind kind, std::size_t points = 400, float noise = 0.0f, std::uint64_t seed = 1,
             float ratio = 0.5f) {
  auto result =
      makeSynthetic({.kind = kind, .points = points, .noise = noise, .trainRatio = ratio, .seed = seed}, FeatureSet{});
  EXPECT_TRUE(result.ok()) << result.message();
  return std::move(result).value();
}

// Calls f(x1, x2, label) for every point of both splits (classification).
template <typename F>
void forEachPoint(const Dataset& dataset, F f) {
  for (const Split* split : {&dataset.train, &dataset.test}) {
    for (std::size_t i = 0; i < split->count; ++i) f(split->points[2 * i], split->points[2 * i + 1], split->labels[i]);
  }
}

TEST(Synthetic2D, NamesRoundTrip) {
  for (SyntheticKind kind : ALL_KINDS) {
    SyntheticKind parsed = SyntheticKind::Circle;
    ASSERT_TRUE(parseSyntheticKind(syntheticName(kind), parsed)) << syntheticName(kind);
    EXPECT_EQ(parsed, kind);
  }
  SyntheticKind parsed = SyntheticKind::Circle;
  EXPECT_TRUE(parseSyntheticKind("reg-gauss", parsed));
  EXPECT_EQ(parsed, SyntheticKind::RegGauss);
  EXPECT_FALSE(parseSyntheticKind("Spiral", parsed));
  EXPECT_FALSE(parseSyntheticKind("", parsed));
}

TEST(Synthetic2D, SameSeedSamePointsOtherSeedOtherPoints) {
  for (SyntheticKind kind : ALL_KINDS) {
    const Dataset a = make(kind, 200, 0.2f, 7);
    const Dataset b = make(kind, 200, 0.2f, 7);
    const Dataset c = make(kind, 200, 0.2f, 8);
    EXPECT_EQ(a.train.points, b.train.points) << syntheticName(kind);
    EXPECT_EQ(a.test.points, b.test.points) << syntheticName(kind);
    EXPECT_EQ(a.train.labels, b.train.labels) << syntheticName(kind);
    EXPECT_EQ(a.train.targets, b.train.targets) << syntheticName(kind);
    EXPECT_NE(a.train.points, c.train.points) << syntheticName(kind);
  }
}

TEST(Synthetic2D, FixedSeedGivesFixedPoints) {
  // Golden values guard cross-machine determinism (core::Rng only, no <random>, no libm in xor's path). If
  // the generator changes on purpose, update them. Tolerance 1e-6: they are printed with 9 digits.
  const Dataset d = make(SyntheticKind::Xor, 100, 0.0f, 1);
  EXPECT_NEAR(d.train.points[0], 5.38687944f, 1e-6f);
  EXPECT_NEAR(d.train.points[1], -1.72924614f, 1e-6f);
  EXPECT_EQ(d.train.labels[0], 0);
  EXPECT_NEAR(d.test.points[0], -3.95598888f, 1e-6f);
  EXPECT_NEAR(d.test.points[1], -3.657969f, 1e-6f);
}

TEST(Synthetic2D, ShapesRangesAndSource) {
  for (SyntheticKind kind : ALL_KINDS) {
    const Dataset d = make(kind, 301, 0.5f, 3, 0.7f);
    SCOPED_TRACE(syntheticName(kind));
    EXPECT_EQ(d.name, syntheticName(kind));
    EXPECT_EQ(d.train.count, 211u);  // round(301 * 0.7)
    EXPECT_EQ(d.test.count, 90u);
    EXPECT_EQ(d.features, 2u);
    EXPECT_EQ(d.featureNames, (std::vector<std::string>{"x1", "x2"}));
    EXPECT_FALSE(d.u8);
    for (const Split* split : {&d.train, &d.test}) {
      ASSERT_EQ(split->points.size(), split->count * 2);
      ASSERT_EQ(split->values.size(), split->count * 2);
      EXPECT_EQ(split->values, split->points);  // features x1, x2 are the raw point
      for (float v : split->points) {
        EXPECT_GE(v, -6.0f);
        EXPECT_LE(v, 6.0f);
      }
    }
    if (isRegression(kind)) {
      EXPECT_EQ(d.task, Task::Regression);
      EXPECT_EQ(d.outputs, 1u);
      EXPECT_EQ(d.outputWidth(), 1u);
      ASSERT_EQ(d.train.targets.size(), d.train.count);
      EXPECT_TRUE(d.train.labels.empty());
      for (float t : d.train.targets) {
        EXPECT_GE(t, -1.0f);
        EXPECT_LE(t, 1.0f);
      }
    } else {
      EXPECT_EQ(d.task, Task::Classification);
      EXPECT_EQ(d.classes, 2u);
      EXPECT_EQ(d.outputWidth(), 1u);
      ASSERT_EQ(d.train.labels.size(), d.train.count);
      EXPECT_TRUE(d.train.targets.empty());
    }
  }
  EXPECT_EQ(make(SyntheticKind::Spiral, 500, 0.1f, 1).source, "generated: spiral, 500 points, noise 0.1, seed 1");
}

TEST(Synthetic2D, ClassesAreBalanced) {
  for (SyntheticKind kind : ALL_KINDS) {
    if (isRegression(kind)) continue;
    for (std::size_t n : {400u, 401u}) {
      const Dataset d = make(kind, n, 0.3f, 5);
      std::size_t ones = 0, zeros = 0;
      forEachPoint(d, [&](float, float, std::int32_t label) {
        ASSERT_TRUE(label == 0 || label == 1) << label;
        (label == 1 ? ones : zeros)++;
      });
      EXPECT_EQ(ones, n / 2) << syntheticName(kind);
      EXPECT_EQ(zeros, n - n / 2) << syntheticName(kind);
    }
  }
}

TEST(Synthetic2D, NoiseFreeLabelsFollowTheRule) {
  forEachPoint(make(SyntheticKind::Circle, 1000), [](float x1, float x2, std::int32_t label) {
    const float r = std::hypot(x1, x2);
    // 1e-4: float rounding of r * cos, r * sin around the ring's radii.
    if (label == 1) {
      EXPECT_LT(r, 2.0f + 1e-4f);
    } else {
      EXPECT_GE(r, 3.0f - 1e-4f);
      EXPECT_LE(r, 5.0f + 1e-4f);
    }
  });
  forEachPoint(make(SyntheticKind::Gauss, 1000), [](float x1, float x2, std::int32_t label) {
    EXPECT_EQ(label == 1, x1 + x2 > 0.0f) << x1 << ", " << x2;
  });
  forEachPoint(make(SyntheticKind::Xor, 1000), [](float x1, float x2, std::int32_t label) {
    EXPECT_EQ(label == 1, x1 * x2 > 0.0f) << x1 << ", " << x2;
  });
  forEachPoint(make(SyntheticKind::Checkerboard, 1000), [](float x1, float x2, std::int32_t label) {
    const int cx = std::min(3, static_cast<int>((x1 + 6.0f) / 3.0f));
    const int cy = std::min(3, static_cast<int>((x2 + 6.0f) / 3.0f));
    EXPECT_EQ(label == 1, (cx + cy) % 2 == 0) << x1 << ", " << x2;
  });
  // The two spiral arms are a half turn apart: a noise-free point lies on its own arm's curve.
  forEachPoint(make(SyntheticKind::Spiral, 400), [](float x1, float x2, std::int32_t label) {
    const float r = std::hypot(x1, x2);
    const float angle = 1.75f * 2.0f * 3.14159265f * r / 5.0f + (label == 1 ? 0.0f : 3.14159265f);
    // 1e-3: float error of sin/cos of angles up to 14 rad times radius 5.
    EXPECT_NEAR(x1, r * std::sin(angle), 1e-3f);
    EXPECT_NEAR(x2, r * std::cos(angle), 1e-3f);
  });
}

TEST(Synthetic2D, NoiseBlursTheClasses) {
  // At noise 0.5 the circle's jitter (up to 2.5 per axis) must put some points across r = 2.5.
  std::size_t across = 0;
  forEachPoint(make(SyntheticKind::Circle, 1000, 0.5f),
               [&](float x1, float x2, std::int32_t label) { across += (label == 1) != (std::hypot(x1, x2) < 2.5f); });
  EXPECT_GT(across, 10u);
}

TEST(Synthetic2D, RegressionTargets) {
  const Dataset plane = make(SyntheticKind::RegPlane, 200);
  for (std::size_t i = 0; i < plane.train.count; ++i) {
    // 1e-6: one add and one divide in float.
    EXPECT_NEAR(plane.train.targets[i], (plane.train.points[2 * i] + plane.train.points[2 * i + 1]) / 12.0f, 1e-6f);
  }
  const Dataset bumps = make(SyntheticKind::RegGauss, 2000);
  float lo = 1.0f, hi = -1.0f;
  for (float t : bumps.train.targets) {
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  // Both signed bumps show up: a bug that drops one would leave only one sign.
  EXPECT_LT(lo, -0.5f);
  EXPECT_GT(hi, 0.5f);
}

TEST(Synthetic2D, ConfigIsValidated) {
  const FeatureSet features;
  auto noisy = makeSynthetic({.noise = 0.6f}, features);
  ASSERT_FALSE(noisy.ok());
  EXPECT_EQ(noisy.message(), "--noise: must be between 0 and 0.5");
  EXPECT_EQ(noisy.error().kind, core::ErrorKind::BadInput);
  EXPECT_FALSE(makeSynthetic({.noise = -0.1f}, features).ok());
  EXPECT_FALSE(makeSynthetic({.noise = std::numeric_limits<float>::quiet_NaN()}, features).ok());
  EXPECT_FALSE(makeSynthetic({.trainRatio = 0.05f}, features).ok());
  EXPECT_FALSE(makeSynthetic({.trainRatio = 0.95f}, features).ok());
  EXPECT_FALSE(makeSynthetic({.points = 0}, features).ok());
  EXPECT_FALSE(makeSynthetic({.points = 5}, features).ok());
  EXPECT_FALSE(makeSynthetic({}, FeatureSet{.mask = 0}).ok());
  EXPECT_FALSE(makeSynthetic({.kind = static_cast<SyntheticKind>(42)}, features).ok());
}

TEST(Synthetic2D, FeaturesAreApplied) {
  auto features = FeatureSet::parse("x1^2,x1x2");
  ASSERT_TRUE(features.ok());
  auto d = makeSynthetic({.kind = SyntheticKind::Xor, .points = 50}, *features);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->features, 2u);
  EXPECT_EQ(d->featureNames, (std::vector<std::string>{"x1^2", "x1x2"}));
  const float x1 = d->train.points[0], x2 = d->train.points[1];
  EXPECT_FLOAT_EQ(d->train.values[0], x1 * x1);
  EXPECT_FLOAT_EQ(d->train.values[1], x1 * x2);
}

}  // namespace
}  // namespace nsb::data
