#pragma once
// Thinning: the metric points a snapshot carries of a longer history (LocalSession, RaceSession).
#include <cstddef>
#include <vector>

#include "train/Metrics.h"

namespace nsb::train {

// Metric points a session keeps, unless its config says otherwise: about 20 MB (a free-running CPU run
// recorded 25 MB a minute without a bound).
constexpr std::size_t HISTORY_KEPT = std::size_t{1} << 17;
constexpr std::size_t HISTORY_SHOWN = 2048;  // metric points in a snapshot, at most (about 2 per pixel)

// At most `most` points of a history: those whose index is a multiple of the smallest power of two
// that gets there, and the last. A snapshot is made every 15 ms and a free-running CPU run records
// hundreds of points a second, so copying all of them (two allocations each) became most of the
// session's work; a power-of-two stride keeps the same points from one snapshot to the next.
inline std::vector<MetricPoint> thinned(const std::vector<MetricPoint>& all, std::size_t most) {
  std::size_t stride = 1;
  while (all.size() / stride > most) stride *= 2;
  if (stride == 1) return all;
  std::vector<MetricPoint> out;
  out.reserve(all.size() / stride + 2);
  for (std::size_t i = 0; i < all.size(); i += stride) out.push_back(all[i]);
  if ((all.size() - 1) % stride != 0) out.push_back(all.back());
  return out;
}

// Keeps the points at even indices and the last: a history past its bound (TrainerConfig::historyKept).
inline void halve(std::vector<MetricPoint>& history) {
  if (history.size() < 3) return;
  const MetricPoint last = history.back();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < history.size(); i += 2) history[kept++] = std::move(history[i]);
  history.resize(kept);
  if (history.back().step != last.step) history.push_back(last);
}

}  // namespace nsb::train
