#include "core/Rng.h"

#include <cmath>
#include <utility>

namespace nsb::core {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::uint32_t rotl(std::uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

}  // namespace

Rng::Rng(std::uint64_t seed) {
  std::uint64_t s = seed;
  std::uint64_t a = splitmix64(s);
  std::uint64_t b = splitmix64(s);
  mState[0] = static_cast<std::uint32_t>(a);
  mState[1] = static_cast<std::uint32_t>(a >> 32);
  mState[2] = static_cast<std::uint32_t>(b);
  mState[3] = static_cast<std::uint32_t>(b >> 32);
}

std::uint32_t Rng::nextU32() {
  const std::uint32_t result = rotl(mState[1] * 5, 7) * 9;
  const std::uint32_t t = mState[1] << 9;
  mState[2] ^= mState[0];
  mState[3] ^= mState[1];
  mState[1] ^= mState[2];
  mState[0] ^= mState[3];
  mState[2] ^= t;
  mState[3] = rotl(mState[3], 11);
  return result;
}

float Rng::uniform() { return static_cast<float>(nextU32() >> 8) * (1.0f / 16777216.0f); }

float Rng::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

std::uint32_t Rng::below(std::uint32_t n) {
  // Lemire's method with rejection: exact and the same everywhere.
  std::uint64_t m = static_cast<std::uint64_t>(nextU32()) * n;
  auto low = static_cast<std::uint32_t>(m);
  if (low < n) {
    const std::uint32_t threshold = (0u - n) % n;
    while (low < threshold) {
      m = static_cast<std::uint64_t>(nextU32()) * n;
      low = static_cast<std::uint32_t>(m);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);
}

float Rng::normal() {
  if (mHasSpare) {
    mHasSpare = false;
    return mSpare;
  }
  // Box-Muller in double so that the result does not depend on float rounding of libm.
  double u1 = 0.0;
  while (u1 <= 0.0) u1 = static_cast<double>(uniform());
  const double u2 = static_cast<double>(uniform());
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = 6.283185307179586 * u2;
  mSpare = static_cast<float>(radius * std::sin(angle));
  mHasSpare = true;
  return static_cast<float>(radius * std::cos(angle));
}

float Rng::normal(float mean, float stddev) { return mean + stddev * normal(); }

void Rng::shuffle(std::span<std::int32_t> values) {
  for (std::size_t i = values.size(); i > 1; --i) {
    const std::size_t j = below(static_cast<std::uint32_t>(i));
    std::swap(values[i - 1], values[j]);
  }
}

}  // namespace nsb::core
