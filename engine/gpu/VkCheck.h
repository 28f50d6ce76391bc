#pragma once
// NSB_VK_CHECK: a VkResult that can only fail through a bug aborts with the call, the result's name,
// file and line (a broken invariant, not bad input). vkStatus: one the driver can fail (out of memory,
// a lost device) becomes a runtime error of one line.
#include <vulkan/vulkan.h>

#include <string>

#include "core/Check.h"
#include "core/Result.h"

namespace nsb::gpu {
// "VK_ERROR_DEVICE_LOST" etc.; "VkResult(<n>)" for codes this build does not name.
const char* vkResultName(VkResult result);

// Ok, or "`what`: `call` returned VK_..." as a runtime error.
inline core::Status vkStatus(VkResult result, const std::string& what, const char* call) {
  if (result == VK_SUCCESS) return core::Ok{};
  return core::runtimeError(what + ": " + call + " returned " + vkResultName(result));
}
}  // namespace nsb::gpu

#define NSB_VK_CHECK(expr)                                                                                    \
  do {                                                                                                        \
    const VkResult nsbVkResult_ = (expr);                                                                     \
    NSB_CHECK(nsbVkResult_ == VK_SUCCESS) << #expr << " returned " << ::nsb::gpu::vkResultName(nsbVkResult_); \
  } while (false)
