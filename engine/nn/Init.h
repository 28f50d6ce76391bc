#pragma once
// Initial parameters of a network in the flat layout of ModelSpec (weights [out, in] in layer order,
// then biases). Drawn with core::Rng layer by layer, so a seed gives the same weights on every machine.
#include <cstdint>
#include <vector>

#include "nn/ModelSpec.h"

namespace nsb::nn {

// Xavier/Glorot uniform +-sqrt(6 / (in + out)); He normal(0, sqrt(2 / in)); uniform +-0.5; zeros.
// Biases are 0 for every kind. The spec must be valid (checked).
std::vector<float> initialParameters(const ModelSpec& spec, InitKind init, std::uint64_t seed);

}  // namespace nsb::nn
