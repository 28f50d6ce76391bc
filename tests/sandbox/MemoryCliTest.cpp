// Networks too large for memory on the command line: one line naming the need and the budget, exit 2,
// before anything of their size is allocated (the CPU case used to end in std::bad_alloc after taking
// most of the machine's memory, the Vulkan one in an abort). NSB_MEMORY_BUDGET makes every command's
// check testable with a small budget.
#include <gtest/gtest.h>

#include <filesystem>

#include "CliProcess.h"
#include "gpu/VulkanContext.h"

namespace nsb::sandbox {
namespace {

using testing::lineCount;
using testing::runCli;

std::string tempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("nsb-memcli-" + std::to_string(::getpid()) + "-" + name)).string();
}

void expectOneMemoryLine(const testing::Finished& r, const std::string& mentions) {
  EXPECT_TRUE(r.exited) << "signal " << r.signal << ": " << r.err;
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_EQ(r.err.rfind("neural-sandbox: memory: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(mentions), std::string::npos) << r.err;
}

TEST(MemoryCli, ANetworkTooLargeForTheHostIsOneLineAndExit2) {
  // 4.3 billion parameters: 80 GiB for the model alone, plus the host's copies.
  const auto r = runCli({"train", "--preset", "spiral", "--hidden", "65536,65536", "--backend", "cpu"});
  expectOneMemoryLine(r, "-65536-65536-1 at batch");
  EXPECT_NE(r.err.find("MemAvailable"), std::string::npos) << r.err;
}

TEST(MemoryCli, ANetworkTooLargeForTheVulkanDeviceIsOneLineAndExit2) {
  if (gpu::listVulkanDevices().empty()) GTEST_SKIP() << "no Vulkan device";
  const auto r = runCli({"train", "--preset", "spiral", "--hidden", "65536,65536,65536", "--backend", "vulkan"});
  expectOneMemoryLine(r, "per buffer");
}

TEST(MemoryCli, EveryCommandThatBuildsANetworkChecksTheBudget) {
  const std::pair<std::string, std::string> tiny{"NSB_MEMORY_BUDGET", "1000"};
  expectOneMemoryLine(runCli({"train", "--preset", "xor", "--backend", "cpu"}, {tiny}), "NSB_MEMORY_BUDGET=1000");

  const std::string checkpoint = tempPath("xor.safetensors");
  const auto saved = runCli({"train", "--preset", "xor", "--backend", "cpu", "--epochs", "1", "--save", checkpoint});
  ASSERT_EQ(saved.code, 0) << saved.err;
  expectOneMemoryLine(runCli({"eval", "--checkpoint", checkpoint, "--backend", "cpu"}, {tiny}),
                      "NSB_MEMORY_BUDGET=1000");
  std::filesystem::remove(checkpoint);

  // bench prints its progress first; the refusal is its last line.
  const auto bench = runCli(
      {"bench", "--preset", "xor", "--backends", "cpu", "--no-torch", "--no-kernels", "--steps", "1", "--repeats", "1"},
      {tiny});
  EXPECT_EQ(bench.code, 2) << bench.err;
  EXPECT_NE(bench.err.find("neural-sandbox: memory: "), std::string::npos) << bench.err;

  const auto gui = runCli({"gui", "--headless", "--frames", "1", "--preset", "xor", "--backend", "cpu"}, {tiny});
  expectOneMemoryLine(gui, "NSB_MEMORY_BUDGET=1000");
}

TEST(MemoryCli, ABudgetThatIsNotANumberIsOneLineAndExit2) {
  const auto r = runCli({"train", "--preset", "xor", "--backend", "cpu"}, {{"NSB_MEMORY_BUDGET", "lots"}});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("NSB_MEMORY_BUDGET: 'lots' is not a number of bytes"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nsb::sandbox
