#pragma once
// RaceCurves: the Race tab's curves - every replica's loss and its accuracy (else test MSE) over steps,
// in its colour - for the current run, and the faded curves of up to EARLIER_RUNS earlier runs (a
// branch from the timeline, a reset), as Plots keeps a solo run's: a branch's curves draw beside the
// original's.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "train/RaceState.h"
#include "ui/Plots.h"

namespace nsb::ui {

class RaceCurves {
 public:
  static constexpr std::size_t CHARTS = 2;  // loss, then accuracy or test MSE
  static constexpr std::size_t EARLIER_RUNS = RunCurves<CHARTS>::EARLIER_RUNS;

  // Every frame, also while the tab is hidden: a new run number makes the curves drawn so far an earlier run.
  void setRun(std::uint64_t run) { mRuns.setRun(run); }
  // The current run's curves from the race's replicas; returns the last step they reach.
  double update(const train::RaceState& race, bool classification);
  const std::vector<PlotSeries>& current(std::size_t chart) const { return mRuns.current()[chart]; }
  std::vector<const std::vector<PlotSeries>*> earlier(std::size_t chart) const { return mRuns.earlier(chart); }
  std::size_t earlierRuns() const { return mRuns.earlierRuns(); }
  void clearEarlierRuns() { mRuns.clearEarlierRuns(); }

 private:
  RunCurves<CHARTS> mRuns;
};

}  // namespace nsb::ui
