// Weight surgery on host vectors: each flat array is split into per-layer matrices, edited, and
// joined again in the new spec's layout. The parameters and the two optimizer state arrays go through
// the same edit; only the parameters get non-zero values in new places.
#include "train/Surgery.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/Rng.h"

namespace nsb::train {
namespace {

// One flat array as per-layer matrices: w[l] is [out, in] row-major, b[l] is [out].
struct Layers {
  std::vector<std::vector<float>> w, b;
};

Layers split(const nn::ModelSpec& spec, const std::vector<float>& flat) {
  Layers layers;
  for (std::size_t l = 0; l < spec.layerCount(); ++l) {
    const auto w0 = flat.begin() + static_cast<std::ptrdiff_t>(spec.weightOffset(l));
    const auto b0 = flat.begin() + static_cast<std::ptrdiff_t>(spec.biasOffset(l));
    const auto in = static_cast<std::ptrdiff_t>(spec.layerInputs(l)),
               out = static_cast<std::ptrdiff_t>(spec.layerOutputs(l));
    layers.w.emplace_back(w0, w0 + in * out);
    layers.b.emplace_back(b0, b0 + out);
  }
  return layers;
}

std::vector<float> join(const nn::ModelSpec& spec, const Layers& layers) {
  std::vector<float> flat(spec.parameterCount(), 0.0f);
  for (std::size_t l = 0; l < spec.layerCount(); ++l) {
    NSB_CHECK(layers.w[l].size() == spec.layerInputs(l) * spec.layerOutputs(l)) << "surgery: layer " << l << " weight";
    NSB_CHECK(layers.b[l].size() == spec.layerOutputs(l)) << "surgery: layer " << l << " bias";
    std::copy(layers.w[l].begin(), layers.w[l].end(), flat.begin() + static_cast<std::ptrdiff_t>(spec.weightOffset(l)));
    std::copy(layers.b[l].begin(), layers.b[l].end(), flat.begin() + static_cast<std::ptrdiff_t>(spec.biasOffset(l)));
  }
  return flat;
}

// Columns of a [rows, in] matrix rearranged: column c of the result is column source[c] of `w`, or
// zero where source[c] < 0.
std::vector<float> pickColumns(const std::vector<float>& w, std::size_t in, const std::vector<long>& source) {
  const std::size_t rows = in ? w.size() / in : 0;
  std::vector<float> out(rows * source.size(), 0.0f);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < source.size(); ++c) {
      if (source[c] >= 0) out[r * source.size() + c] = w[r * in + static_cast<std::size_t>(source[c])];
    }
  }
  return out;
}

std::vector<long> identityColumns(std::size_t count, std::size_t available) {
  std::vector<long> source(count);
  for (std::size_t c = 0; c < count; ++c) source[c] = c < available ? static_cast<long>(c) : -1;
  return source;
}

enum class Role { Params, State };

// Applies `edit` to the parameters and to each non-empty state array, and joins them in `spec`.
template <typename Edit>
ModelState edited(const ModelState& state, const nn::ModelSpec& spec, Edit edit) {
  ModelState out;
  out.spec = spec;
  Layers params = split(state.spec, state.params);
  edit(params, Role::Params);
  out.params = join(spec, params);
  for (auto [from, to] : {std::pair{&state.state1, &out.state1}, std::pair{&state.state2, &out.state2}}) {
    if (from->empty()) continue;
    Layers layers = split(state.spec, *from);
    edit(layers, Role::State);
    *to = join(spec, layers);
  }
  return out;
}

core::Status checkHidden(const nn::ModelSpec& spec, std::size_t layer, const char* what) {
  if (layer >= spec.hidden.size()) {
    return core::badInput(std::string(what) + ": layer " + std::to_string(layer) +
                          " is not a hidden layer (there are " + std::to_string(spec.hidden.size()) + ")");
  }
  return core::Ok{};
}

}  // namespace

core::Result<ModelState> addNeuron(const ModelState& state, std::size_t layer, std::uint64_t seed) {
  NSB_TRY(checkHidden(state.spec, layer, "add neuron"));
  nn::ModelSpec spec = state.spec;
  spec.hidden[layer].width += 1;
  NSB_TRY(spec.validate());
  const std::size_t in = spec.layerInputs(layer), width = spec.hidden[layer].width;
  const std::size_t nextIn = width, nextOld = width - 1;
  const float limit = 0.5f * static_cast<float>(std::sqrt(6.0 / static_cast<double>(in + width)));
  core::Rng rng(seed);
  return edited(state, spec, [&](Layers& l, Role role) {
    for (std::size_t j = 0; j < in; ++j) l.w[layer].push_back(role == Role::Params ? rng.uniform(-limit, limit) : 0.0f);
    l.b[layer].push_back(0.0f);
    l.w[layer + 1] = pickColumns(l.w[layer + 1], nextOld, identityColumns(nextIn, nextOld));
  });
}

core::Result<ModelState> removeNeuron(const ModelState& state, std::size_t layer, std::size_t neuron) {
  NSB_TRY(checkHidden(state.spec, layer, "remove neuron"));
  const std::size_t width = state.spec.hidden[layer].width;
  if (neuron >= width) {
    return core::badInput("remove neuron: layer " + std::to_string(layer) + " has no neuron " + std::to_string(neuron));
  }
  if (width == 1) return core::badInput("remove neuron: a layer keeps at least one neuron (remove the layer instead)");
  nn::ModelSpec spec = state.spec;
  spec.hidden[layer].width -= 1;
  const std::size_t in = spec.layerInputs(layer);
  std::vector<long> kept;
  for (std::size_t j = 0; j < width; ++j) {
    if (j != neuron) kept.push_back(static_cast<long>(j));
  }
  return edited(state, spec, [&](Layers& l, Role) {
    auto& w = l.w[layer];
    w.erase(w.begin() + static_cast<std::ptrdiff_t>(neuron * in),
            w.begin() + static_cast<std::ptrdiff_t>((neuron + 1) * in));
    l.b[layer].erase(l.b[layer].begin() + static_cast<std::ptrdiff_t>(neuron));
    l.w[layer + 1] = pickColumns(l.w[layer + 1], width, kept);
  });
}

core::Result<ModelState> addLayer(const ModelState& state, std::size_t index, std::size_t width,
                                  compute::Activation activation) {
  if (index > state.spec.hidden.size()) {
    return core::badInput("add layer: position " + std::to_string(index) + " is past the last hidden layer");
  }
  const std::size_t in = state.spec.layerInputs(index);
  if (width == 0) width = in;
  nn::ModelSpec spec = state.spec;
  spec.hidden.insert(spec.hidden.begin() + static_cast<std::ptrdiff_t>(index), nn::LayerSpec{width, activation});
  NSB_TRY(spec.validate());
  // f(0) and f'(0) of the activation, and the scale s of the identity.
  float offset = 0.0f, slope = 1.0f, scale = 1.0f;
  switch (activation) {
    case compute::Activation::Linear:
    case compute::Activation::Relu:
    case compute::Activation::LeakyRelu:
      break;
    case compute::Activation::Tanh:
      scale = 0.1f;
      break;
    case compute::Activation::Sigmoid:
      offset = 0.5f, slope = 0.25f, scale = 0.1f;
      break;
    case compute::Activation::Gelu:
      slope = 0.5f, scale = 0.1f;
      break;
  }
  const bool rescale = offset != 0.0f || slope * scale != 1.0f;
  const std::size_t next = index + 1;  // the old layer `index`, in the new numbering
  const std::size_t nextOut = spec.layerOutputs(next);
  return edited(state, spec, [&](Layers& l, Role role) {
    std::vector<float> w(width * in, 0.0f);
    if (role == Role::Params) {
      for (std::size_t i = 0; i < std::min(width, in); ++i) w[i * in + i] = scale;
    }
    l.w.insert(l.w.begin() + static_cast<std::ptrdiff_t>(index), std::move(w));
    l.b.insert(l.b.begin() + static_cast<std::ptrdiff_t>(index), std::vector<float>(width, 0.0f));
    auto& wn = l.w[next];
    auto& bn = l.b[next];
    wn = pickColumns(wn, in, identityColumns(width, in));
    if (!rescale) return;
    if (role == Role::State) {
      std::fill(wn.begin(), wn.end(), 0.0f);
      std::fill(bn.begin(), bn.end(), 0.0f);
      return;
    }
    for (std::size_t r = 0; r < nextOut; ++r) {
      double shift = 0.0;
      for (std::size_t c = 0; c < width; ++c) {
        float& v = wn[r * width + c];
        v /= slope * scale;
        shift += static_cast<double>(v) * offset;
      }
      bn[r] -= static_cast<float>(shift);
    }
  });
}

core::Result<ModelState> removeLayer(const ModelState& state, std::size_t layer) {
  NSB_TRY(checkHidden(state.spec, layer, "remove layer"));
  nn::ModelSpec spec = state.spec;
  spec.hidden.erase(spec.hidden.begin() + static_cast<std::ptrdiff_t>(layer));
  NSB_TRY(spec.validate());
  const std::size_t in = state.spec.layerInputs(layer), width = state.spec.layerOutputs(layer);
  const std::size_t out = state.spec.layerOutputs(layer + 1);
  return edited(state, spec, [&](Layers& l, Role role) {
    std::vector<float> w(out * in, 0.0f), b(out, 0.0f);
    if (role == Role::Params) {
      const auto& w1 = l.w[layer];
      const auto& b1 = l.b[layer];
      const auto& w2 = l.w[layer + 1];
      for (std::size_t r = 0; r < out; ++r) {
        double bias = l.b[layer + 1][r];
        for (std::size_t k = 0; k < width; ++k) bias += static_cast<double>(w2[r * width + k]) * b1[k];
        b[r] = static_cast<float>(bias);
        for (std::size_t c = 0; c < in; ++c) {
          double sum = 0.0;
          for (std::size_t k = 0; k < width; ++k) sum += static_cast<double>(w2[r * width + k]) * w1[k * in + c];
          w[r * in + c] = static_cast<float>(sum);
        }
      }
    }
    l.w.erase(l.w.begin() + static_cast<std::ptrdiff_t>(layer));
    l.b.erase(l.b.begin() + static_cast<std::ptrdiff_t>(layer));
    l.w[layer] = std::move(w);
    l.b[layer] = std::move(b);
  });
}

core::Result<ModelState> changeInputs(const ModelState& state, const data::FeatureSet& from,
                                      const data::FeatureSet& to) {
  if (from.size() != state.spec.inputs) {
    return core::badInput("input features: the network has " + std::to_string(state.spec.inputs) + " inputs, not " +
                          std::to_string(from.size()));
  }
  if (to.size() == 0) return core::badInput("input features: keep at least one");
  nn::ModelSpec spec = state.spec;
  spec.inputs = to.size();
  // Where each new input's column comes from: its place among the old features, or nowhere.
  std::vector<long> source;
  long oldIndex = 0;
  for (std::size_t f = 0; f < data::FEATURE_COUNT; ++f) {
    const auto feature = static_cast<data::Feature>(f);
    if (to.has(feature)) source.push_back(from.has(feature) ? oldIndex : -1);
    if (from.has(feature)) ++oldIndex;
  }
  return edited(state, spec, [&](Layers& l, Role) { l.w[0] = pickColumns(l.w[0], state.spec.inputs, source); });
}

}  // namespace nsb::train
