#include "remote/JobSupervisor.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/Log.h"
#include "remote/DiskQuota.h"
#include "train/Snapshot.h"

namespace nsb::remote {

using nlohmann::json;

namespace {

constexpr std::chrono::milliseconds SUPERVISOR_TICK{25};
// Frames a stream's status carries of the recent past.
constexpr std::size_t FRAME_POINTS = 8, FRAME_EVENTS = 8;

}  // namespace

JobSupervisor::JobSupervisor(const ServerConfig& config, DataFolder& folder, JobList jobs)
    : mConfig(config), mFolder(folder), mJobs(std::move(jobs)), mThread([this] { loop(); }) {}

JobSupervisor::~JobSupervisor() {
  stop();
  if (mThread.joinable()) mThread.join();
}

void JobSupervisor::wake() { mWake.notify_one(); }

void JobSupervisor::stop() {
  mStopping = true;
  mWake.notify_all();
}

void JobSupervisor::supervise(Job& job) {
  const auto snapshot = job.start.session->latest();
  std::lock_guard lock(job.mutex);
  if (job.removed) return;
  const auto& s = *snapshot;
  // A Reset or a Branch (an attached editor's) took the step back: a job that was done may run again
  // (a running one runs on: its session's Resume holds its end step).
  if (s.step < job.seenStep && !(s.timeline && s.timeline->viewed)) {
    if (job.state == "done" && s.step < job.start.endStep) setJobState(mFolder, job, "paused");
  }
  job.seenStep = s.step;
  // A running job's session runs by itself to the job's end step (setJobState's Resume). Its snapshots
  // from before that Resume applied say nothing of the run (an end reached before a Reset, the
  // divergence a Resume clears).
  if (job.state == "running" && s.appliedSequence >= job.steered) {
    job.stepsPerSecond = s.stepsPerSecond;
    bool end = s.step >= job.start.endStep;
    if (!s.history.empty()) {
      const auto& p = s.history.back();
      const double loss = std::isfinite(p.test.loss) ? p.test.loss : p.trainLoss;
      if (job.start.stopAtLoss && loss <= *job.start.stopAtLoss) end = true;
      if (job.start.stopAtAccuracy && std::isfinite(p.test.accuracy) && p.test.accuracy >= *job.start.stopAtAccuracy)
        end = true;
    }
    if (s.divergence) {
      setJobState(mFolder, job, "paused");  // the session paused itself; the status says why
    } else if (end) {
      setJobState(mFolder, job, "done");  // at the end step the session paused itself; a stop-at target's Pause
      job.lastCheckpoint = Clock::time_point{};
    }
  }
  // Checkpoints: one at a time, every checkpointSeconds while the step moves.
  if (job.pendingCheckpoint != 0 && s.appliedSequence >= job.pendingCheckpoint) {
    if (const auto* outcome = train::findOutcome(s, job.pendingCheckpoint); outcome && outcome->ok) {
      job.checkpointStep = outcome->step;
      job.hasCheckpoint = true;
    } else if (outcome) {
      core::log().warn("job {}: {}", job.id, outcome->message);
    }
    job.pendingCheckpoint = 0;
  }
  const double since = std::chrono::duration<double>(Clock::now() - job.lastCheckpoint).count();
  if (job.pendingCheckpoint == 0 && since >= mConfig.checkpointSeconds &&
      (!job.hasCheckpoint || s.step != job.checkpointStep)) {
    job.lastCheckpoint = Clock::now();
    const Room room = diskRoom(job, s);
    if (room == Room::All) {
      job.pendingCheckpoint = job.start.session->submit(train::SaveCheckpoint{mFolder.checkpointPath(job.id)});
    }
    if (room != Room::None) {
      if (auto written = mFolder.appendMetrics(job.id, s.history, job.metricsStep); written) {
        job.metricsStep = written.value();
      } else {
        core::log().warn("job {}: {}", job.id, written.message());
      }
    }
  }
  if (!s.history.empty()) job.lastMetric = metricPointJson(s.history.back());
  // Frames: one per new snapshot, shared by every viewer of the job.
  const bool frameDue = Clock::now() - job.lastFrame >= std::chrono::duration<double>(1.0 / mConfig.frameRate);
  if (frameDue && (snapshot != job.framed || job.state != job.framedState)) {
    job.lastFrame = Clock::now();
    job.framed = snapshot;
    job.framedState = job.state;
    json frame = job.status(s);
    json points = json::array(), events = json::array();
    for (std::size_t i = s.history.size() > FRAME_POINTS ? s.history.size() - FRAME_POINTS : 0; i < s.history.size();
         ++i) {
      points.push_back(metricPointJson(s.history[i]));
    }
    for (std::size_t i = s.events.size() > FRAME_EVENTS ? s.events.size() - FRAME_EVENTS : 0; i < s.events.size();
         ++i) {
      const auto& e = s.events[i];
      events.push_back({{"step", e.step}, {"what", e.what}, {"before", e.before}, {"after", e.after}});
    }
    frame["history"] = std::move(points);
    frame["recent_events"] = std::move(events);
    job.frame = std::make_shared<const std::string>(frame.dump());
    for (auto& viewer : job.viewers) viewer->offer(job.frame);
  }
}

JobSupervisor::Room JobSupervisor::diskRoom(Job& job, const train::Snapshot& s) {
  if (mConfig.uploads.maxDisk == 0) return Room::All;
  const std::uint64_t metricBytes = metricLines(s.history, job.metricsStep).size();
  auto room = checkRoom(mFolder.root(), mConfig.uploads.maxDisk, checkpointBytes(s.spec) + metricBytes,
                        "the checkpoint of step " + std::to_string(s.step) + " and its metrics");
  if (room) {
    job.diskFull.clear();
    return Room::All;
  }
  if (job.diskFull.empty()) core::log().warn("job {}: not saved: {}", job.id, room.message());
  job.diskFull = room.message();
  return checkRoom(mFolder.root(), mConfig.uploads.maxDisk, metricBytes, "") ? Room::MetricsOnly : Room::None;
}

void JobSupervisor::loop() {
  const auto period = SUPERVISOR_TICK;
  while (!mStopping) {
    for (const auto& job : mJobs()) supervise(*job);
    std::unique_lock lock(mMutex);
    mWake.wait_for(lock, period, [&] { return mStopping.load(); });
  }
}

}  // namespace nsb::remote
