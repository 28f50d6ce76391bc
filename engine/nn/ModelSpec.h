#pragma once
// ModelSpec: what a network is (inputs, hidden layers with width and activation, output head, loss).
// Layers are fully connected; layer N's weight is [out, in] as in torch.nn.Linear.
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "compute/Op.h"
#include "core/Result.h"

namespace nsb::nn {

enum class InitKind { Xavier, He, Uniform, Zeros };

struct LayerSpec {
  std::size_t width = 0;
  compute::Activation activation = compute::Activation::Relu;
  bool operator==(const LayerSpec&) const = default;
};

struct ModelSpec {
  std::size_t inputs = 0;
  std::vector<LayerSpec> hidden;
  std::size_t outputs = 0;
  compute::Head head = compute::Head::Softmax;
  compute::LossKind loss = compute::LossKind::CrossEntropy;

  bool operator==(const ModelSpec&) const = default;

  std::size_t layerCount() const { return hidden.size() + 1; }
  std::size_t layerInputs(std::size_t layer) const { return layer == 0 ? inputs : hidden[layer - 1].width; }
  std::size_t layerOutputs(std::size_t layer) const { return layer < hidden.size() ? hidden[layer].width : outputs; }
  // The activation inside the network (the last layer's is the head, applied by the loss op).
  compute::Activation layerActivation(std::size_t layer) const {
    return layer < hidden.size() ? hidden[layer].activation : compute::Activation::Linear;
  }
  std::size_t parameterCount() const;
  // The flat parameter layout shared by every backend, the optimizer and checkpoints: every layer's
  // weight [out, in] in layer order, then every layer's bias [out] in layer order.
  std::size_t weightCount() const;  // the leading elements that L1/L2 apply to
  std::size_t weightOffset(std::size_t layer) const;
  std::size_t biasOffset(std::size_t layer) const;

  // Checks sizes and that the head and loss go together (softmax with ce or mse; sigmoid with bce or
  // mse; linear with mse).
  core::Status validate() const;

  nlohmann::json toJson() const;
  static core::Result<ModelSpec> fromJson(const nlohmann::json& json);
};

const char* initName(InitKind kind);
bool parseInit(std::string_view name, InitKind& out);

}  // namespace nsb::nn
