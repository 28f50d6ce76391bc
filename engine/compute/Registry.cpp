#include "compute/Registry.h"

#include <algorithm>

#include "compute/cpu/CpuBackend.h"
#include "compute/cuda/CudaModule.h"
#include "compute/vulkan/VulkanBackend.h"
#include "core/Log.h"
#include "gpu/VulkanContext.h"

namespace nsb::compute {
namespace {

// Whether --backend cuda can be made here: the module loads and the driver sees a device. `auto` takes
// it first.
bool cudaUsable() { return static_cast<bool>(cudaAvailability()); }

bool isGpu(const std::string& vulkanType) { return vulkanType == "discrete" || vulkanType == "integrated"; }

}  // namespace

core::Status cudaAvailability() {
  static const core::Status status = []() -> core::Status {
    // Cheapest first: the module's file, the driver, and only then the module with its libraries.
    if (auto path = cuda::modulePath(); !path) return path.error();
    if (auto driver = cuda::driverLoads(); !driver) return driver.error();
    auto module = cuda::loadModule();
    if (!module) return module.error();
    return module.value()->usable();
  }();
  return status;
}

std::vector<std::string> availableBackends() {
  if (cudaUsable()) return {"cpu", "vulkan", "cuda"};
  return {"cpu", "vulkan"};
}

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
    if (choice.backend == "cuda") {
      BackendOptions gpuOptions = options;
      gpuOptions.device = choice.device;
      auto backend = cuda::loadModule().value()->create(gpuOptions);
      if (backend) return backend;
      core::log().warn("auto: the CUDA GPU failed ({}); training on the CPU", backend.message());
    } else if (choice.backend == "vulkan") {
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
  if (kind == "cuda") {
    if (auto status = cudaAvailability(); !status) return core::runtimeError("--backend cuda: " + status.message());
    auto backend = cuda::loadModule().value()->create(options);
    if (!backend) return core::Error{"--backend cuda: " + backend.message(), backend.error().kind};
    return backend;
  }
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
  if (cudaUsable()) {
    for (auto device : cuda::loadModule().value()->devices()) {
      device.autoPick = pick.backend == "cuda" && pick.device == device.index;
      devices.push_back(std::move(device));
    }
  }
  return devices;
}

}  // namespace nsb::compute
