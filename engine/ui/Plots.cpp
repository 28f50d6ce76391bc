// Charts: value axes at round ticks (1, 2, 5 x 10^k, or decades on log axes), one polyline per series,
// the earlier runs' curves faded behind them, event markers as vertical lines in amber, a legend
// that wraps below the title rather than over it, and a tooltip at the nearest metric point.
#include "ui/Plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "core/Format.h"

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

// `color` at `alpha` of its own opacity.
ImU32 faded(ImU32 color, float alpha) {
  const auto a = static_cast<float>((color >> IM_COL32_A_SHIFT) & 0xFF) * alpha;
  return (color & ~IM_COL32_A_MASK) | (static_cast<ImU32>(a) << IM_COL32_A_SHIFT);
}

// k * m * 10^e without the binary noise of a repeated multiplication (3 * 0.1 = 0.30000000000000004).
double tickValue(long long k, int m, int e) {
  const double units = static_cast<double>(k) * m;
  return e >= 0 ? units * std::pow(10.0, e) : units / std::pow(10.0, -e);
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

std::vector<double> niceTicks(double lo, double hi, int maxTicks) {
  maxTicks = std::max(maxTicks, 2);
  if (!finite(lo) || !finite(hi)) return {0.0, 1.0};
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo <= std::max(std::fabs(lo), std::fabs(hi)) * 1e-9) {
    // One value: a span around it (from 0 for a positive one, so that it reads as a height).
    if (lo == 0.0) return niceTicks(0.0, 1.0, maxTicks);
    return lo > 0 ? niceTicks(0.0, lo, maxTicks) : niceTicks(lo, 0.0, maxTicks);
  }
  const double raw = (hi - lo) / (maxTicks - 1);
  int e = static_cast<int>(std::floor(std::log10(raw)));
  for (;; ++e) {
    for (int m : {1, 2, 5}) {
      const double step = tickValue(1, m, e);
      const auto first = static_cast<long long>(std::floor(lo / step * (1 + 1e-12)));
      const auto last = static_cast<long long>(std::ceil(hi / step * (1 - 1e-12)));
      if (last - first + 1 > maxTicks) continue;
      std::vector<double> ticks;
      for (long long k = first; k <= last; ++k) ticks.push_back(tickValue(k, m, e));
      if (ticks.size() < 2) ticks.push_back(tickValue(last + 1, m, e));
      return ticks;
    }
  }
}

std::vector<double> decadeTicks(double lo, double hi, int maxTicks) {
  maxTicks = std::max(maxTicks, 2);
  if (!(lo > 0) || !finite(lo) || !finite(hi)) return {0.1, 1.0};
  hi = std::max(hi, lo);
  // Exact powers of ten stay where they are (log10(1e-3) may come out a hair below -3).
  const int first = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  int last = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  if (last <= first) last = first + 1;
  int every = 1;
  for (int m : {1, 2, 3, 5, 10, 20, 50, 100}) {
    every = m;
    if ((last - first + every - 1) / every + 1 <= maxTicks) break;
  }
  // Whole strides from the first decade; the last decade is widened to the end of a stride.
  last = first + (last - first + every - 1) / every * every;
  std::vector<double> ticks;
  for (int k = first; k <= last; k += every) ticks.push_back(tickValue(1, 1, k));
  return ticks;
}

std::string tickLabel(double value) {
  std::string text = core::formatNumber(static_cast<float>(value));
  const auto e = text.find('e');
  if (e == std::string::npos) return text;
  // "1e-05" -> "1e-5", "1e+06" -> "1e6".
  std::string mantissa = text.substr(0, e), exponent = text.substr(e + 1);
  std::string sign;
  if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) {
    if (exponent[0] == '-') sign = "-";
    exponent.erase(0, 1);
  }
  exponent.erase(0, std::min(exponent.find_first_not_of('0'), exponent.size() - 1));
  return mantissa + "e" + sign + exponent;
}

std::size_t nearestPoint(const std::vector<std::pair<double, double>>& points, double step) {
  if (points.empty()) return 0;
  const auto after = std::lower_bound(points.begin(), points.end(), step,
                                      [](const std::pair<double, double>& p, double s) { return p.first < s; });
  if (after == points.begin()) return 0;
  if (after == points.end()) return points.size() - 1;
  const auto before = std::prev(after);
  const auto i = static_cast<std::size_t>(after - points.begin());
  return step - before->first <= after->first - step ? i - 1 : i;
}

std::size_t Plots::chart(const char* title, const std::vector<PlotSeries>& series,
                         const std::vector<const std::vector<PlotSeries>*>& earlier,
                         const std::vector<train::Event>& events, const ImVec2& size, AxisKind kind, double x0,
                         double x1) {
  ImDrawList* list = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(title, size);
  const bool hovered = ImGui::IsItemHovered();
  const Rect frame{origin, ImVec2(origin.x + size.x, origin.y + size.y)};
  const float line = ImGui::GetTextLineHeight();
  const float pad = std::round(line * 0.3f);
  list->AddRectFilled(frame.min, frame.max, ImGui::GetColorU32(ImGuiCol_FrameBg));
  list->PushClipRect(frame.min, frame.max, true);
  list->AddText(ImVec2(frame.min.x + pad, frame.min.y + pad), ImGui::GetColorU32(ImGuiCol_Text), title);

  // Legend: after the title on its line while it fits, then on lines of its own below it.
  float legendX = frame.min.x + pad + ImGui::CalcTextSize(title).x + 2 * line;
  float legendY = frame.min.y + pad;
  for (const auto& s : series) {
    const float w = ImGui::CalcTextSize(s.name.c_str()).x;
    if (legendX + w > frame.max.x - pad && legendX > frame.min.x + pad) {
      legendX = frame.min.x + pad;
      legendY += line;
    }
    list->AddText(ImVec2(legendX, legendY), s.color, s.name.c_str());
    legendX += w + line;
  }

  // Value axis: the current run's finite values (positive ones on a log axis).
  double lo = 0, hi = 0;
  bool any = false;
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) {
      if (!finite(y) || (kind == AxisKind::Log && y <= 0)) continue;
      lo = any ? std::min(lo, y) : y, hi = any ? std::max(hi, y) : y;
      any = true;
    }
  }
  std::vector<double> ticks;
  const float top = legendY + line + pad;
  const int fit = std::max(2, static_cast<int>((frame.max.y - top - line) / (2.2f * line)));
  if (kind == AxisKind::Unit) {
    ticks = niceTicks(0.0, 1.0, std::min(fit, 6));
  } else if (kind == AxisKind::Log) {
    ticks = any ? decadeTicks(lo, hi, fit) : std::vector<double>{0.1, 1.0};
  } else {
    ticks = niceTicks(0.0, any ? std::max(hi, 0.0) : 1.0, std::min(fit, 6));
  }
  const bool log = kind == AxisKind::Log;
  auto value = [&](double v) { return log ? std::log10(std::max(v, 1e-30)) : v; };
  const double y0 = value(ticks.front()), y1 = value(ticks.back());
  float labelWidth = 0;
  for (double t : ticks) labelWidth = std::max(labelWidth, ImGui::CalcTextSize(tickLabel(t).c_str()).x);
  const Rect plot{ImVec2(frame.min.x + pad + labelWidth + pad, top + line * 0.5f),
                  ImVec2(frame.max.x - pad - line * 0.5f, frame.max.y - line - pad)};
  if (plot.width() < 10 || plot.height() < 10) {
    list->PopClipRect();
    return 0;
  }
  if (x1 <= x0) x1 = x0 + 1;
  auto sx = [&](double x) { return plot.min.x + static_cast<float>((x - x0) / (x1 - x0)) * plot.width(); };
  auto sy = [&](double y) { return plot.max.y - static_cast<float>((value(y) - y0) / (y1 - y0)) * plot.height(); };

  // Grid and tick labels.
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const ImU32 grid = faded(ImGui::GetColorU32(ImGuiCol_Border), 0.5f);
  for (double t : ticks) {
    const float y = sy(t);
    list->AddLine(ImVec2(plot.min.x, y), ImVec2(plot.max.x, y), grid);
    const std::string text = tickLabel(t);
    list->AddText(ImVec2(plot.min.x - pad - ImGui::CalcTextSize(text.c_str()).x, y - line * 0.5f), dim, text.c_str());
  }
  const int xFit = std::max(2, static_cast<int>(plot.width() / (ImGui::CalcTextSize("00000").x + 2 * line)));
  float lastRight = -1e30f;
  // Two more ticks than fit: niceTicks spends them on round ends outside [x0, x1], dropped here.
  for (double t : niceTicks(x0, x1, xFit + 2)) {
    // Steps are whole numbers: a short run's axis has no tick at step 0.5.
    if (t < x0 - 1e-9 * (x1 - x0) || t > x1 + 1e-9 * (x1 - x0) || t != std::floor(t)) continue;
    const std::string text = tickLabel(t);
    const float w = ImGui::CalcTextSize(text.c_str()).x;
    const float x = std::clamp(sx(t) - w * 0.5f, plot.min.x - pad, frame.max.x - pad - w);
    list->AddLine(ImVec2(sx(t), plot.max.y), ImVec2(sx(t), plot.max.y + pad), dim);
    if (x < lastRight + pad) continue;
    list->AddText(ImVec2(x, plot.max.y + pad * 0.5f), dim, text.c_str());
    lastRight = x + w;
  }
  list->AddLine(ImVec2(plot.min.x, plot.max.y), plot.max, ImGui::GetColorU32(ImGuiCol_Border));
  if (!any) list->AddText(ImVec2(plot.min.x + pad, plot.center().y - line * 0.5f), dim, "no data yet");

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

  // Curves: the earlier runs faded (the oldest faintest), then the current run; each its own line.
  list->PushClipRect(plot.min, ImVec2(plot.max.x + 1, plot.max.y + 1), true);
  auto drawSeries = [&](const PlotSeries& s, ImU32 color, float thickness) {
    std::vector<ImVec2> points;
    points.reserve(s.points.size());
    for (const auto& [x, y] : s.points) {
      if (finite(y) && (!log || y > 0)) points.emplace_back(sx(x), sy(y));
    }
    points = columnExtremes(points);
    if (points.size() == 1) list->AddCircleFilled(points[0], 2.0f, color);
    if (points.size() > 1) list->AddPolyline(points.data(), static_cast<int>(points.size()), color, 0, thickness);
  };
  for (std::size_t r = earlier.size(); r-- > 0;) {
    for (const auto& s : *earlier[r]) drawSeries(s, faded(s.color, 0.35f - 0.08f * static_cast<float>(r)), 1.0f);
  }
  for (auto it = series.rbegin(); it != series.rend(); ++it) drawSeries(*it, it->color, 1.5f);
  list->PopClipRect();
  list->PopClipRect();

  if (hovered && any) {
    // The metric point nearest the mouse, within the data: its step and every series' value there.
    const double mouse = x0 + (ImGui::GetIO().MousePos.x - plot.min.x) / plot.width() * (x1 - x0);
    const PlotSeries* longest = &series.front();
    for (const auto& s : series) longest = s.points.size() > longest->points.size() ? &s : longest;
    if (!longest->points.empty()) {
      const double step = longest->points[nearestPoint(longest->points, mouse)].first;
      list->AddLine(ImVec2(sx(step), plot.min.y), ImVec2(sx(step), plot.max.y), dim);
      std::ostringstream tip;
      tip << "step " << static_cast<unsigned long long>(std::llround(std::max(step, 0.0)));
      for (const auto& s : series) {
        if (s.points.empty()) continue;
        const auto& p = s.points[nearestPoint(s.points, step)];
        if (p.first != step || !finite(p.second)) continue;
        char text[64];
        std::snprintf(text, sizeof text, "%.4g", p.second);
        tip << "\n" << s.name << ": " << text;
      }
      const double near = (x1 - x0) * 4.0 / plot.width();
      for (const auto& e : events) {
        if (std::fabs(static_cast<double>(e.step) - mouse) <= near) {
          tip << "\n" << e.what << ": " << e.before << " -> " << e.after << " (step " << e.step << ")";
        }
      }
      ImGui::SetTooltip("%s", tip.str().c_str());
    }
  }
  return markers;
}

void Plots::draw(const train::Snapshot& snapshot) {
  PlotSeries trainLoss{"train", IM_COL32(90, 170, 255, 255), {}};
  PlotSeries testLoss{"test", IM_COL32(250, 150, 60, 255), {}};
  PlotSeries accuracy{"test", IM_COL32(120, 210, 120, 255), {}};
  PlotSeries mse{"test", IM_COL32(120, 210, 120, 255), {}};
  PlotSeries lr{"rate", IM_COL32(200, 160, 255, 255), {}};
  // Per layer (the layer count may change with live edits: a series per layer index seen).
  std::vector<PlotSeries> gradient, ratio;
  bool classification = false;
  for (const auto& p : snapshot.history) {
    const double x = static_cast<double>(p.step);
    trainLoss.points.emplace_back(x, p.trainLoss);
    testLoss.points.emplace_back(x, p.test.loss);
    accuracy.points.emplace_back(x, p.test.accuracy);
    mse.points.emplace_back(x, p.test.mse);
    classification = classification || finite(p.test.accuracy);
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
  const bool regression = !classification && std::any_of(mse.points.begin(), mse.points.end(),
                                                         [](const auto& p) { return finite(p.second); });
  mRuns.current() = {std::vector<PlotSeries>{trainLoss, testLoss}, std::vector<PlotSeries>{regression ? mse : accuracy},
                     std::vector<PlotSeries>{lr}, gradient, ratio};

  // The x axis spans the current run: from step 0 (or from where a resumed run started) to now.
  double first = 0, last = static_cast<double>(snapshot.step);
  if (!snapshot.history.empty()) {
    first = static_cast<double>(snapshot.history.front().step);
    last = std::max(last, static_cast<double>(snapshot.history.back().step));
  }
  const double x0 = first > last * 0.5 ? first : 0.0;

  if (const std::size_t runs = mRuns.earlierRuns(); runs > 0) {
    ImGui::TextDisabled("faded: %zu earlier run%s", runs, runs == 1 ? "" : "s");
    ImGui::SameLine();
    if (ImGui::SmallButton("Clear")) mRuns.clearEarlierRuns();
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const float width = std::max((avail.x - 4 * spacing) / 5.0f, 40.0f);
  const ImVec2 size(width, std::max(avail.y - 4.0f, 40.0f));
  static constexpr const char* TITLES[CHARTS] = {"Loss", "Accuracy", "Learning rate", "Gradient norm",
                                                 "Update / weight"};
  const AxisKind kinds[CHARTS] = {AxisKind::Log, regression ? AxisKind::Log : AxisKind::Unit, AxisKind::Positive,
                                  AxisKind::Log, AxisKind::Log};
  for (std::size_t c = 0; c < CHARTS; ++c) {
    if (c > 0) ImGui::SameLine();
    const char* title = c == 1 && regression ? "Test MSE" : TITLES[c];
    const std::size_t markers =
        chart(title, mRuns.current()[c], mRuns.earlier(c), snapshot.events, size, kinds[c], x0, last);
    if (c == 0) mLossMarkers = markers;
  }
}

std::size_t Plots::ridgelines(const char* title, const std::vector<train::HistogramPoint>& points, std::size_t layer,
                              bool gradients, const ImVec2& size) {
  ImDrawList* list = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(title, size);
  const Rect frame{origin, ImVec2(origin.x + size.x, origin.y + size.y)};
  list->AddRectFilled(frame.min, frame.max, ImGui::GetColorU32(ImGuiCol_FrameBg));
  const float line = ImGui::GetTextLineHeight();
  const float pad = std::round(line * 0.3f);
  list->PushClipRect(frame.min, frame.max, true);
  list->AddText(ImVec2(frame.min.x + pad, frame.min.y + pad), ImGui::GetColorU32(ImGuiCol_Text), title);
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
  // The step range after the title, or on the next line where both do not fit on one.
  char range[96] = "";
  if (!steps.empty()) {
    std::snprintf(range, sizeof range, "steps %llu..%llu", static_cast<unsigned long long>(steps.front()),
                  static_cast<unsigned long long>(steps.back()));
    // Without "steps " where the panel is too narrow for it (large UI scales).
    if (ImGui::CalcTextSize(range).x + 2 * pad > size.x) std::memmove(range, range + 6, std::strlen(range + 6) + 1);
  }
  const float rangeWidth = ImGui::CalcTextSize(range).x;
  const bool oneLine = pad + ImGui::CalcTextSize(title).x + line + rangeWidth + pad <= size.x;
  const ImVec2 rangeAt(oneLine ? frame.max.x - rangeWidth - pad : frame.min.x + pad,
                       frame.min.y + pad + (oneLine ? 0 : line));
  const Rect plot{ImVec2(frame.min.x + pad, rangeAt.y + line + pad),
                  ImVec2(frame.max.x - pad, frame.max.y - line - pad)};
  if (shown.empty() || plot.width() < 10 || plot.height() < 10) {
    list->AddText(ImVec2(plot.min.x, plot.center().y), ImGui::GetColorU32(ImGuiCol_TextDisabled), "no data yet");
    list->PopClipRect();
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
    std::vector<ImVec2> curve;
    for (std::size_t b = 0; b < h.counts.size(); ++b) {
      const float value = h.low + binWidth * (static_cast<float>(b) + 0.5f);
      const float x = plot.min.x + (value - low) / (high - low) * plot.width();
      curve.emplace_back(x, base - peak * static_cast<float>(h.counts[b]) / static_cast<float>(most));
    }
    const float t = rows > 1 ? static_cast<float>(k) / (rows - 1.0f) : 1.0f;
    const ImU32 color =
        ImGui::ColorConvertFloat4ToU32(gradients ? ImVec4(0.95f, 0.55f + 0.2f * t, 0.25f, 0.25f + 0.75f * t)
                                                 : ImVec4(0.3f, 0.6f + 0.2f * t, 1.0f, 0.25f + 0.75f * t));
    list->AddPolyline(curve.data(), static_cast<int>(curve.size()), color, 0, 1.2f);
  }
  char text[96];
  std::snprintf(text, sizeof text, "%.3g", static_cast<double>(low));
  list->AddText(ImVec2(plot.min.x, plot.max.y + pad * 0.5f), dim, text);
  const float lowEnd = plot.min.x + ImGui::CalcTextSize(text).x + line;
  std::snprintf(text, sizeof text, "%.3g", static_cast<double>(high));
  // The high end where it clears the low one (a narrow panel at a large UI scale has room for one).
  const float highX = plot.max.x - ImGui::CalcTextSize(text).x;
  if (highX >= lowEnd) list->AddText(ImVec2(highX, plot.max.y + pad * 0.5f), dim, text);
  list->AddText(rangeAt, dim, range);
  list->PopClipRect();
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
  // "layer 1 gradients" where it fits, else "L1 grads" (narrow panels at large UI scales).
  const float pad = std::round(ImGui::GetTextLineHeight() * 0.3f);
  const bool longTitles = ImGui::CalcTextSize("layer 10 gradients").x + 2 * pad <= size.x;
  for (std::size_t l = 0; l < layers; ++l) {
    char title[64];
    std::snprintf(title, sizeof title, longTitles ? "layer %zu weights" : "L%zu weights", l + 1);
    if (l > 0) ImGui::SameLine();
    mHistogramCurves += ridgelines(title, points, l, false, size);
    std::snprintf(title, sizeof title, longTitles ? "layer %zu gradients" : "L%zu grads", l + 1);
    ImGui::SameLine();
    mHistogramCurves += ridgelines(title, points, l, true, size);
  }
}

}  // namespace nsb::ui
