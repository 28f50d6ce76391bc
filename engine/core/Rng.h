#pragma once
// Seeded random numbers with our own distributions: the standard library's distributions are
// implementation-defined, so the same seed must give the same numbers on every machine through us.
// Generator: xoshiro128** seeded by splitmix64.
#include <cstdint>
#include <span>

namespace nsb::core {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  std::uint32_t nextU32();
  // Uniform in [0, 1) with 24 random bits.
  float uniform();
  // Uniform in [lo, hi).
  float uniform(float lo, float hi);
  // Uniform integer in [0, n), n > 0, without modulo bias.
  std::uint32_t below(std::uint32_t n);
  // Standard normal (Box-Muller on our uniforms).
  float normal();
  float normal(float mean, float stddev);
  // Fisher-Yates shuffle.
  void shuffle(std::span<std::int32_t> values);

 private:
  std::uint32_t mState[4];
  bool mHasSpare = false;
  float mSpare = 0.0f;
};

}  // namespace nsb::core
