// MemoryBudget: the host's free memory from /proc/meminfo and cgroup v2, the test override, and
// byte counts as people read them.
#include "compute/MemoryBudget.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace nsb::compute {
namespace {

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A whole unsigned number, or nullopt ("max", empty, text).
std::optional<std::uint64_t> parseBytes(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
  if (errno != 0) return std::nullopt;
  return static_cast<std::uint64_t>(value);
}

std::optional<std::uint64_t> memAvailable(const std::string& meminfo) {
  const auto text = readFile(meminfo);
  if (!text) return std::nullopt;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str(), "MemAvailable: %llu kB", &kib) == 1) return static_cast<std::uint64_t>(kib) * 1024;
  }
  return std::nullopt;
}

// The least memory.max - memory.current of this process's cgroup v2 and its parents (a parent's
// limit holds for its children too); nullopt where no level has a limit.
std::optional<std::uint64_t> cgroupFree(const HostMemoryFiles& files) {
  const auto list = readFile(files.cgroups);
  if (!list) return std::nullopt;
  std::istringstream lines(*list);
  std::string line, path;
  bool found = false;
  while (std::getline(lines, line)) {
    if (line.rfind("0::", 0) == 0) {
      path = line.substr(3);
      found = true;
    }
  }
  if (!found) return std::nullopt;
  std::optional<std::uint64_t> least;
  for (;;) {
    const std::string folder = files.cgroupRoot + (path == "/" ? "" : path);
    const auto max = readFile(folder + "/memory.max");
    const auto current = readFile(folder + "/memory.current");
    if (max && current) {
      const auto limit = parseBytes(*max);  // "max": no limit at this level
      const auto used = parseBytes(*current);
      if (limit && used) {
        const std::uint64_t free = *limit > *used ? *limit - *used : 0;
        least = least ? std::min(*least, free) : free;
      }
    }
    if (path.empty() || path == "/") break;
    const auto slash = path.find_last_of('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
  return least;
}

std::uint64_t lessMargin(std::uint64_t bytes) {
  return static_cast<std::uint64_t>(static_cast<double>(bytes) * (1.0 - MEMORY_MARGIN));
}

}  // namespace

MemoryBudget hostMemoryBudget(const HostMemoryFiles& files) {
  MemoryBudget budget;
  budget.host = true;
  const auto available = memAvailable(files.meminfo);
  const auto cgroup = cgroupFree(files);
  if (available && (!cgroup || *available <= *cgroup)) {
    budget.available = lessMargin(*available);
    budget.source = "MemAvailable less a 10% margin";
  } else if (cgroup) {
    budget.available = lessMargin(*cgroup);
    budget.source = "the cgroup's memory.max - memory.current less a 10% margin";
  } else {
    budget.source = "unknown (no /proc/meminfo)";
  }
  return budget;
}

MemoryBudget withOverride(MemoryBudget budget, std::uint64_t total, std::uint64_t allocated) {
  budget.available = total > allocated ? total - allocated : 0;
  budget.source = "NSB_MEMORY_BUDGET=" + std::to_string(total);
  if (allocated > 0) budget.source += " less the " + formatBytes(allocated) + " held";
  return budget;
}

core::Result<std::optional<std::uint64_t>> parseMemoryBudget(const char* value) {
  if (value == nullptr || *value == '\0') return std::optional<std::uint64_t>{};
  const auto bytes = parseBytes(value);
  if (!bytes) return core::badInput(std::string("NSB_MEMORY_BUDGET: '") + value + "' is not a number of bytes");
  return std::optional<std::uint64_t>{*bytes};
}

core::Result<std::optional<std::uint64_t>> memoryBudgetFromEnvironment() {
  return parseMemoryBudget(std::getenv("NSB_MEMORY_BUDGET"));
}

std::string formatBytes(std::uint64_t bytes) {
  if (bytes == UNLIMITED_BYTES) return "unlimited";
  if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(units)) {
    value /= 1024.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
  return text;
}

}  // namespace nsb::compute
