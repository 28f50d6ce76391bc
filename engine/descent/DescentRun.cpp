#include "descent/DescentRun.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

// The CPU backend's update kernel itself: the surfaces must run the networks' rule, not a copy of it.
// It works on host arrays, so calling it needs no backend object.
#include "compute/cpu/CpuKernels.h"

namespace nsb::descent {
namespace {

bool finite(const std::array<float, 2>& v) { return std::isfinite(v[0]) && std::isfinite(v[1]); }

// double -> float that overflows to infinity as IEEE does (a cast of a value beyond float's range is
// undefined behaviour in C++).
float toFloat(double v) {
  if (std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) {
    return std::signbit(v) ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
  }
  return static_cast<float>(v);
}

}  // namespace

DescentRun::DescentRun(Surface surface, const train::Hyperparams& hyperparams, Point start, std::uint64_t seed)
    : mSurface(std::move(surface)), mHyperparams(hyperparams), mSeed(seed), mRng(seed) {
  mHyper = mHyperparams.deviceValues();
  reset(start);
}

void DescentRun::reset(Point start) {
  mParams = {toFloat(start.x), toFloat(start.y)};
  mGrads = {};
  mState1 = {};
  mState2 = {};
  mStep = 0;
  mRng = core::Rng(mSeed);
  mPath.assign(1, position());
  mLast = StepDetail{};
  mConverged.reset();
  mDiverged.reset();
  if (!finite(mParams) || !std::isfinite(value())) mDiverged = 0;
  checkConverged();
}

void DescentRun::setHyperparams(const train::Hyperparams& hyperparams) {
  if (hyperparams.optimizer != mHyperparams.optimizer) {
    mState1 = {};
    mState2 = {};
  }
  mHyperparams = hyperparams;
  mHyper = mHyperparams.deviceValues();
}

void DescentRun::setTolerance(double tolerance) {
  mTolerance = tolerance;
  // Recomputed over the path so far: the answer must not depend on when the tolerance was set.
  mConverged.reset();
  for (std::size_t i = 0; i < mPath.size(); ++i) {
    if (mSurface.distanceToNearestMinimum(mPath[i]) <= mTolerance) {
      mConverged = i;
      break;
    }
  }
}

void DescentRun::checkConverged() {
  if (!mConverged && distanceToMinimum() <= mTolerance) mConverged = mStep;
}

void DescentRun::step() {
  if (mDiverged) return;
  const Point before = position();
  const Point g = mSurface.noisyGradient(before, mRng);
  mGrads = {toFloat(g.x), toFloat(g.y)};
  const std::int32_t counter = static_cast<std::int32_t>(std::min<std::uint64_t>(mStep, INT32_MAX));

  StepDetail d;
  d.before = before;
  d.gradient = {mGrads[0], mGrads[1]};
  d.learningRate = compute::scheduledLearningRate(mHyper.data(), counter);
  if (!finite(mGrads)) {
    // A gradient beyond float's range: the update would only make NaN. Stop before it.
    d.after = before;
    mLast = d;
    mDiverged = mStep + 1;
    return;
  }

  compute::cpu::OptimizerArgs args;
  args.params = mParams.data();
  args.grads = mGrads.data();
  args.state1 = mState1.data();
  args.state2 = mState2.data();
  args.count = 2;
  args.regularized = 2;  // both coordinates are weights: L1/L2 and AdamW's decay apply to them
  args.hyper = mHyper.data();
  args.step = counter;
  args.kind = mHyperparams.optimizer;
  compute::cpu::optimizerStep(args);

  d.after = position();
  d.taken = {d.after.x - before.x, d.after.y - before.y};
  d.state1 = mState1;
  d.state2 = mState2;
  const double eps = mHyper[compute::HYPER_EPSILON];
  switch (mHyperparams.optimizer) {
    case compute::OptimizerKind::Momentum:
    case compute::OptimizerKind::Nesterov:
      d.hasVelocity = true;
      d.velocity = {mState1[0], mState1[1]};
      break;
    case compute::OptimizerKind::AdaGrad:
    case compute::OptimizerKind::RmsProp:
      d.hasScale = true;
      d.scale = {std::sqrt(static_cast<double>(mState1[0])) + eps, std::sqrt(static_cast<double>(mState1[1])) + eps};
      break;
    case compute::OptimizerKind::Adam:
    case compute::OptimizerKind::AdamW: {
      d.hasVelocity = true;
      d.velocity = {mState1[0], mState1[1]};
      d.hasScale = true;
      const double correction2 =
          1.0 - std::pow(static_cast<double>(mHyper[compute::HYPER_BETA2]), static_cast<double>(counter) + 1.0);
      d.scale = {std::sqrt(mState2[0] / correction2) + eps, std::sqrt(mState2[1] / correction2) + eps};
      break;
    }
    case compute::OptimizerKind::Gd:
    case compute::OptimizerKind::Sgd:
      break;
  }
  mLast = d;

  if (!finite(mParams) || !std::isfinite(value())) {
    // Stop at the last finite point; the step that left it is the divergence.
    mParams = {static_cast<float>(before.x), static_cast<float>(before.y)};
    mDiverged = mStep + 1;
    return;
  }
  ++mStep;
  mPath.push_back(position());
  checkConverged();
}

void DescentRun::run(std::uint64_t steps) {
  for (std::uint64_t i = 0; i < steps && !mDiverged; ++i) step();
}

}  // namespace nsb::descent
