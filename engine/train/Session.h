#pragma once
// Session: a Trainer on its own thread. Other threads talk to it only through submit(Command) and
// read latest(); commands are applied between two submits of the backend.
#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/ThreadQueue.h"
#include "core/Timer.h"
#include "train/Snapshot.h"
#include "train/Trainer.h"

namespace nsb::train {

class Session {
public:
  // Creates the trainer (on the calling thread, so errors come back here) and starts the thread.
  static core::Result<std::unique_ptr<Session>> create(TrainerConfig config, std::shared_ptr<const data::Dataset> dataset,
                                                       bool running);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Any thread.
  void submit(Command command);
  std::shared_ptr<const Snapshot> latest() const;
  // Waits until every command submitted before this call has been applied and a snapshot published.
  void sync();

private:
  explicit Session(std::unique_ptr<Trainer> trainer, bool running);
  void loop();
  void publish(double stepsPerSecond);
  void applyProbes(const SetProbes& probes);
  void refreshProbes();

  std::unique_ptr<Trainer> mTrainer;  // touched only by the session thread after start
  core::ThreadQueue<std::pair<std::uint64_t, Command>> mCommands;
  mutable std::mutex mSnapshotMutex;
  std::shared_ptr<const Snapshot> mSnapshot;
  std::condition_variable mApplied;
  std::uint64_t mSubmitted = 0, mAppliedCount = 0;  // guarded by mSnapshotMutex
  std::atomic<bool> mStop{false};
  bool mRunning = false;
  std::atomic<std::uint64_t> mPendingSteps{0};
  std::string mStatus;
  // Probes (session thread only): how many are published, and whether they are stale.
  std::size_t mProbeCount = 0;
  bool mProbesDirty = false;
  std::shared_ptr<const ProbeSet> mProbes;
  // Device probe slots (Vulkan on the renderer's device): the ProbeSet that reads each slot (the slot
  // is written again only once it is gone), and every slot published, held until nobody else holds
  // it, so that while the session runs the last release is on its thread, never the renderer's.
  static constexpr std::size_t HOST_PROBE_BYTES = 16 * 1024;
  std::array<std::weak_ptr<const ProbeSet>, Trainer::PROBE_SLOTS> mSlotReaders;
  std::vector<std::shared_ptr<const Trainer::ProbeSlot>> mSlotsHeld;
  std::size_t mLastSlot = 0;
  std::shared_ptr<const TestPredictions> mPredictions;
  std::shared_ptr<const std::vector<HistogramPoint>> mHistograms;
  core::Timer mProbeTimer;       // since the last run of every probe
  double mProbeSeconds = 0.0;    // what that run took
  core::Timer mSmallProbeTimer;  // since the last run of the small ones
  static constexpr std::size_t LARGE_PROBE_ROWS = 16384;  // the output view's 256x256 grid is large
  std::thread mThread;
};

}  // namespace nsb::train
