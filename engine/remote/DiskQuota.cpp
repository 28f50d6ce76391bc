#include "remote/DiskQuota.h"

#include "compute/MemoryBudget.h"

namespace nsb::remote {

namespace fs = std::filesystem;

std::uint64_t folderBytes(const fs::path& root) {
  std::uint64_t used = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) used += it->file_size(ec);
  }
  return used;
}

std::uint64_t checkpointBytes(const nn::ModelSpec& spec) {
  constexpr std::uint64_t METADATA_BYTES = 64 * 1024, NORMALISATION_BYTES_PER_INPUT = 64;
  return 3 * sizeof(float) * static_cast<std::uint64_t>(spec.parameterCount()) + METADATA_BYTES +
         NORMALISATION_BYTES_PER_INPUT * spec.inputs;
}

core::Status checkRoom(const fs::path& root, std::uint64_t maxBytes, std::uint64_t more, const std::string& what) {
  if (maxBytes == 0) return core::Ok{};
  const std::uint64_t used = folderBytes(root);
  if (used + more <= maxBytes) return core::Ok{};
  return core::runtimeError(what + " (" + compute::formatBytes(more) + ") would take the data folder (" +
                            compute::formatBytes(used) + ") past its quota of " + compute::formatBytes(maxBytes) +
                            " (--max-disk)");
}

}  // namespace nsb::remote
