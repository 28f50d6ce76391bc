#include "nn/ModelSpec.h"

#include <array>
#include <nlohmann/json.hpp>

namespace nsb::nn {

using nlohmann::json;

std::size_t ModelSpec::parameterCount() const {
  std::size_t n = 0;
  for (std::size_t l = 0; l < layerCount(); ++l) n += (layerInputs(l) + 1) * layerOutputs(l);
  return n;
}

std::size_t ModelSpec::weightCount() const { return weightOffset(layerCount()); }

std::size_t ModelSpec::weightOffset(std::size_t layer) const {
  std::size_t offset = 0;
  for (std::size_t l = 0; l < layer; ++l) offset += layerInputs(l) * layerOutputs(l);
  return offset;
}

std::size_t ModelSpec::biasOffset(std::size_t layer) const {
  std::size_t offset = weightCount();
  for (std::size_t l = 0; l < layer; ++l) offset += layerOutputs(l);
  return offset;
}

core::Status ModelSpec::validate() const {
  constexpr std::size_t MAX_WIDTH = 1 << 16;
  if (inputs == 0 || inputs > (1u << 20)) return core::badInput("model: inputs must be between 1 and 1048576");
  if (outputs == 0 || outputs > MAX_WIDTH) return core::badInput("model: outputs must be between 1 and 65536");
  if (hidden.size() > 32) return core::badInput("model: at most 32 hidden layers");
  for (std::size_t i = 0; i < hidden.size(); ++i) {
    if (hidden[i].width == 0 || hidden[i].width > MAX_WIDTH) {
      return core::badInput("model: hidden layer " + std::to_string(i) + " width must be between 1 and 65536");
    }
  }
  using compute::Head;
  using compute::LossKind;
  const bool fits = (head == Head::Softmax && (loss == LossKind::CrossEntropy || loss == LossKind::Mse)) ||
                    (head == Head::Sigmoid && (loss == LossKind::BinaryCrossEntropy || loss == LossKind::Mse)) ||
                    (head == Head::Linear && loss == LossKind::Mse);
  if (!fits) {
    return core::badInput("model: the " + std::string(compute::headName(head)) + " head does not go with the " +
                          std::string(compute::lossName(loss)) + " loss");
  }
  if (head == Head::Softmax && outputs < 2) return core::badInput("model: a softmax head needs at least 2 outputs");
  return core::Ok{};
}

json ModelSpec::toJson() const {
  json layers = json::array();
  for (const auto& layer : hidden) {
    layers.push_back({{"width", layer.width}, {"activation", compute::activationName(layer.activation)}});
  }
  return {{"inputs", inputs},
          {"hidden", layers},
          {"outputs", outputs},
          {"head", compute::headName(head)},
          {"loss", compute::lossName(loss)}};
}

core::Result<ModelSpec> ModelSpec::fromJson(const json& j) {
  if (!j.is_object()) return core::badInput("model: expected a JSON object");
  ModelSpec spec;
  auto size = [&](const char* key, std::size_t& out) -> core::Status {
    if (!j.contains(key)) return core::Ok{};
    if (!j[key].is_number_unsigned())
      return core::badInput(std::string("model: '") + key + "' must be a positive integer");
    out = j[key].get<std::size_t>();
    return core::Ok{};
  };
  NSB_TRY(size("inputs", spec.inputs));
  NSB_TRY(size("outputs", spec.outputs));
  if (j.contains("hidden")) {
    if (!j["hidden"].is_array()) return core::badInput("model: 'hidden' must be an array");
    for (const auto& layer : j["hidden"]) {
      LayerSpec ls;
      if (!layer.is_object() || !layer.contains("width") || !layer["width"].is_number_unsigned()) {
        return core::badInput("model: each hidden layer needs a positive integer 'width'");
      }
      ls.width = layer["width"].get<std::size_t>();
      if (layer.contains("activation")) {
        if (!layer["activation"].is_string() ||
            !compute::parseActivation(layer["activation"].get<std::string>(), ls.activation)) {
          return core::badInput("model: unknown activation " + layer["activation"].dump());
        }
      }
      spec.hidden.push_back(ls);
    }
  }
  if (j.contains("head")) {
    if (!j["head"].is_string() || !compute::parseHead(j["head"].get<std::string>(), spec.head)) {
      return core::badInput("model: unknown head " + j["head"].dump());
    }
  }
  if (j.contains("loss")) {
    if (!j["loss"].is_string() || !compute::parseLoss(j["loss"].get<std::string>(), spec.loss)) {
      return core::badInput("model: unknown loss " + j["loss"].dump());
    }
  }
  NSB_TRY(spec.validate());
  return spec;
}

namespace {
constexpr std::array<const char*, 4> INITS = {"xavier", "he", "uniform", "zeros"};
}

const char* initName(InitKind kind) { return INITS[static_cast<std::size_t>(kind)]; }

bool parseInit(std::string_view name, InitKind& out) {
  for (std::size_t i = 0; i < INITS.size(); ++i) {
    if (name == INITS[i]) {
      out = static_cast<InitKind>(i);
      return true;
    }
  }
  return false;
}

}  // namespace nsb::nn
