#pragma once
// Session: how other threads (the editor, tests, later a remote client) talk to training: commands go
// in with submit(), immutable Snapshots come out of latest(). Snapshots hold values only, so that a
// session in another process could send them; what they no longer carry comes through the session:
// the dataset by version, and, for a local session on the renderer's device, the probe results left
// there. LocalSession (train/LocalSession.h) runs a Trainer on a thread of this process.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "compute/Backend.h"
#include "data/Dataset.h"
#include "train/Command.h"
#include "train/Snapshot.h"

namespace nsb::train {

// What sync() saw.
enum class SyncStatus {
  Synced,    // every command submitted before the call was applied (or refused) and published
  TimedOut,  // the timeout passed first; the session goes on
  Ended,     // the session ended first (destroyed, or a remote one lost); no snapshot will follow
};

const char* syncStatusName(SyncStatus status);

// The data a session trains on now, and its version (Snapshot::datasetVersion names the one a
// snapshot was made with). A version names one dataset for the life of the process.
struct VersionedDataset {
  std::uint64_t version = 0;
  std::shared_ptr<const data::Dataset> dataset;
};
// Any thread. A new dataset version, numbered across every session of the process, so that an editor
// that outlives its session (another preset opened) never takes the new session's first dataset for
// the old one's.
std::uint64_t nextDatasetVersion();

// Probe results left on the device (Vulkan on the renderer's VkDevice): no host copy, a local side
// channel that a remote session never opens. The buffer was written before the ProbeSet of `version`
// was published (the session waited for the device; a render submit also waits for the compute
// timeline to reach `buffer.ready`) and is not written again while this handle or that ProbeSet is
// alive: a renderer holds the handle until its frames that read the buffer have finished. `keepAlive`
// keeps the buffer (and its backend) alive after a rebuild, a backend switch or the session's end.
struct DeviceProbes {
  std::uint64_t version = 0;  // ProbeSet::version
  compute::NativeBuffer buffer;
  std::shared_ptr<const void> keepAlive;
};

// Where a session trains, for the editor's toolbar: `where` is empty for this process's own sessions;
// a remote one names its server and job, and says when the connection is down.
struct SessionLink {
  std::string where;
  bool connected = true;
  std::string problem;  // while not connected: what failed and what happens next
  // A job with several editors attached steers from one of them: this one, or `steeredBy` (empty:
  // nobody) while this one watches. Session::takeControl() asks for it.
  bool steering = true;
  std::string steeredBy;
  // Attached with a viewer token (the server's answer said so, once): it never steers, nor asks to.
  bool viewer = false;
};

class Session {
 public:
  virtual ~Session() = default;

  // Any thread. Returns the command's sequence number (1, 2, ...): its Outcome in a later snapshot
  // carries it, and Snapshot::appliedSequence reaches it once it has been applied or refused.
  virtual std::uint64_t submit(Command command) = 0;
  // Any thread. Never null.
  virtual std::shared_ptr<const Snapshot> latest() const = 0;
  // Any thread. Waits until every command submitted before this call has been applied (and the steps
  // it asked for run) and a snapshot published.
  virtual SyncStatus sync(std::chrono::milliseconds timeout = std::chrono::hours(24)) = 0;
  // Any thread. Waits until a published snapshot answers command `sequence` (its appliedSequence
  // reaches it): true then, false on timeout or when the session ended. Unlike sync() it does not wait
  // for the steps still queued or for the probes a full publish runs again, so a frame can show a
  // Pause or a Reset as soon as the session has taken it.
  virtual bool awaitApplied(std::uint64_t sequence, std::chrono::milliseconds timeout) = 0;
  // Any thread. The dataset trained on now; fetch it again when a snapshot's datasetVersion differs
  // from the version fetched.
  virtual VersionedDataset dataset() const = 0;
  // Any thread. The user acts on the editor (a click, a key): training stands aside until `until`, so
  // that the frames that answer have the machine (see LocalSession). Commands still apply at once.
  virtual void holdTraining(std::chrono::steady_clock::time_point until) { (void)until; }
  // Any thread. The device buffer of ProbeSet `probeVersion` when its results are on the renderer's
  // device (ProbeSet::onDevice) and that ProbeSet is still held by someone (the caller's snapshot);
  // null otherwise, and always for a session without a shared device.
  virtual std::shared_ptr<const DeviceProbes> deviceProbes(std::uint64_t probeVersion) const {
    (void)probeVersion;
    return nullptr;
  }
  // Any thread. Where the session trains (see SessionLink).
  virtual SessionLink link() const { return {}; }
  // Any thread. A session that only watches (SessionLink::steering) asks to steer; link() tells when it does.
  virtual void takeControl() {}

 protected:
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

}  // namespace nsb::train
