#include "train/SessionMailbox.h"

namespace nsb::train {

std::uint64_t SessionMailbox::submit(Command command) {
  // Numbered and queued under one lock, so that the queue's order is the numbers' order.
  std::lock_guard lock(mMutex);
  const std::uint64_t sequence = ++mSubmitted;
  mCommands.push({sequence, std::move(command)});
  return sequence;
}

std::shared_ptr<const Snapshot> SessionMailbox::latest() const {
  std::lock_guard lock(mMutex);
  return mSnapshot;
}

SyncStatus SessionMailbox::sync(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mMutex);
  const std::uint64_t target = mSubmitted;
  ++mWaiters;
  mChanged.wait_for(lock, timeout, [&] { return mSynced >= target || mEnded; });
  const SyncStatus status = mSynced >= target ? SyncStatus::Synced : mEnded ? SyncStatus::Ended : SyncStatus::TimedOut;
  // The last waiter to leave lets end() go on.
  if (--mWaiters == 0 && mEnded) mChanged.notify_all();
  return status;
}

bool SessionMailbox::awaitApplied(std::uint64_t sequence, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mMutex);
  ++mWaiters;
  const bool answered = mChanged.wait_for(lock, timeout, [&] {
    return mSnapshot->appliedSequence >= sequence || mEnded;
  }) && mSnapshot->appliedSequence >= sequence;
  if (--mWaiters == 0 && mEnded) mChanged.notify_all();
  return answered;
}

void SessionMailbox::publish(std::shared_ptr<const Snapshot> snapshot) {
  {
    std::lock_guard lock(mMutex);
    mSnapshot = std::move(snapshot);
  }
  mChanged.notify_all();
}

void SessionMailbox::synced(std::uint64_t sequence) {
  {
    std::lock_guard lock(mMutex);
    mSynced = sequence;
  }
  mChanged.notify_all();
}

void SessionMailbox::end() {
  std::unique_lock lock(mMutex);
  mEnded = true;
  mChanged.notify_all();
  mChanged.wait(lock, [&] { return mWaiters == 0; });
}

}  // namespace nsb::train
