#pragma once
// RacePaths: each race replica's path for the landscape's trajectory plane (landscape/LiveLandscape):
// its weights every Timeline::DEFAULT_EVERY steps, in a Timeline per replica that keeps weights only
// (no optimizer state: a path is drawn, not continued), thinned within its share of the bound as the
// timeline is (step 0, or the step a replica was added at, always kept). RaceSession keeps it on its
// thread and ends each submit where a path is due, so that every point is at a multiple of the stride.
#include <cstdint>
#include <map>
#include <string>

#include "train/Timeline.h"

namespace nsb::train {

class Race;

class RacePaths {
 public:
  // All replicas' paths together; each replica's Timeline has an equal share for the most replicas a
  // race takes, so that adding one never pushes the others out.
  static constexpr std::uint64_t BUDGET_BYTES = Timeline::DEFAULT_BYTES;

  // Follows the race after its steps or edits: a path for a new replica (from its weights now), none
  // for a removed one, every path started again after a step back (a reset); then each due path keeps
  // its replica's weights. A share that does not fit the host (Timeline::configure) keeps no path for
  // that replica and says why in error().
  void follow(const Race& race);
  // Steps from `step` to the next point any path keeps (at least 1); 0 when none keeps any.
  std::uint64_t stepsToNext(std::uint64_t step) const;
  // The path of the replica named `id` (Race::id), or null.
  const Timeline* path(std::uint64_t id) const;
  std::uint64_t bytes() const;
  const std::string& error() const { return mError; }

 private:
  std::map<std::uint64_t, Timeline> mPaths;  // by replica id
  std::uint64_t mLastStep = 0;
  std::string mError;
};

}  // namespace nsb::train
