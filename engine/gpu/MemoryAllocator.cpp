// MemoryAllocator: first-fit suballocation of 64 MiB device-memory blocks; a request larger than a
// block gets a block of its own. Freed ranges merge with their neighbours; of the blocks left empty one
// per memory type is kept, the others are given back.
#include "gpu/MemoryAllocator.h"

#include <algorithm>

#include "gpu/VkCheck.h"

namespace nsb::gpu {

MemoryAllocator::~MemoryAllocator() {
  for (auto& block : mBlocks) {
    if (block.memory == VK_NULL_HANDLE) continue;
    if (block.mapped) vkUnmapMemory(mContext->device(), block.memory);
    vkFreeMemory(mContext->device(), block.memory, nullptr);
  }
}

bool MemoryAllocator::carve(Block& block, const VkMemoryRequirements& requirements, VkDeviceSize& offset) {
  const VkDeviceSize alignment = std::max<VkDeviceSize>(requirements.alignment, 16);
  for (auto it = block.freeRanges.begin(); it != block.freeRanges.end(); ++it) {
    const VkDeviceSize start = it->first;
    const VkDeviceSize end = it->first + it->second;
    const VkDeviceSize aligned = (start + alignment - 1) / alignment * alignment;
    if (aligned + requirements.size > end) continue;
    block.freeRanges.erase(it);
    if (aligned > start) block.freeRanges[start] = aligned - start;
    if (aligned + requirements.size < end)
      block.freeRanges[aligned + requirements.size] = end - aligned - requirements.size;
    offset = aligned;
    return true;
  }
  return false;
}

core::Result<Allocation> MemoryAllocator::allocate(const VkMemoryRequirements& requirements, MemoryUsage usage) {
  if (const VkResult fault = mContext->faults().hit(FaultPoint::Alloc); fault != VK_SUCCESS) {
    return core::runtimeError("Vulkan: cannot allocate " + std::to_string(requirements.size) + " bytes (" +
                              vkResultName(fault) + ", injected by NSB_TEST_VULKAN_FAULT)");
  }
  const VkMemoryPropertyFlags required =
      usage == MemoryUsage::Staging ? VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT : 0;
  const VkMemoryPropertyFlags preferred =
      usage == MemoryUsage::Staging ? VK_MEMORY_PROPERTY_HOST_CACHED_BIT : VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  const std::uint32_t type = mContext->findMemoryType(requirements.memoryTypeBits, required, preferred);
  if (type == UINT32_MAX) return core::runtimeError("Vulkan: no memory type for a buffer");

  auto fill = [&](std::uint32_t index, VkDeviceSize offset) {
    Block& block = mBlocks[index];
    Allocation allocation;
    allocation.memory = block.memory;
    allocation.offset = offset;
    allocation.size = requirements.size;
    allocation.block = index;
    allocation.mapped = block.mapped ? block.mapped + offset : nullptr;
    return allocation;
  };
  for (std::uint32_t i = 0; i < mBlocks.size(); ++i) {
    VkDeviceSize offset = 0;
    if (mBlocks[i].memory != VK_NULL_HANDLE && mBlocks[i].type == type && carve(mBlocks[i], requirements, offset)) {
      return fill(i, offset);
    }
  }

  Block block;
  block.size = std::max(BLOCK_SIZE, requirements.size);
  block.type = type;
  VkMemoryAllocateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  info.allocationSize = block.size;
  info.memoryTypeIndex = type;
  VkResult result = vkAllocateMemory(mContext->device(), &info, nullptr, &block.memory);
  if (result != VK_SUCCESS) {
    return core::runtimeError("Vulkan: cannot allocate " + std::to_string(block.size >> 20) +
                              " MiB of device memory (" + vkResultName(result) + ")");
  }
  // Mapped only when coherent: the users of mapped() write and read without flushes.
  constexpr VkMemoryPropertyFlags MAPPABLE = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  if ((mContext->memoryTypeFlags(type) & MAPPABLE) == MAPPABLE) {
    void* mapped = nullptr;
    result = vkMapMemory(mContext->device(), block.memory, 0, VK_WHOLE_SIZE, 0, &mapped);
    if (result != VK_SUCCESS) {
      vkFreeMemory(mContext->device(), block.memory, nullptr);
      return core::runtimeError(std::string("Vulkan: cannot map host-visible memory (") + vkResultName(result) + ")");
    }
    block.mapped = static_cast<std::byte*>(mapped);
  }
  block.freeRanges[0] = block.size;
  // Into a slot a given-back block left, so that mBlocks stays as long as the most blocks ever alive.
  const auto slot =
      std::find_if(mBlocks.begin(), mBlocks.end(), [](const Block& b) { return b.memory == VK_NULL_HANDLE; });
  const auto index = static_cast<std::uint32_t>(slot - mBlocks.begin());
  if (slot == mBlocks.end()) {
    mBlocks.push_back(std::move(block));
  } else {
    *slot = std::move(block);
  }
  VkDeviceSize offset = 0;
  NSB_CHECK(carve(mBlocks[index], requirements, offset)) << "a fresh block cannot hold its first allocation";
  return fill(index, offset);
}

void MemoryAllocator::free(const Allocation& allocation) {
  if (!allocation) return;
  NSB_CHECK(allocation.block < mBlocks.size()) << "freeing an allocation of another allocator";
  auto& ranges = mBlocks[allocation.block].freeRanges;
  VkDeviceSize start = allocation.offset;
  VkDeviceSize size = allocation.size;
  auto next = ranges.lower_bound(start);
  NSB_CHECK(next == ranges.end() || next->first >= start + size) << "double free of device memory";
  if (next != ranges.end() && next->first == start + size) {
    size += next->second;
    next = ranges.erase(next);
  }
  if (next != ranges.begin()) {
    auto previous = std::prev(next);
    NSB_CHECK(previous->first + previous->second <= start) << "double free of device memory";
    if (previous->first + previous->second == start) {
      start = previous->first;
      size += previous->second;
      ranges.erase(previous);
    }
  }
  ranges[start] = size;
  Block& block = mBlocks[allocation.block];
  if (size < block.size) return;
  // Empty: given back (on lavapipe device memory is the process's own memory) when another empty block
  // of its type is kept already. One spare stays, so that a structural edit, which frees a network's
  // buffers and allocates the new ones, does not map and fault in 64 MiB again (a neuron more took 190
  // ms on lavapipe instead of 45 when every empty block went). The editor's soak had kept up to seven
  // 64 MiB blocks alive while the live buffers fitted in one or two.
  const auto spare = std::find_if(mBlocks.begin(), mBlocks.end(), [&](const Block& b) {
    return &b != &block && b.memory != VK_NULL_HANDLE && b.type == block.type && b.freeRanges.size() == 1 &&
           b.freeRanges.begin()->second == b.size;
  });
  if (spare == mBlocks.end()) return;
  if (block.mapped) vkUnmapMemory(mContext->device(), block.memory);
  vkFreeMemory(mContext->device(), block.memory, nullptr);
  block = Block{};
}

std::size_t MemoryAllocator::blockCount() const {
  return static_cast<std::size_t>(
      std::count_if(mBlocks.begin(), mBlocks.end(), [](const Block& b) { return b.memory != VK_NULL_HANDLE; }));
}

}  // namespace nsb::gpu
