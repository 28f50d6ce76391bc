#pragma once
// RaceSession: the Session of a race (train/Race.h) in this process: every replica trained in
// lockstep on a thread, the commands applied between two submits in the order sent, as LocalSession
// does for one network. Its snapshots describe the shown replica (ShowReplica) in the usual fields and
// every replica in Snapshot::race. The views' probes run on a CPU Trainer that never steps and holds the
// shown replica's weights (or, with a `minus` replica, both in turn: the probes are their difference),
// so the probes are always on the host. The session's work (SetSessionWork: the live landscape) runs on
// that trainer too, with a RaceContext: the race and each replica's path (RacePaths, kept here). Structural and data
// edits, backend switches and checkpoints are refused: a race compares optimizers on one network.
// Time travel (RaceSessionTimeline.cpp) keeps every replica's state at the same steps (RaceTimeline); a
// kept step shown (ViewStep) shows every replica as it was there (the live landscape too) while the race
// waits at its head, and a Branch puts the whole race back there as a new run.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "core/Timer.h"
#include "train/Probes.h"
#include "train/Race.h"
#include "train/RacePaths.h"
#include "train/RaceTimeline.h"
#include "train/Session.h"
#include "train/SessionMailbox.h"

namespace nsb::train {

class RaceSession final : public Session {
 public:
  // Creates the race and the views' trainer (on the calling thread, so errors come back here) and
  // starts the thread, `running` at `speed` steps a second (0: as fast as it can).
  static core::Result<std::unique_ptr<Session>> create(RaceConfig config, std::shared_ptr<const data::Dataset> dataset,
                                                       bool running, double speed = 0.0);
  ~RaceSession() override;

  std::uint64_t submit(Command command) override;
  std::shared_ptr<const Snapshot> latest() const override;
  SyncStatus sync(std::chrono::milliseconds timeout = std::chrono::hours(24)) override;
  bool awaitApplied(std::uint64_t sequence, std::chrono::milliseconds timeout) override;
  VersionedDataset dataset() const override;
  void holdTraining(std::chrono::steady_clock::time_point until) override;

 private:
  RaceSession(std::unique_ptr<Race> race, std::unique_ptr<Trainer> views, RaceTimeline timeline,
              VersionedDataset dataset, bool running, double speed);
  void loop();
  void publish(double stepsPerSecond);
  Outcome apply(std::uint64_t sequence, const Command& command);
  // Session thread: the probes of the shown replica (or the difference of two) run again.
  void refreshProbes();
  std::uint64_t pacedSteps();
  void record(std::string what, std::string before, std::string after);
  // RaceSessionTimeline.cpp, session thread: SetTimeline, ViewStep and Branch; keeping the step now when
  // due, or afresh (a reset, a replica added); and what snapshots show of a kept step shown.
  core::Status applyTimeline(const Command& command);
  void keepTimeline();
  void restartTimeline();
  // Every replica's kept state at the step shown (ViewStep), in order; none at the head.
  std::optional<std::vector<const TimelineState*>> viewedStates() const;
  void leaveView();                                               // back to the head (the views show it again)
  std::vector<float> shownParameters(std::size_t replica) const;  // at the step shown, or now
  std::shared_ptr<const TimelineSummary> timelineSummary();

  std::unique_ptr<Race> mRace;      // touched only by the session thread after start
  std::unique_ptr<Trainer> mViews;  // never steps: the probes' network
  ProbeSchedule mProbes;
  std::shared_ptr<const ProbeSet> mShownProbes;  // what snapshots carry: the race's step, the shown weights
  bool mProbesStale = true;
  core::Timer mProbeTimer;
  std::size_t mShown = 0;
  std::optional<std::size_t> mMinus;
  std::vector<Event> mEvents;
  RacePaths mPaths;                                         // session thread only
  RaceTimeline mTimeline;                                   // session thread only
  std::optional<std::uint64_t> mViewed;                     // the kept step shown (ViewStep); none: the head
  std::shared_ptr<const TimelineSummary> mTimelineSummary;  // the last published
  std::shared_ptr<SessionWork> mWork;                       // SetSessionWork; session thread only

  SessionMailbox mMailbox;
  const VersionedDataset mDataset;
  std::atomic<bool> mStop{false};
  bool mRunning = false;
  bool mDeviceFailed = false;
  std::uint64_t mPendingSteps = 0;
  double mSpeed = 0.0;
  double mBudget = 0.0;
  core::Timer mPaceTimer;
  std::atomic<std::chrono::steady_clock::rep> mHoldUntil{0};
  static constexpr double SUBMIT_SECONDS = 0.010;  // as LocalSession: a command waits at most about this long
  double mSecondsPerStep = 0.0;
  std::uint64_t mRun = 1;
  std::uint64_t mAppliedSequence = 0;
  std::deque<Outcome> mOutcomes;
  static constexpr std::size_t OUTCOMES_KEPT = 16;
  std::optional<std::uint64_t> mUntilStep;  // Resume::untilStep while running
  std::thread mThread;
};

}  // namespace nsb::train
