#pragma once
// Server: `neural-sandbox serve`, training jobs over HTTP (cpp-httplib). Each job is a train::Session
// as the editor uses one, made by the serve command from a JobSpec; the server steers it through
// Session::submit only. Routes (JSON in and out, every error {"error": "one line"} with its 4xx/5xx):
//   GET    /version                 protocol versions
//   POST   /jobs                    create a job from a JobSpec: 201 {"job": ID, ...status}; 507 when
//                                   its uploaded dataset or its network does not fit the memory budget
//   GET    /jobs                    {"jobs": [status...]}
//   GET    /jobs/ID                 status
//   POST   /jobs/ID/pause|resume|stop
//   POST   /jobs/ID/hyperparams     a live edit (JobSpec.h: parseHyperparamEdit)
//   GET    /jobs/ID/checkpoint      the job's weights now (safetensors), saved over its checkpoint in the
//                                   data folder first: 507 when that would pass --max-disk
//   GET    /jobs/ID/metrics         the metric history kept in the data folder
//   GET    /jobs/ID/stream          Server-Sent Events: one frame (status + recent metrics and events)
//                                   at most frameRate times a second and maxRate bytes a second (a
//                                   capped viewer skips frames); 503 beyond maxViewers streams
//   DELETE /jobs/ID                 the job and its folder
//   POST   /jobs/ID/eval            {"dataset": NAME or ID}: eval --json's fields for the job's weights now
//                                   (saved as for /checkpoint: 507 past --max-disk)
//   POST   /jobs/ID/editors         an attached editor's id; which one steers (remote/SessionRoutes.h: the
//   POST   /jobs/ID/control         routes `gui --attach` uses): an editor takes control; its command:
//   POST   /jobs/ID/commands        {"sequence": N}, 409 while another steers; the job's frames (binary
//   GET    /jobs/ID/frames          snapshots, remote/JobFrames.h); the data it trains on (remote/Wire.h)
//   GET    /jobs/ID/dataset
//   POST   /datasets                an upload (multipart/form-data, remote/Uploads.h): 201 {"dataset": ID, ...}
//   GET    /datasets                {"datasets": [...]}
//   DELETE /datasets/ID             an upload no job uses
// Every request passes one gate first (Server.cpp: gate): the protocol header, the token's role
// (remote/Access.h: 401 without a valid token, 403 for a viewer steering) and the size of a body.
// Threads: one pool of maxViewers + CONTROL_THREADS (Server::new_task_queue) instead of httplib's
// default, so that at most maxViewers streams hold a thread and control requests keep the rest; one
// supervisor thread (remote/JobSupervisor.h) queues a running job's steps, publishes frames and writes
// checkpoints every checkpointSeconds. Each viewer has one latest-frame slot (remote/JobStream.h): a
// slow client only ever misses frames, it never blocks a job or another viewer. The pages for a browser (GET /, and GET
// /jobs/ID asking for text/html): remote/WatchPage.h. Tokens and roles: remote/Access.h; TLS: ServerConfig.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/Result.h"
#include "nn/Checkpoint.h"
#include "remote/Access.h"
#include "remote/JobSpec.h"
#include "remote/MemoryGate.h"
#include "remote/Uploads.h"
#include "remote/WatchPage.h"
#include "train/Session.h"

namespace nsb::remote {

// The wire protocol's version (with the snapshot's and the commands', GET /version).
constexpr std::uint32_t REMOTE_PROTOCOL = 2;  // 2: editors, control and JobFrames

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8470;  // 0: a free port chosen by the system (Server::port says which)
  std::string dataDir = "neural-sandbox-data";
  std::size_t maxViewers = 8;  // streams at once, all jobs together
  std::size_t maxJobs = 16;
  double checkpointSeconds = 10.0;  // a kill -9 loses at most this much training
  double frameRate = 10.0;          // frames a second on each stream
  std::uint64_t maxRate = 0;        // bytes a second on each stream (remote/RateLimit.h); 0: unlimited
  UploadLimits uploads;
  MemoryGate memory;            // checked before an upload or a job is accepted (remote/MemoryGate.h)
  Tokens tokens;                // no owner token: every request is the owner's (loopback only)
  std::string tlsCert, tlsKey;  // PEM files; both given: HTTPS
  double watchFps = 2.0;        // the watch page's frames a second (remote/WatchPage.h)
  PainterFactory painter;       // draws them; empty: the page shows the curves only
};

// A job's session, made paused, and the run's limits (as `train` computes them from the same flags): a
// running job's session runs by itself to endStep and pauses there (train::Resume::untilStep).
struct JobStart {
  std::shared_ptr<train::Session> session;  // shared with the watch page's painter
  std::uint64_t endStep = 0;
  std::optional<double> stopAtLoss, stopAtAccuracy;
  std::string presetName;
  // Written into a downloaded checkpoint's "extra" (what `train --save` writes: preset, features,
  // epochs), so that `eval` and `train --resume` read it as one of theirs.
  nlohmann::json checkpointExtra = nlohmann::json::object();
};
// Called on a request thread (or at start for the data folder's jobs, with `history`: the job's metric
// points up to its checkpoint, from the data folder, for its session to start with; empty for a new job).
// Bad input: the request is refused with 400 and the message (a network too large for the memory
// budget is bad input).
using JobFactory = std::function<core::Result<JobStart>(const JobSpec&, std::vector<train::MetricPoint> history)>;
// Evaluates a checkpoint on a dataset's test split (a catalog name or a file; empty: the checkpoint's
// own) on a backend: eval --json's fields. Called on a request thread.
using Evaluator = std::function<core::Result<nlohmann::json>(const nn::Checkpoint&, const std::string& dataset,
                                                             const std::string& backend)>;

class Server {
 public:
  // Opens the data folder, resumes its jobs from their checkpoints and binds the address; serving
  // starts with run(). Bad input: a bad --bind, a port taken, a data folder that cannot be made.
  static core::Result<std::unique_ptr<Server>> create(const ServerConfig& config, JobFactory factory,
                                                      Evaluator evaluator = {});
  ~Server();

  int port() const;
  // Serves until stop() (any thread) is called.
  core::Status run();
  void stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> mImpl;
};

}  // namespace nsb::remote
