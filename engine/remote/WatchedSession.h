#pragma once
// WatchedSession: a server's job as the watch page draws it (remote/WatchPage.h). Its `running` is the
// job's state (set before the session's Resume or Pause applies; a job that reached its end is done).
// And a viewer must not see the server's file system: the data folder's path is taken out of the events
// and outcomes ("checkpoint /srv/data/jobs/ID/checkpoint.safetensors" reads "checkpoint
// jobs/ID/checkpoint.safetensors"). Its rate is the job's, as the server's supervisor saw it last, and an
// uploaded dataset's source is its upload id and file name, not its path on the server.
// The snapshot is copied once per snapshot of the job, the dataset once per version. Commands pass through.
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "train/Session.h"

namespace nsb::remote {

// The job as the server runs it.
struct WatchedJobState {
  bool running = false;
  double stepsPerSecond = 0.0;  // as the server's supervisor saw it last while running
};

class WatchedSession final : public train::Session {
 public:
  // `state`: the job's now (any thread). `hidden`: the data folder's path. `datasetSource`: what the
  // dataset's source reads (empty: the session's own).
  WatchedSession(std::shared_ptr<train::Session> session, std::function<WatchedJobState()> state, std::string hidden,
                 std::string datasetSource = {});

  std::uint64_t submit(train::Command command) override { return mSession->submit(std::move(command)); }
  std::shared_ptr<const train::Snapshot> latest() const override;
  train::SyncStatus sync(std::chrono::milliseconds timeout) override { return mSession->sync(timeout); }
  bool awaitApplied(std::uint64_t sequence, std::chrono::milliseconds timeout) override {
    return mSession->awaitApplied(sequence, timeout);
  }
  train::VersionedDataset dataset() const override;
  std::shared_ptr<const train::DeviceProbes> deviceProbes(std::uint64_t probeVersion) const override {
    return mSession->deviceProbes(probeVersion);
  }

  // `text` without `hidden` followed by a slash, wherever it is.
  static std::string withoutPath(std::string text, const std::string& hidden);

 private:
  std::shared_ptr<train::Session> mSession;
  std::function<WatchedJobState()> mState;
  std::string mHidden, mDatasetSource;
  mutable std::mutex mMutex;  // guards the four below
  mutable std::shared_ptr<const train::Snapshot> mSource, mShown;
  mutable std::uint64_t mDatasetVersion = 0;
  mutable std::shared_ptr<const data::Dataset> mDataset;
};

}  // namespace nsb::remote
