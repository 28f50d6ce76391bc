#pragma once
// Handle<T>: the single RAII owner of one device-level Vulkan object (buffer, pipeline, fence, ...), or
// of an instance-level one with Owner = VkInstance (a surface). Move-only; destroys the object with its
// vkDestroy* function when it goes. CommandBuffer: the same for a command buffer that goes back to its
// pool before the pool goes (a pool frees the rest itself).
#include <vulkan/vulkan.h>

#include <utility>

namespace nsb::gpu {

template <typename T, typename Owner = VkDevice>
class Handle {
 public:
  using Destroy = void(VKAPI_PTR*)(Owner, T, const VkAllocationCallbacks*);

  Handle() = default;
  Handle(Owner device, T handle, Destroy destroy) : mDevice(device), mHandle(handle), mDestroy(destroy) {}
  Handle(Handle&& other) noexcept { *this = std::move(other); }
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      mDevice = std::exchange(other.mDevice, VK_NULL_HANDLE);
      mHandle = std::exchange(other.mHandle, VK_NULL_HANDLE);
      mDestroy = std::exchange(other.mDestroy, nullptr);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  void reset() {
    if (mHandle != VK_NULL_HANDLE && mDestroy) mDestroy(mDevice, mHandle, nullptr);
    mHandle = VK_NULL_HANDLE;
  }
  T get() const { return mHandle; }
  explicit operator bool() const { return mHandle != VK_NULL_HANDLE; }

 private:
  Owner mDevice = VK_NULL_HANDLE;
  T mHandle = VK_NULL_HANDLE;
  Destroy mDestroy = nullptr;
};

class CommandBuffer {
 public:
  CommandBuffer() = default;
  CommandBuffer(VkDevice device, VkCommandPool pool, VkCommandBuffer buffer)
      : mDevice(device), mPool(pool), mBuffer(buffer) {}
  CommandBuffer(CommandBuffer&& other) noexcept { *this = std::move(other); }
  CommandBuffer& operator=(CommandBuffer&& other) noexcept {
    if (this != &other) {
      reset();
      mDevice = std::exchange(other.mDevice, VK_NULL_HANDLE);
      mPool = std::exchange(other.mPool, VK_NULL_HANDLE);
      mBuffer = std::exchange(other.mBuffer, VK_NULL_HANDLE);
    }
    return *this;
  }
  CommandBuffer(const CommandBuffer&) = delete;
  CommandBuffer& operator=(const CommandBuffer&) = delete;
  ~CommandBuffer() { reset(); }

  void reset() {
    if (mBuffer != VK_NULL_HANDLE) vkFreeCommandBuffers(mDevice, mPool, 1, &mBuffer);
    mBuffer = VK_NULL_HANDLE;
  }
  VkCommandBuffer get() const { return mBuffer; }

 private:
  VkDevice mDevice = VK_NULL_HANDLE;
  VkCommandPool mPool = VK_NULL_HANDLE;
  VkCommandBuffer mBuffer = VK_NULL_HANDLE;
};

}  // namespace nsb::gpu
