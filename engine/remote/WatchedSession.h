#pragma once
// WatchedSession: a server's job as the watch page draws it (remote/WatchPage.h). The server keeps a
// running job's session paused and runs it by Step commands (Server.h), so its snapshot says "not
// running" and the page's toolbar would offer Play: here `running` is the job's state. And a viewer
// must not see the server's file system: the data folder's path is taken out of the events and outcomes
// ("checkpoint /srv/data/jobs/ID/checkpoint.safetensors" reads "checkpoint jobs/ID/checkpoint.safetensors").
// The snapshot is copied once per snapshot of the job, not per call. Commands pass through.
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "train/Session.h"

namespace nsb::remote {

class WatchedSession final : public train::Session {
 public:
  // `running`: whether the server runs the job now (any thread). `hidden`: the data folder's path.
  WatchedSession(std::shared_ptr<train::Session> session, std::function<bool()> running, std::string hidden);

  std::uint64_t submit(train::Command command) override { return mSession->submit(std::move(command)); }
  std::shared_ptr<const train::Snapshot> latest() const override;
  train::SyncStatus sync(std::chrono::milliseconds timeout) override { return mSession->sync(timeout); }
  bool awaitApplied(std::uint64_t sequence, std::chrono::milliseconds timeout) override {
    return mSession->awaitApplied(sequence, timeout);
  }
  train::VersionedDataset dataset() const override { return mSession->dataset(); }
  std::shared_ptr<const train::DeviceProbes> deviceProbes(std::uint64_t probeVersion) const override {
    return mSession->deviceProbes(probeVersion);
  }

  // `text` without `hidden` followed by a slash, wherever it is.
  static std::string withoutPath(std::string text, const std::string& hidden);

 private:
  std::shared_ptr<train::Session> mSession;
  std::function<bool()> mRunning;
  std::string mHidden;
  mutable std::mutex mMutex;  // guards the two below
  mutable std::shared_ptr<const train::Snapshot> mSource, mShown;
};

}  // namespace nsb::remote
