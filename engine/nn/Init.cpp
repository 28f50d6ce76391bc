// Parameter initialisation. One Rng for the whole network, consumed layer by layer in layout order:
// changing one layer's width changes the draws of the layers after it, but never their distribution.
#include "nn/Init.h"

#include <cmath>

#include "core/Check.h"
#include "core/Rng.h"

namespace nsb::nn {

std::vector<float> initialParameters(const ModelSpec& spec, InitKind init, std::uint64_t seed) {
  NSB_CHECK(spec.validate().ok()) << "initialParameters on an invalid ModelSpec";
  std::vector<float> params(spec.parameterCount(), 0.0f);  // biases stay 0
  if (init == InitKind::Zeros) return params;
  core::Rng rng(seed);
  for (std::size_t layer = 0; layer < spec.layerCount(); ++layer) {
    const std::size_t in = spec.layerInputs(layer);
    const std::size_t out = spec.layerOutputs(layer);
    float* weights = params.data() + spec.weightOffset(layer);
    const std::size_t count = in * out;
    switch (init) {
      case InitKind::Xavier: {
        const auto limit = static_cast<float>(std::sqrt(6.0 / static_cast<double>(in + out)));
        for (std::size_t i = 0; i < count; ++i) weights[i] = rng.uniform(-limit, limit);
        break;
      }
      case InitKind::He: {
        const auto stddev = static_cast<float>(std::sqrt(2.0 / static_cast<double>(in)));
        for (std::size_t i = 0; i < count; ++i) weights[i] = rng.normal(0.0f, stddev);
        break;
      }
      case InitKind::Uniform:
        for (std::size_t i = 0; i < count; ++i) weights[i] = rng.uniform(-0.5f, 0.5f);
        break;
      case InitKind::Zeros:
        break;
    }
  }
  return params;
}

}  // namespace nsb::nn
