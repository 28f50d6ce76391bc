#pragma once
// The Vulkan compute backend: every op as a compute shader, a Program recorded once into one command
// buffer and replayed (the step body repeated `repeats` times per submit), one fence made once.
// Environment: NSB_VULKAN_GEMM=texel|tiled forces a GEMM variant (default: texel on CPU devices such as
// lavapipe, tiled on GPUs); NSB_VULKAN_VALIDATION=1 turns the validation layer on;
// NSB_VULKAN_NO_FUSION=1 compiles every op as its own dispatch (no GEMM epilogues), for comparisons;
// NSB_VULKAN_STAGING=1 copies through the staging buffer where device memory is mapped (lavapipe), the
// path of GPUs whose device memory the host cannot map.
#include <memory>

#include "compute/Backend.h"
#include "compute/Registry.h"
#include "core/Result.h"

namespace nsb::gpu {
struct MemoryLimits;
}

namespace nsb::compute::vulkan {

// On options.context when set (the renderer's: one VkDevice and one queue lock for both), else on a
// context of its own: a runtime error "--backend vulkan: no Vulkan device (<reason>)" when there is
// none, bad input when --device is out of range.
core::Result<std::unique_ptr<Backend>> createVulkanBackend(const BackendOptions& options);

// The budget of a device with these limits where the backend holds `allocated` bytes: VK_EXT_memory_budget's
// budget - usage where the device has it, else the heap's size less `allocated`, less MEMORY_MARGIN; the
// largest buffer is the least of maxStorageBufferRange, maxMemoryAllocationSize and maxBufferSize.
MemoryBudget vulkanBudget(const gpu::MemoryLimits& limits, std::uint64_t allocated);

}  // namespace nsb::compute::vulkan
