// The memory budget: the host's from /proc/meminfo and cgroup v2 files (fake ones here), the
// NSB_MEMORY_BUDGET override, the bytes a backend holds, and the Vulkan device's limits (lavapipe's
// maxStorageBufferRange of 128 MiB is the first limit a large layer meets there).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "compute/MemoryBudget.h"
#include "compute/Registry.h"
#include "compute/vulkan/VulkanBackend.h"
#include "gpu/VulkanContext.h"

namespace nsb::compute {
namespace {

namespace fs = std::filesystem;

void writeText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

struct FakeHost {
  fs::path root = fs::temp_directory_path() / ("nsb-budget-" + std::to_string(::getpid()));
  HostMemoryFiles files{(root / "meminfo").string(), (root / "cgroup").string(), (root / "sys").string()};
  FakeHost() { fs::remove_all(root); }
  ~FakeHost() { fs::remove_all(root); }
};

std::uint64_t lessMargin(std::uint64_t bytes) {
  return static_cast<std::uint64_t>(static_cast<double>(bytes) * (1.0 - MEMORY_MARGIN));
}

TEST(MemoryBudget, HostBudgetIsMemAvailableLessTheMargin) {
  FakeHost host;
  writeText(host.files.meminfo, "MemTotal:       8000000 kB\nMemFree:  10 kB\nMemAvailable:    4000000 kB\n");
  const MemoryBudget budget = hostMemoryBudget(host.files);
  EXPECT_EQ(budget.available, lessMargin(4000000ull * 1024));
  EXPECT_EQ(budget.largestBuffer, UNLIMITED_BYTES);
  EXPECT_TRUE(budget.host);
  EXPECT_NE(budget.source.find("MemAvailable"), std::string::npos) << budget.source;
}

TEST(MemoryBudget, TheCgroupsLeastFreeMemoryWinsWhenSmaller) {
  FakeHost host;
  writeText(host.files.meminfo, "MemAvailable:    4000000 kB\n");
  writeText(host.files.cgroups, "0::/job/step\n");
  // The process's own cgroup has room, its parent less: a parent's limit holds for its children.
  writeText(host.root / "sys/job/step/memory.max", "max\n");
  writeText(host.root / "sys/job/step/memory.current", "1000\n");
  writeText(host.root / "sys/job/memory.max", "300000000\n");
  writeText(host.root / "sys/job/memory.current", "100000000\n");
  const MemoryBudget budget = hostMemoryBudget(host.files);
  EXPECT_EQ(budget.available, lessMargin(200000000));
  EXPECT_NE(budget.source.find("memory.max"), std::string::npos) << budget.source;

  // Over its limit: nothing left.
  writeText(host.root / "sys/job/step/memory.max", "500\n");
  EXPECT_EQ(hostMemoryBudget(host.files).available, 0u);
  // A cgroup with more room than MemAvailable leaves MemAvailable in charge.
  writeText(host.root / "sys/job/step/memory.max", "max\n");
  writeText(host.root / "sys/job/memory.max", "max\n");
  EXPECT_EQ(hostMemoryBudget(host.files).available, lessMargin(4000000ull * 1024));
}

TEST(MemoryBudget, NothingReadableIsUnlimitedAndSaysSo) {
  FakeHost host;
  const MemoryBudget budget = hostMemoryBudget(host.files);
  EXPECT_EQ(budget.available, UNLIMITED_BYTES);
  EXPECT_NE(budget.source.find("unknown"), std::string::npos);
}

TEST(MemoryBudget, TheOverrideParsesBytesOnly) {
  EXPECT_FALSE(parseMemoryBudget(nullptr).value().has_value());
  EXPECT_FALSE(parseMemoryBudget("").value().has_value());
  EXPECT_EQ(parseMemoryBudget("123456").value(), std::optional<std::uint64_t>(123456));
  for (const char* bad : {"12k", "-5", "1e6", "abc", "99999999999999999999999"}) {
    const auto parsed = parseMemoryBudget(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.message().find("NSB_MEMORY_BUDGET"), std::string::npos);
  }
}

TEST(MemoryBudget, BytesReadAsPeopleReadThem) {
  EXPECT_EQ(formatBytes(12), "12 bytes");
  EXPECT_EQ(formatBytes(1536), "1.5 KiB");
  EXPECT_EQ(formatBytes(std::uint64_t{34361835536}), "32.0 GiB");
  EXPECT_EQ(formatBytes(UNLIMITED_BYTES), "unlimited");
}

TEST(MemoryBudget, ABackendCountsItsBuffersAndTheOverrideTakesThemOff) {
  BackendOptions options;
  options.memoryBudget = 10000;
  auto backend = createBackend("cpu", options);
  ASSERT_TRUE(backend.ok()) << backend.message();
  Backend& b = *backend.value();
  EXPECT_EQ(b.bytesAllocated(), 0u);
  EXPECT_EQ(b.memoryBudget().available, 10000u);
  {
    Buffer one = b.allocate(1000);
    Buffer two = b.allocate(3000);
    EXPECT_EQ(b.bytesAllocated(), 4000u);
    EXPECT_EQ(b.memoryBudget().available, 6000u);
    Buffer moved = std::move(two);
    EXPECT_EQ(b.bytesAllocated(), 4000u);
    one.reset();
    EXPECT_EQ(b.bytesAllocated(), 3000u);
  }
  EXPECT_EQ(b.bytesAllocated(), 0u);
  EXPECT_NE(b.memoryBudget().source.find("NSB_MEMORY_BUDGET"), std::string::npos);
  // Without the override the CPU backend's budget is the host's.
  auto plain = createBackend("cpu", {});
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain.value()->memoryBudget().host);
  EXPECT_EQ(plain.value()->memoryBudget().largestBuffer, UNLIMITED_BYTES);
}

TEST(MemoryBudget, VulkanUsesTheBudgetExtensionElseTheHeapAndTheLeastBufferLimit) {
  gpu::MemoryLimits limits;
  limits.heapSize = 1000000;
  limits.maxStorageBufferRange = 128 << 20;
  limits.maxMemoryAllocationSize = 64 << 20;
  limits.maxBufferSize = 0;  // unknown: no limit of its own
  MemoryBudget heap = vulkan::vulkanBudget(limits, 200000);
  EXPECT_EQ(heap.available, lessMargin(800000));
  EXPECT_EQ(heap.largestBuffer, 64u << 20);
  EXPECT_EQ(heap.bufferLimit, "maxMemoryAllocationSize");
  EXPECT_NE(heap.source.find("heap"), std::string::npos);
  EXPECT_FALSE(heap.host);

  limits.budgetExtension = true;
  limits.heapBudget = 600000;
  limits.heapUsage = 500000;  // the budget's usage already holds what this process allocated
  limits.maxBufferSize = 1 << 20;
  MemoryBudget extension = vulkan::vulkanBudget(limits, 200000);
  EXPECT_EQ(extension.available, lessMargin(100000));
  EXPECT_EQ(extension.largestBuffer, 1u << 20);
  EXPECT_EQ(extension.bufferLimit, "maxBufferSize");
  EXPECT_NE(extension.source.find("VK_EXT_memory_budget"), std::string::npos);
  limits.heapUsage = 700000;
  EXPECT_EQ(vulkan::vulkanBudget(limits, 0).available, 0u);
}

TEST(MemoryBudget, TheVulkanBackendReportsItsDevicesLimits) {
  if (gpu::listVulkanDevices().empty()) GTEST_SKIP() << "no Vulkan device";
  auto context = gpu::VulkanContext::create();
  ASSERT_TRUE(context.ok()) << context.message();
  const gpu::MemoryLimits limits = context.value()->memoryLimits();
  EXPECT_GT(limits.heapSize, 0u);
  EXPECT_EQ(limits.maxStorageBufferRange, context.value()->properties().limits.maxStorageBufferRange);
  EXPECT_GT(limits.maxMemoryAllocationSize, 0u);
  BackendOptions options;
  options.context = context.value();
  auto backend = createBackend("vulkan", options);
  ASSERT_TRUE(backend.ok()) << backend.message();
  const MemoryBudget budget = backend.value()->memoryBudget();
  EXPECT_FALSE(budget.host);
  EXPECT_LE(budget.largestBuffer, limits.maxStorageBufferRange);
  EXPECT_LE(budget.largestBuffer, limits.maxMemoryAllocationSize);
  EXPECT_FALSE(budget.bufferLimit.empty());
  if (!limits.budgetExtension) {
    EXPECT_LE(budget.available, limits.heapSize);
  }
  std::printf("vulkan budget on %s: %s available (%s), %s per buffer (%s)\n", context.value()->info().name.c_str(),
              formatBytes(budget.available).c_str(), budget.source.c_str(), formatBytes(budget.largestBuffer).c_str(),
              budget.bufferLimit.c_str());
}

}  // namespace
}  // namespace nsb::compute
