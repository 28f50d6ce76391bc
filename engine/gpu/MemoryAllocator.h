#pragma once
// MemoryAllocator: a small suballocator. Device memory comes in large blocks per memory type and each
// buffer takes an aligned range of one (first fit, neighbours merged on free), so that a network's
// tensors do not need one vkAllocateMemory each; of the blocks left empty one per memory type is kept
// as a spare, the others are freed. Host-visible coherent blocks stay mapped. Not thread-safe.
#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "core/Result.h"
#include "gpu/VulkanContext.h"

namespace nsb::gpu {

enum class MemoryUsage : std::uint8_t {
  DeviceLocal,  // what kernels read and write
  Staging,      // host-visible and coherent: uploads, downloads
};

struct Allocation {
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  VkDeviceSize size = 0;
  std::byte* mapped = nullptr;  // at `offset`; null unless the memory is host-visible and coherent
  std::uint32_t block = UINT32_MAX;
  explicit operator bool() const { return memory != VK_NULL_HANDLE; }
};

class MemoryAllocator {
 public:
  static constexpr VkDeviceSize BLOCK_SIZE = VkDeviceSize{64} << 20;

  explicit MemoryAllocator(std::shared_ptr<VulkanContext> context) : mContext(std::move(context)) {}
  ~MemoryAllocator();
  MemoryAllocator(const MemoryAllocator&) = delete;
  MemoryAllocator& operator=(const MemoryAllocator&) = delete;

  // A runtime error when the device is out of memory or no memory type fits.
  core::Result<Allocation> allocate(const VkMemoryRequirements& requirements, MemoryUsage usage);
  void free(const Allocation& allocation);

  // vkAllocateMemory calls so far (blocks alive), for tests of the suballocation.
  std::size_t blockCount() const;

 private:
  struct Block {
    VkDeviceMemory memory = VK_NULL_HANDLE;
    VkDeviceSize size = 0;
    std::uint32_t type = 0;
    std::byte* mapped = nullptr;
    std::map<VkDeviceSize, VkDeviceSize> freeRanges;  // offset -> size
  };
  bool carve(Block& block, const VkMemoryRequirements& requirements, VkDeviceSize& offset);

  std::shared_ptr<VulkanContext> mContext;
  std::vector<Block> mBlocks;
};

}  // namespace nsb::gpu
