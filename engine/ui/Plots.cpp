// Charts: axes fitted to the data, one polyline per series, event markers as dashed-looking vertical
// lines in amber, a legend, and a tooltip at the nearest step naming the edits there.
#include "ui/Plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace nsb::ui {
namespace {

constexpr ImU32 MARKER = IM_COL32(240, 180, 60, 200);

bool finite(double v) { return std::isfinite(v); }

ImU32 layerColor(std::size_t layer) {
  static constexpr ImU32 COLORS[] = {IM_COL32(90, 170, 255, 255),  IM_COL32(250, 150, 60, 255),
                                     IM_COL32(120, 210, 120, 255), IM_COL32(230, 110, 150, 255),
                                     IM_COL32(200, 160, 255, 255), IM_COL32(240, 220, 90, 255)};
  return COLORS[layer % std::size(COLORS)];
}

}  // namespace

std::vector<ImVec2> columnExtremes(const std::vector<ImVec2>& line) {
  std::vector<ImVec2> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const float column = std::floor(line[i].x);
    std::size_t low = i, high = i, end = i;
    for (; end < line.size() && std::floor(line[end].x) == column; ++end) {
      if (line[end].y < line[low].y) low = end;
      if (line[end].y > line[high].y) high = end;
    }
    out.push_back(line[std::min(low, high)]);
    if (low != high) out.push_back(line[std::max(low, high)]);
    i = end;
  }
  return out;
}

std::size_t Plots::chart(const char* title, const std::vector<PlotSeries>& series,
                         const std::vector<train::Event>& events, const ImVec2& size, bool log) {
  ImDrawList* list = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(title, size);
  const bool hovered = ImGui::IsItemHovered();
  const Rect frame{origin, ImVec2(origin.x + size.x, origin.y + size.y)};
  list->AddRectFilled(frame.min, frame.max, ImGui::GetColorU32(ImGuiCol_FrameBg));
  list->AddText(ImVec2(frame.min.x + 6, frame.min.y + 4), ImGui::GetColorU32(ImGuiCol_Text), title);
  const Rect plot{ImVec2(frame.min.x + 48, frame.min.y + 22), ImVec2(frame.max.x - 8, frame.max.y - 18)};
  if (plot.width() < 10 || plot.height() < 10) return 0;

  auto value = [&](double v) { return log ? std::log10(std::max(v, 1e-12)) : v; };
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  bool any = false;
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) {
      if (!finite(y)) continue;
      const double v = value(y);
      if (!any) {
        x0 = x1 = x;
        y0 = y1 = v;
        any = true;
      }
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, v), y1 = std::max(y1, v);
    }
  }
  if (!any) {
    list->AddText(ImVec2(plot.min.x, plot.center().y), ImGui::GetColorU32(ImGuiCol_TextDisabled), "no data yet");
  }
  for (const auto& e : events) x1 = std::max(x1, static_cast<double>(e.step));
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 - y0 < 1e-12) {
    const double half = std::max(std::fabs(y0) * 0.5, 1e-6);
    y0 -= half, y1 += half;
  }
  const double pad = (y1 - y0) * 0.05;
  y0 -= pad, y1 += pad;
  auto sx = [&](double x) { return plot.min.x + static_cast<float>((x - x0) / (x1 - x0)) * plot.width(); };
  auto sy = [&](double y) { return plot.max.y - static_cast<float>((value(y) - y0) / (y1 - y0)) * plot.height(); };

  // Axis labels.
  char text[64];
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  std::snprintf(text, sizeof text, log ? "1e%.1f" : "%.3g", y1);
  list->AddText(ImVec2(frame.min.x + 4, plot.min.y - 6), dim, text);
  std::snprintf(text, sizeof text, log ? "1e%.1f" : "%.3g", y0);
  list->AddText(ImVec2(frame.min.x + 4, plot.max.y - 8), dim, text);
  std::snprintf(text, sizeof text, "step %.0f", x1);
  list->AddText(ImVec2(plot.max.x - ImGui::CalcTextSize(text).x, plot.max.y + 2), dim, text);
  list->AddLine(ImVec2(plot.min.x, plot.max.y), plot.max, ImGui::GetColorU32(ImGuiCol_Border));

  // Event markers.
  std::size_t markers = 0;
  for (const auto& e : events) {
    const double x = static_cast<double>(e.step);
    if (x < x0 || x > x1) continue;
    const float px = sx(x);
    list->AddLine(ImVec2(px, plot.min.y), ImVec2(px, plot.max.y), MARKER, 1.0f);
    list->AddTriangleFilled(ImVec2(px - 3, plot.min.y - 4), ImVec2(px + 3, plot.min.y - 4), ImVec2(px, plot.min.y + 1),
                            MARKER);
    ++markers;
  }

  // Series.
  float legendX = frame.max.x - 8;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    const auto& s = *it;
    std::vector<ImVec2> line;
    line.reserve(s.points.size());
    for (const auto& [x, y] : s.points) {
      if (finite(y)) line.emplace_back(sx(x), sy(y));
    }
    line = columnExtremes(line);
    if (line.size() == 1) list->AddCircleFilled(line[0], 2.0f, s.color);
    if (line.size() > 1) list->AddPolyline(line.data(), static_cast<int>(line.size()), s.color, 0, 1.5f);
    legendX -= ImGui::CalcTextSize(s.name.c_str()).x;
    list->AddText(ImVec2(legendX, frame.min.y + 4), s.color, s.name.c_str());
    legendX -= 12;
  }

  if (hovered) {
    const double step = x0 + (ImGui::GetIO().MousePos.x - plot.min.x) / plot.width() * (x1 - x0);
    std::ostringstream tip;
    tip << "step " << static_cast<long long>(std::llround(step));
    const double near = (x1 - x0) * 4.0 / plot.width();
    for (const auto& e : events) {
      if (std::fabs(static_cast<double>(e.step) - step) <= near) {
        tip << "\n" << e.what << ": " << e.before << " -> " << e.after << " (step " << e.step << ")";
      }
    }
    ImGui::SetTooltip("%s", tip.str().c_str());
  }
  return markers;
}

void Plots::draw(const train::Snapshot& snapshot) {
  PlotSeries trainLoss{"train", IM_COL32(90, 170, 255, 255), {}};
  PlotSeries testLoss{"test", IM_COL32(250, 150, 60, 255), {}};
  PlotSeries accuracy{"test accuracy", IM_COL32(120, 210, 120, 255), {}};
  PlotSeries lr{"learning rate", IM_COL32(200, 160, 255, 255), {}};
  // Per layer (the layer count may change with live edits: a series per layer index seen).
  std::vector<PlotSeries> gradient, ratio;
  for (const auto& p : snapshot.history) {
    const double x = static_cast<double>(p.step);
    trainLoss.points.emplace_back(x, p.trainLoss);
    testLoss.points.emplace_back(x, p.test.loss);
    accuracy.points.emplace_back(x, std::isfinite(p.test.accuracy) ? p.test.accuracy : -p.test.mse);
    lr.points.emplace_back(x, p.learningRate);
    for (std::size_t l = 0; l < p.gradientNorm.size(); ++l) {
      if (gradient.size() <= l) {
        char name[32];
        std::snprintf(name, sizeof name, "L%zu", l + 1);
        gradient.push_back({name, layerColor(l), {}});
        ratio.push_back({name, layerColor(l), {}});
      }
      gradient[l].points.emplace_back(x, p.gradientNorm[l]);
      if (l < p.updateRatio.size()) ratio[l].points.emplace_back(x, p.updateRatio[l]);
    }
  }
  mLayerSeries = gradient.size();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const float width = std::max((avail.x - 4 * spacing) / 5.0f, 40.0f);
  const ImVec2 size(width, std::max(avail.y - 4.0f, 40.0f));
  mLossMarkers = chart("Loss", {trainLoss, testLoss}, snapshot.events, size, true);
  ImGui::SameLine();
  chart("Accuracy", {accuracy}, snapshot.events, size);
  ImGui::SameLine();
  chart("Learning rate", {lr}, snapshot.events, size);
  ImGui::SameLine();
  chart("Gradient norm", gradient, snapshot.events, size, true);
  ImGui::SameLine();
  chart("Update / weight", ratio, snapshot.events, size, true);
}

std::size_t Plots::ridgelines(const char* title, const std::vector<train::HistogramPoint>& points, std::size_t layer,
                              bool gradients, const ImVec2& size) {
  ImDrawList* list = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(title, size);
  const Rect frame{origin, ImVec2(origin.x + size.x, origin.y + size.y)};
  list->AddRectFilled(frame.min, frame.max, ImGui::GetColorU32(ImGuiCol_FrameBg));
  list->AddText(ImVec2(frame.min.x + 6, frame.min.y + 4), ImGui::GetColorU32(ImGuiCol_Text), title);
  const Rect plot{ImVec2(frame.min.x + 8, frame.min.y + 24), ImVec2(frame.max.x - 8, frame.max.y - 18)};
  // The points that have this layer, evenly thinned to CURVES_SHOWN.
  std::vector<const train::Histogram*> shown;
  std::vector<std::uint64_t> steps;
  std::vector<std::size_t> have;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& h = gradients ? points[i].gradients : points[i].weights;
    if (layer < h.size() && !h[layer].counts.empty()) have.push_back(i);
  }
  const std::size_t n = std::min(have.size(), CURVES_SHOWN);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = have[have.size() - n + k];
    shown.push_back(&(gradients ? points[i].gradients : points[i].weights)[layer]);
    steps.push_back(points[i].step);
  }
  if (shown.empty() || plot.width() < 10 || plot.height() < 10) {
    list->AddText(ImVec2(plot.min.x, plot.center().y), ImGui::GetColorU32(ImGuiCol_TextDisabled), "no data yet");
    return 0;
  }
  float low = shown[0]->low, high = shown[0]->high;
  for (const auto* h : shown) low = std::min(low, h->low), high = std::max(high, h->high);
  if (high - low < 1e-12f) high = low + 1e-12f;
  // Curves from the oldest (top, faint) to the newest (bottom, bright), each offset down a row.
  const float rows = static_cast<float>(shown.size());
  const float row = plot.height() / (rows + 3.0f);
  const float peak = row * 4.0f;
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  for (std::size_t k = 0; k < shown.size(); ++k) {
    const auto& h = *shown[k];
    const float base = plot.min.y + peak + row * static_cast<float>(k);
    const std::uint32_t most = std::max(*std::max_element(h.counts.begin(), h.counts.end()), 1u);
    const float binWidth = (h.high - h.low) / static_cast<float>(h.counts.size());
    std::vector<ImVec2> line;
    for (std::size_t b = 0; b < h.counts.size(); ++b) {
      const float value = h.low + binWidth * (static_cast<float>(b) + 0.5f);
      const float x = plot.min.x + (value - low) / (high - low) * plot.width();
      line.emplace_back(x, base - peak * static_cast<float>(h.counts[b]) / static_cast<float>(most));
    }
    const float t = rows > 1 ? static_cast<float>(k) / (rows - 1.0f) : 1.0f;
    const ImU32 color = ImGui::ColorConvertFloat4ToU32(
        gradients ? ImVec4(0.95f, 0.55f + 0.2f * t, 0.25f, 0.25f + 0.75f * t) : ImVec4(0.3f, 0.6f + 0.2f * t, 1.0f, 0.25f + 0.75f * t));
    list->AddPolyline(line.data(), static_cast<int>(line.size()), color, 0, 1.2f);
  }
  char text[96];
  std::snprintf(text, sizeof text, "%.3g", static_cast<double>(low));
  list->AddText(ImVec2(plot.min.x, plot.max.y + 2), dim, text);
  std::snprintf(text, sizeof text, "%.3g", static_cast<double>(high));
  list->AddText(ImVec2(plot.max.x - ImGui::CalcTextSize(text).x, plot.max.y + 2), dim, text);
  std::snprintf(text, sizeof text, "steps %llu..%llu", static_cast<unsigned long long>(steps.front()),
                static_cast<unsigned long long>(steps.back()));
  list->AddText(ImVec2(frame.max.x - ImGui::CalcTextSize(text).x - 6, frame.min.y + 4), dim, text);
  return shown.size();
}

void Plots::drawHistograms(const train::Snapshot& snapshot) {
  mHistogramCurves = 0;
  if (!snapshot.histograms || snapshot.histograms->empty()) {
    ImGui::TextDisabled("Weight and gradient histograms appear here at the first metric point.");
    return;
  }
  const auto& points = *snapshot.histograms;
  const std::size_t layers = points.back().weights.size();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const float panels = static_cast<float>(2 * layers);
  const ImVec2 size(std::max((avail.x - (panels - 1) * spacing) / panels, 60.0f), std::max(avail.y - 4.0f, 40.0f));
  for (std::size_t l = 0; l < layers; ++l) {
    char title[64];
    std::snprintf(title, sizeof title, "layer %zu weights", l + 1);
    if (l > 0) ImGui::SameLine();
    mHistogramCurves += ridgelines(title, points, l, false, size);
    std::snprintf(title, sizeof title, "layer %zu gradients", l + 1);
    ImGui::SameLine();
    mHistogramCurves += ridgelines(title, points, l, true, size);
  }
}

}  // namespace nsb::ui
