// RacePaths: a weights-only Timeline per race replica (see RacePaths.h).
#include "train/RacePaths.h"

#include <algorithm>
#include <set>

#include "train/Race.h"
#include "train/RaceSpec.h"

namespace nsb::train {

void RacePaths::follow(const Race& race) {
  const std::uint64_t step = race.step();
  if (step < mLastStep) mPaths.clear();  // a reset: the old paths are another run's
  mLastStep = step;
  std::set<std::uint64_t> ids;
  for (std::size_t i = 0; i < race.size(); ++i) ids.insert(race.id(i));
  std::erase_if(mPaths, [&](const auto& entry) { return !ids.contains(entry.first); });
  for (std::size_t i = 0; i < race.size(); ++i) {
    auto it = mPaths.find(race.id(i));
    if (it == mPaths.end()) {
      Timeline path;
      const auto status = path.configure(Timeline::DEFAULT_EVERY, BUDGET_BYTES / MAX_REPLICAS, race.spec());
      if (!status) {
        mError = "race paths: " + status.message();
        continue;
      }
      it = mPaths.emplace(race.id(i), std::move(path)).first;
      // Its first point wherever it starts (step 0, or where it was added), due or not.
      it->second.keep(TimelineState{.step = step, .params = race.parameters(i)});
      continue;
    }
    if (it->second.due(step)) it->second.keep(TimelineState{.step = step, .params = race.parameters(i)});
  }
}

std::uint64_t RacePaths::stepsToNext(std::uint64_t step) const {
  std::uint64_t next = 0;
  for (const auto& [id, path] : mPaths) {
    const std::uint64_t n = path.stepsToNext(step);
    if (n > 0) next = next == 0 ? n : std::min(next, n);
  }
  return next;
}

const Timeline* RacePaths::path(std::uint64_t id) const {
  const auto it = mPaths.find(id);
  return it == mPaths.end() ? nullptr : &it->second;
}

std::uint64_t RacePaths::bytes() const {
  std::uint64_t total = 0;
  for (const auto& [id, path] : mPaths) total += path.bytes();
  return total;
}

}  // namespace nsb::train
