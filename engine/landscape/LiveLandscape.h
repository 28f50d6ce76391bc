#pragma once
// LiveLandscape: the editor's loss landscape while training. The grid of data losses around the
// weights now, on the fixed evaluation batch (the first `rows` samples of the test split, in file
// order), on a plane of filter-normalised random directions or the trajectory's principal plane (the
// timeline's kept steps, with the path and its distance from the plane); for a network of exactly two
// parameters the plane of the two parameters, which makes the grid the exact surface. In a race
// (train::RaceContext) the centre is the shown replica's weights and every replica's path is drawn on
// the trajectory plane of the shown one's; the grid is computed on the views' (CPU) trainer. It runs on the
// session thread as its SessionWork (train/SessionWork.h): a refresh every `every` steps, computed a
// chunk of grid points per piece, the chunk sized from the last refresh's time per point so that a
// piece takes about PIECE_SECONDS and a command (Pause, an edit) never waits long behind it.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/Timer.h"
#include "landscape/LossGrid.h"
#include "landscape/TrajectoryPlane.h"
#include "train/SessionWork.h"

namespace nsb::landscape {

enum class PlaneKind { Random, Trajectory };

struct LiveSettings {
  bool enabled = true;
  std::size_t points = DEFAULT_GRID;  // per side, odd
  // Random plane: alpha and beta in [-span, span] of the filter-normalised directions. Trajectory
  // plane: span times the path's extent on the plane (1: the farthest kept step sits at the border).
  float span = 1.0f;
  std::uint64_t every = 100;  // steps between refreshes while training
  std::size_t rows = 256;     // the evaluation batch
  PlaneKind plane = PlaneKind::Random;
  std::uint64_t seed = 1;  // the random directions'
};

// A race replica's path on the trajectory plane: its kept steps, then its weights now (the last point,
// whose distance is how far the replica is from the plane; the shown replica's is the centre, 0).
struct ReplicaPlanePath {
  std::uint64_t id = 0;  // Race::id: the replica's colour
  std::vector<PlanePoint> points;
  std::vector<std::uint64_t> steps;
};

// A finished refresh. Either a grid or an error saying why there is none (a trajectory of fewer than
// two kept steps, a batch that does not fit): the editor shows it.
struct LiveResult {
  std::uint64_t version = 0;             // grows with every result
  std::uint64_t step = 0;                // the weights' step
  LiveSettings settings;                 // what it was computed with
  bool exact = false;                    // two parameters: the grid is the exact surface around them
  Grid grid;                             // grid.span is the span used (the trajectory plane's is fitted to the path)
  std::vector<PlanePoint> path;          // trajectory plane: the kept steps' points, ascending steps
  std::vector<std::uint64_t> pathSteps;  // their steps
  double explained[2] = {};              // trajectory plane: the variance along each direction
  // A race on the trajectory plane: every replica's path on the plane of the shown one's (whose kept
  // steps are `path`), in the race's order.
  std::vector<ReplicaPlanePath> replicas;
  double seconds = 0.0;         // from the refresh's start to its end, training between pieces
  double computeSeconds = 0.0;  // in the pieces alone
  std::size_t chunk = 0;        // grid points per piece
  std::string error;
};

class LiveLandscape final : public train::SessionWork {
 public:
  static constexpr double PIECE_SECONDS = 0.03;
  static constexpr std::size_t FIRST_CHUNK = 8;     // until a refresh measured the time per point
  static constexpr std::size_t MAX_PCA_STEPS = 32;  // kept steps in the PCA, evenly picked (the path shows all)

  explicit LiveLandscape(LiveSettings settings = {}) : mSettings(settings) {}

  // Any thread: the next refresh uses these (a refresh in progress is dropped and starts again).
  void configure(const LiveSettings& settings);
  LiveSettings settings() const;
  // Any thread: the last finished refresh (null before the first), and the one in progress.
  std::shared_ptr<const LiveResult> latest() const;
  std::size_t pointsDone() const { return mDone.load(); }
  std::size_t pointsTotal() const { return mTotal.load(); }

  bool advance(train::Trainer& trainer, const train::RaceContext* race = nullptr) override;
  void release() override;

 private:
  // Starts a refresh of the weights now, or publishes why it cannot.
  void begin(train::Trainer& trainer, const LiveSettings& settings, const train::RaceContext* race);
  void finish();
  void publish(std::shared_ptr<LiveResult> result);

  mutable std::mutex mMutex;  // guards mSettings, mSettingsVersion and mLatest
  LiveSettings mSettings;
  std::uint64_t mSettingsVersion = 1;
  std::shared_ptr<const LiveResult> mLatest;
  std::atomic<std::size_t> mDone{0}, mTotal{0};

  // Session thread only.
  std::uint64_t mUsedVersion = 0;  // settings of the refresh in progress or the last one
  std::uint64_t mLastStep = 0;
  std::size_t mLastEvents = 0;
  std::size_t mLastShown = 0;  // a race's shown replica: the centre
  const void* mLastDataset = nullptr;
  bool mStarted = false;  // a refresh was begun since the last release
  std::unique_ptr<GridPass> mPass;
  std::shared_ptr<LiveResult> mPending;  // the refresh in progress, without its grid
  core::Timer mRefreshTimer;
  double mComputeSeconds = 0.0;
  double mSecondsPerPoint = 0.0;  // measured by the last refresh
  EvaluationBatch mBatch;
  std::uint64_t mVersion = 0;
};

}  // namespace nsb::landscape
