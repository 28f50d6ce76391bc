#pragma once
// Directions: the two directions of a loss-landscape plane in the flat parameter layout of ModelSpec,
// and their file. Random ones are filter-normalised as Li et al. 2018 do ("Visualizing the Loss
// Landscape of Neural Nets"): each filter - for a fully connected layer, each row of its weight matrix -
// is scaled to the norm of the same row of the weights, so that the plane's scale follows the
// network's and not the parameterisation's. Biases are zero in the directions unless asked for.
// A caller with directions of its own (the trajectory's principal directions) builds Directions itself.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/Result.h"
#include "nn/ModelSpec.h"

namespace nsb::landscape {

struct Directions {
  std::vector<float> first, second;  // alpha's and beta's direction, each ModelSpec::parameterCount() floats
};

// Scales each row of every weight matrix of `direction` to the norm of the same row of `params`
// (a zero row of the weights gives a zero row); biases are zeroed unless `keepBiases`, then each
// layer's bias vector is scaled to the norm of the weights' bias vector (Li et al.'s bias option).
void filterNormalise(const nn::ModelSpec& spec, std::span<const float> params, std::span<float> direction,
                     bool keepBiases = false);

// Two directions of standard normal entries drawn from core::Rng(seed) (the first direction's
// parameters in flat order, then the second's), each filter-normalised against `params`.
Directions randomDirections(const nn::ModelSpec& spec, std::span<const float> params, std::uint64_t seed,
                            bool keepBiases = false);

// The plane of a network with exactly two parameters: the unit vectors of the first and the second
// parameter, so that the grid is the whole loss surface around the weights, exactly.
Directions parameterAxes(const nn::ModelSpec& spec);

// The directions as safetensors: F32 tensors named as in a checkpoint with the prefix "alpha." or
// "beta." ("alpha.layers.0.weight" [out, in], "beta.layers.1.bias" [out], ...), and __metadata__
// {"format": "neural-sandbox-directions/1", "model": ModelSpec::toJson()}.
core::Result<std::vector<std::uint8_t>> serializeDirections(const nn::ModelSpec& spec, const Directions& directions);
struct DirectionsFile {
  nn::ModelSpec spec;
  Directions directions;
};
// Reads what serializeDirections wrote, checking every name, shape and offset against the model in the
// metadata; errors read "NAME: what is wrong".
core::Result<DirectionsFile> parseDirections(std::span<const std::uint8_t> bytes, const std::string& nameForErrors);

constexpr const char* DIRECTIONS_FORMAT = "neural-sandbox-directions/1";

}  // namespace nsb::landscape
