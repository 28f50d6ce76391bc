#pragma once
// Wire: a session's commands, snapshots and dataset as they travel between `serve` and an attached editor
// (`gui --attach`, remote/RemoteSession.h). Commands are JSON (small, one per request, readable in a log);
// snapshots and datasets are binary (a frame carries probe grids and weights: megabytes as JSON).
// Everything a decoder reads is checked (lengths against what is left, counts against the bytes that
// would hold them) before memory is taken: a bad frame is one line naming the field, never a crash.
// The formats are versioned by train::COMMAND_PROTOCOL and train::SNAPSHOT_PROTOCOL (the server's
// /version reply carries both; a client that differs refuses to attach with one line).
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/Result.h"
#include "data/Dataset.h"
#include "train/Command.h"
#include "train/Snapshot.h"

namespace nsb::remote {

// Limits a decoder checks before it allocates: a SetProbes carries at most MAX_PROBES probes of
// MAX_PROBE_FLOATS floats in all (the editor's 256 x 256 output grid of 7 features is 458,752), so that
// a command's body is at most MAX_COMMAND_BYTES; a frame of the stream is at most MAX_FRAME_BYTES.
constexpr std::size_t MAX_PROBES = 64;
constexpr std::size_t MAX_PROBE_FLOATS = std::size_t{1} << 21;
constexpr std::size_t MAX_COMMAND_BYTES = 12u << 20;
constexpr std::size_t MAX_FRAME_BYTES = std::size_t{1} << 30;

// {"type": "SetHyperparams", ...the command's fields...}. Process-local parts (SwitchBackend::context,
// SetSessionWork) never travel: commandToJson refuses them and commandFromJson refuses their type.
core::Result<nlohmann::json> commandToJson(const train::Command& command);
// Bad input naming the field ("command.hyperparams.lr: not a number") for anything malformed.
core::Result<train::Command> commandFromJson(const nlohmann::json& json);

// Every field of the snapshot, the probes' host results included (a ProbeSet on the device travels as
// host results: the server reads them back; an attached editor has no shared device).
// A frame (remote/JobFrames.h) changes two fields as it encodes, without a copy of the snapshot: `running`
// as the job runs, and the probes left out when the editor has them already.
struct SnapshotEncoding {
  std::optional<bool> running;
  bool probes = true;
};
std::string encodeSnapshot(const train::Snapshot& snapshot, const SnapshotEncoding& how = {});
// The snapshot is the caller's until it publishes it (a frame fills in the probes it left out).
core::Result<std::shared_ptr<train::Snapshot>> decodeSnapshot(std::string_view bytes);

// `source` set: written in place of the dataset's own (a server's upload by its id, not its path there).
std::string encodeDataset(const data::Dataset& dataset, const std::optional<std::string>& source = std::nullopt);
core::Result<std::shared_ptr<const data::Dataset>> decodeDataset(std::string_view bytes);

}  // namespace nsb::remote
