#include "train/Timeline.h"

#include <algorithm>

#include "compute/MemoryBudget.h"

namespace nsb::train {

std::uint64_t TimelineState::bytes() const {
  return sizeof(TimelineState) + (params.size() + state1.size() + state2.size()) * sizeof(float);
}

namespace {

// What a state of `spec` holds: parameters and two optimizer states.
std::uint64_t stateBytes(const nn::ModelSpec& spec) {
  return sizeof(TimelineState) + 3 * spec.parameterCount() * sizeof(float);
}

}  // namespace

Timeline::Timeline(std::uint64_t every, std::uint64_t budgetBytes) : mEvery(every), mBudget(budgetBytes) {}

core::Status Timeline::configure(std::uint64_t every, std::uint64_t budgetBytes, const nn::ModelSpec& spec) {
  if (every > 0) {
    const std::uint64_t two = 2 * stateBytes(spec);
    if (budgetBytes < two) {
      return core::badInput("timeline: " + compute::formatBytes(budgetBytes) + " does not hold two snapshots of " +
                            compute::formatBytes(stateBytes(spec)) + " (step 0 and one more)");
    }
    // Asked before anything is kept: the bound is what the timeline may come to hold.
    const compute::MemoryBudget host = compute::hostMemoryBudget();
    if (budgetBytes > host.available) {
      return core::badInput("timeline: " + compute::formatBytes(budgetBytes) + " is more than the " +
                            compute::formatBytes(host.available) + " of host memory available (" + host.source + ")");
    }
  }
  if (every != mEvery) {
    // Another interval: what was kept stays, later steps follow the new one.
    mEvery = every;
    mThinning = 1;
  }
  mBudget = budgetBytes;
  if (every == 0) clear();
  while (mBytes > mBudget && mStates.size() > 2) thin();
  while (mBytes > mBudget && mStates.size() > 1) {
    mBytes -= mStates.back().bytes();
    mStates.pop_back();
  }
  return core::Ok{};
}

bool Timeline::due(std::uint64_t step) const {
  if (!enabled() || step % stride() != 0) return false;
  return mStates.empty() || mStates.back().step != step;
}

std::uint64_t Timeline::stepsToNext(std::uint64_t step) const {
  if (!enabled()) return 0;
  return stride() - step % stride();
}

bool Timeline::keep(TimelineState state) {
  if (!enabled()) return false;
  // A branch or a reset goes back: its old future was dropped, what is at this step is replaced.
  dropAfter(state.step);
  if (!mStates.empty() && mStates.back().step == state.step) {
    mBytes -= mStates.back().bytes();
    mStates.pop_back();
  }
  const std::uint64_t bytes = state.bytes();
  const std::uint64_t first = mStates.empty() ? 0 : mStates.front().bytes();
  if (first + bytes > mBudget && !(mStates.empty() && bytes <= mBudget)) return false;
  mBytes += bytes;
  mStates.push_back(std::move(state));
  // Ends: the first and the newest fit together (checked above), and thinning keeps only them at last.
  while (mBytes > mBudget && mStates.size() > 2) thin();
  return true;
}

void Timeline::thin() {
  mThinning *= 2;
  const std::uint64_t stride = this->stride();
  std::deque<TimelineState> kept;
  for (auto& state : mStates) {
    // The first (step 0, or where a resumed run began) and the newest stay.
    if (state.step % stride == 0 || &state == &mStates.front() || &state == &mStates.back()) {
      kept.push_back(std::move(state));
    } else {
      mBytes -= state.bytes();
    }
  }
  mStates = std::move(kept);
}

const TimelineState* Timeline::find(std::uint64_t step) const {
  const auto it = std::lower_bound(mStates.begin(), mStates.end(), step,
                                   [](const TimelineState& s, std::uint64_t value) { return s.step < value; });
  return it != mStates.end() && it->step == step ? &*it : nullptr;
}

std::vector<std::uint64_t> Timeline::steps() const {
  std::vector<std::uint64_t> out;
  out.reserve(mStates.size());
  for (const auto& state : mStates) out.push_back(state.step);
  return out;
}

void Timeline::dropAfter(std::uint64_t step) {
  while (!mStates.empty() && mStates.back().step > step) {
    mBytes -= mStates.back().bytes();
    mStates.pop_back();
  }
}

void Timeline::clear() {
  mStates.clear();
  mBytes = 0;
  mThinning = 1;
}

}  // namespace nsb::train
