#pragma once
// Timeline: time travel. A run keeps a snapshot every N steps of everything it needs to continue exactly
// (weights, optimizer state, hyperparameters, seed, epoch and cursor), within a memory bound; going back
// to one shows the network as it was, and a branch continues from it with new hyperparameters. The
// epoch's permutation is a function of the seed and the epoch (epochPermutation), so the seed, the
// epoch and the cursor are the shuffle's state and the place in it. Trainer keeps one (TimelineEdits.cpp).
#include <cstdint>
#include <deque>
#include <vector>

#include "core/Result.h"
#include "nn/ModelSpec.h"
#include "train/Hyperparams.h"

namespace nsb::train {

// One kept step: what Trainer::restoreTimeline puts back.
struct TimelineState {
  std::uint64_t step = 0, epoch = 0, cursor = 0;
  std::uint64_t seed = 1;
  nn::ModelSpec spec;
  Hyperparams hyperparams;
  std::vector<float> params, state1, state2;
  // The train loss summed since the last metric point: the next point's average goes on from it.
  double lossSum = 0.0;
  std::uint64_t lossCount = 0;
  double lastLoss = 0.0;

  // Host bytes held (the three float arrays and the struct).
  std::uint64_t bytes() const;
};

class Timeline {
 public:
  static constexpr std::uint64_t DEFAULT_EVERY = 100;
  static constexpr std::uint64_t DEFAULT_BYTES = std::uint64_t{256} << 20;

  // every == 0: keeps nothing.
  explicit Timeline(std::uint64_t every = 0, std::uint64_t budgetBytes = DEFAULT_BYTES);

  // A new interval or bound; the kept states are thinned until they fit. A budget that does not hold two
  // states of `spec` is refused (one line naming both); so is one above the host's free memory.
  core::Status configure(std::uint64_t every, std::uint64_t budgetBytes, const nn::ModelSpec& spec);
  std::uint64_t every() const { return mEvery; }
  // The interval now: every() times the power of two that thinning reached.
  std::uint64_t stride() const { return mEvery * mThinning; }
  std::uint64_t budget() const { return mBudget; }
  std::uint64_t bytes() const { return mBytes; }
  bool enabled() const { return mEvery > 0; }

  // Whether step `step` is to be kept (a multiple of stride() not kept yet).
  bool due(std::uint64_t step) const;
  // Steps from `step` to the next one due (at least 1); 0 when disabled.
  std::uint64_t stepsToNext(std::uint64_t step) const;

  // Keeps `state`, replacing one of the same step and dropping later ones. While the states exceed the
  // bound, every second one is dropped (those off the doubled stride); the first (step 0) and the
  // newest always stay. A state that cannot fit beside the first is not kept (returns false).
  bool keep(TimelineState state);
  // The state kept at `step`, or null.
  const TimelineState* find(std::uint64_t step) const;
  // The kept steps, ascending.
  std::vector<std::uint64_t> steps() const;
  std::size_t size() const { return mStates.size(); }
  // A branch: the states after `step` belong to the old future and go.
  void dropAfter(std::uint64_t step);
  void clear();

 private:
  void thin();  // doubles the stride and drops the states off it
  std::uint64_t mEvery = 0, mBudget = DEFAULT_BYTES, mBytes = 0;
  std::uint64_t mThinning = 1;
  std::deque<TimelineState> mStates;  // ascending steps
};

}  // namespace nsb::train
