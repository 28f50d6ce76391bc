#pragma once
// SessionMailbox: what a session's own thread shares with the threads that use it (train/Session.h): the
// numbered command queue, the latest snapshot and the waits on it. LocalSession and RaceSession each hold
// one, so that the rules of sync() and awaitApplied() live in one place.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "core/ThreadQueue.h"
#include "train/Command.h"
#include "train/Session.h"
#include "train/Snapshot.h"

namespace nsb::train {

class SessionMailbox {
 public:
  // The users' side, as Session says.
  std::uint64_t submit(Command command);
  std::shared_ptr<const Snapshot> latest() const;
  SyncStatus sync(std::chrono::milliseconds timeout);
  bool awaitApplied(std::uint64_t sequence, std::chrono::milliseconds timeout);

  // The session thread's side. A session publishes its first snapshot before anyone can call latest().
  std::optional<std::pair<std::uint64_t, Command>> tryPop() { return mCommands.tryPop(); }
  // Waits up to `timeout` for a command, without taking it.
  void waitForCommand(std::chrono::milliseconds timeout) { mCommands.waitFor(timeout); }
  // The new latest snapshot; wakes the awaitApplied() calls it answers.
  void publish(std::shared_ptr<const Snapshot> snapshot);
  // Every command up to `sequence` is applied, its steps have run and what they did is published: wakes
  // the sync() calls that waited for it. Call after the publish, so that sync() never returns on a
  // snapshot about to be replaced.
  void synced(std::uint64_t sequence);
  // The session's destructor, after its thread stopped: every waiter returns (sync: Ended) and this
  // waits until they have left, so that nothing they read goes first.
  void end();

 private:
  core::ThreadQueue<std::pair<std::uint64_t, Command>> mCommands;
  mutable std::mutex mMutex;
  std::condition_variable mChanged;
  std::shared_ptr<const Snapshot> mSnapshot;  // the rest guarded by mMutex too
  std::uint64_t mSubmitted = 0, mSynced = 0;
  bool mEnded = false;
  std::size_t mWaiters = 0;  // sync() and awaitApplied() calls in progress
};

}  // namespace nsb::train
