#pragma once
// Plots: the bottom panel's charts drawn with ImDrawList (ImGui 1.86 has no plotting beyond
// PlotLines): train/test loss, accuracy, learning rate and per-layer gradient norm over steps, with a
// vertical marker at every live edit (hovering says what changed); per-layer gradient norms and
// update/weight ratios; and the weight and gradient histograms of every layer over time (TensorBoard's
// "offset" view: one curve per metric point, the newest in front).
#include <imgui.h>

#include <cstddef>
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

class Plots {
 public:
  // The Plots tab: a row of charts filling the current window's content region.
  void draw(const train::Snapshot& snapshot);
  // The Histograms tab: per layer, the weights' and the gradients' distributions over time.
  void drawHistograms(const train::Snapshot& snapshot);
  // Markers drawn in the loss chart in the last frame (one per event in the plotted range).
  std::size_t lossMarkers() const { return mLossMarkers; }
  // Series in the per-layer charts and histogram curves drawn in the last frame (tests).
  std::size_t layerSeries() const { return mLayerSeries; }
  std::size_t histogramCurves() const { return mHistogramCurves; }
  static constexpr std::size_t CURVES_SHOWN = 24;  // histogram curves per panel

  // One chart in `size` at the cursor; returns the markers drawn. `log` plots log10 of the values.
  static std::size_t chart(const char* title, const std::vector<PlotSeries>& series,
                           const std::vector<train::Event>& events, const ImVec2& size, bool log = false);

 private:
  std::size_t mLossMarkers = 0;
  std::size_t mLayerSeries = 0;
  std::size_t mHistogramCurves = 0;
  // One ridgeline panel: the histograms of one layer's weights or gradients over the points shown.
  std::size_t ridgelines(const char* title, const std::vector<train::HistogramPoint>& points, std::size_t layer,
                         bool gradients, const ImVec2& size);
};

}  // namespace nsb::ui
