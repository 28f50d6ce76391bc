// FeatureSet: parsing, naming and computing the Playground-style input features of 2D points.
#include "data/Features.h"

#include <bit>
#include <cmath>

namespace nsb::data {
namespace {

constexpr const char* FEATURE_NAMES[FEATURE_COUNT] = {"x1", "x2", "x1^2", "x2^2", "x1x2", "sin-x1", "sin-x2"};
constexpr std::uint32_t ALL_FEATURES = (1u << FEATURE_COUNT) - 1;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

void fillSplit(Split& split, const FeatureSet& features) {
  NSB_CHECK(split.points.size() == split.count * 2)
      << "applyFeatures: split has " << split.points.size() << " point coordinates for " << split.count << " rows";
  const std::size_t width = features.size();
  split.values.assign(split.count * width, 0.0f);
  for (std::size_t i = 0; i < split.count; ++i) {
    features.apply(split.points[2 * i], split.points[2 * i + 1], split.values.data() + i * width);
  }
}

}  // namespace

const char* featureName(Feature feature) { return FEATURE_NAMES[static_cast<std::size_t>(feature)]; }

std::size_t FeatureSet::size() const { return static_cast<std::size_t>(std::popcount(mask & ALL_FEATURES)); }

bool FeatureSet::has(Feature feature) const { return (mask >> static_cast<std::uint32_t>(feature)) & 1u; }

void FeatureSet::set(Feature feature, bool on) {
  const std::uint32_t bit = 1u << static_cast<std::uint32_t>(feature);
  mask = on ? (mask | bit) : (mask & ~bit);
}

std::vector<std::string> FeatureSet::names() const {
  std::vector<std::string> result;
  for (std::size_t i = 0; i < FEATURE_COUNT; ++i) {
    if (has(static_cast<Feature>(i))) result.emplace_back(FEATURE_NAMES[i]);
  }
  return result;
}

void FeatureSet::apply(float x1, float x2, float* out) const {
  const float all[FEATURE_COUNT] = {x1, x2, x1 * x1, x2 * x2, x1 * x2, std::sin(x1), std::sin(x2)};
  for (std::size_t i = 0; i < FEATURE_COUNT; ++i) {
    if (has(static_cast<Feature>(i))) *out++ = all[i];
  }
}

core::Result<FeatureSet> FeatureSet::parse(std::string_view commaList) {
  FeatureSet result{.mask = 0};
  std::string_view rest = commaList;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    if (!item.empty()) {
      bool found = false;
      for (std::size_t i = 0; i < FEATURE_COUNT; ++i) {
        if (item == FEATURE_NAMES[i]) {
          result.mask |= 1u << i;
          found = true;
        }
      }
      if (!found) {
        return core::badInput("--features: unknown feature '" + std::string(item) +
                              "' (expected x1, x2, x1^2, x2^2, x1x2, sin-x1, sin-x2)");
      }
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (result.mask == 0) return core::badInput("--features: the feature list is empty");
  return result;
}

std::string FeatureSet::toString() const {
  std::string result;
  for (const std::string& name : names()) {
    if (!result.empty()) result += ',';
    result += name;
  }
  return result;
}

void applyFeatures(Dataset& dataset, const FeatureSet& features) {
  NSB_CHECK(features.size() > 0) << "applyFeatures: empty feature set";
  NSB_CHECK(!dataset.u8) << "applyFeatures: dataset '" << dataset.name << "' is an image dataset";
  fillSplit(dataset.train, features);
  fillSplit(dataset.test, features);
  dataset.features = features.size();
  dataset.featureNames = features.names();
}

}  // namespace nsb::data
