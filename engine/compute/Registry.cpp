#include "compute/Registry.h"

#include "compute/cpu/CpuBackend.h"
#include "compute/vulkan/VulkanBackend.h"
#include "core/Log.h"
#include "gpu/VulkanContext.h"

namespace nsb::compute {

std::vector<std::string> availableBackends() { return {"cpu", "vulkan"}; }

core::Result<std::unique_ptr<Backend>> createBackend(const std::string& kind, const BackendOptions& options) {
  if (kind == "cpu") return createCpuBackend(options);
  // With options.context (the renderer's) the Vulkan backend shares that device; see VulkanBackend.h.
  if (kind == "vulkan") return vulkan::createVulkanBackend(options);
  if (kind == "auto") {
    auto backend = vulkan::createVulkanBackend(options);
    if (backend) return backend;
    core::log().warn("no Vulkan device; training on the CPU");
    return createCpuBackend(options);
  }
  if (kind == "cuda") return core::runtimeError("--backend cuda: this build has no cuda backend");
  return core::badInput("--backend: unknown backend '" + kind + "' (expected auto, cpu, vulkan or cuda)");
}

std::vector<DeviceDescription> listDevices() {
  std::vector<DeviceDescription> devices;
  {
    auto cpu = createCpuBackend({});
    devices.push_back({"cpu", 0, cpu->deviceName(), {{"threads", std::to_string(cpu->threads())}}});
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
                        {"timestamp period", std::to_string(info.timestampPeriod) + " ns"}}});
  }
  return devices;
}

}  // namespace nsb::compute
