// RaceRanking: the Race tab's order, colours and targets.
#include "ui/RaceRanking.h"

#include <algorithm>
#include <cmath>

namespace nsb::ui {

ImU32 replicaColour(std::uint64_t id) {
  // Eight hues that stay apart on the dark theme (a race has at most 8 replicas at once).
  static constexpr ImU32 PALETTE[] = {IM_COL32(90, 170, 255, 255),  IM_COL32(250, 150, 60, 255),
                                      IM_COL32(120, 210, 120, 255), IM_COL32(235, 90, 100, 255),
                                      IM_COL32(190, 140, 255, 255), IM_COL32(240, 220, 90, 255),
                                      IM_COL32(90, 220, 220, 255),  IM_COL32(250, 140, 200, 255)};
  return PALETTE[id % (sizeof PALETTE / sizeof PALETTE[0])];
}

double rankingLoss(const train::ReplicaState& replica) {
  if (replica.divergedAt) return NAN;
  if (!replica.history.empty()) {
    const train::MetricPoint& last = replica.history.back();
    if (std::isfinite(last.test.loss)) return last.test.loss;
    if (std::isfinite(last.trainLoss)) return last.trainLoss;
  }
  return std::isfinite(replica.lastLoss) ? replica.lastLoss : NAN;
}

std::vector<std::size_t> rankReplicas(const train::RaceState& race) {
  std::vector<std::size_t> order(race.replicas.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const double la = rankingLoss(race.replicas[a]), lb = rankingLoss(race.replicas[b]);
    if (std::isfinite(la) != std::isfinite(lb)) return std::isfinite(la);
    return std::isfinite(la) && la < lb;
  });
  return order;
}

std::optional<std::uint64_t> stepsToTarget(const train::ReplicaState& replica, double target) {
  for (const train::MetricPoint& p : replica.history) {
    const bool reached = std::isfinite(p.test.accuracy) ? p.test.accuracy >= target
                                                        : std::isfinite(p.test.loss) && p.test.loss <= target;
    if (reached) return p.step - std::min(p.step, replica.startStep);
  }
  return std::nullopt;
}

}  // namespace nsb::ui
