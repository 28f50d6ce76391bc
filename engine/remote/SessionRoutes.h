#pragma once
// SessionRoutes: what an attached editor (`gui --attach`, remote/RemoteSession.h) reads and steers of a
// server's job, in the formats of remote/Wire.h:
//   POST /jobs/ID/editors    {} or {"editor": E}: an editor attaches (or E, whose connection came back,
//                            again): 200 {"editor": E, "name": ..., "steering": {"id", "name"}}, E made
//                            here. The first editor steers, the others watch (remote/ControlLease.h).
//   POST /jobs/ID/control    {"editor": E}: E takes control; the one that had it watches from its next
//                            frame on. 404 for an editor the job does not know (owner only, as every POST)
//   POST /jobs/ID/commands   {"command": {...}, "editor": E}: 200 {"sequence": N}, the job session's
//                            submit() number, which a later frame's appliedSequence reaches (owner only);
//                            409 {"error", "steering"} while another editor steers (E left out: a client
//                            that did not attach, which steers only while no editor does)
//   GET  /jobs/ID/frames     ?editor=E: the job's frames (remote/JobFrames.h: who steers, the snapshot,
//                            its probes only when they changed), application/octet-stream: each a 4-byte
//                            little-endian length and the frame, at most FRAME_RATE a second (one that
//                            answers a command at once) and only when the job's state changed; a
//                            zero-length frame every second without one (a keep-alive). E's stream open
//                            keeps its control. Counts against --max-viewers (503 beyond).
//   GET  /jobs/ID/dataset    encodeDataset of the data the job trains on now, its version
//                            (Snapshot::datasetVersion) in the DATASET_VERSION_HEADER; an upload's source
//                            is its id and file name, never its path on the server
// The job's session stays the server's: Pause, Resume and a ViewStep change the job's state as POST
// /jobs/ID/pause and /resume do (a Resume runs to the job's end step, never past it; a Step stops there
// too), and a frame's `running` is that state. Paths are the server's own: SaveCheckpoint and
// LoadCheckpoint are refused (GET /jobs/ID/checkpoint downloads the weights).
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "remote/ControlLease.h"
#include "remote/JobFrames.h"
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
  std::string state;          // "running", "paused", "done" or "stopped" (Server.h)
  std::uint64_t endStep = 0;  // where the job ends: no command runs it further
  std::string datasetSource;  // an upload's id and file name, not its path (empty: the dataset's own)
};

// What POST /jobs/ID/pause or /resume did: an error reply, or the sequence of the session's command that
// did it (a Pause, or a Resume to the job's end step).
struct StateChange {
  std::optional<Reply> refused;
  std::uint64_t sequence = 0;
};

// What the server lends these routes. Each is called on a request thread.
struct SessionRouteHooks {
  std::function<std::optional<AttachedJob>(const std::string& id)> find;  // none: no such job
  // "pause" or "resume", as POST /jobs/ID/pause|resume change the job's state and send its session's
  // command; an error reply when the job cannot (a done job resumed).
  std::function<StateChange(const std::string& id, const std::string& action)> changeState;
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
  // A job's editors and its frames, made on the first request that needs them.
  struct Channel {
    ControlLease lease;
    JobFrames frames;
  };
  std::shared_ptr<Channel> channel(const std::string& jobId);
  Steering steering(Channel& channel);

  SessionRouteHooks mHooks;
  std::mutex mMutex;  // guards mChannels
  std::map<std::string, std::shared_ptr<Channel>> mChannels;
};

}  // namespace nsb::remote
