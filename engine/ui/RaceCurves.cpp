// RaceCurves: the Race tab's curves of this run and the earlier ones (see RaceCurves.h).
#include "ui/RaceCurves.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "ui/RaceRanking.h"

namespace nsb::ui {

void RaceCurves::setRun(std::uint64_t run) {
  if (mHaveRun && run != mRun) {
    const bool empty = std::all_of(mCurrent.begin(), mCurrent.end(), [](const auto& chart) {
      return std::all_of(chart.begin(), chart.end(), [](const PlotSeries& s) { return s.points.empty(); });
    });
    if (!empty) {
      mEarlier.push_front(std::move(mCurrent));
      if (mEarlier.size() > EARLIER_RUNS) mEarlier.pop_back();
    }
    mCurrent = {};
  }
  mRun = run;
  mHaveRun = true;
}

double RaceCurves::update(const train::RaceState& race, bool classification) {
  RunCurves curves;
  double last = 0.0;
  for (const train::ReplicaState& r : race.replicas) {
    PlotSeries loss{std::to_string(r.id + 1), replicaColour(r.id), {}};
    PlotSeries score{std::to_string(r.id + 1), replicaColour(r.id), {}};
    for (const auto& p : r.history) {
      const double x = static_cast<double>(p.step);
      loss.points.emplace_back(x, std::isfinite(p.test.loss) ? p.test.loss : p.trainLoss);
      score.points.emplace_back(x, classification ? p.test.accuracy : p.test.mse);
      last = std::max(last, x);
    }
    curves[0].push_back(std::move(loss));
    curves[1].push_back(std::move(score));
  }
  mCurrent = std::move(curves);
  return last;
}

std::vector<const std::vector<PlotSeries>*> RaceCurves::earlier(std::size_t chart) const {
  std::vector<const std::vector<PlotSeries>*> out;
  for (const auto& run : mEarlier) out.push_back(&run[chart]);
  return out;
}

}  // namespace nsb::ui
