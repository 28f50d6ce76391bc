#include "remote/MemoryGate.h"

namespace nsb::remote {

compute::MemoryBudget MemoryGate::budget() const {
  if (!fixed) return compute::hostMemoryBudget();
  compute::MemoryBudget b;
  b.available = *fixed;
  b.host = true;
  b.source = "NSB_MEMORY_BUDGET=" + std::to_string(*fixed);
  return b;
}

core::Status MemoryGate::check(const compute::MemoryBudget& budget, std::uint64_t bytes, const std::string& what) {
  if (bytes <= budget.available) return core::Ok{};
  return core::badInput("memory: " + what + " needs " + compute::formatBytes(bytes) + ", more than the " +
                        compute::formatBytes(budget.available) + " available (" + budget.source + ")");
}

std::uint64_t imageDatasetBytes(std::uint64_t samples, std::uint64_t features) { return samples * (features + 4); }

std::uint64_t uploadedDatasetBytes(const nlohmann::json& info) {
  auto count = [&](const char* key) { return info.value(key, std::uint64_t{0}); };
  const std::uint64_t samples = count("train") + count("test"), features = count("features");
  // IDX: pixels as bytes and an int32 label; CSV: float features and a float target or int32 label, and
  // the two plotted coordinates.
  if (info.value("kind", "") == "idx") return imageDatasetBytes(samples, features);
  return samples * (features + 1 + 2) * 4;
}

bool isMemoryRefusal(const std::string& message) { return message.rfind("memory: ", 0) == 0; }

}  // namespace nsb::remote
