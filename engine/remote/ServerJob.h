#pragma once
// ServerJob: a training job as the server holds it: its session and limits (JobStart), its state, the
// bookkeeping of its checkpoints, metrics and frames, and the viewers of its stream. Server.cpp makes
// and steers jobs, remote/JobSupervisor.h runs them, remote/JobStream.h streams their frames.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "remote/DataFolder.h"
#include "remote/JobSpec.h"
#include "remote/RateLimit.h"
#include "remote/Server.h"
#include "train/Snapshot.h"

namespace nsb::remote {

using Clock = std::chrono::steady_clock;

// One stream's slot: the latest frame it has not sent yet. The supervisor overwrites it; the stream's
// thread takes it.
struct Viewer {
  std::mutex mutex;
  std::condition_variable changed;
  std::shared_ptr<const std::string> frame;
  bool closed = false;
  RateLimit limit;  // used by the stream's thread only

  explicit Viewer(std::uint64_t maxRate) : limit(maxRate) {}

  void offer(std::shared_ptr<const std::string> next) {
    {
      std::lock_guard lock(mutex);
      frame = std::move(next);
    }
    changed.notify_one();
  }
  void close() {
    {
      std::lock_guard lock(mutex);
      closed = true;
    }
    changed.notify_one();
  }
};

struct Job {
  std::string id;
  JobSpec spec;
  JobStart start;
  // What a client is told the dataset came from: an upload by its id and file name, never its path on
  // this server; empty: the dataset's own (a catalog's). Set once, when the job is made.
  std::string datasetSource;
  std::mutex mutex;  // guards everything below
  std::string state = "paused";
  std::uint64_t checkpointStep = 0;
  bool hasCheckpoint = false;
  std::uint64_t pendingCheckpoint = 0;  // the SaveCheckpoint's sequence while it is queued
  Clock::time_point lastCheckpoint = Clock::now();
  std::uint64_t metricsStep = 0;  // the last metric point written to the data folder
  std::optional<nlohmann::json> lastMetric;
  std::uint64_t steered = 0;    // the sequence of the session's command that matches the state (setJobState)
  std::uint64_t seenStep = 0;   // the step of the snapshot the supervisor saw last
  double stepsPerSecond = 0.0;  // the session's, as the supervisor saw it last
  std::shared_ptr<const train::Snapshot> framed;  // the snapshot and state of the last frame
  std::string framedState;
  Clock::time_point lastFrame{};
  std::shared_ptr<const std::string> frame;
  std::vector<std::shared_ptr<Viewer>> viewers;
  bool removed = false;  // DELETE took it out of the server: the supervisor leaves it alone
  std::string diskFull;  // why the last checkpoint due was not written (--max-disk); empty when it was

  // The job as status and frames show it. Called with the mutex held.
  nlohmann::json status(const train::Snapshot& s) const;
};

// Sets the job's state, writes it into its folder (state.json), so that a restarted server resumes the
// job as it was, and sends its session the command that matches: "running" a Resume to the job's end
// step (the session pauses itself there, exactly as `train` ends), any other state a Pause. Sent under
// the mutex, so that two requests cannot leave the state and the session apart; nothing is queued
// before a Pause but the commands sent before it. The command's sequence (also in `steered`). Called
// with the job's mutex held.
std::uint64_t setJobState(DataFolder& folder, Job& job, const std::string& state);

}  // namespace nsb::remote
