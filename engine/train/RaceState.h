#pragma once
// RaceState: what a Snapshot carries of a race (train/RaceSession.h): every replica's settings and
// curve, and which replica the views show. Values only, as the rest of the Snapshot.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "train/Hyperparams.h"
#include "train/Metrics.h"

namespace nsb::train {

struct ReplicaState {
  std::uint64_t id = 0;         // names the replica for the race's life (Race::id): its colour
  std::uint64_t startStep = 0;  // 0, or the step it was added at
  Hyperparams hyperparams;
  double lastLoss = NOT_MEASURED;
  std::optional<std::uint64_t> divergedAt;  // the step its training loss was first not finite
  std::vector<MetricPoint> history;         // thinned as Snapshot::history is
};

struct RaceState {
  std::vector<ReplicaState> replicas;
  std::size_t shown = 0;             // the replica the views show (ShowReplica)
  std::optional<std::size_t> minus;  // set: the weights views show shown's weights minus this one's
};

}  // namespace nsb::train
