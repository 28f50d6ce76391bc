// `train --backend vulkan` under an injected Vulkan fault (NSB_TEST_VULKAN_FAULT, gpu/FaultInjector.h):
// while the trainer is made and in the middle of training, the run ends with exit 1 and one line on
// standard error naming the Vulkan result; no abort, no core dump.
#include <gtest/gtest.h>

#include "CliProcess.h"
#include "gpu/VulkanContext.h"

namespace nsb::sandbox {
namespace {

using testing::lineCount;
using testing::runCli;

TEST(VulkanFaultCli, TrainEndsWithOneLineAndExit1) {
  if (gpu::listVulkanDevices().empty()) GTEST_SKIP() << "no Vulkan device";
  // On lavapipe (host-visible coherent memory: uploads, downloads and zero fills need no submit) xor's
  // trainer is made without a submission; its first 24 steps (less than an epoch: no progress line) are
  // submissions 1 and 2, the final evaluation 3. Where memory is not mapped there are more before them,
  // and the same numbers fail earlier: still one line.
  const std::pair<std::string, std::string> cases[] = {
      {"alloc:1", "VK_ERROR_OUT_OF_DEVICE_MEMORY"},   // the backend's staging buffer
      {"alloc:5", "VK_ERROR_OUT_OF_DEVICE_MEMORY"},   // the dataset's upload
      {"pipeline:2", "VK_ERROR_OUT_OF_HOST_MEMORY"},  // the step's compile
      {"submit:1", "VK_ERROR_OUT_OF_HOST_MEMORY"},    // the first training steps
      {"submit:2", "VK_ERROR_OUT_OF_HOST_MEMORY"},    // the last ones
      {"lost:2", "VK_ERROR_DEVICE_LOST"},
      {"submit:3", "VK_ERROR_OUT_OF_HOST_MEMORY"}};  // the final evaluation
  for (const auto& [spec, result] : cases) {
    SCOPED_TRACE(spec);
    const auto r = runCli({"train", "--preset", "xor", "--backend", "vulkan", "--json", "--max-steps", "24"},
                          {{"NSB_TEST_VULKAN_FAULT", spec}});
    EXPECT_TRUE(r.exited) << "signal " << r.signal << ": " << r.err;
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(lineCount(r.err), 1) << r.err;
    EXPECT_EQ(r.err.rfind("neural-sandbox: vulkan backend: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(result), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace nsb::sandbox
