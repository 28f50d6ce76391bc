// FeatureSet: parsing and printing the feature list, the values of each feature, and live recomputation.
#include <gtest/gtest.h>

#include <cmath>

#include "data/Features.h"
#include "data/Synthetic2D.h"

namespace nsb::data {
namespace {

TEST(Features, DefaultIsX1X2) {
  const FeatureSet features;
  EXPECT_EQ(features.size(), 2u);
  EXPECT_TRUE(features.has(Feature::X1));
  EXPECT_TRUE(features.has(Feature::X2));
  EXPECT_FALSE(features.has(Feature::SinX1));
  EXPECT_EQ(features.toString(), "x1,x2");
}

TEST(Features, ParseRoundTripsInFeatureOrder) {
  auto all = FeatureSet::parse("sin-x2, x1x2,x1,x2^2 ,x1^2,sin-x1,x2");
  ASSERT_TRUE(all.ok()) << all.message();
  EXPECT_EQ(all->size(), FEATURE_COUNT);
  EXPECT_EQ(all->toString(), "x1,x2,x1^2,x2^2,x1x2,sin-x1,sin-x2");
  auto again = FeatureSet::parse(all->toString());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *all);
  EXPECT_EQ(all->names().size(), FEATURE_COUNT);
}

TEST(Features, ParseErrors) {
  auto empty = FeatureSet::parse("");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.message().find("empty"), std::string::npos);
  EXPECT_FALSE(FeatureSet::parse(" , ,").ok());
  auto unknown = FeatureSet::parse("x1,cos-x1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.message().find("'cos-x1'"), std::string::npos) << unknown.message();
}

TEST(Features, ApplyComputesEachFeature) {
  auto all = FeatureSet::parse("x1,x2,x1^2,x2^2,x1x2,sin-x1,sin-x2");
  ASSERT_TRUE(all.ok());
  float out[FEATURE_COUNT] = {};
  all->apply(1.5f, -2.0f, out);
  // Tolerance 1e-6: one float multiply or libm sin, well under one ulp times a few at these magnitudes.
  EXPECT_NEAR(out[0], 1.5f, 1e-6f);
  EXPECT_NEAR(out[1], -2.0f, 1e-6f);
  EXPECT_NEAR(out[2], 2.25f, 1e-6f);
  EXPECT_NEAR(out[3], 4.0f, 1e-6f);
  EXPECT_NEAR(out[4], -3.0f, 1e-6f);
  EXPECT_NEAR(out[5], std::sin(1.5f), 1e-6f);
  EXPECT_NEAR(out[6], std::sin(-2.0f), 1e-6f);

  // A subset is written densely in Feature order.
  auto some = FeatureSet::parse("sin-x2,x1^2");
  ASSERT_TRUE(some.ok());
  float two[2] = {};
  some->apply(3.0f, 0.5f, two);
  EXPECT_NEAR(two[0], 9.0f, 1e-6f);
  EXPECT_NEAR(two[1], std::sin(0.5f), 1e-6f);
}

TEST(Features, ApplyFeaturesRecomputesValuesFromPoints) {
  auto dataset = makeSynthetic({.kind = SyntheticKind::Circle, .points = 40}, FeatureSet{});
  ASSERT_TRUE(dataset.ok());
  auto features = FeatureSet::parse("x1x2,sin-x1,x2");
  ASSERT_TRUE(features.ok());
  applyFeatures(*dataset, *features);
  EXPECT_EQ(dataset->features, 3u);
  EXPECT_EQ(dataset->featureNames, (std::vector<std::string>{"x2", "x1x2", "sin-x1"}));
  for (const Split* split : {&dataset->train, &dataset->test}) {
    ASSERT_EQ(split->values.size(), split->count * 3);
    for (std::size_t i = 0; i < split->count; ++i) {
      const float x1 = split->points[2 * i], x2 = split->points[2 * i + 1];
      EXPECT_FLOAT_EQ(split->values[3 * i], x2);
      EXPECT_FLOAT_EQ(split->values[3 * i + 1], x1 * x2);
      EXPECT_FLOAT_EQ(split->values[3 * i + 2], std::sin(x1));
    }
  }
}

}  // namespace
}  // namespace nsb::data
