// LandscapeView: the live loss landscape's controls, contour map and 3D surface (see the header).
#include "ui/LandscapeView.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <glm/glm.hpp>

#include "ui/Viridis.h"
#include "ui/panels/PanelSupport.h"

namespace nsb::ui {

using landscape::LiveResult;
using landscape::PlaneKind;
using landscape::PlanePoint;

namespace {

constexpr float MARGIN = 8.0f;
constexpr ImU32 PATH_COLOUR = IM_COL32(255, 255, 255, 230);
constexpr ImU32 CENTRE_COLOUR = IM_COL32(255, 80, 80, 255);
constexpr int MAX_GRID = 129;  // the view's largest grid (the engine takes more; the mesh would not help)

}  // namespace

LandscapeView::LandscapeView()
    : mLive(std::make_shared<landscape::LiveLandscape>(landscape::LiveSettings{.enabled = false})) {}

void LandscapeView::remember(const std::string& name) {
  mWidgets.emplace_back(name, Rect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()});
}

void LandscapeView::hide() {
  if (!mShown) return;
  mShown = false;
  auto s = mLive->settings();
  s.enabled = false;
  mLive->configure(s);
}

void LandscapeView::draw(const Rect& area, const std::function<std::uint64_t(train::Command)>& send) {
  mWidgets.clear();
  if (!mSent && send) mSent = send(train::SetSessionWork{mLive}) != 0;
  if (!mShown) {
    mShown = true;
    auto s = mLive->settings();
    s.enabled = true;
    mLive->configure(s);
  }
  drawControls();
  const auto result = mLive->latest();
  collectPaths(result.get());
  drawStatus(result.get());
  // The map in what is left of `area` under the controls and the status lines.
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const Rect rest{min, ImVec2(std::max(area.max.x, min.x + 1.0f), std::max(area.max.y, min.y + 1.0f))};
  mTrianglesDrawn = 0;
  mPathPointsDrawn = 0;
  if (!result || result->grid.loss.empty()) return;
  if (result->version != mBuiltVersion) rebuild(*result);
  mShownVersion = result->version;
  if (mThreeD)
    drawSurface(*result, rest);
  else
    drawContour(*result, rest);
}

void LandscapeView::drawControls() {
  landscape::LiveSettings s = mLive->settings();
  bool changed = false;
  const float field = ImGui::GetFontSize() * 6.0f;
  int plane = s.plane == PlaneKind::Trajectory ? 1 : 0;
  ImGui::SetNextItemWidth(field * 1.6f);
  if (ImGui::Combo("Plane##landscape", &plane, "Random directions\0Trajectory (PCA)\0")) {
    s.plane = plane == 1 ? PlaneKind::Trajectory : PlaneKind::Random;
    changed = true;
  }
  remember("landscape-plane");
  panels::tooltip(
      "Random directions: two filter-normalised random directions (Li et al. 2018), the terrain around the "
      "weights. Trajectory: the two principal directions of the kept steps (the timeline), with the path drawn.");
  ImGui::SameLine();
  ImGui::Checkbox("3D##landscape", &mThreeD);
  remember("landscape-3d");
  panels::tooltip("A 3D surface under an orbit camera (drag to orbit, wheel to zoom) instead of the contour map.");
  int points = static_cast<int>(s.points);
  ImGui::TextUnformatted("grid");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(field * 0.6f);
  if (ImGui::InputInt("##landscape-grid", &points, 0, 0, ImGuiInputTextFlags_EnterReturnsTrue)) {
    points = std::clamp(points | 1, 5, MAX_GRID);  // odd: the centre is a grid point
    changed = points != static_cast<int>(s.points);
    s.points = static_cast<std::size_t>(points);
  }
  remember("landscape-grid");
  panels::tooltip("Grid points a side (odd: the weights now are its centre).");
  ImGui::SameLine();
  float span = s.span;
  ImGui::SetNextItemWidth(field);
  ImGui::DragFloat("Span##landscape", &span, 0.01f, 0.01f, 100.0f, "%.3g", ImGuiSliderFlags_Logarithmic);
  if (ImGui::IsItemDeactivatedAfterEdit() || (ImGui::IsItemEdited() && !ImGui::IsItemActive())) {
    s.span = std::clamp(span, 0.01f, 100.0f);
    changed = true;
  }
  remember("landscape-span");
  panels::tooltip(
      s.plane == PlaneKind::Trajectory
          ? "Half the width of the plane, in the path's extents (1: the farthest kept step at the border)."
          : "Half the width of the plane, in filter-normalised directions (1: each row moved by its norm).");
  ImGui::SameLine();
  int every = static_cast<int>(s.every);
  ImGui::TextUnformatted("every");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(field * 0.6f);
  if (ImGui::InputInt("##landscape-every", &every, 0, 0, ImGuiInputTextFlags_EnterReturnsTrue)) {
    s.every = static_cast<std::uint64_t>(std::max(every, 1));
    changed = true;
  }
  remember("landscape-every");
  panels::tooltip("Steps between two refreshes while training.");
  ImGui::SameLine();
  int rows = static_cast<int>(s.rows);
  ImGui::TextUnformatted("samples");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(field * 0.6f);
  if (ImGui::InputInt("##landscape-samples", &rows, 0, 0, ImGuiInputTextFlags_EnterReturnsTrue)) {
    s.rows = static_cast<std::size_t>(std::clamp(rows, 1, 65536));
    changed = true;
  }
  remember("landscape-samples");
  panels::tooltip("The evaluation batch: the first samples of the test split, in file order.");
  if (changed) mLive->configure(s);
}

void LandscapeView::collectPaths(const LiveResult* r) {
  mPaths.clear();
  if (!r || !r->error.empty()) return;
  if (r->replicas.empty()) {
    if (!r->path.empty()) mPaths.push_back({"trajectory", PATH_COLOUR, r->path});
    return;
  }
  for (const landscape::ReplicaPlanePath& replica : r->replicas) {
    const auto style =
        std::find_if(mReplicas.begin(), mReplicas.end(), [&](const ReplicaStyle& s) { return s.id == replica.id; });
    if (style != mReplicas.end() && !replica.points.empty())
      mPaths.push_back({style->name, style->colour, replica.points});
  }
}

void LandscapeView::drawStatus(const LiveResult* r) {
  const std::size_t done = mLive->pointsDone(), total = mLive->pointsTotal();
  std::string line;
  if (!r) {
    line = "computing the first landscape...";
  } else if (!r->error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, panels::WARNING_COLOUR);
    ImGui::TextWrapped("%s", r->error.c_str());
    ImGui::PopStyleColor();
    remember("landscape-error");
  } else {
    const auto [low, high] = std::minmax_element(r->grid.loss.begin(), r->grid.loss.end());
    char text[256];
    std::snprintf(text, sizeof text, "step %llu  loss at the weights %.4g  range %.4g .. %.4g  %zux%zu%s",
                  static_cast<unsigned long long>(r->step), static_cast<double>(r->grid.centre()),
                  static_cast<double>(*low), static_cast<double>(*high), r->grid.points, r->grid.points,
                  r->exact ? "  (two parameters: the exact surface)" : "");
    line = text;
  }
  if (total > 0 && done < total) line += "  refreshing " + std::to_string(100 * done / total) + "%";
  if (!line.empty()) ImGui::TextUnformatted(line.c_str());
  remember("landscape-status");
  if (r && r->error.empty()) {
    panels::tooltip(("On the first " + std::to_string(r->settings.rows) +
                     " test samples; data loss only (no L1/L2). Computed on the session thread in pieces of " +
                     std::to_string(r->chunk) + " grid points.")
                        .c_str());
  }
  if (r && r->error.empty() && !r->path.empty()) {
    std::size_t far = 0;
    for (std::size_t i = 0; i < r->path.size(); ++i)
      if (r->path[i].distance > r->path[far].distance) far = i;
    ImGui::Text("plane: %.0f%% + %.0f%% of the path's variance  farthest kept step from the plane: %.3g (step %llu)",
                100.0 * r->explained[0], 100.0 * r->explained[1], static_cast<double>(r->path[far].distance),
                static_cast<unsigned long long>(r->pathSteps[far]));
    remember("landscape-distance");
    panels::tooltip(
        "The path's points are the kept steps of the timeline; a circle's size grows with its "
        "distance from the plane.");
  }
  // How far each path's point now is from the plane: a solo run's newest kept step (the weights now are
  // the centre), each race replica's weights now (the shown replica's are the centre).
  for (const LandscapePath& path : mPaths) {
    if (path.points.empty()) continue;
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(path.colour));
    ImGui::TextUnformatted(path.name.c_str());
    ImGui::PopStyleColor();
    ImGui::SameLine(0.0f, 0.0f);
    const double distance = path.points.back().distance;
    if (r->replicas.empty()) {
      ImGui::Text(": newest kept step (%llu) %.3g off the plane; the weights now are its centre",
                  static_cast<unsigned long long>(r->pathSteps.back()), distance);
    } else {
      ImGui::Text(": %.3g off the plane", distance);
    }
    remember("landscape-off-" + path.name);
  }
}

void LandscapeView::rebuild(const LiveResult& result) {
  mBuiltVersion = result.version;
  const auto& loss = result.grid.loss;
  float low = INFINITY, high = -INFINITY;
  for (const float v : loss) {
    if (!std::isfinite(v)) continue;
    low = std::min(low, v);
    high = std::max(high, v);
  }
  if (!(low <= high)) low = high = 0.0f;
  mLow = low;
  mHigh = high;
  // Log-scaled where the range is wide (a landscape's walls are orders of magnitude above its floor).
  mLog = low > 0.0f && high / low > 20.0f;
  mShade.resize(loss.size());
  for (std::size_t i = 0; i < loss.size(); ++i) {
    const float v = loss[i];
    float t = 1.0f;
    if (std::isfinite(v) && high > low)
      t = mLog ? std::log(v / low) / std::log(high / low) : (v - low) / (high - low);
    else if (std::isfinite(v))
      t = 0.5f;
    mShade[i] = std::clamp(t, 0.0f, 1.0f);
  }
  // Iso-lines by marching squares on the colour positions: a segment per cell a level crosses.
  const std::size_t n = result.grid.points;
  mIsoSegments.clear();
  for (std::size_t level = 1; level < ISO_LEVELS; ++level) {
    const float iso = static_cast<float>(level) / ISO_LEVELS;
    for (std::size_t r = 0; r + 1 < n; ++r) {
      for (std::size_t c = 0; c + 1 < n; ++c) {
        const float v[4] = {mShade[r * n + c], mShade[r * n + c + 1], mShade[(r + 1) * n + c + 1],
                            mShade[(r + 1) * n + c]};
        const float cx[4] = {0, 1, 1, 0}, cy[4] = {0, 0, 1, 1};
        ImVec2 cut[4];
        int cuts = 0;
        for (int e = 0; e < 4; ++e) {
          const int f = (e + 1) % 4;
          if ((v[e] < iso) == (v[f] < iso)) continue;
          const float a = (iso - v[e]) / (v[f] - v[e]);
          cut[cuts++] = ImVec2(static_cast<float>(c) + cx[e] + a * (cx[f] - cx[e]),
                               static_cast<float>(r) + cy[e] + a * (cy[f] - cy[e]));
        }
        for (int k = 0; k + 1 < cuts; k += 2) {
          mIsoSegments.push_back(cut[k]);
          mIsoSegments.push_back(cut[k + 1]);
        }
      }
    }
  }
}

void LandscapeView::drawContour(const LiveResult& result, const Rect& area) {
  const std::size_t n = result.grid.points;
  const float side = std::max(std::min(area.width(), area.height()) - 2.0f * MARGIN, 16.0f);
  const ImVec2 origin(area.min.x + MARGIN + std::max(0.0f, (area.width() - 2.0f * MARGIN - side) * 0.5f),
                      area.min.y + MARGIN);
  mMap = Rect{origin, ImVec2(origin.x + side, origin.y + side)};
  const float cell = side / static_cast<float>(n - 1);
  // Grid units (alpha index right, beta index up) to the screen.
  const auto screen = [&](float c, float r) { return ImVec2(mMap.min.x + c * cell, mMap.max.y - r * cell); };
  const float span = result.grid.span;
  const auto onPlane = [&](const PlanePoint& p) {
    return screen((p.alpha + span) / (2.0f * span) * static_cast<float>(n - 1),
                  (p.beta + span) / (2.0f * span) * static_cast<float>(n - 1));
  };
  ImDrawList& list = *ImGui::GetWindowDrawList();
  list.PushClipRect(mMap.min, mMap.max, true);
  // The grid as vertex-coloured triangles, two a cell.
  const int vertices = static_cast<int>(n * n), indices = static_cast<int>(6 * (n - 1) * (n - 1));
  list.PrimReserve(indices, vertices);
  const ImVec2 uv = ImGui::GetFontTexUvWhitePixel();
  const auto base = static_cast<ImDrawIdx>(list._VtxCurrentIdx);
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t c = 0; c < n; ++c) {
      list._VtxWritePtr->pos = screen(static_cast<float>(c), static_cast<float>(r));
      list._VtxWritePtr->uv = uv;
      list._VtxWritePtr->col = viridis(mShade[r * n + c]);
      ++list._VtxWritePtr;
    }
  }
  for (std::size_t r = 0; r + 1 < n; ++r) {
    for (std::size_t c = 0; c + 1 < n; ++c) {
      const auto i = static_cast<ImDrawIdx>(r * n + c), right = static_cast<ImDrawIdx>(i + 1),
                 up = static_cast<ImDrawIdx>(i + n), both = static_cast<ImDrawIdx>(i + n + 1);
      for (const ImDrawIdx k : {i, right, both, i, both, up}) *list._IdxWritePtr++ = static_cast<ImDrawIdx>(base + k);
    }
  }
  list._VtxCurrentIdx += static_cast<unsigned int>(vertices);
  mTrianglesDrawn = 2 * (n - 1) * (n - 1);
  for (std::size_t k = 0; k + 1 < mIsoSegments.size(); k += 2) {
    list.AddLine(screen(mIsoSegments[k].x, mIsoSegments[k].y), screen(mIsoSegments[k + 1].x, mIsoSegments[k + 1].y),
                 IM_COL32(255, 255, 255, 70));
  }
  // The paths: the run's kept steps (trajectory plane), or every race replica's.
  float farthest = 0.0f;
  for (const LandscapePath& path : mPaths)
    for (const PlanePoint& p : path.points) farthest = std::max(farthest, p.distance);
  const auto drawPath = [&](const std::vector<PlanePoint>& path, ImU32 colour) {
    for (std::size_t i = 0; i + 1 < path.size(); ++i)
      list.AddLine(onPlane(path[i]), onPlane(path[i + 1]), colour, 2.0f);
    for (const PlanePoint& p : path) {
      // The circle grows with the point's distance from the plane.
      const float radius = 2.5f + (farthest > 0.0f ? 5.0f * p.distance / farthest : 0.0f);
      list.AddCircle(onPlane(p), radius, colour, 12, 1.5f);
      ++mPathPointsDrawn;
    }
  };
  for (const LandscapePath& path : mPaths) drawPath(path.points, path.colour);
  const ImVec2 centre = onPlane(PlanePoint{});
  list.AddCircleFilled(centre, 5.0f, CENTRE_COLOUR);
  list.AddCircle(centre, 5.0f, IM_COL32(0, 0, 0, 255), 12, 1.5f);
  list.PopClipRect();
  list.AddRect(mMap.min, mMap.max, IM_COL32(200, 200, 200, 160));

  // Hover: the grid point under the mouse, and a kept step near it.
  ImGui::SetCursorScreenPos(mMap.min);
  ImGui::InvisibleButton("landscape-map", ImVec2(side, side));
  remember("landscape-map");
  if (ImGui::IsItemHovered()) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    const auto c = static_cast<std::size_t>(std::clamp(std::lround((m.x - mMap.min.x) / cell), 0l, long(n - 1)));
    const auto r = static_cast<std::size_t>(std::clamp(std::lround((mMap.max.y - m.y) / cell), 0l, long(n - 1)));
    std::string tip = "alpha " + core::formatNumber(result.grid.coordinate(c)) + ", beta " +
                      core::formatNumber(result.grid.coordinate(r)) + ": loss " +
                      core::formatNumber(result.grid.at(c, r));
    for (std::size_t i = 0; i < result.path.size(); ++i) {
      const ImVec2 p = onPlane(result.path[i]);
      if (std::hypot(p.x - m.x, p.y - m.y) < 6.0f) {
        tip += "\nstep " + std::to_string(result.pathSteps[i]) + ": distance from the plane " +
               core::formatNumber(result.path[i].distance);
      }
    }
    ImGui::SetTooltip("%s", tip.c_str());
  }
  // The legend: the colour map's ends.
  ImGui::SetCursorScreenPos(ImVec2(mMap.min.x, mMap.max.y + 4.0f));
  ImGui::TextDisabled("colour: loss %s%.4g (violet) .. %.4g (yellow); red dot: the weights now", mLog ? "(log) " : "",
                      static_cast<double>(mLow), static_cast<double>(mHigh));
}

void LandscapeView::drawSurface(const LiveResult& result, const Rect& area) {
  mMap = area;
  ImDrawList& list = *ImGui::GetWindowDrawList();
  mMesh.begin(area, MESH_HEIGHT * 0.4f, "landscape-orbit");
  remember("landscape-orbit");
  const std::size_t n = result.grid.points;
  const float span = result.grid.span;
  // alpha right, beta into the screen at yaw 0, the colour position up.
  const auto world = [&](float alpha, float beta, float up) { return glm::vec3(alpha / span, up, -beta / span); };
  const auto project = [&](const glm::vec3& w) { return mMesh.project(w); };
  list.PushClipRect(area.min, area.max, true);
  mTrianglesDrawn += 2 * mMesh.drawMesh(list, n, mShade, MESH_HEIGHT, viridis, IM_COL32(0, 0, 0, 50));
  // The height of a plane point: the nearest grid point's.
  const auto heightAt = [&](const PlanePoint& p) {
    const auto index = [&](float v) {
      return static_cast<std::size_t>(
          std::clamp(std::lround((v + span) / (2.0f * span) * static_cast<float>(n - 1)), 0l, long(n - 1)));
    };
    return mShade[index(p.beta) * n + index(p.alpha)] * MESH_HEIGHT + 0.015f;
  };
  const auto drawPath = [&](const std::vector<PlanePoint>& path, ImU32 colour) {
    std::optional<ImVec2> previous;
    for (const PlanePoint& p : path) {
      const auto s = project(world(p.alpha, p.beta, heightAt(p)));
      if (s && previous) list.AddLine(*previous, *s, colour, 2.0f);
      if (s) ++mPathPointsDrawn;
      previous = s;
    }
  };
  for (const LandscapePath& path : mPaths) drawPath(path.points, path.colour);
  if (const auto c = project(world(0.0f, 0.0f, heightAt(PlanePoint{})))) list.AddCircleFilled(*c, 5.0f, CENTRE_COLOUR);
  list.PopClipRect();
  list.AddText(
      ImVec2(area.min.x + 4, area.max.y - ImGui::GetTextLineHeight() - 4), ImGui::GetColorU32(ImGuiCol_TextDisabled),
      mLog ? "drag to orbit, wheel to zoom; height: log-scaled loss" : "drag to orbit, wheel to zoom; height: loss");
}

}  // namespace nsb::ui
