// VulkanContext: instance, validation messenger, device choice and the locked queue. Device choice
// prefers discrete over integrated over virtual over CPU (lavapipe) unless --device names one.
#include "gpu/VulkanContext.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string_view>

#include "core/Log.h"
#include "gpu/VkCheck.h"

namespace nsb::gpu {
namespace {

constexpr const char* VALIDATION_LAYER = "VK_LAYER_KHRONOS_validation";
std::atomic<std::uint32_t> gValidationMessages{0};

VKAPI_ATTR VkBool32 VKAPI_CALL onValidationMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT type,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data, void*) {
  // General messages come from the loader (e.g. "found no drivers", which the caller reports itself).
  if (!(type & (VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT))) {
    core::log().debug("vulkan loader: {}", data && data->pMessage ? data->pMessage : "(no message)");
    return VK_FALSE;
  }
  if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
    gValidationMessages.fetch_add(1);
    core::log().error("vulkan validation: {}", data && data->pMessage ? data->pMessage : "(no message)");
  }
  return VK_FALSE;
}

bool envFlag(const char* name) {
  const char* value = std::getenv(name);
  return value && *value && std::string_view(value) != "0";
}

bool hasLayer(const char* name) {
  std::uint32_t count = 0;
  if (vkEnumerateInstanceLayerProperties(&count, nullptr) != VK_SUCCESS) return false;
  std::vector<VkLayerProperties> layers(count);
  if (vkEnumerateInstanceLayerProperties(&count, layers.data()) != VK_SUCCESS) return false;
  for (const auto& layer : layers) {
    if (std::strcmp(layer.layerName, name) == 0) return true;
  }
  return false;
}

bool hasInstanceExtension(const char* name, const char* layer = nullptr) {
  std::uint32_t count = 0;
  if (vkEnumerateInstanceExtensionProperties(layer, &count, nullptr) != VK_SUCCESS) return false;
  std::vector<VkExtensionProperties> extensions(count);
  if (vkEnumerateInstanceExtensionProperties(layer, &count, extensions.data()) != VK_SUCCESS) return false;
  for (const auto& extension : extensions) {
    if (std::strcmp(extension.extensionName, name) == 0) return true;
  }
  return false;
}

VkDebugUtilsMessengerCreateInfoEXT messengerInfo() {
  VkDebugUtilsMessengerCreateInfoEXT info{};
  info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
  info.messageSeverity =
      VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  info.pfnUserCallback = onValidationMessage;
  return info;
}

// An instance for enumeration or for a context; VK_NULL_HANDLE with `error` set when there is none.
VkInstance createInstance(bool validation, bool& debugUtils, std::string& error,
                          const std::vector<const char*>& extraExtensions = {}) {
  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "neural-sandbox";
  app.pEngineName = "neural-sandbox";
  app.apiVersion = VK_API_VERSION_1_2;

  std::vector<const char*> layers;
  std::vector<const char*> extensions(extraExtensions.begin(), extraExtensions.end());
  debugUtils = false;
  if (validation) {
    if (hasLayer(VALIDATION_LAYER)) {
      layers.push_back(VALIDATION_LAYER);
      if (hasInstanceExtension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME) ||
          hasInstanceExtension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME, VALIDATION_LAYER)) {
        bool listed = false;
        for (const char* name : extensions)
          listed = listed || std::strcmp(name, VK_EXT_DEBUG_UTILS_EXTENSION_NAME) == 0;
        if (!listed) extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
        debugUtils = true;
      }
    } else {
      core::log().warn("Vulkan validation requested but {} is not installed", VALIDATION_LAYER);
    }
  }
  VkInstanceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  info.pApplicationInfo = &app;
  info.enabledLayerCount = static_cast<std::uint32_t>(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  const VkDebugUtilsMessengerCreateInfoEXT messenger = messengerInfo();
  if (debugUtils) info.pNext = &messenger;

  VkInstance instance = VK_NULL_HANDLE;
  const VkResult result = vkCreateInstance(&info, nullptr, &instance);
  if (result != VK_SUCCESS) {
    error = std::string("vkCreateInstance returned ") + vkResultName(result);
    return VK_NULL_HANDLE;
  }
  return instance;
}

std::vector<VkPhysicalDevice> physicalDevices(VkInstance instance) {
  std::uint32_t count = 0;
  if (vkEnumeratePhysicalDevices(instance, &count, nullptr) != VK_SUCCESS) return {};
  std::vector<VkPhysicalDevice> devices(count);
  if (vkEnumeratePhysicalDevices(instance, &count, devices.data()) != VK_SUCCESS) return {};
  devices.resize(count);
  return devices;
}

const char* typeName(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "cpu";
    default:
      return "other";
  }
}

int typeRank(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 1;
    default:
      return 0;
  }
}

// The queue family used for everything: compute and graphics when one has both (the renderer
// shares it), else the first with compute; UINT32_MAX if the device cannot compute.
std::uint32_t chooseQueueFamily(VkPhysicalDevice device, std::uint32_t* timestampBits = nullptr) {
  std::uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, families.data());
  std::uint32_t chosen = UINT32_MAX;
  for (std::uint32_t i = 0; i < count; ++i) {
    const VkQueueFlags flags = families[i].queueFlags;
    if (!(flags & VK_QUEUE_COMPUTE_BIT)) continue;
    if (chosen == UINT32_MAX || (flags & VK_QUEUE_GRAPHICS_BIT)) {
      chosen = i;
      if (flags & VK_QUEUE_GRAPHICS_BIT) break;
    }
  }
  if (timestampBits) *timestampBits = chosen == UINT32_MAX ? 0 : families[chosen].timestampValidBits;
  return chosen;
}

bool hasDeviceExtension(VkPhysicalDevice device, const char* name) {
  std::uint32_t count = 0;
  if (vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr) != VK_SUCCESS) return false;
  std::vector<VkExtensionProperties> extensions(count);
  if (vkEnumerateDeviceExtensionProperties(device, nullptr, &count, extensions.data()) != VK_SUCCESS) return false;
  for (const auto& extension : extensions) {
    if (std::strcmp(extension.extensionName, name) == 0) return true;
  }
  return false;
}

// With presentation the chosen family must have graphics and the device VK_KHR_swapchain.
bool usable(VkPhysicalDevice device, bool presentation) {
  const std::uint32_t family = chooseQueueFamily(device);
  if (family == UINT32_MAX) return false;
  if (!presentation) return true;
  std::uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, families.data());
  return (families[family].queueFlags & VK_QUEUE_GRAPHICS_BIT) &&
         hasDeviceExtension(device, VK_KHR_SWAPCHAIN_EXTENSION_NAME);
}

DeviceInfo describe(VkPhysicalDevice device, int index) {
  VkPhysicalDeviceProperties properties{};
  vkGetPhysicalDeviceProperties(device, &properties);
  DeviceInfo info;
  info.index = index;
  info.name = properties.deviceName;
  info.type = typeName(properties.deviceType);
  info.apiVersion = std::to_string(VK_API_VERSION_MAJOR(properties.apiVersion)) + "." +
                    std::to_string(VK_API_VERSION_MINOR(properties.apiVersion)) + "." +
                    std::to_string(VK_API_VERSION_PATCH(properties.apiVersion));
  info.maxSharedMemory = properties.limits.maxComputeSharedMemorySize;
  for (int i = 0; i < 3; ++i) info.maxWorkgroupSize[i] = properties.limits.maxComputeWorkGroupSize[i];
  info.maxWorkgroupInvocations = properties.limits.maxComputeWorkGroupInvocations;
  info.timestampPeriod = properties.limits.timestampPeriod;

  VkPhysicalDeviceSubgroupProperties subgroup{};

  subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
  VkPhysicalDeviceDriverProperties driver{};
  driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
  const bool hasDriverProperties = properties.apiVersion >= VK_API_VERSION_1_2;
  if (hasDriverProperties) subgroup.pNext = &driver;
  VkPhysicalDeviceProperties2 properties2{};
  properties2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
  properties2.pNext = &subgroup;
  vkGetPhysicalDeviceProperties2(device, &properties2);
  info.subgroupSize = subgroup.subgroupSize;
  if (hasDriverProperties) {
    info.driver = std::string(driver.driverName) + " " + driver.driverInfo;
  } else {
    info.driver = "driver " + std::to_string(properties.driverVersion);
  }
  std::uint32_t timestampBits = 0;
  chooseQueueFamily(device, &timestampBits);
  info.timestamps = timestampBits > 0 && properties.limits.timestampComputeAndGraphics;
  return info;
}

}  // namespace

const char* vkResultName(VkResult result) {
  switch (result) {
#define NSB_RESULT_CASE(name) \
  case name:                  \
    return #name;
    NSB_RESULT_CASE(VK_SUCCESS)
    NSB_RESULT_CASE(VK_NOT_READY)
    NSB_RESULT_CASE(VK_TIMEOUT)
    NSB_RESULT_CASE(VK_EVENT_SET)
    NSB_RESULT_CASE(VK_EVENT_RESET)
    NSB_RESULT_CASE(VK_INCOMPLETE)
    NSB_RESULT_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    NSB_RESULT_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    NSB_RESULT_CASE(VK_ERROR_INITIALIZATION_FAILED)
    NSB_RESULT_CASE(VK_ERROR_DEVICE_LOST)
    NSB_RESULT_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    NSB_RESULT_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    NSB_RESULT_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    NSB_RESULT_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    NSB_RESULT_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    NSB_RESULT_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    NSB_RESULT_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    NSB_RESULT_CASE(VK_ERROR_FRAGMENTED_POOL)
    NSB_RESULT_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
    NSB_RESULT_CASE(VK_ERROR_UNKNOWN)
#undef NSB_RESULT_CASE
    default:
      return "VkResult(unnamed)";
  }
}

namespace {

struct SharedInstance {
  VkInstance instance = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
};

// NVIDIA's driver refuses vkCreateInstance (VK_ERROR_INCOMPATIBLE_DRIVER) after a couple of dozen
// create/destroy cycles in one process (seen on an H100 with driver 580 in session 14: the Vulkan op
// suite failed from its 25th backend on; other projects report the same bug). So an instance lives as
// long as the process: one per validation setting and extension list, shared by every context and device
// listing that asks for the same, never destroyed. Contexts still make and destroy their own devices.
core::Result<SharedInstance> sharedInstance(bool validation, const std::vector<const char*>& extensions) {
  static std::mutex mutex;
  static std::map<std::string, SharedInstance> instances;
  std::string key = validation ? "validation" : "plain";
  for (const char* name : extensions) key += std::string(" ") + name;
  std::lock_guard<std::mutex> lock(mutex);
  if (const auto found = instances.find(key); found != instances.end()) return found->second;
  SharedInstance shared;
  bool debugUtils = false;
  std::string error;
  shared.instance = createInstance(validation, debugUtils, error, extensions);
  if (shared.instance == VK_NULL_HANDLE) return core::runtimeError(error);
  if (debugUtils) {
    auto createMessenger = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(shared.instance, "vkCreateDebugUtilsMessengerEXT"));
    const VkDebugUtilsMessengerCreateInfoEXT info = messengerInfo();
    if (createMessenger) {
      const VkResult made = createMessenger(shared.instance, &info, nullptr, &shared.messenger);
      if (made != VK_SUCCESS) {
        vkDestroyInstance(shared.instance, nullptr);
        return core::runtimeError(std::string("vkCreateDebugUtilsMessengerEXT returned ") + vkResultName(made));
      }
    }
  }
  instances.emplace(key, shared);
  return shared;
}

}  // namespace

std::vector<DeviceInfo> listVulkanDevices() {
  const auto shared = sharedInstance(false, {});
  if (!shared.ok()) return {};
  std::vector<DeviceInfo> infos;
  const auto devices = physicalDevices(shared.value().instance);
  for (std::size_t i = 0; i < devices.size(); ++i) infos.push_back(describe(devices[i], static_cast<int>(i)));
  return infos;
}

core::Result<std::shared_ptr<VulkanContext>> VulkanContext::create(const ContextOptions& options) {
  std::shared_ptr<VulkanContext> context(new VulkanContext());
  context->mFaults = FaultInjector::fromEnvironment();
  if (options.remade) context->mFaults = context->mFaults.remade();
  auto shared = sharedInstance(options.validation || envFlag("NSB_VULKAN_VALIDATION"), options.instanceExtensions);
  if (!shared.ok()) return core::runtimeError(shared.message());
  context->mInstance = shared.value().instance;
  context->mMessenger = shared.value().messenger;

  const auto devices = physicalDevices(context->mInstance);
  if (devices.empty()) return core::runtimeError("the Vulkan loader lists no device");
  int chosen = -1;
  if (options.device >= 0) {
    if (options.device >= static_cast<int>(devices.size())) {
      return core::badInput("--device " + std::to_string(options.device) + ": only " + std::to_string(devices.size()) +
                            " Vulkan device(s)");
    }
    if (chooseQueueFamily(devices[options.device]) == UINT32_MAX) {
      return core::badInput("--device " + std::to_string(options.device) + ": the device has no compute queue");
    }
    if (!usable(devices[options.device], options.presentation)) {
      return core::badInput("--device " + std::to_string(options.device) + ": the device cannot draw to a window");
    }
    chosen = options.device;
  } else {
    int bestRank = -1;
    for (std::size_t i = 0; i < devices.size(); ++i) {
      if (!usable(devices[i], options.presentation)) continue;
      VkPhysicalDeviceProperties properties{};
      vkGetPhysicalDeviceProperties(devices[i], &properties);
      if (typeRank(properties.deviceType) > bestRank) {
        bestRank = typeRank(properties.deviceType);
        chosen = static_cast<int>(i);
      }
    }
    if (chosen < 0) {
      return core::runtimeError(options.presentation ? "no Vulkan device has a graphics queue and VK_KHR_swapchain"
                                                     : "no Vulkan device has a compute queue");
    }
  }
  context->mPhysicalDevice = devices[chosen];
  context->mQueueFamily = chooseQueueFamily(context->mPhysicalDevice);
  vkGetPhysicalDeviceProperties(context->mPhysicalDevice, &context->mProperties);
  vkGetPhysicalDeviceMemoryProperties(context->mPhysicalDevice, &context->mMemory);
  context->mInfo = describe(context->mPhysicalDevice, chosen);
  context->mBudgetExtension = context->mProperties.apiVersion >= VK_API_VERSION_1_1 &&
                              hasDeviceExtension(context->mPhysicalDevice, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  context->mMaintenance4 = hasDeviceExtension(context->mPhysicalDevice, VK_KHR_MAINTENANCE_4_EXTENSION_NAME);

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queueInfo{};
  queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  queueInfo.queueFamilyIndex = context->mQueueFamily;
  queueInfo.queueCount = 1;
  queueInfo.pQueuePriorities = &priority;
  VkPhysicalDeviceFeatures supported{};
  vkGetPhysicalDeviceFeatures(context->mPhysicalDevice, &supported);
  VkPhysicalDeviceFeatures enabled{};
  enabled.shaderFloat64 = supported.shaderFloat64;
  context->mFloat64 = supported.shaderFloat64 == VK_TRUE;
  // Timeline semaphores (core in 1.2): the compute -> render hand-over (see computeTimeline()).
  VkPhysicalDeviceTimelineSemaphoreFeatures timeline{};
  timeline.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_TIMELINE_SEMAPHORE_FEATURES;
  if (context->mProperties.apiVersion >= VK_API_VERSION_1_2) {
    VkPhysicalDeviceFeatures2 features2{};
    features2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
    features2.pNext = &timeline;
    vkGetPhysicalDeviceFeatures2(context->mPhysicalDevice, &features2);
  }
  timeline.pNext = nullptr;
  VkDeviceCreateInfo deviceInfo{};
  deviceInfo.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  if (timeline.timelineSemaphore) deviceInfo.pNext = &timeline;
  deviceInfo.queueCreateInfoCount = 1;
  deviceInfo.pQueueCreateInfos = &queueInfo;
  deviceInfo.pEnabledFeatures = &enabled;
  const char* swapchainExtension = VK_KHR_SWAPCHAIN_EXTENSION_NAME;
  if (options.presentation) {
    deviceInfo.enabledExtensionCount = 1;
    deviceInfo.ppEnabledExtensionNames = &swapchainExtension;
  }
  VkResult result = context->mFaults.hit(FaultPoint::CreateDevice);
  if (result == VK_SUCCESS) result = vkCreateDevice(context->mPhysicalDevice, &deviceInfo, nullptr, &context->mDevice);
  if (result != VK_SUCCESS) {
    return core::runtimeError("Vulkan device '" + context->mInfo.name + "': vkCreateDevice returned " +
                              vkResultName(result));
  }
  vkGetDeviceQueue(context->mDevice, context->mQueueFamily, 0, &context->mQueue);
  if (timeline.timelineSemaphore) {
    VkSemaphoreTypeCreateInfo type{};
    type.sType = VK_STRUCTURE_TYPE_SEMAPHORE_TYPE_CREATE_INFO;
    type.semaphoreType = VK_SEMAPHORE_TYPE_TIMELINE;
    VkSemaphoreCreateInfo semaphoreInfo{};
    semaphoreInfo.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO;
    semaphoreInfo.pNext = &type;
    const VkResult made = vkCreateSemaphore(context->mDevice, &semaphoreInfo, nullptr, &context->mTimeline);
    if (made != VK_SUCCESS) {
      return core::runtimeError(std::string("vkCreateSemaphore (the compute timeline) returned ") + vkResultName(made));
    }
  }
  return context;
}

VulkanContext::~VulkanContext() {
  if (mDevice != VK_NULL_HANDLE) {
    vkDeviceWaitIdle(mDevice);
    if (mTimeline != VK_NULL_HANDLE) vkDestroySemaphore(mDevice, mTimeline, nullptr);
    vkDestroyDevice(mDevice, nullptr);
  }
  // The instance and its messenger are shared and live as long as the process (sharedInstance).
}

VkResult VulkanContext::submit(const VkSubmitInfo& info, VkFence fence) {
  if (const VkResult lost = mFaults.lost(); lost != VK_SUCCESS) return lost;
  std::lock_guard<std::mutex> lock(mQueueMutex);
  return vkQueueSubmit(mQueue, 1, &info, fence);
}

VkResult VulkanContext::submitCompute(const VkSubmitInfo& info, VkFence fence, std::uint64_t& signalled) {
  NSB_CHECK(info.signalSemaphoreCount == 0 && info.pNext == nullptr) << "compute submits signal the timeline only";
  if (const VkResult fault = mFaults.hit(FaultPoint::Submit); fault != VK_SUCCESS) {
    signalled = 0;
    return fault;
  }
  std::lock_guard<std::mutex> lock(mQueueMutex);
  if (mTimeline == VK_NULL_HANDLE) {
    signalled = 0;
    return vkQueueSubmit(mQueue, 1, &info, fence);
  }
  // Values grow in queue order: taken under the queue lock.
  const std::uint64_t value = ++mTimelineValue;
  VkTimelineSemaphoreSubmitInfo values{};
  values.sType = VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO;
  values.signalSemaphoreValueCount = 1;
  values.pSignalSemaphoreValues = &value;
  VkSubmitInfo signalling = info;
  signalling.pNext = &values;
  signalling.signalSemaphoreCount = 1;
  signalling.pSignalSemaphores = &mTimeline;
  const VkResult result = vkQueueSubmit(mQueue, 1, &signalling, fence);
  signalled = result == VK_SUCCESS ? value : 0;
  return result;
}

std::uint32_t VulkanContext::findMemoryType(std::uint32_t typeBits, VkMemoryPropertyFlags required,
                                            VkMemoryPropertyFlags preferred) const {
  std::uint32_t fallback = UINT32_MAX;
  for (std::uint32_t i = 0; i < mMemory.memoryTypeCount; ++i) {
    if (!(typeBits & (1u << i))) continue;
    const VkMemoryPropertyFlags flags = mMemory.memoryTypes[i].propertyFlags;
    if ((flags & required) != required) continue;
    if ((flags & preferred) == preferred) return i;
    if (fallback == UINT32_MAX) fallback = i;
  }
  return fallback;
}

VkMemoryPropertyFlags VulkanContext::memoryTypeFlags(std::uint32_t type) const {
  return type < mMemory.memoryTypeCount ? mMemory.memoryTypes[type].propertyFlags : 0;
}

MemoryLimits VulkanContext::memoryLimits() const {
  MemoryLimits limits;
  // A physical-device query: the extension needs no enabling on the logical device (Vulkan 1.1+).
  VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{};
  budget.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT;
  VkPhysicalDeviceMemoryProperties2 memory{};
  memory.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2;
  if (mBudgetExtension) memory.pNext = &budget;
  vkGetPhysicalDeviceMemoryProperties2(mPhysicalDevice, &memory);
  std::uint32_t heap = UINT32_MAX;
  for (std::uint32_t i = 0; i < memory.memoryProperties.memoryHeapCount; ++i) {
    const VkMemoryHeap& h = memory.memoryProperties.memoryHeaps[i];
    if (!(h.flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)) continue;
    if (heap == UINT32_MAX || h.size > memory.memoryProperties.memoryHeaps[heap].size) heap = i;
  }
  if (heap == UINT32_MAX && memory.memoryProperties.memoryHeapCount > 0) heap = 0;
  if (heap != UINT32_MAX) {
    limits.heapSize = memory.memoryProperties.memoryHeaps[heap].size;
    if (mBudgetExtension) {
      limits.budgetExtension = true;
      limits.heapBudget = budget.heapBudget[heap];
      limits.heapUsage = budget.heapUsage[heap];
    }
  }
  limits.maxStorageBufferRange = mProperties.limits.maxStorageBufferRange;
  VkPhysicalDeviceMaintenance4Properties maintenance4{};
  maintenance4.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_4_PROPERTIES;
  VkPhysicalDeviceMaintenance3Properties maintenance3{};
  maintenance3.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES;
  // The instance asks for Vulkan 1.2: maxBufferSize comes through VK_KHR_maintenance4 where the device has it.
  if (mMaintenance4) maintenance3.pNext = &maintenance4;
  VkPhysicalDeviceProperties2 properties{};
  properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
  properties.pNext = &maintenance3;
  vkGetPhysicalDeviceProperties2(mPhysicalDevice, &properties);
  limits.maxMemoryAllocationSize = maintenance3.maxMemoryAllocationSize;
  limits.maxBufferSize = maintenance4.maxBufferSize;
  return limits;
}

std::uint32_t VulkanContext::validationMessages() { return gValidationMessages.load(); }

}  // namespace nsb::gpu
