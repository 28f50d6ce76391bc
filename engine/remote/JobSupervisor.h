#pragma once
// JobSupervisor: the server's one thread that watches its jobs. A running job's session runs by itself
// to the job's end step (setJobState's Resume, remote/ServerJob.h) and pauses there, exactly as `train`
// ends; the supervisor marks it done there or at its stop-at target (a Pause), writes its checkpoint and
// metrics into the data folder every checkpointSeconds (within --max-disk) and publishes its frames to
// the viewers of its stream (remote/JobStream.h) at most frameRate times a second.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "remote/DataFolder.h"
#include "remote/Server.h"
#include "remote/ServerJob.h"

namespace nsb::remote {

class JobSupervisor {
 public:
  // The server's jobs now, asked every tick.
  using JobList = std::function<std::vector<std::shared_ptr<Job>>()>;

  // Starts the thread. `config` and `folder` outlive the supervisor.
  JobSupervisor(const ServerConfig& config, DataFolder& folder, JobList jobs);
  ~JobSupervisor();  // stops and joins

  // A job's state changed: look at the jobs now rather than at the next tick.
  void wake();
  // Asks the thread to end (any thread); the destructor waits for it.
  void stop();

 private:
  void loop();
  void supervise(Job& job);
  // --max-disk (remote/DiskQuota.h): whether the checkpoint due and the metric points since the last
  // fit; when both do not, the points alone may. What does not fit is not written: the job trains on
  // (tried again every checkpointSeconds), says why once in the log and in its status ("disk"), and
  // keeps its last whole checkpoint. Called with the job's mutex held.
  enum class Room { All, MetricsOnly, None };
  Room diskRoom(Job& job, const train::Snapshot& s);

  const ServerConfig& mConfig;
  DataFolder& mFolder;
  JobList mJobs;
  std::atomic<bool> mStopping{false};
  std::mutex mMutex;
  std::condition_variable mWake;
  std::thread mThread;  // last: started once the members above are
};

}  // namespace nsb::remote
