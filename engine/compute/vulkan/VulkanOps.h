#pragma once
// VulkanOps: the per-op compiler. Each op of Op.h becomes the dispatches or copies that do it (pipeline,
// specialisation, push constants, workgroups), a GEMM also doing the op after it when VulkanFusion
// allows. Ops arrive checked (compute::validate); what is checked here is what Vulkan alone limits.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compute/vulkan/VulkanProgram.h"

namespace nsb::compute::vulkan {

constexpr std::uint32_t GROUP = 256;         // invocations per workgroup of the element-wise kernels
constexpr std::uint32_t MAX_GROUPS = 65535;  // workgroups per dimension every device allows

// `value` as a 32-bit push constant; a broken invariant when it does not fit.
std::uint32_t u32(std::size_t value);
// Workgroups for `items` at `perGroup` each: at least 1, at most MAX_GROUPS.
std::uint32_t groupsFor(std::size_t items, std::uint32_t perGroup = GROUP);

// Appends the commands of op `index` (`label`) to `out`. `next` is the op after it (null: none); returns
// true when a GEMM did `next` in its store, so `next` needs no commands of its own. Buffers and resources
// the op keeps (segment tables, VkFFT plans) go to `owned` and `resources`.
bool compileOp(VulkanDevice& device, std::size_t index, const std::string& label, const Op& op, const Op* next,
               CompiledOp& out, std::vector<BufferId>& owned, std::vector<std::shared_ptr<OpResources>>& resources);

}  // namespace nsb::compute::vulkan
