#pragma once
// Helpers for the editor tests: the spiral preset as App options, a CPU forward pass over a snapshot's
// parameters, a skip when no Vulkan device exists, and an ImGui context without a renderer.
#include <imgui.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "data/DatasetCatalog.h"
#include "gpu/VulkanContext.h"
#include "train/Preset.h"
#include "ui/App.h"
#include "ui/Theme.h"

namespace nsb::ui::test {

// An ImGui context for panel logic without a window or renderer: 1280x720 at 60 frames/s, no
// imgui.ini, the editor's font atlas built, and draw lists over 64k vertices allowed as the Vulkan
// backend does.
inline void createHeadlessImGui() {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DisplaySize = ImVec2(1280, 720);
  io.DeltaTime = 1.0f / 60.0f;
  io.KeyMap[ImGuiKey_Enter] = 257;
  io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
  buildFonts(1.0f);
}

inline AppOptions presetOptions(const std::string& name, const std::string& backend, std::uint32_t width = 1024,
                                std::uint32_t height = 640) {
  auto preset = train::Preset::load(name);
  EXPECT_TRUE(preset.ok());
  auto dataset = data::loadDataset(preset.value().dataset);
  EXPECT_TRUE(dataset.ok());
  auto shared = std::make_shared<const data::Dataset>(std::move(dataset.value()));
  AppOptions options;
  options.config.backend = backend;
  options.config.spec = preset.value().modelFor(*shared).value();
  options.config.hyperparams = preset.value().hyperparams;
  options.config.seed = preset.value().seed;
  options.dataset = shared;
  options.presetName = name;
  options.surface = preset.value().surface;  // a preset of kind "surface" opens the Surface view
  options.featureList = preset.value().dataset.features.toString();
  options.headless = true;
  options.width = width;
  options.height = height;
  options.stepsPerFrame = 10;
  return options;
}

inline AppOptions spiralOptions(const std::string& backend, std::uint32_t width = 1024, std::uint32_t height = 640) {
  return presetOptions("spiral", backend, width, height);
}

inline bool haveVulkan() { return !gpu::listVulkanDevices().empty(); }

inline float activate(compute::Activation a, float x) {
  switch (a) {
    case compute::Activation::Linear:
      return x;
    case compute::Activation::Sigmoid:
      return 1.0f / (1.0f + std::exp(-x));
    case compute::Activation::Tanh:
      return std::tanh(x);
    case compute::Activation::Relu:
      return x > 0 ? x : 0.0f;
    case compute::Activation::LeakyRelu:
      return x > 0 ? x : 0.01f * x;
    case compute::Activation::Gelu:
      return 0.5f * x * (1.0f + std::erf(x / std::sqrt(2.0f)));
  }
  return x;
}

// The network's output for one input row, on the host, in the flat parameter layout.
inline std::vector<float> forward(const nn::ModelSpec& spec, const std::vector<float>& params, std::vector<float> x) {
  for (std::size_t l = 0; l < spec.layerCount(); ++l) {
    const std::size_t in = spec.layerInputs(l), out = spec.layerOutputs(l);
    std::vector<float> y(out);
    for (std::size_t k = 0; k < out; ++k) {
      double sum = params[spec.biasOffset(l) + k];
      for (std::size_t j = 0; j < in; ++j) sum += double(params[spec.weightOffset(l) + k * in + j]) * x[j];
      y[k] = activate(spec.layerActivation(l), static_cast<float>(sum));
    }
    x = std::move(y);
  }
  if (spec.head == compute::Head::Sigmoid) {
    for (float& v : x) v = 1.0f / (1.0f + std::exp(-v));
  }
  return x;
}

}  // namespace nsb::ui::test
