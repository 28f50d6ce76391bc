#pragma once
// LocalSession: the Session (train/Session.h) of this process, a Trainer on its own thread. Other
// threads talk to it only through the Session interface; commands are applied between two submits
// of the backend, in the order sent, and never wait behind training: a running session trains at a
// rate (SetSpeed) and drops the steps it cannot make, and each submit is short (at most
// TrainerConfig::stepsPerSubmit steps, and while running at most SUBMIT_SECONDS of them). When the probes run again,
// and which device slot they are written to, is its ProbeSchedule's business (train/Probes.h).
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "core/Timer.h"
#include "train/Probes.h"
#include "train/Session.h"
#include "train/SessionMailbox.h"
#include "train/Snapshot.h"
#include "train/Trainer.h"

namespace nsb::train {

class LocalSession final : public Session {
 public:
  // Creates the trainer (on the calling thread, so errors come back here) and starts the thread.
  // `running` at `speed` steps a second (0: as fast as it can). Device probes are handed out when the
  // config's backend options carry the renderer's Vulkan context and training runs on it.
  static core::Result<std::unique_ptr<Session>> create(TrainerConfig config,
                                                       std::shared_ptr<const data::Dataset> dataset, bool running,
                                                       double speed = 0.0);
  // Stops the thread; a sync() waiting on another thread returns Ended before the session goes.
  ~LocalSession() override;

  std::uint64_t submit(Command command) override;
  std::shared_ptr<const Snapshot> latest() const override;
  SyncStatus sync(std::chrono::milliseconds timeout = std::chrono::hours(24)) override;
  bool awaitApplied(std::uint64_t sequence, std::chrono::milliseconds timeout) override;
  VersionedDataset dataset() const override;
  std::shared_ptr<const DeviceProbes> deviceProbes(std::uint64_t probeVersion) const override;
  // No submit starts before `until` while running (queued Steps still run): on 2 cores training at
  // max speed took a core from the frames, and a frame that answers a click took 100-200 ms on
  // lavapipe instead of 40. A Resume ends the hold: training is what it asks for.
  void holdTraining(std::chrono::steady_clock::time_point until) override;

 private:
  LocalSession(std::unique_ptr<Trainer> trainer, bool running, double speed);
  void loop();
  // Which probes a snapshot carries: run again where due, or the last ones - none when those were run
  // on another network shape (the views draw what needs none until the new shape's probes have run).
  enum class ProbeUse { Refresh, Last };
  // False when the probes were left stale for their rate (SetProbes::everySeconds): publish again.
  bool publish(double stepsPerSecond, ProbeUse probes = ProbeUse::Refresh);
  // Applies one command on the session thread.
  Outcome apply(std::uint64_t sequence, const Command& command);
  // The steps to run now while running: all a submit holds at full speed, else what the clock allows.
  std::uint64_t pacedSteps();
  // Once per device failure (Trainer::status): stops stepping, saves the weights kept on the host when
  // the device is lost, and queues a Pause whose outcome carries the one-line error to the editor.
  void stopOnDeviceError();

  std::unique_ptr<Trainer> mTrainer;  // touched only by the session thread after start
  SessionMailbox mMailbox;
  mutable std::mutex mDatasetMutex;
  VersionedDataset mDataset;  // what the latest snapshot was made with (or the next one will be)
  std::atomic<bool> mStop{false};
  bool mRunning = false;
  std::atomic<std::uint64_t> mPendingSteps{0};
  double mSpeed = 0.0;   // steps a second while running; 0: as fast as it can
  double mBudget = 0.0;  // steps the clock allows now at mSpeed (at most a tenth of a second's worth)
  core::Timer mPaceTimer;
  std::atomic<std::chrono::steady_clock::rep> mHoldUntil{0};  // holdTraining(), in steady_clock ticks
  // While running, a submit holds the steps that fit in SUBMIT_SECONDS at the measured time a step
  // takes: a command waits at most that long for the submit in flight (on lavapipe beside other work
  // 16 spiral steps took up to 165 ms).
  static constexpr double SUBMIT_SECONDS = 0.010;
  double mSecondsPerStep = 0.0;  // moving average over submits; 0 until measured
  // After a command answered on the renderer's device, the probes wait this long (see loop()): about a
  // frame on lavapipe, so that the frame showing the answer is not queued behind them.
  static constexpr double PROBE_HOLD_SECONDS = 0.05;
  bool mProbesHeld = false;
  nn::ModelSpec mProbedSpec;  // the network the last probes ran on
  core::Timer mProbeHold;
  std::uint64_t mRun = 1;
  std::uint64_t mAppliedSequence = 0;
  std::deque<Outcome> mOutcomes;  // the last OUTCOMES_KEPT
  static constexpr std::size_t OUTCOMES_KEPT = 16;
  std::optional<Divergence> mDivergence;
  bool mDeviceFailed = false;          // the trainer's device failed and stopOnDeviceError() ran
  std::uint64_t mFailureSequence = 0;  // the Pause that reports it
  std::string mFailureMessage;
  std::uint64_t mDivergences = 0;
  ProbeSchedule mProbes;  // session thread only
  std::shared_ptr<const TestPredictions> mPredictions;
  std::shared_ptr<const std::vector<HistogramPoint>> mHistograms;
  std::shared_ptr<const TimelineSummary> mTimeline;  // the last published
  std::shared_ptr<SessionWork> mWork;                // SetSessionWork; session thread only
  std::optional<std::uint64_t> mUntilStep;           // Resume::untilStep while running
  std::thread mThread;
};

}  // namespace nsb::train
