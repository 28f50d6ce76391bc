#pragma once
// MemoryGate: the server's memory check before it accepts an upload or a job, so that neither ends in
// std::bad_alloc or the kernel's OOM killer with other jobs training beside it. The budget is the
// host's (compute::hostMemoryBudget: MemAvailable and the cgroup's limit, less the margin), or the fixed
// NSB_MEMORY_BUDGET as every command reads it (the tests' tiny budget). The network itself is checked
// where `train` checks it, against its backend's budget when the trainer is made (train/MemoryEstimate.h);
// this gate covers what is loaded before that: an upload being checked and a job's dataset (an upload's
// by the server, a catalog dataset's by the serve command's job factory).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "compute/MemoryBudget.h"
#include "core/Result.h"

namespace nsb::remote {

// Bytes in memory per byte of an uploaded file while the loaders check it, at most: an IDX label byte
// becomes an int32, a CSV value of two characters or more a float (images stay bytes).
constexpr std::uint64_t UPLOAD_MEMORY_FACTOR = 4;

struct MemoryGate {
  std::optional<std::uint64_t> fixed;  // NSB_MEMORY_BUDGET; else the host's free memory

  compute::MemoryBudget budget() const;
  // Bad input "memory: WHAT needs N, more than the M available (SOURCE)" when `bytes` pass `budget`.
  static core::Status check(const compute::MemoryBudget& budget, std::uint64_t bytes, const std::string& what);
};

// The bytes an IDX dataset of `samples` images takes in memory once loaded: pixels as bytes and an
// int32 label each.
std::uint64_t imageDatasetBytes(std::uint64_t samples, std::uint64_t features);
// The bytes a complete upload's dataset takes in memory once loaded, from its upload.json (Uploads.h).
std::uint64_t uploadedDatasetBytes(const nlohmann::json& info);

// A message of checkMemory or MemoryGate::check: the request asked for more memory than there is (507).
bool isMemoryRefusal(const std::string& message);

}  // namespace nsb::remote
