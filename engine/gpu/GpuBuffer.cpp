// GpuBuffer: vkCreateBuffer + a range from the MemoryAllocator; destruction gives both back.
#include "gpu/GpuBuffer.h"

#include <algorithm>
#include <utility>

#include "gpu/VkCheck.h"

namespace nsb::gpu {

core::Result<GpuBuffer> GpuBuffer::create(MemoryAllocator& allocator, VkDevice device, VkDeviceSize bytes,
                                          VkBufferUsageFlags usage, MemoryUsage memory) {
  GpuBuffer result;
  result.mAllocator = &allocator;
  result.mDevice = device;
  result.mSize = std::max<VkDeviceSize>(4, (bytes + 3) / 4 * 4);
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = result.mSize;
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  const VkResult created = vkCreateBuffer(device, &info, nullptr, &result.mBuffer);
  if (created != VK_SUCCESS) {
    return core::runtimeError("Vulkan: cannot create a buffer of " + std::to_string(bytes) + " bytes (" +
                              vkResultName(created) + ")");
  }
  VkMemoryRequirements requirements{};
  vkGetBufferMemoryRequirements(device, result.mBuffer, &requirements);
  auto allocation = allocator.allocate(requirements, memory);
  if (!allocation) return allocation.error();
  result.mAllocation = *allocation;
  const VkResult bound =
      vkBindBufferMemory(device, result.mBuffer, result.mAllocation.memory, result.mAllocation.offset);
  if (bound != VK_SUCCESS) {
    return core::runtimeError("Vulkan: cannot bind a buffer of " + std::to_string(bytes) + " bytes (" +
                              vkResultName(bound) + ")");
  }
  return result;
}

GpuBuffer& GpuBuffer::operator=(GpuBuffer&& other) noexcept {
  if (this != &other) {
    reset();
    mAllocator = std::exchange(other.mAllocator, nullptr);
    mDevice = std::exchange(other.mDevice, VK_NULL_HANDLE);
    mBuffer = std::exchange(other.mBuffer, VK_NULL_HANDLE);
    mSize = std::exchange(other.mSize, 0);
    mAllocation = std::exchange(other.mAllocation, Allocation{});
  }
  return *this;
}

void GpuBuffer::reset() {
  if (mBuffer != VK_NULL_HANDLE) vkDestroyBuffer(mDevice, mBuffer, nullptr);
  if (mAllocator && mAllocation) mAllocator->free(mAllocation);
  mBuffer = VK_NULL_HANDLE;
  mAllocation = {};
  mSize = 0;
}

}  // namespace nsb::gpu
