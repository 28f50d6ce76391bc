#pragma once
// SurfaceLab: the Surface view's set of runs - one surface, one start point, several optimizers
// descending it side by side (a DescentRun each, with its own colour and hyperparameters) - stepped at a
// speed with a per-frame budget, and each run's update written out as equations with this step's numbers.
// Cheap enough for the UI thread, which owns it. Not thread-safe.
#include <cstdint>
#include <string>
#include <vector>

#include "core/Result.h"
#include "descent/DescentRun.h"
#include "descent/Surface.h"
#include "train/Hyperparams.h"
#include "train/Preset.h"
#include "train/Snapshot.h"

namespace nsb::descent {

// One optimizer on the lab's surface.
struct LabRun {
  DescentRun run;
  std::uint32_t colour = 0;  // ImGui's 0xAABBGGRR, kept across edits
  std::uint32_t id = 0;      // stable across removals (widget names)
  // The optimizer state before the last step (state1/state2 of the kernel), for the equations.
  std::array<float, 2> before1{}, before2{};
  bool zeroState = true;  // the next step starts from zero state (after a reset or an optimizer change)
};

class SurfaceLab {
 public:
  // Most steps one run takes in one advance() (the per-frame budget: a frame stays fast at any speed).
  static constexpr std::uint64_t MAX_STEPS_PER_ADVANCE = 2000;
  static constexpr std::size_t MAX_RUNS = 12;

  SurfaceLab();
  // The surface, its constants, start and optimizers from a preset of kind "surface".
  core::Status configure(const train::SurfaceSetup& setup);

  const Surface& surface() const { return mSurface; }
  // Another surface (or k / sigma): every run starts again from its default start (or `keepStart`).
  void setSurface(SurfaceKind kind, SurfaceParams params, bool keepStart = false);
  Point start() const { return mStart; }
  // Every run back to step 0 at `start`.
  void setStart(Point start);
  void reset() { setStart(mStart); }

  // Adds an optimizer (unset hyperparameters: its suggested ones for this surface); false when full.
  bool add(compute::OptimizerKind kind);
  bool add(const train::Hyperparams& hyperparams);
  void remove(std::size_t index);
  void setHyperparams(std::size_t index, const train::Hyperparams& hyperparams);
  std::vector<LabRun>& runs() { return mRuns; }
  const std::vector<LabRun>& runs() const { return mRuns; }

  // Steps a second for each run (0: the budget every advance).
  double speed() const { return mSpeed; }
  void setSpeed(double stepsPerSecond) { mSpeed = stepsPerSecond; }
  // `steps` steps of every run (a Step button).
  void step(std::uint64_t steps = 1);
  // Steps due after `seconds` at the speed (fractions carried over), at most the budget; returns them.
  std::uint64_t advance(double seconds);
  void setTolerance(double tolerance);
  double tolerance() const { return mTolerance; }

 private:
  Surface mSurface;
  Point mStart;
  std::vector<LabRun> mRuns;
  double mSpeed = 30.0;
  double mCarry = 0.0;  // the fraction of a step not yet taken
  double mTolerance = DescentRun::DEFAULT_TOLERANCE;
  std::uint32_t mNextId = 1;
};

// A learning rate that shows the optimizer at work on the surface (neither frozen nor diverging at once).
float suggestedLearningRate(SurfaceKind surface, compute::OptimizerKind optimizer);
// The colour of the n-th run added (0xAABBGGRR).
std::uint32_t runColour(std::uint32_t n);

// The last update of `run` as text, one line per equation and coordinate, with the numbers of this step
// filled in (theta, gradient, moments, learning rate, the result), e.g.
// "v_x = 0.9 * 0.12 + 0.5 = 0.608". Empty before the first step. Short lines: they fit a side panel.
std::vector<std::string> stepEquations(const LabRun& run);
// One coordinate's update for the equations: a surface's x or y, or one weight of a network.
struct UpdateTerms {
  std::string name;                     // "x", "y", "w": the lines read "v_x = ...", "x = ..."
  double theta = 0.0, after = 0.0;      // before and after the update
  double gradient = 0.0;                // what the optimizer was given (the L1/L2 terms included)
  double before1 = 0.0, before2 = 0.0;  // the optimizer's state before the update (StepDetail's state1/2)
  double state1 = 0.0, state2 = 0.0;    // and after it
};
// The update lines of one coordinate (after its gradient's line) for the t-th update of `h`'s
// optimizer at learning rate `lr`: shared by the surfaces' and the networks' Step panels.
std::vector<std::string> updateEquations(const train::Hyperparams& h, std::uint64_t t, double lr, const UpdateTerms& u);
// A network weight's last update (the trainer's record of a watched parameter) as the same lines: its
// gradient (with the L1/L2 terms where they act), then the optimizer's update.
std::vector<std::string> weightEquations(const train::WatchedStep& step);
// How the equations print a number: 4 significant digits.
std::string equationNumber(double value);

}  // namespace nsb::descent
