#include "core/Format.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace nsb::core {
namespace {

template <typename T>
std::string shortest(T value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  if (value == 0) return "0";  // also -0: a sign on zero tells a reader nothing
  char text[64];
  const auto [end, error] = std::to_chars(text, text + sizeof text, value);
  return error == std::errc{} ? std::string(text, end) : std::string("?");
}

}  // namespace

std::string formatNumber(float value) { return shortest(value); }
std::string formatNumber(double value) { return shortest(value); }

double decimalValue(float value) {
  if (!std::isfinite(value)) return static_cast<double>(value);
  return std::strtod(formatNumber(value).c_str(), nullptr);
}

}  // namespace nsb::core
