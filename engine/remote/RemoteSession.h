#pragma once
// RemoteSession: a server's job (`serve`, remote/Server.h) as a train::Session, for `gui --attach`: the
// editor talks to it as to a LocalSession. Commands go out on a sender thread (POST /jobs/ID/commands,
// remote/Wire.h's JSON), so that the UI thread never waits on the network (a slider dragged over a slow
// link would stall every frame); they are numbered here, and the snapshots that come back are
// translated to these numbers (the server's count also holds its own Steps and checkpoints). A reader
// thread follows GET /jobs/ID/frames and publishes each decoded snapshot; a new dataset is fetched
// (GET /jobs/ID/dataset) before the first frame made with it is published. A dropped connection keeps
// the last frame, says so through link() and is tried again, every RETRY_MOST at most; commands sent
// meanwhile are refused with that line. The job trains on on the server. No shared device.
// Several editors on one job: each attaches as an editor of its own (POST /jobs/ID/editors, an id the
// server makes, kept across reconnections) and one steers (remote/ControlLease.h); the frames say which.
// While another steers, this one shows that editor's views and refuses commands here (the views' own
// requests wait for the control that takeControl() asks for; a viewer token never gets it).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "core/Result.h"
#include "remote/Client.h"
#include "remote/JobFrames.h"
#include "train/Session.h"

namespace nsb::remote {

struct AttachOptions {
  std::string url;  // http(s)://HOST:PORT, what `serve` printed
  std::string job;  // empty: the server's only job
  ClientOptions client;
  std::chrono::milliseconds firstFrame{20000};  // how long attach() waits for the job's first frame
};

class RemoteSession final : public train::Session {
 public:
  // Connects, checks the server's command and snapshot protocols against this build's (a mismatch is
  // bad input, one line), finds the job, and returns once its first frame and its dataset are here.
  static core::Result<std::unique_ptr<RemoteSession>> attach(const AttachOptions& options);
  // Stops both threads; waiters get Ended.
  ~RemoteSession() override;

  std::uint64_t submit(train::Command command) override;
  std::shared_ptr<const train::Snapshot> latest() const override;
  train::SyncStatus sync(std::chrono::milliseconds timeout = std::chrono::hours(24)) override;
  bool awaitApplied(std::uint64_t sequence, std::chrono::milliseconds timeout) override;
  train::VersionedDataset dataset() const override;
  train::SessionLink link() const override;
  void takeControl() override;

  const std::string& job() const { return mJob; }
  const std::string& presetName() const { return mPresetName; }
  // Connections made to the frame stream so far (1 once attached; more after reconnections).
  std::uint64_t connections() const;

  // The longest wait between two tries to reconnect.
  static constexpr std::chrono::milliseconds RETRY_MOST{2000};

 private:
  RemoteSession(std::string url, std::string job, std::string presetName, Client control, Client stream, Client data);
  void sendLoop();
  void readLoop();
  // One frame of the stream (empty: a keep-alive). False to end the stream.
  bool receive(std::string_view bytes);
  // Attaches this editor to the job (again, after a reconnection): the frames' path, or an error.
  core::Result<std::string> attachEditor();
  // Called with mMutex held: whether this editor steers, as the last frame or control reply said.
  bool steeringLocked() const;
  // Called with mMutex held: who steers now is `steering`; gaining control sends the views' requests.
  void steerLocked(Steering steering);
  // The connection broke: remembered for link(), and the commands the server has not answered refused.
  void lost(const std::string& why);
  // Called with mMutex held: the snapshot as the editor sees it (local sequence numbers, the dataset's
  // local version), after a frame or a local refusal.
  void publishLocked();
  // Called with mMutex held: command `local` refused here with `message`.
  void refuseLocked(std::uint64_t local, const std::string& message);

  const std::string mUrl, mJob, mPresetName;
  Client mControl, mStream, mData;  // one connection per thread: httplib's clients are not shared

  mutable std::mutex mMutex;  // guards everything below
  std::condition_variable mChanged;
  bool mStop = false;
  // A command on its way: numbered here, then by the server once posted.
  struct Sent {
    std::uint64_t local = 0;
    std::uint64_t server = 0;  // 0 until the server numbered it
    bool answered = false;
  };
  std::deque<std::pair<std::uint64_t, train::Command>> mOutbox;  // local 0: a replayed view request
  std::deque<Sent> mSent;
  std::uint64_t mNextLocal = 1, mAppliedLocal = 0;
  std::deque<train::Outcome> mOutcomes;  // translated, the last OUTCOMES_KEPT
  static constexpr std::size_t OUTCOMES_KEPT = 16;
  std::shared_ptr<const train::Snapshot> mServer;  // the last frame as decoded
  std::shared_ptr<const train::Snapshot> mLatest;  // as published
  train::VersionedDataset mDataset;
  std::uint64_t mServerDatasetVersion = 0;  // what mDataset is on the server; 0: fetch on the next frame
  // The views' requests (which heatmaps, which weight), sent again to a server that came back.
  std::optional<train::Command> mProbes, mWatch;
  std::string mEditor;   // this editor's id on the server; empty: a viewer token's, which never steers
  bool mViewer = false;  // the server refused this editor an id (403: a viewer token), learned once
  Steering mSteering;    // who steers the job
  bool mTakeControl = false;
  bool mConnected = false;
  std::uint64_t mConnections = 0;
  std::string mProblem;
  std::string mDropped;                      // why receive() ended a stream
  std::optional<core::Error> mFirstFailure;  // attach(): the first connection's failure
  std::thread mSender, mReader;
};

}  // namespace nsb::remote
