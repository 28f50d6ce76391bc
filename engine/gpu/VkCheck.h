#pragma once
// NSB_VK_CHECK: every VkResult that must be VK_SUCCESS goes through it; a failure aborts with the
// call, the result's name, file and line (a broken invariant, not bad input).
#include <vulkan/vulkan.h>

#include "core/Check.h"

namespace nsb::gpu {
// "VK_ERROR_DEVICE_LOST" etc.; "VkResult(<n>)" for codes this build does not name.
const char* vkResultName(VkResult result);
}  // namespace nsb::gpu

#define NSB_VK_CHECK(expr)                                                                                    \
  do {                                                                                                        \
    const VkResult nsbVkResult_ = (expr);                                                                     \
    NSB_CHECK(nsbVkResult_ == VK_SUCCESS) << #expr << " returned " << ::nsb::gpu::vkResultName(nsbVkResult_); \
  } while (false)
