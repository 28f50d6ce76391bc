#pragma once
// RaceRanking: how the Race tab orders and colours a race's replicas (pure functions, no ImGui calls,
// so that they can be tested alone).
#include <imgui.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "train/RaceState.h"

namespace nsb::ui {

// A replica's colour on every plot and view of the race: by its id, so that it keeps it when others
// are removed.
ImU32 replicaColour(std::uint64_t id);

// The value a replica is ranked by: its last test loss, else its last training loss; NaN when it has
// none or diverged.
double rankingLoss(const train::ReplicaState& replica);

// The replicas' indices, best first: the lowest ranking loss, those without one (or diverged) last, in
// their order.
std::vector<std::size_t> rankReplicas(const train::RaceState& race);

// The steps a replica took from its start to its first metric point at the target: test accuracy >=
// target (classification) or test loss <= target (no accuracy); none when it has not got there.
std::optional<std::uint64_t> stepsToTarget(const train::ReplicaState& replica, double target);

}  // namespace nsb::ui
