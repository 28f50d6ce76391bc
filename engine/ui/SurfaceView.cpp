#include "ui/SurfaceView.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <glm/glm.hpp>
#include <unordered_map>
#include <utility>

#include "ui/Viridis.h"

namespace nsb::ui {

using descent::Point;

namespace {

constexpr float MARGIN = 8.0f;
// Room for the axes' labels left of and below the map: at least what UI scale 1 had, more where the font
// is larger (presenter mode's scale), so that the tick labels stay apart from the map and "y".
float axisLeft() { return std::max(44.0f, ImGui::CalcTextSize("-8.88").x + 12.0f); }
float axisBottom() { return std::max(34.0f, 2.0f * ImGui::GetTextLineHeight() + 8.0f); }
constexpr float MESH_HEIGHT = 0.7f;  // the 3D mesh's height for the whole colour range (width 2)

// The map's colours: ui/Viridis.h.
std::uint32_t colourOf(float t) { return viridis(t); }

ImVec2 clampLength(ImVec2 v, float most) {
  const float length = std::sqrt(v.x * v.x + v.y * v.y);
  if (length <= most || !(length > 0.0f)) return v;
  return ImVec2(v.x * most / length, v.y * most / length);
}

}  // namespace

SurfaceView::SurfaceView() {
  for (const auto kind : {compute::OptimizerKind::Gd, compute::OptimizerKind::Momentum, compute::OptimizerKind::Adam})
    mLab.add(kind);
}

core::Status SurfaceView::configure(const train::SurfaceSetup& setup) {
  NSB_TRY(mLab.configure(setup));
  mSelected = 0;
  mBuiltFor.reset();
  return core::Ok{};
}

std::optional<Rect> SurfaceView::widgetRect(const std::string& name) const {
  for (const auto& [key, rect] : mWidgets) {
    if (key == name) return rect;
  }
  return std::nullopt;
}

void SurfaceView::remember(const std::string& name) {
  mWidgets.emplace_back(name, Rect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()});
}

float SurfaceView::shade(double value) const {
  const double span = mHigh - mLow;
  if (!(span > 0.0)) return 0.0f;
  const double above = std::max(value - mLow, 0.0);
  // Log-scaled where a few cells dwarf the rest (Rosenbrock's walls are 1e4 times its valley).
  const double t = mLogScale ? std::log1p(above * 1000.0 / span) / std::log1p(1000.0) : above / span;
  return static_cast<float>(std::clamp(t, 0.0, 1.0));
}

void SurfaceView::rebuild() {
  const descent::Surface& s = mLab.surface();
  mRange = s.range();
  const std::vector<double> values = s.sampleGrid(mRange, GRID);
  mLow = *std::min_element(values.begin(), values.end());
  mHigh = *std::max_element(values.begin(), values.end());
  std::vector<double> sorted = values;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double median = sorted[sorted.size() / 2];
  mLogScale = (mHigh - mLow) > 20.0 * (median - mLow);
  mShade.resize(values.size());
  mColours.resize(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    mShade[i] = shade(values[i]);
    mColours[i] = colourOf(mShade[i]);
  }
  buildMapMesh();
  mMeshTone.resize(MESH * MESH);
  for (std::size_t r = 0; r < MESH; ++r) {
    for (std::size_t c = 0; c < MESH; ++c) {
      const Point p{mRange.xMin + (mRange.xMax - mRange.xMin) * static_cast<double>(c) / (MESH - 1),
                    mRange.yMin + (mRange.yMax - mRange.yMin) * static_cast<double>(r) / (MESH - 1)};
      mMeshTone[r * MESH + c] = shade(s.value(p));
    }
  }
  // Iso-lines by marching squares over the colour positions: where a level crosses a cell's edges. A
  // cut is named by its edge (horizontal edges first, then vertical ones), which the two cells beside
  // it share, so that the segments join into polylines.
  mIsoPoints.clear();
  mIsoStarts.clear();
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  mCutPoints.assign(2 * GRID * GRID, ImVec2(0, 0));
  for (std::size_t level = 1; level < ISO_LEVELS; ++level) {
    const float iso = static_cast<float>(level) / ISO_LEVELS;
    edges.clear();
    for (std::size_t r = 0; r + 1 < GRID; ++r) {
      for (std::size_t c = 0; c + 1 < GRID; ++c) {
        const float v[4] = {mShade[r * GRID + c], mShade[r * GRID + c + 1], mShade[(r + 1) * GRID + c + 1],
                            mShade[(r + 1) * GRID + c]};
        // Edge e runs from corner e to corner e + 1 (bottom, right, top, left).
        const std::uint32_t edgeId[4] = {
            static_cast<std::uint32_t>(r * GRID + c), static_cast<std::uint32_t>(GRID * GRID + r * GRID + c + 1),
            static_cast<std::uint32_t>((r + 1) * GRID + c), static_cast<std::uint32_t>(GRID * GRID + r * GRID + c)};
        const float cx[4] = {0, 1, 1, 0}, cy[4] = {0, 0, 1, 1};
        std::uint32_t cut[4];
        int cuts = 0;
        for (int e = 0; e < 4 && cuts < 4; ++e) {
          const int f = (e + 1) % 4;
          if ((v[e] < iso) == (v[f] < iso)) continue;
          const float a = (iso - v[e]) / (v[f] - v[e]);
          mCutPoints[edgeId[e]] = ImVec2((static_cast<float>(c) + cx[e] + a * (cx[f] - cx[e])) / (GRID - 1),
                                         (static_cast<float>(r) + cy[e] + a * (cy[f] - cy[e])) / (GRID - 1));
          cut[cuts++] = edgeId[e];
        }
        if (cuts >= 2) edges.emplace_back(cut[0], cut[1]);
        if (cuts == 4) edges.emplace_back(cut[2], cut[3]);
      }
    }
    chainIsoLines(edges);
  }
  const descent::SurfaceParams& p = s.params();
  mBuiltFor = std::make_pair(s.kind(), p);
}

void SurfaceView::buildMapMesh() {
  // A block of cells is drawn as one quad (two triangles split along the diagonal from its lower left
  // corner, as the cells are) where that quad's interpolated colours miss no sample inside it by more
  // than MESH_TOLERANCE levels; otherwise it is halved. A neighbour's edge differs from the long edge
  // it meets by at most that tolerance too, so the seams do not show.
  const auto channel = [](std::uint32_t colour, int shift) { return static_cast<float>((colour >> shift) & 0xFF); };
  const auto fits = [&](std::size_t r0, std::size_t c0, std::size_t rows, std::size_t cols) {
    const std::uint32_t c00 = mColours[r0 * GRID + c0], c01 = mColours[r0 * GRID + c0 + cols],
                        c10 = mColours[(r0 + rows) * GRID + c0], c11 = mColours[(r0 + rows) * GRID + c0 + cols];
    for (std::size_t r = r0; r <= r0 + rows; ++r) {
      const float b = static_cast<float>(r - r0) / static_cast<float>(rows);
      for (std::size_t c = c0; c <= c0 + cols; ++c) {
        const float a = static_cast<float>(c - c0) / static_cast<float>(cols);
        for (const int shift : {0, 8, 16}) {
          const float p00 = channel(c00, shift), p01 = channel(c01, shift), p10 = channel(c10, shift),
                      p11 = channel(c11, shift);
          const float mixed =
              a >= b ? p00 + a * (p01 - p00) + b * (p11 - p01) : p00 + b * (p10 - p00) + a * (p11 - p10);
          if (std::fabs(mixed - channel(mColours[r * GRID + c], shift)) > MESH_TOLERANCE) return false;
        }
      }
    }
    return true;
  };
  std::vector<std::int32_t> vertexOf(GRID * GRID, -1);
  mMeshVertices.clear();
  mMeshIndices.clear();
  const auto vertex = [&](std::size_t r, std::size_t c) {
    std::int32_t& v = vertexOf[r * GRID + c];
    if (v < 0) {
      v = static_cast<std::int32_t>(mMeshVertices.size());
      mMeshVertices.push_back(static_cast<std::uint32_t>(r * GRID + c));
    }
    return static_cast<std::uint32_t>(v);
  };
  const auto block = [&](const auto& self, std::size_t r0, std::size_t c0, std::size_t rows, std::size_t cols) -> void {
    if ((rows == 1 && cols == 1) || fits(r0, c0, rows, cols)) {
      const std::uint32_t a = vertex(r0, c0), b = vertex(r0, c0 + cols), c = vertex(r0 + rows, c0 + cols),
                          d = vertex(r0 + rows, c0);
      for (const std::uint32_t i : {a, b, c, a, c, d}) mMeshIndices.push_back(i);
      return;
    }
    const std::size_t topRows = rows > 1 ? rows / 2 : rows, leftCols = cols > 1 ? cols / 2 : cols;
    self(self, r0, c0, topRows, leftCols);
    if (cols > 1) self(self, r0, c0 + leftCols, topRows, cols - leftCols);
    if (rows > 1) self(self, r0 + topRows, c0, rows - topRows, leftCols);
    if (rows > 1 && cols > 1) self(self, r0 + topRows, c0 + leftCols, rows - topRows, cols - leftCols);
  };
  block(block, 0, 0, GRID - 1, GRID - 1);
}

void SurfaceView::chainIsoLines(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges) {
  // Each cut edge belongs to at most two segments (the cells on either side of it).
  std::unordered_map<std::uint32_t, std::array<std::int32_t, 2>> touching;
  touching.reserve(edges.size() * 2);
  for (std::size_t i = 0; i < edges.size(); ++i) {
    for (const std::uint32_t e : {edges[i].first, edges[i].second}) {
      auto [it, inserted] = touching.try_emplace(e, std::array<std::int32_t, 2>{-1, -1});
      it->second[it->second[0] < 0 ? 0 : 1] = static_cast<std::int32_t>(i);
    }
  }
  std::vector<bool> used(edges.size(), false);
  std::vector<ImVec2> line;
  const float tolerance = ISO_TOLERANCE / (GRID - 1);
  const auto walk = [&](std::size_t first, std::uint32_t from) {
    line.assign(1, mCutPoints[from]);
    std::size_t segment = first;
    std::uint32_t at = from;
    while (true) {
      used[segment] = true;
      at = edges[segment].first == at ? edges[segment].second : edges[segment].first;
      line.push_back(mCutPoints[at]);
      const auto& next = touching[at];
      const std::int32_t other = next[0] == static_cast<std::int32_t>(segment) ? next[1] : next[0];
      if (other < 0 || used[static_cast<std::size_t>(other)]) break;
      segment = static_cast<std::size_t>(other);
    }
    // Douglas-Peucker: the points that leave the chord between the kept ones by more than the tolerance.
    std::vector<bool> keep(line.size(), false);
    keep.front() = keep.back() = true;
    std::vector<std::pair<std::size_t, std::size_t>> spans{{0, line.size() - 1}};
    while (!spans.empty()) {
      const auto [a, b] = spans.back();
      spans.pop_back();
      const ImVec2 p = line[a], q = line[b];
      const float dx = q.x - p.x, dy = q.y - p.y, length = std::sqrt(dx * dx + dy * dy);
      float worst = 0.0f;
      std::size_t farthest = a;
      for (std::size_t k = a + 1; k < b; ++k) {
        const float ex = line[k].x - p.x, ey = line[k].y - p.y;
        const float d = length > 0.0f ? std::fabs(ex * dy - ey * dx) / length : std::sqrt(ex * ex + ey * ey);
        if (d > worst) worst = d, farthest = k;
      }
      if (worst > tolerance) {
        keep[farthest] = true;
        spans.emplace_back(a, farthest);
        spans.emplace_back(farthest, b);
      }
    }
    mIsoStarts.push_back(mIsoPoints.size());
    for (std::size_t k = 0; k < line.size(); ++k) {
      if (keep[k]) mIsoPoints.push_back(line[k]);
    }
  };
  // Open lines from their ends first (an end's edge touches one segment), then the closed loops.
  for (std::size_t i = 0; i < edges.size(); ++i) {
    if (used[i]) continue;
    for (const std::uint32_t e : {edges[i].first, edges[i].second}) {
      if (!used[i] && touching[e][1] < 0) walk(i, e);
    }
  }
  for (std::size_t i = 0; i < edges.size(); ++i) {
    if (!used[i]) walk(i, edges[i].first);
  }
}

ImVec2 SurfaceView::toScreen(Point p) const {
  const float u = static_cast<float>((p.x - mRange.xMin) / (mRange.xMax - mRange.xMin));
  const float v = static_cast<float>((p.y - mRange.yMin) / (mRange.yMax - mRange.yMin));
  return ImVec2(mMap.min.x + u * mMap.width(), mMap.max.y - v * mMap.height());
}

Point SurfaceView::toSurface(const ImVec2& screen) const {
  const double u = (screen.x - mMap.min.x) / std::max(mMap.width(), 1.0f);
  const double v = (mMap.max.y - screen.y) / std::max(mMap.height(), 1.0f);
  return Point{mRange.xMin + u * (mRange.xMax - mRange.xMin), mRange.yMin + v * (mRange.yMax - mRange.yMin)};
}

void SurfaceView::draw(const Rect& area, double seconds) {
  mWidgets.clear();
  const descent::Surface& s = mLab.surface();
  if (!mBuiltFor || mBuiltFor->first != s.kind() || mBuiltFor->second.condition != s.params().condition ||
      mBuiltFor->second.sigma != s.params().sigma) {
    rebuild();
  }
  if (mPlaying) mLab.advance(seconds);
  if (mSelected >= mLab.runs().size()) mSelected = mLab.runs().empty() ? 0 : mLab.runs().size() - 1;

  // The controls beside the map; in an area taller than wide (presenter mode beside the Lesson panel) below
  // it, where the map can have the whole width.
  Rect mapArea, side;
  if (area.height() > area.width()) {
    const float mapHeight = std::max(area.height() * 0.55f, 120.0f);
    mapArea = Rect{area.min, ImVec2(area.max.x, area.min.y + mapHeight)};
    side = Rect{ImVec2(area.min.x, mapArea.max.y + MARGIN), area.max};
  } else {
    const float controls = std::clamp(area.width() * 0.42f, 260.0f, 520.0f);
    mapArea = Rect{area.min, ImVec2(std::max(area.min.x + 120.0f, area.max.x - controls), area.max.y)};
    side = Rect{ImVec2(mapArea.max.x + MARGIN, area.min.y), area.max};
  }
  ImGui::SetCursorScreenPos(mapArea.min);
  ImGui::BeginChild("surface-map", ImVec2(mapArea.width(), mapArea.height()), false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  const bool contourTab = shows("surface-tab-contour"), threeDTab = shows("surface-tab-3d");
  if ((contourTab || threeDTab) && ImGui::BeginTabBar("surface-tabs")) {
    const bool sync = std::exchange(mTabSync, false);
    const bool threeD = mThreeD;
    if (contourTab) {
      if (ImGui::BeginTabItem("Contour", nullptr, sync && !threeD ? ImGuiTabItemFlags_SetSelected : 0)) {
        mThreeD = false;
        ImGui::EndTabItem();
      }
      remember("surface-tab-contour");
    }
    if (threeDTab) {
      if (ImGui::BeginTabItem("3D", nullptr, sync && threeD ? ImGuiTabItemFlags_SetSelected : 0)) {
        mThreeD = true;
        ImGui::EndTabItem();
      }
      remember("surface-tab-3d");
    }
    ImGui::EndTabBar();
  } else {
    mTabSync = true;  // the tab bar, when it is back, shows the view in front
  }
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const Rect plot{min, ImVec2(min.x + avail.x, min.y + std::max(avail.y, 1.0f))};
  if (mThreeD) {
    drawOrbit(plot);
  } else {
    drawContour(plot);
  }
  ImGui::EndChild();
  drawControls(side);
}

void SurfaceView::drawContour(const Rect& area) {
  // Equal scales on both axes, room for the axes' labels left and below.
  const float aspect = static_cast<float>((mRange.xMax - mRange.xMin) / (mRange.yMax - mRange.yMin));
  const float left = axisLeft(), bottom = axisBottom();
  float width = std::max(area.width() - left - MARGIN, 16.0f);
  float height = width / aspect;
  if (height > area.height() - bottom - MARGIN) {
    height = std::max(area.height() - bottom - MARGIN, 16.0f);
    width = height * aspect;
  }
  mMap.min = ImVec2(area.min.x + left, area.min.y + MARGIN);
  mMap.max = ImVec2(mMap.min.x + width, mMap.min.y + height);
  ImDrawList& list = *ImGui::GetWindowDrawList();

  // The value grid as a mesh of vertex-coloured quads, merged where the colours allow (buildMapMesh).
  list.PrimReserve(static_cast<int>(mMeshIndices.size()), static_cast<int>(mMeshVertices.size()));
  const ImVec2 uv = ImGui::GetFontTexUvWhitePixel();
  const auto base = static_cast<ImDrawIdx>(list._VtxCurrentIdx);
  for (const std::uint32_t sample : mMeshVertices) {
    const std::size_t r = sample / GRID, c = sample % GRID;
    list._VtxWritePtr->pos = ImVec2(mMap.min.x + width * static_cast<float>(c) / (GRID - 1),
                                    mMap.max.y - height * static_cast<float>(r) / (GRID - 1));
    list._VtxWritePtr->uv = uv;
    list._VtxWritePtr->col = mColours[sample];
    ++list._VtxWritePtr;
  }
  for (const std::uint32_t index : mMeshIndices) *list._IdxWritePtr++ = static_cast<ImDrawIdx>(base + index);
  list._VtxCurrentIdx += static_cast<unsigned int>(mMeshVertices.size());

  // The iso-lines: one polyline each, transformed from map units.
  for (std::size_t i = 0; i < mIsoStarts.size(); ++i) {
    const std::size_t end = i + 1 < mIsoStarts.size() ? mIsoStarts[i + 1] : mIsoPoints.size();
    mScreenLine.clear();
    for (std::size_t k = mIsoStarts[i]; k < end; ++k)
      mScreenLine.emplace_back(mMap.min.x + mIsoPoints[k].x * width, mMap.max.y - mIsoPoints[k].y * height);
    list.AddPolyline(mScreenLine.data(), static_cast<int>(mScreenLine.size()), IM_COL32(255, 255, 255, 70),
                     ImDrawFlags_None, 1.0f);
  }
  list.AddRect(mMap.min, mMap.max, IM_COL32(200, 200, 200, 160));
  drawAxes(list);

  for (const auto& m : mLab.surface().minima()) {
    const ImVec2 at = toScreen(m.at);
    list.AddCircle(at, 7.0f, IM_COL32(255, 255, 255, 255), 16, 2.0f);
    list.AddCircleFilled(at, m.global ? 3.0f : 2.0f, IM_COL32(255, 255, 255, 255));
  }
  drawRuns(list);

  // The start point: drag it (anywhere on the map) and every run starts again from there.
  const ImVec2 start = toScreen(mLab.start());
  list.AddCircleFilled(start, 6.0f, IM_COL32(240, 240, 240, 255));
  list.AddCircle(start, 6.0f, IM_COL32(20, 20, 20, 255), 16, 2.0f);
  // The start point's handle (the whole map is its drag area) is a control: "surface-start".
  if (!shows("surface-start")) return;
  ImGui::SetCursorScreenPos(mMap.min);
  ImGui::InvisibleButton("surface-map-drag", ImVec2(width, height));
  remember("surface-map");
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 2.0f)) {
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const ImVec2 inside(std::clamp(mouse.x, mMap.min.x, mMap.max.x), std::clamp(mouse.y, mMap.min.y, mMap.max.y));
    mLab.setStart(toSurface(inside));
  }
  if (ImGui::IsItemHovered() && !ImGui::IsItemActive()) {
    const Point p = toSurface(ImGui::GetIO().MousePos);
    ImGui::SetTooltip("(%.3g, %.3g)  f = %.4g\nDrag to move the start point.", p.x, p.y, mLab.surface().value(p));
  }
  const ImVec2 startNow = toScreen(mLab.start());
  mWidgets.emplace_back("surface-start",
                        Rect{ImVec2(startNow.x - 6, startNow.y - 6), ImVec2(startNow.x + 6, startNow.y + 6)});
}

void SurfaceView::drawAxes(ImDrawList& list) const {
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  const float left = axisLeft();
  char label[32];
  for (int i = 0; i <= 4; ++i) {
    const double f = i / 4.0;
    const double x = mRange.xMin + f * (mRange.xMax - mRange.xMin);
    const double y = mRange.yMin + f * (mRange.yMax - mRange.yMin);
    const float sx = mMap.min.x + static_cast<float>(f) * mMap.width();
    const float sy = mMap.max.y - static_cast<float>(f) * mMap.height();
    list.AddLine(ImVec2(sx, mMap.max.y), ImVec2(sx, mMap.max.y + 4), text);
    std::snprintf(label, sizeof label, "%.3g", x);
    const float w = ImGui::CalcTextSize(label).x;
    list.AddText(ImVec2(std::clamp(sx - w / 2, mMap.min.x - left, mMap.max.x - w), mMap.max.y + 5), text, label);
    list.AddLine(ImVec2(mMap.min.x - 4, sy), ImVec2(mMap.min.x, sy), text);
    std::snprintf(label, sizeof label, "%.3g", y);
    const ImVec2 size = ImGui::CalcTextSize(label);
    list.AddText(ImVec2(mMap.min.x - 6 - size.x, std::clamp(sy - size.y / 2, mMap.min.y, mMap.max.y - size.y)), text,
                 label);
  }
  const float line = ImGui::GetTextLineHeight();
  list.AddText(ImVec2(mMap.min.x + mMap.width() / 2 - 3, mMap.max.y + 5 + line), text, "x");
  list.AddText(ImVec2(mMap.min.x - left + 2, mMap.min.y), text, "y");
}

void SurfaceView::drawArrow(ImDrawList& list, ImVec2 from, Point vector, std::uint32_t colour, float thickness) const {
  const float sx = mMap.width() / static_cast<float>(mRange.xMax - mRange.xMin);
  const float sy = mMap.height() / static_cast<float>(mRange.yMax - mRange.yMin);
  const ImVec2 v =
      clampLength(ImVec2(static_cast<float>(vector.x) * sx, -static_cast<float>(vector.y) * sy), MAX_ARROW);
  const float length = std::sqrt(v.x * v.x + v.y * v.y);
  if (!(length >= 1.0f)) return;
  const ImVec2 to(from.x + v.x, from.y + v.y);
  list.AddLine(from, to, colour, thickness);
  const ImVec2 d(v.x / length, v.y / length);
  const float head = std::min(8.0f, length * 0.5f);
  list.AddTriangleFilled(to, ImVec2(to.x - d.x * head - d.y * head * 0.5f, to.y - d.y * head + d.x * head * 0.5f),
                         ImVec2(to.x - d.x * head + d.y * head * 0.5f, to.y - d.y * head - d.x * head * 0.5f), colour);
}

void SurfaceView::drawRuns(ImDrawList& list) {
  mPathPointsDrawn.assign(mLab.runs().size(), 0);
  list.PushClipRect(mMap.min, mMap.max, true);
  for (std::size_t i = 0; i < mLab.runs().size(); ++i) {
    const descent::LabRun& r = mLab.runs()[i];
    const auto& path = r.run.path();
    // At most MAX_PATH_POINTS points, evenly picked, and none within 3 pixels of the one before (a run
    // near its minimum piles thousands there): one polyline, whatever the speed, stays cheap to draw.
    const std::size_t stride = std::max<std::size_t>(1, (path.size() + MAX_PATH_POINTS - 1) / MAX_PATH_POINTS);
    mScreenPath.assign(1, toScreen(path.front()));
    for (std::size_t k = stride; k < path.size() + stride - 1; k += stride) {
      const ImVec2 p = toScreen(path[std::min(k, path.size() - 1)]);
      const ImVec2& last = mScreenPath.back();
      if (std::fabs(p.x - last.x) + std::fabs(p.y - last.y) >= 3.0f || k >= path.size() - 1) mScreenPath.push_back(p);
    }
    // Whole-pixel widths: ImGui draws those from its texture, two triangles a segment (lavapipe's cost).
    list.AddPolyline(mScreenPath.data(), static_cast<int>(mScreenPath.size()), r.colour, ImDrawFlags_None,
                     i == mSelected ? 3.0f : 1.0f);
    const ImVec2 previous = mScreenPath.back();
    const std::size_t drawn = mScreenPath.size();
    mPathPointsDrawn[i] = drawn;
    list.AddCircleFilled(previous, 4.0f, r.colour);
    if (r.run.steps() == 0) continue;
    // The current step: -lr * gradient (white), -lr * velocity (the run's colour, thin), the step taken.
    const descent::StepDetail& d = r.run.last();
    const ImVec2 at = toScreen(d.before);
    const double lr = d.learningRate;
    drawArrow(list, at, Point{-lr * d.gradient.x, -lr * d.gradient.y}, IM_COL32(255, 255, 255, 220), 1.0f);
    if (d.hasVelocity) drawArrow(list, at, Point{-lr * d.velocity.x, -lr * d.velocity.y}, r.colour & 0xB0FFFFFFu, 1.0f);
    drawArrow(list, at, d.taken, r.colour, 2.0f);
    if (d.hasScale) {
      // The per-coordinate step size lr / scale: an ellipse whose axes compare x's with y's.
      const double ex = 1.0 / d.scale.x, ey = 1.0 / d.scale.y;
      const double most = std::max(ex, ey);
      if (most > 0.0 && std::isfinite(most)) {
        const float rx = 4.0f + 18.0f * static_cast<float>(ex / most),
                    ry = 4.0f + 18.0f * static_cast<float>(ey / most);
        ImVec2 points[24];
        for (int k = 0; k < 24; ++k) {
          const float a = 6.2831853f * static_cast<float>(k) / 24.0f;
          points[k] = ImVec2(previous.x + rx * std::cos(a), previous.y + ry * std::sin(a));
        }
        list.AddPolyline(points, 24, r.colour, ImDrawFlags_Closed, 1.0f);
      }
    }
  }
  list.PopClipRect();
}

void SurfaceView::drawOrbit(const Rect& area) {
  mMap = area;  // the 3D view has no start handle; the 2D mapping stays on its last square
  ImDrawList& list = *ImGui::GetWindowDrawList();
  const bool orbit = shows("surface-orbit");  // the camera's drag and wheel
  mMesh.begin(area, MESH_HEIGHT * 0.4f, orbit ? "surface-orbit" : nullptr);
  if (orbit) remember("surface-orbit");
  // The surface's (x, y) on the floor (x right, y into the screen at yaw 0), its colour position up.
  const auto world = [&](Point p, float up) {
    return glm::vec3(static_cast<float>(2.0 * (p.x - mRange.xMin) / (mRange.xMax - mRange.xMin) - 1.0), up,
                     static_cast<float>(1.0 - 2.0 * (p.y - mRange.yMin) / (mRange.yMax - mRange.yMin)));
  };
  const auto project = [&](const glm::vec3& w) { return mMesh.project(w); };
  const auto heightAt = [&](Point p) { return shade(mLab.surface().value(p)) * MESH_HEIGHT; };

  // The mesh: MESH x MESH samples, quads sorted back to front (painter's algorithm), outlined.
  list.PushClipRect(area.min, area.max, true);
  mMesh.drawMesh(list, MESH, mMeshTone, MESH_HEIGHT, colourOf, IM_COL32(0, 0, 0, 60));
  for (const auto& m : mLab.surface().minima()) {
    if (const auto p = project(world(m.at, heightAt(m.at) + 0.01f))) list.AddCircleFilled(*p, 4.0f, IM_COL32_WHITE);
  }
  mPathPointsDrawn.assign(mLab.runs().size(), 0);
  for (std::size_t i = 0; i < mLab.runs().size(); ++i) {
    const descent::LabRun& r = mLab.runs()[i];
    const auto& path = r.run.path();
    const std::size_t stride = std::max<std::size_t>(1, (path.size() + MAX_PATH_POINTS - 1) / MAX_PATH_POINTS);
    std::optional<ImVec2> previous;
    for (std::size_t k = 0; k < path.size() + stride - 1; k += stride) {
      const Point p = path[std::min(k, path.size() - 1)];
      const auto s = project(world(p, heightAt(p) + 0.015f));
      if (s && previous) list.AddLine(*previous, *s, r.colour, i == mSelected ? 3.0f : 1.0f);
      if (s) ++mPathPointsDrawn[i];
      previous = s;
    }
    if (previous) list.AddCircleFilled(*previous, 4.0f, r.colour);
  }
  list.PopClipRect();
  const char* help = !orbit      ? (mLogScale ? "height: log-scaled f" : "height: f")
                     : mLogScale ? "drag to orbit, wheel to zoom; height: log-scaled f"
                                 : "drag to orbit, wheel to zoom; height: f";
  list.AddText(ImVec2(area.min.x + 4, area.max.y - ImGui::GetTextLineHeight() - 4),
               ImGui::GetColorU32(ImGuiCol_TextDisabled), help);
}

}  // namespace nsb::ui
