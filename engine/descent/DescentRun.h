#pragma once
// One optimizer descending one Surface from a start point. Each step computes the surface's gradient at
// the current point and calls the CPU backend's own optimizerStep (compute/cpu/CpuKernels.h) on a
// two-element parameter buffer with the live hyperparameter array a network's optimizer op reads, so the
// path is what the networks' update rule does, bit for bit, not a second implementation. Parameters and
// optimizer state are float like a network's; the surface itself is evaluated in double.
// Not thread-safe: one thread owns a run (the editor's views copy what they draw).
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "compute/Op.h"
#include "compute/OptimizerMath.h"
#include "core/Rng.h"
#include "descent/Surface.h"
#include "train/Hyperparams.h"

namespace nsb::descent {

// The last update, for the arrows and the equation of a step panel. Zero before the first step.
struct StepDetail {
  Point before, after;        // theta before and after the update
  Point gradient;             // the gradient the optimizer was given (with the noisy bowl's noise)
  Point taken;                // after - before: the step actually taken
  float learningRate = 0.0f;  // this step's (scheduled) learning rate
  // The optimizer's state after the update as the kernel keeps it: momentum/nesterov: state1 is the
  // velocity buffer b; adagrad: state1 is the sum of squared gradients; rmsprop: state1 is the decayed
  // average of squared gradients; adam/adamw: state1 is the first moment m, state2 the second moment v.
  std::array<float, 2> state1{}, state2{};
  // The velocity or first moment (state1 of momentum, nesterov, adam, adamw), else zero.
  Point velocity;
  bool hasVelocity = false;
  // The per-coordinate divisor of the adaptive methods, as torch writes it: sqrt(state1) + eps for
  // adagrad/rmsprop, sqrt(v / (1 - beta2^t)) + eps for adam/adamw; 1 for the others.
  Point scale{1.0, 1.0};
  bool hasScale = false;
};

class DescentRun {
 public:
  static constexpr double DEFAULT_TOLERANCE = 1e-3;

  DescentRun(Surface surface, const train::Hyperparams& hyperparams, Point start, std::uint64_t seed = 1);

  // One update. Does nothing once the run has diverged.
  void step();
  // Up to `steps` updates, fewer if it diverges.
  void run(std::uint64_t steps);
  // Back to `start` with zero optimizer state, step 0 and the noise reseeded.
  void reset(Point start);
  // Live, as on a network: the next step reads the new values. A different optimizer starts from zero
  // state (the state of one optimizer means nothing to another).
  void setHyperparams(const train::Hyperparams& hyperparams);
  void setTolerance(double tolerance);

  const Surface& surface() const { return mSurface; }
  const train::Hyperparams& hyperparams() const { return mHyperparams; }
  compute::OptimizerKind optimizer() const { return mHyperparams.optimizer; }
  std::uint64_t steps() const { return mStep; }
  Point position() const { return {mParams[0], mParams[1]}; }
  double value() const { return mSurface.value(position()); }
  double distanceToMinimum() const { return mSurface.distanceToNearestMinimum(position()); }
  double tolerance() const { return mTolerance; }
  // path()[i] is the point after i steps (path()[0] the start).
  const std::vector<Point>& path() const { return mPath; }
  const StepDetail& last() const { return mLast; }
  // The first step count after which the point lay within tolerance of a listed minimum (0: the start).
  std::optional<std::uint64_t> convergedStep() const { return mConverged; }
  // The step whose update made the point, the gradient or the value non-finite; the run stops there.
  std::optional<std::uint64_t> divergedStep() const { return mDiverged; }

 private:
  void checkConverged();

  Surface mSurface;
  train::Hyperparams mHyperparams;
  std::array<float, compute::HYPER_COUNT> mHyper{};
  std::uint64_t mSeed;
  core::Rng mRng;
  double mTolerance = DEFAULT_TOLERANCE;
  // The two-element buffers the kernel updates, as a network's params/grads/state1/state2.
  std::array<float, 2> mParams{}, mGrads{}, mState1{}, mState2{};
  std::uint64_t mStep = 0;
  std::vector<Point> mPath;
  StepDetail mLast;
  std::optional<std::uint64_t> mConverged, mDiverged;
};

}  // namespace nsb::descent
