#pragma once
// Plots: the bottom panel's charts drawn with ImDrawList (ImGui 1.86 has no plotting beyond
// PlotLines): train/test loss, accuracy, learning rate and per-layer gradient norm over steps, with a
// vertical marker at every live edit (hovering says what changed); per-layer gradient norms and
// update/weight ratios; and the weight and gradient histograms of every layer over time (TensorBoard's
// "offset" view: one curve per metric point, the newest in front). Each run (a Reset or anything
// that restarts training) gets fresh axes; the last few runs stay behind it as faded curves.
#include <imgui.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "train/Snapshot.h"
#include "ui/Rect.h"

namespace nsb::ui {

struct PlotSeries {
  std::string name;
  ImU32 color = 0;
  std::vector<std::pair<double, double>> points;  // (step, value); NaN values are skipped
};

// A polyline's screen points reduced to at most two per pixel column: the lowest and the highest of
// each column, in their order along the line. A CPU run records hundreds of metric points a second,
// and drawing every one had made the plots most of the frame (4 frames/s after a minute).
std::vector<ImVec2> columnExtremes(const std::vector<ImVec2>& line);

// Axis ticks, pure functions (no ImGui) so that they can be tested alone.
// Round values 1, 2 or 5 x 10^k apart, at most maxTicks (>= 2) of them, the first <= lo and the last
// >= hi: an axis from the first to the last tick has round ends. lo == hi gets a span around it.
std::vector<double> niceTicks(double lo, double hi, int maxTicks);
// The powers of ten of a log axis over [lo, hi] (0 < lo <= hi): from the decade at or below lo to the
// one at or above hi (at least one decade apart), every decade, or every 2nd, 3rd, 5th, 10th... when
// more than maxTicks would not fit; the first and last are always the axis's ends.
std::vector<double> decadeTicks(double lo, double hi, int maxTicks);
// A tick's label: the shortest float form with a compact exponent (0.2, 1000, 1e-3, 2.5e-5, 1e6).
std::string tickLabel(double value);
// The index of the point whose step is nearest to `step` (points sorted by step; 0 when empty): a
// hover left or right of the data names the first or the last point, never a step outside them.
std::size_t nearestPoint(const std::vector<std::pair<double, double>>& points, double step);

// One run's curves per chart, and the curves of up to EARLIER_RUNS earlier runs that the charts draw
// faded behind them. Shared by the Plots tab and the Race tab.
template <std::size_t Charts>
class RunCurves {
 public:
  static constexpr std::size_t EARLIER_RUNS = 3;
  using Curves = std::array<std::vector<PlotSeries>, Charts>;

  // A new run starts: the curves so far (when any has a point) become the newest earlier run.
  void beginRun() {
    const bool empty = std::all_of(mCurrent.begin(), mCurrent.end(), [](const auto& chart) {
      return std::all_of(chart.begin(), chart.end(), [](const PlotSeries& s) { return s.points.empty(); });
    });
    if (!empty) {
      mEarlier.push_front(std::move(mCurrent));
      if (mEarlier.size() > EARLIER_RUNS) mEarlier.pop_back();
    }
    mCurrent = {};
  }
  // beginRun() when `run` differs from the number last given.
  void setRun(std::uint64_t run) {
    if (mHaveRun && run != mRun) beginRun();
    mRun = run;
    mHaveRun = true;
  }
  // beginRun(), and the next setRun() starts the current run whatever its number.
  void endRun() {
    beginRun();
    mHaveRun = false;
  }
  Curves& current() { return mCurrent; }
  const Curves& current() const { return mCurrent; }
  std::vector<const std::vector<PlotSeries>*> earlier(std::size_t chart) const {
    std::vector<const std::vector<PlotSeries>*> out;
    for (const Curves& run : mEarlier) out.push_back(&run[chart]);
    return out;
  }
  std::size_t earlierRuns() const { return mEarlier.size(); }
  void clearEarlierRuns() { mEarlier.clear(); }

 private:
  Curves mCurrent;
  std::deque<Curves> mEarlier;  // the newest first
  std::uint64_t mRun = 0;
  bool mHaveRun = false;
};

// How a chart's value axis is laid out.
enum class AxisKind {
  Positive,  // linear from 0 (a learning rate): never below zero
  Unit,      // exactly [0, 1] (accuracy)
  Log,       // decades over the positive values (losses, norms, ratios)
};

class Plots {
 public:
  // The Plots tab: a row of charts filling the current window's content region, the current run's
  // curves over the faded curves of up to EARLIER_RUNS earlier runs.
  void draw(const train::Snapshot& snapshot);
  // A new run starts (Reset, another dataset, anything that restarts at step 0): the curves drawn so
  // far become a faded overlay and the axes start afresh. Call before draw() with the new run's
  // snapshot. setRun(n) does it when the run number n differs from the last one given: call it every
  // frame, also while the tab is hidden (the overlay keeps the curves as the last draw() saw them).
  void beginRun() { mRuns.beginRun(); }
  void setRun(std::uint64_t run) { mRuns.setRun(run); }
  // The curves so far become an earlier run and the next setRun() starts the current one, whatever
  // its number: the runs of a session that another one replaces (a new dataset or preset).
  void endRun() { mRuns.endRun(); }
  void clearEarlierRuns() { mRuns.clearEarlierRuns(); }
  std::size_t earlierRuns() const { return mRuns.earlierRuns(); }
  static constexpr std::size_t EARLIER_RUNS = RunCurves<1>::EARLIER_RUNS;
  // The Histograms tab: per layer, the weights' and the gradients' distributions over time.
  void drawHistograms(const train::Snapshot& snapshot);
  // Markers drawn in the loss chart in the last frame (one per event in the plotted range).
  std::size_t lossMarkers() const { return mLossMarkers; }
  // Series in the per-layer charts and histogram curves drawn in the last frame (tests).
  std::size_t layerSeries() const { return mLayerSeries; }
  std::size_t histogramCurves() const { return mHistogramCurves; }
  static constexpr std::size_t CURVES_SHOWN = 24;  // histogram curves per panel

  // One chart in `size` at the cursor, its x axis over [x0, x1]; returns the markers drawn. `earlier`
  // are the earlier runs' curves of this chart, drawn faded and never sizing the axes.
  static std::size_t chart(const char* title, const std::vector<PlotSeries>& series,
                           const std::vector<const std::vector<PlotSeries>*>& earlier,
                           const std::vector<train::Event>& events, const ImVec2& size, AxisKind kind, double x0,
                           double x1);

 private:
  // Each run's curves, per chart (in the order draw() lays the charts out).
  static constexpr std::size_t CHARTS = 5;
  RunCurves<CHARTS> mRuns;

  std::size_t mLossMarkers = 0;
  std::size_t mLayerSeries = 0;
  std::size_t mHistogramCurves = 0;
  // One ridgeline panel: the histograms of one layer's weights or gradients over the points shown.
  std::size_t ridgelines(const char* title, const std::vector<train::HistogramPoint>& points, std::size_t layer,
                         bool gradients, const ImVec2& size);
};

}  // namespace nsb::ui
