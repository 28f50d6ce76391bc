#pragma once
// Input features of the 2D datasets, as in TensorFlow Playground: x1, x2, x1^2, x2^2, x1*x2, sin(x1),
// sin(x2), computed from the raw point. The editor toggles them live through applyFeatures().
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/Result.h"
#include "data/Dataset.h"

namespace nsb::data {

enum class Feature { X1, X2, X1Squared, X2Squared, X1X2, SinX1, SinX2 };

inline constexpr std::size_t FEATURE_COUNT = 7;

// "x1", "x2", "x1^2", "x2^2", "x1x2", "sin-x1", "sin-x2": the names parse() accepts and names() returns.
const char* featureName(Feature feature);

struct FeatureSet {
  std::uint32_t mask = 0b11;  // bit i = Feature(i); default x1, x2

  std::size_t size() const;
  bool has(Feature feature) const;
  void set(Feature feature, bool on);
  // In Feature order; apply() writes the values in the same order.
  std::vector<std::string> names() const;
  // Writes size() values to out. Values are not rescaled (x1^2 reaches 36), as in Playground.
  void apply(float x1, float x2, float* out) const;
  // "x1,x2,x1^2,x2^2,x1x2,sin-x1,sin-x2" in any order, spaces allowed; empty or unknown names are errors.
  static core::Result<FeatureSet> parse(std::string_view commaList);
  // Comma list in Feature order; parse(toString()) gives the same set.
  std::string toString() const;

  bool operator==(const FeatureSet&) const = default;
};

// Recomputes both splits' values (and features, featureNames) from Split::points. Only for 2D datasets
// (points filled, not u8) and a non-empty set: anything else is a caller bug and fails NSB_CHECK.
void applyFeatures(Dataset& dataset, const FeatureSet& features);

}  // namespace nsb::data
