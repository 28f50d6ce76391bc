#pragma once
// Creates backends by name. CPU is always there; Vulkan and CUDA when built and a device exists.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compute/Backend.h"
#include "core/Result.h"

namespace nsb::gpu {
class VulkanContext;
}

namespace nsb::compute {

struct BackendOptions {
  int device = -1;          // device index for GPU backends; -1 chooses the best
  int threads = 0;          // CPU threads; 0 chooses (one per physical core this process may use, at most 8)
  bool timing = false;      // record per-op times
  bool validation = false;  // Vulkan validation layer
  // When set, "vulkan" (and "auto" when it is a GPU) makes the Vulkan backend on this context (the
  // renderer's), so that training and drawing share one VkDevice and one queue lock.
  std::shared_ptr<gpu::VulkanContext> context;
  // NSB_MEMORY_BUDGET, read by the command line: the bytes a backend may hold in all, instead of the
  // device's free memory (tests set a small one; see Backend::memoryBudget).
  std::optional<std::uint64_t> memoryBudget;
};

// "cpu", "vulkan", "cuda" or "auto" (see chooseAuto).
core::Result<std::unique_ptr<Backend>> createBackend(const std::string& kind, const BackendOptions& options = {});

// What "auto" trains on: CUDA when built and an NVIDIA GPU is present, else a Vulkan GPU (discrete before
// integrated; with options.context, that context's device if it is a GPU), else the CPU. A CPU Vulkan
// driver (lavapipe) is never chosen: the CPU backend is far faster there; `--backend vulkan` still uses it.
struct AutoChoice {
  std::string backend;  // "cuda", "vulkan" or "cpu"
  int device = 0;       // the --device index within that backend
};
AutoChoice chooseAuto(const BackendOptions& options);

// The backend kinds that can be made here: cpu, vulkan, and cuda where cudaAvailability() is Ok.
std::vector<std::string> availableBackends();

// Ok when --backend cuda can be made here (this build made the CUDA module, it loads, and the NVIDIA
// driver sees a device), else the one line saying what is missing. Asked once; the answer is kept.
core::Status cudaAvailability();

// One device a backend can run on, for `neural-sandbox devices`.
struct DeviceDescription {
  std::string backend;  // "cpu", "vulkan", "cuda"
  int index = 0;        // the --device value
  std::string name;
  std::vector<std::pair<std::string, std::string>> properties;  // type, driver, limits that matter
  bool autoPick = false;                                        // what --backend auto trains on (chooseAuto)
};
std::vector<DeviceDescription> listDevices();

}  // namespace nsb::compute
