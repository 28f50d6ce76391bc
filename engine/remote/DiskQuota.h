#pragma once
// DiskQuota: `serve --max-disk`, the bytes the whole data folder may hold: uploads (remote/Uploads.h)
// and the jobs' checkpoints and metric histories (remote/DataFolder.h) together. A checkpoint that
// would pass it is not written (the job trains on, its status says why, the last checkpoint stays
// whole): it is checked before saveCheckpoint starts, with the folder's size now plus the new file's
// (written beside the old one, then renamed over it).
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/Result.h"
#include "nn/ModelSpec.h"

namespace nsb::remote {

// The bytes of the regular files under `root`, walked now.
std::uint64_t folderBytes(const std::filesystem::path& root);

// What saveCheckpoint writes for a network, at most: its parameters and the optimizer's two states as
// floats, and the metadata (its header, hyperparameters, a CSV dataset's normalisation per input).
std::uint64_t checkpointBytes(const nn::ModelSpec& spec);
// What appendMetrics writes for a point, at most (one JSON line).
constexpr std::uint64_t METRIC_LINE_BYTES = 512;

// Ok when `more` bytes fit beside the folder's; else one line naming `what`, the sizes and --max-disk.
// maxBytes 0: no quota.
core::Status checkRoom(const std::filesystem::path& root, std::uint64_t maxBytes, std::uint64_t more,
                       const std::string& what);

}  // namespace nsb::remote
