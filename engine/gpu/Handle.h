#pragma once
// Handle<T>: the single RAII owner of one device-level Vulkan object (buffer, pipeline, fence, ...).
// Move-only; destroys the object with its vkDestroy* function when it goes.
#include <vulkan/vulkan.h>

#include <utility>

namespace nsb::gpu {

template <typename T>
class Handle {
 public:
  using Destroy = void(VKAPI_PTR*)(VkDevice, T, const VkAllocationCallbacks*);

  Handle() = default;
  Handle(VkDevice device, T handle, Destroy destroy) : mDevice(device), mHandle(handle), mDestroy(destroy) {}
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
  VkDevice mDevice = VK_NULL_HANDLE;
  T mHandle = VK_NULL_HANDLE;
  Destroy mDestroy = nullptr;
};

}  // namespace nsb::gpu
