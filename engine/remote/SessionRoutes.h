#pragma once
// SessionRoutes: what an attached editor (`gui --attach`, remote/RemoteSession.h) reads and steers of a
// server's job, in the formats of remote/Wire.h:
//   POST /jobs/ID/commands   {"command": {...}}: 200 {"sequence": N}, the job session's submit() number,
//                            which a later frame's appliedSequence reaches (owner only)
//   GET  /jobs/ID/frames     the job's snapshots, application/octet-stream: frames of a 4-byte
//                            little-endian length and encodeSnapshot's bytes, at most FRAME_RATE a second
//                            and only when the snapshot changed; a zero-length frame every second
//                            without one (a keep-alive). Counts against --max-viewers (503 beyond).
//   GET  /jobs/ID/dataset    encodeDataset of the data the job trains on now, its version
//                            (Snapshot::datasetVersion) in the DATASET_VERSION_HEADER
// The job's session stays the server's: its supervisor queues the Steps of a running job (Server.h), so
// Pause, Resume and a ViewStep change the job's state as POST /jobs/ID/pause and /resume do, and a frame's
// `running` is that state. Paths are the server's own: SaveCheckpoint and LoadCheckpoint are refused
// (GET /jobs/ID/checkpoint downloads the weights).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "remote/Reply.h"
#include "train/Session.h"

namespace httplib {
class Server;
}

namespace nsb::remote {

constexpr double FRAME_RATE = 30.0;  // an editor's frames a second
constexpr const char* DATASET_VERSION_HEADER = "X-NSB-Dataset-Version";

// A job as these routes see it.
struct AttachedJob {
  std::shared_ptr<train::Session> session;
  std::string state;  // "running", "paused", "done" or "stopped" (Server.h)
};

// What the server lends these routes. Each is called on a request thread.
struct SessionRouteHooks {
  std::function<std::optional<AttachedJob>(const std::string& id)> find;  // none: no such job
  // "pause" or "resume", as POST /jobs/ID/pause|resume change the job's state (the session's own
  // Pause is sent by the caller); an error reply when the job cannot (a done job resumed).
  std::function<std::optional<Reply>(const std::string& id, const std::string& action)> changeState;
  // A stream's slot of --max-viewers: false when every one is taken. Each slot taken is given back.
  std::function<bool()> takeViewer;
  std::function<void()> releaseViewer;
  std::function<bool()> stopping;  // the server is stopping: streams end
};

// POST /jobs/ID/commands: a body's limit above the other requests' (a SetProbes carries the editor's grids).
bool isCommandRoute(const std::string& method, const std::string& path);

class SessionRoutes {
 public:
  explicit SessionRoutes(SessionRouteHooks hooks);
  // `id`: the pattern of a job's path, "/jobs/([0-9a-z]+)".
  void addRoutes(httplib::Server& http, const std::string& id);

 private:
  SessionRouteHooks mHooks;
};

}  // namespace nsb::remote
