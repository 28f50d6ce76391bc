#pragma once
// MemoryBudget: what a backend may still allocate, asked before a network is built or changed so that
// a network too large for the machine is refused with one line instead of ending in an abort or
// std::bad_alloc. The host's budget is read here; a device's comes from its backend
// (Backend::memoryBudget). Only a measurement: nothing is reserved.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "core/Result.h"

namespace nsb::compute {

constexpr std::uint64_t UNLIMITED_BYTES = std::numeric_limits<std::uint64_t>::max();
// The share of free memory left out of every measured budget: what the estimates do not count (the
// allocators' rounding and blocks, pipelines, descriptor pools, the renderer's buffers, the
// libraries' own heaps) and what other processes take meanwhile. NSB_MEMORY_BUDGET has no margin.
constexpr double MEMORY_MARGIN = 0.10;

struct MemoryBudget {
  std::uint64_t available = UNLIMITED_BYTES;      // bytes that may still be allocated, the margin taken off
  std::uint64_t largestBuffer = UNLIMITED_BYTES;  // one buffer at most
  // The device's memory is the host's (the CPU backend): the host copies a trainer keeps count
  // against `available` too.
  bool host = false;
  std::string source;       // where `available` comes from, for messages: "MemAvailable", ...
  std::string bufferLimit;  // which limit `largestBuffer` is: "maxStorageBufferRange", ...
};

// Where the host's budget is read from (tests point these at files of their own).
struct HostMemoryFiles {
  std::string meminfo = "/proc/meminfo";
  std::string cgroups = "/proc/self/cgroup";  // "0::/PATH" names the cgroup v2 of this process
  std::string cgroupRoot = "/sys/fs/cgroup";
};

// The host's free memory: the smaller of MemAvailable and, for this process's cgroup v2 and each of its
// parents, memory.max - memory.current, less MEMORY_MARGIN. Unlimited where nothing can be read.
MemoryBudget hostMemoryBudget(const HostMemoryFiles& files = {});

// `budget` with a fixed total (NSB_MEMORY_BUDGET): that many bytes, less what the backend holds
// (`allocated`), no margin; the per-buffer limit stays the device's.
MemoryBudget withOverride(MemoryBudget budget, std::uint64_t total, std::uint64_t allocated);

// NSB_MEMORY_BUDGET (bytes, for tests: a small budget without touching real limits), parsed; nullopt
// when unset or empty. Read once by the command line into BackendOptions::memoryBudget; nothing
// below it reads the environment.
core::Result<std::optional<std::uint64_t>> memoryBudgetFromEnvironment();
core::Result<std::optional<std::uint64_t>> parseMemoryBudget(const char* value);

// "1.5 GiB", "640 KiB", "12 bytes".
std::string formatBytes(std::uint64_t bytes);

}  // namespace nsb::compute
