// RaceCurves: the Race tab's curves of this run and the earlier ones (see RaceCurves.h).
#include "ui/RaceCurves.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "ui/RaceRanking.h"

namespace nsb::ui {

double RaceCurves::update(const train::RaceState& race, bool classification) {
  RunCurves<CHARTS>::Curves curves;
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
  mRuns.current() = std::move(curves);
  return last;
}

}  // namespace nsb::ui
