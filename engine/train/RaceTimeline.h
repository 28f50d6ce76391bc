#pragma once
// RaceTimeline: time travel for a whole race (RaceSession). A Timeline (train/Timeline.h) per replica,
// each with an equal share of the bound, given the states of one step together: states of one size at
// the same steps within equal shares are thinned alike, so that every kept step holds every replica.
// A kept race step is N replicas' worth, and the bound is checked against N before anything is kept.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/Result.h"
#include "train/Timeline.h"

namespace nsb::train {

class RaceTimeline {
 public:
  // Whether `budgetBytes` holds two steps (step 0 and one more) of a race of `replicas` replicas of
  // `spec` and fits the host's free memory; every == 0 (off) always does.
  static core::Status check(std::uint64_t every, std::uint64_t budgetBytes, const nn::ModelSpec& spec,
                            std::size_t replicas);
  // A new interval or bound for `replicas` replicas (what is kept is thinned to fit); refused as check().
  core::Status configure(std::uint64_t every, std::uint64_t budgetBytes, const nn::ModelSpec& spec,
                         std::size_t replicas);
  std::uint64_t every() const { return mEvery; }
  std::uint64_t budget() const { return mBudget; }
  bool enabled() const { return mEvery > 0 && !mReplicas.empty(); }
  std::uint64_t stride() const { return enabled() ? mReplicas[0].stride() : 0; }
  std::uint64_t bytes() const;
  bool due(std::uint64_t step) const { return enabled() && mReplicas[0].due(step); }
  std::uint64_t stepsToNext(std::uint64_t step) const { return enabled() ? mReplicas[0].stepsToNext(step) : 0; }

  // Keeps one step of the race: a state per replica, in the race's order, all of one step.
  void keep(std::vector<TimelineState> states);
  // Every replica's state at kept step `step`, in order; none when the step is not kept.
  std::optional<std::vector<const TimelineState*>> find(std::uint64_t step) const;
  std::vector<std::uint64_t> steps() const;
  // A replica removed: its states go, the others' shares grow.
  void removeReplica(std::size_t replica);
  void dropAfter(std::uint64_t step);
  void clear();

 private:
  std::uint64_t mEvery = 0, mBudget = Timeline::DEFAULT_BYTES;
  nn::ModelSpec mSpec;
  std::vector<Timeline> mReplicas;
};

}  // namespace nsb::train
