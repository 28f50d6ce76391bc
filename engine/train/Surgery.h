#pragma once
// Weight surgery: structural edits of a network's host state (parameters and the optimizer's two state
// arrays, flat layout of nn::ModelSpec) that keep every other weight and its optimizer state. New
// entries start with zero optimizer state. Pure functions on host vectors; the Trainer applies them
// between two steps. Errors (a layer that does not exist, the last neuron) come back as bad input.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/Result.h"
#include "data/Features.h"
#include "nn/ModelSpec.h"

namespace nsb::train {

struct ModelState {
  nn::ModelSpec spec;
  std::vector<float> params, state1, state2;  // state arrays may be empty (no optimizer state yet)
};

// Appends a neuron to hidden layer `layer`: incoming weights uniform in +-half the Xavier limit drawn
// from `seed`, bias 0, zero outgoing weights, so the network's outputs do not change.
core::Result<ModelState> addNeuron(const ModelState& state, std::size_t layer, std::uint64_t seed);
// Drops neuron `neuron` of hidden layer `layer` (its row, bias and outgoing column); a layer keeps one.
core::Result<ModelState> removeNeuron(const ModelState& state, std::size_t layer, std::size_t neuron);
// Inserts a hidden layer before hidden layer `index` (width 0: as wide as its input). It starts as an
// identity-like map: W = s I, b = 0, and the next layer compensates for the activation's slope and
// offset at 0 (W' = W / (s f'(0)), b' = b - W' f(0)), with s = 1 for linear, ReLU and leaky ReLU and
// s = 0.1 for the saturating ones. Outputs stay exactly the same for a linear layer and for a ReLU or
// leaky-ReLU layer whose input is never negative (after a ReLU layer); tanh, sigmoid and GELU are
// close to linear there, so outputs move a little. With a width other than the input's, the extra
// units start at zero and missing ones are dropped. The next layer's optimizer state starts over when
// its weights were rescaled.
core::Result<ModelState> addLayer(const ModelState& state, std::size_t index, std::size_t width,
                                  compute::Activation activation);
// Removes hidden layer `layer`, folding its weights into the next layer as if its activation were
// linear (W' = W_next W, b' = b_next + W_next b): exact for a linear layer, an approximation otherwise.
// The next layer's optimizer state starts over.
core::Result<ModelState> removeLayer(const ModelState& state, std::size_t layer);
// New input features: the first layer's weight columns (and state) of kept features stay, new
// features get zero weights (outputs unchanged when only adding), dropped ones go.
core::Result<ModelState> changeInputs(const ModelState& state, const data::FeatureSet& from,
                                      const data::FeatureSet& to);

}  // namespace nsb::train
