#pragma once
// GpuBuffer: the single owner of a VkBuffer and its suballocated memory range. Move-only; the
// allocator must outlive it. Staging buffers are host-visible and stay mapped.
#include <vulkan/vulkan.h>

#include <cstddef>

#include "core/Result.h"
#include "gpu/MemoryAllocator.h"

namespace nsb::gpu {

class GpuBuffer {
 public:
  GpuBuffer() = default;
  // `bytes` is rounded up to a multiple of 4 (and at least 4) so that fills and views cover it.
  static core::Result<GpuBuffer> create(MemoryAllocator& allocator, VkDevice device, VkDeviceSize bytes,
                                        VkBufferUsageFlags usage, MemoryUsage memory);
  GpuBuffer(GpuBuffer&& other) noexcept { *this = std::move(other); }
  GpuBuffer& operator=(GpuBuffer&& other) noexcept;
  GpuBuffer(const GpuBuffer&) = delete;
  GpuBuffer& operator=(const GpuBuffer&) = delete;
  ~GpuBuffer() { reset(); }

  void reset();
  VkBuffer buffer() const { return mBuffer; }
  VkDeviceSize size() const { return mSize; }
  std::byte* mapped() const { return mAllocation.mapped; }
  explicit operator bool() const { return mBuffer != VK_NULL_HANDLE; }

 private:
  MemoryAllocator* mAllocator = nullptr;
  VkDevice mDevice = VK_NULL_HANDLE;
  VkBuffer mBuffer = VK_NULL_HANDLE;
  VkDeviceSize mSize = 0;
  Allocation mAllocation;
};

}  // namespace nsb::gpu
