// `train --backend vulkan` under an injected Vulkan fault (NSB_TEST_VULKAN_FAULT, gpu/FaultInjector.h):
// while the trainer is made and in the middle of training, the run ends with exit 1 and one line on
// standard error naming the Vulkan result; no abort, no core dump. The editor whose device is lost and
// cannot be made again ends the same way, the weights saved.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "CliProcess.h"
#include "gpu/VulkanContext.h"
#include "nn/Checkpoint.h"

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

TEST(VulkanFaultCli, AnEditorThatCannotDrawAgainSavesTheWeightsAndExits1) {
  if (gpu::listVulkanDevices().empty()) GTEST_SKIP() << "no Vulkan device";
  const auto dir = std::filesystem::temp_directory_path() / ("nsb-cannot-draw-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // The third frame's submit loses the device, and the device made again cannot be created.
  const auto r = runCli({"gui", "--headless", "--preset", "xor", "--backend", "vulkan", "--frames", "8"},
                        {{"NSB_TEST_VULKAN_FAULT", "lost-render-for-good:3"}, {"TMPDIR", dir.string()}});
  EXPECT_TRUE(r.exited) << "signal " << r.signal << ": " << r.err;
  EXPECT_EQ(r.code, 1) << r.err;
  // Besides the log's records ("[E] ..."), one line: the last, naming the loss and why drawing cannot go on.
  std::vector<std::string> lines;
  std::string last;
  std::istringstream err(r.err);
  for (std::string line; std::getline(err, line); last = line) {
    if (line.rfind("[E] ", 0) != 0 && line.rfind("[W] ", 0) != 0) lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0].rfind("neural-sandbox: The Vulkan device was lost while drawing", 0), 0u) << r.err;
  EXPECT_NE(lines[0].find("vkCreateDevice returned VK_ERROR_INITIALIZATION_FAILED"), std::string::npos) << r.err;
  EXPECT_EQ(last, lines[0]) << r.err;
  // The weights the session held, in a checkpoint that loads.
  std::vector<std::filesystem::path> checkpoints;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("neural-sandbox-device-lost-", 0) == 0) checkpoints.push_back(entry);
  }
  ASSERT_EQ(checkpoints.size(), 1u) << r.err;
  const auto checkpoint = nn::loadCheckpoint(checkpoints[0].string());
  EXPECT_TRUE(checkpoint.ok()) << checkpoint.message();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nsb::sandbox
