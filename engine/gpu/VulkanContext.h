#pragma once
// VulkanContext: the instance (with the Khronos validation layer when asked), the chosen physical
// device, the logical device and its one compute queue. Shared by the compute backend and the
// renderer; every vkQueueSubmit goes through submit(), which holds the queue lock (lavapipe has one queue).
#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/Result.h"
#include "gpu/FaultInjector.h"

namespace nsb::gpu {

struct ContextOptions {
  int device = -1;          // index into listVulkanDevices(); -1 picks discrete > integrated > virtual > CPU
  bool validation = false;  // the Khronos validation layer (also on when NSB_VULKAN_VALIDATION=1)
  // The renderer's needs: instance extensions for a window surface (GLFW's list), and with
  // `presentation` VK_KHR_swapchain on the device and a queue family that has graphics.
  std::vector<const char*> instanceExtensions;
  bool presentation = false;
  // Made again after the device was lost (App's recovery): NSB_TEST_VULKAN_FAULT applies as
  // FaultInjector::remade() says (a loss is not injected again).
  bool remade = false;
};

struct DeviceInfo {
  int index = 0;
  std::string name;
  std::string type;        // "discrete", "integrated", "virtual", "cpu", "other"
  std::string driver;      // driver name and info, e.g. "llvmpipe Mesa 22.3.6 (LLVM 15.0.6)"
  std::string apiVersion;  // "1.3.230"
  std::uint32_t subgroupSize = 0;
  std::uint32_t maxSharedMemory = 0;  // bytes per workgroup
  std::array<std::uint32_t, 3> maxWorkgroupSize{};
  std::uint32_t maxWorkgroupInvocations = 0;
  float timestampPeriod = 0.0f;  // nanoseconds per timestamp tick
  bool timestamps = false;       // the compute queue can write timestamps
};

// What the device can hold, for the compute backend's memory budget (compute/MemoryBudget.h).
struct MemoryLimits {
  std::uint64_t heapSize = 0;  // the largest device-local heap
  // VK_EXT_memory_budget (where the device has it): that heap's budget and this process's use of it.
  bool budgetExtension = false;
  std::uint64_t heapBudget = 0, heapUsage = 0;
  // One buffer at most: bound whole as a storage buffer, made as one allocation where it is larger than
  // the allocator's blocks, and a buffer (maxBufferSize: 0 where the device lacks VK_KHR_maintenance4).
  std::uint64_t maxStorageBufferRange = 0, maxMemoryAllocationSize = 0, maxBufferSize = 0;
};

// Every Vulkan device the loader sees, in its order; empty when there is no loader, driver or device.
std::vector<DeviceInfo> listVulkanDevices();

class VulkanContext {
 public:
  // A runtime error (its message is the reason alone, e.g. "vkCreateInstance returned ...") when there is
  // no driver or device; bad input when --device is out of range.
  static core::Result<std::shared_ptr<VulkanContext>> create(const ContextOptions& options = {});
  ~VulkanContext();
  VulkanContext(const VulkanContext&) = delete;
  VulkanContext& operator=(const VulkanContext&) = delete;

  VkInstance instance() const { return mInstance; }
  VkPhysicalDevice physicalDevice() const { return mPhysicalDevice; }
  VkDevice device() const { return mDevice; }
  std::uint32_t queueFamily() const { return mQueueFamily; }
  const VkPhysicalDeviceProperties& properties() const { return mProperties; }
  const DeviceInfo& info() const { return mInfo; }
  bool validationEnabled() const { return mMessenger != VK_NULL_HANDLE; }
  // shaderFloat64 is enabled (kernels that must match the CPU bit for bit use it where they can).
  bool float64() const { return mFloat64; }

  // Submits under the queue lock; callable from any thread. Both report VK_ERROR_DEVICE_LOST after an
  // injected "lost" fault (FaultInjector), and submitCompute the injected submit faults.
  VkResult submit(const VkSubmitInfo& info, VkFence fence);
  // The compute -> render hand-over: a compute submit made here also signals the next value of the
  // compute timeline semaphore (returned in `signalled`; 0 where the device has no timeline
  // semaphores), and a render submit that reads what it wrote waits for that value. Any thread.
  VkResult submitCompute(const VkSubmitInfo& info, VkFence fence, std::uint64_t& signalled);
  VkSemaphore computeTimeline() const { return mTimeline; }
  // For callers that need the queue itself (present, VkFFT's plan building): hold the lock meanwhile.
  std::unique_lock<std::mutex> lockQueue() { return std::unique_lock<std::mutex>(mQueueMutex); }
  VkQueue queue() const { return mQueue; }

  // A memory type index allowed by `typeBits` with `required` flags, preferring one that also has
  // `preferred`; UINT32_MAX if none.
  std::uint32_t findMemoryType(std::uint32_t typeBits, VkMemoryPropertyFlags required,
                               VkMemoryPropertyFlags preferred = 0) const;
  VkMemoryPropertyFlags memoryTypeFlags(std::uint32_t type) const;
  // The device's memory now (the budget changes as this and other processes allocate). Any thread.
  MemoryLimits memoryLimits() const;

  // Validation-layer messages (warnings and errors) seen by any context since the process started;
  // tests assert that it did not grow.
  static std::uint32_t validationMessages();

  // The test-only fault switch (FaultInjector.h), read from the environment when the context is made.
  FaultInjector& faults() { return mFaults; }

 private:
  VulkanContext() = default;

  VkInstance mInstance = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT mMessenger = VK_NULL_HANDLE;
  VkPhysicalDevice mPhysicalDevice = VK_NULL_HANDLE;
  VkDevice mDevice = VK_NULL_HANDLE;
  VkQueue mQueue = VK_NULL_HANDLE;
  std::uint32_t mQueueFamily = 0;
  VkPhysicalDeviceProperties mProperties{};
  VkPhysicalDeviceMemoryProperties mMemory{};
  DeviceInfo mInfo;
  bool mFloat64 = false;
  bool mBudgetExtension = false;  // VK_EXT_memory_budget
  bool mMaintenance4 = false;     // VK_KHR_maintenance4 (maxBufferSize)
  std::mutex mQueueMutex;
  VkSemaphore mTimeline = VK_NULL_HANDLE;
  std::uint64_t mTimelineValue = 0;  // guarded by mQueueMutex
  FaultInjector mFaults;
};

}  // namespace nsb::gpu
