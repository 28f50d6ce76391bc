#include "compute/Registry.h"

#include <algorithm>

#include "compute/cpu/CpuBackend.h"
#include "compute/vulkan/VulkanBackend.h"
#include "core/Log.h"
#include "gpu/VulkanContext.h"

namespace nsb::compute {
namespace {

// The slot for CUDA: `auto` takes it first once compute/cuda/ exists, when this build has the CUDA
// backend and an NVIDIA GPU is present. There is no CUDA backend yet, so it is never usable.
bool cudaUsable() { return false; }

bool isGpu(const std::string& vulkanType) { return vulkanType == "discrete" || vulkanType == "integrated"; }

}  // namespace

std::vector<std::string> availableBackends() { return {"cpu", "vulkan"}; }

AutoChoice chooseAuto(const BackendOptions& options) {
  if (cudaUsable()) return {"cuda", std::max(options.device, 0)};
  if (options.context) {
    // The renderer's device: train on it when it is a GPU, else on the CPU beside it.
    if (isGpu(options.context->info().type)) return {"vulkan", options.context->info().index};
    return {"cpu", 0};
  }
  const auto devices = gpu::listVulkanDevices();
  if (options.device >= 0) {
    // --device N names a Vulkan device; auto takes it only when it is a GPU.
    for (const auto& d : devices) {
      if (d.index == options.device && isGpu(d.type)) return {"vulkan", d.index};
    }
    return {"cpu", 0};
  }
  for (const char* type : {"discrete", "integrated"}) {
    for (const auto& d : devices) {
      if (d.type == type) return {"vulkan", d.index};
    }
  }
  return {"cpu", 0};
}

namespace {

core::Result<std::unique_ptr<Backend>> makeBackend(const std::string& kind, const BackendOptions& options) {
  if (kind == "cpu") return createCpuBackend(options);
  // With options.context (the renderer's) the Vulkan backend shares that device; see VulkanBackend.h.
  if (kind == "vulkan") return vulkan::createVulkanBackend(options);
  if (kind == "auto") {
    const AutoChoice choice = chooseAuto(options);
    if (choice.backend == "vulkan") {
      BackendOptions gpuOptions = options;
      gpuOptions.device = choice.device;
      auto backend = vulkan::createVulkanBackend(gpuOptions);
      if (backend) return backend;
      core::log().warn("auto: the Vulkan GPU failed ({}); training on the CPU", backend.message());
    } else {
      core::log().info("auto: no GPU; training on the CPU (--backend vulkan trains on a CPU Vulkan driver)");
    }
    return createCpuBackend(options);
  }
  if (kind == "cuda") return core::runtimeError("--backend cuda: this build has no cuda backend");
  return core::badInput("--backend: unknown backend '" + kind + "' (expected auto, cpu, vulkan or cuda)");
}

}  // namespace

core::Result<std::unique_ptr<Backend>> createBackend(const std::string& kind, const BackendOptions& options) {
  auto backend = makeBackend(kind, options);
  if (backend) backend.value()->setMemoryBudget(options.memoryBudget);
  return backend;
}

std::vector<DeviceDescription> listDevices() {
  std::vector<DeviceDescription> devices;
  const AutoChoice pick = chooseAuto({});
  {
    auto cpu = createCpuBackend({});
    devices.push_back(
        {"cpu", 0, cpu->deviceName(), {{"threads", std::to_string(cpu->threads())}}, pick.backend == "cpu"});
  }
  for (const auto& info : gpu::listVulkanDevices()) {
    devices.push_back({"vulkan",
                       info.index,
                       info.name,
                       {{"type", info.type},
                        {"driver", info.driver},
                        {"api version", info.apiVersion},
                        {"subgroup size", std::to_string(info.subgroupSize)},
                        {"max shared memory", std::to_string(info.maxSharedMemory) + " bytes"},
                        {"max workgroup size", std::to_string(info.maxWorkgroupSize[0]) + " x " +
                                                   std::to_string(info.maxWorkgroupSize[1]) + " x " +
                                                   std::to_string(info.maxWorkgroupSize[2]) + " (" +
                                                   std::to_string(info.maxWorkgroupInvocations) + " invocations)"},
                        {"timestamp period", std::to_string(info.timestampPeriod) + " ns"}},
                       pick.backend == "vulkan" && pick.device == info.index});
  }
  return devices;
}

}  // namespace nsb::compute
