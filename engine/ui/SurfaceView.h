#pragma once
// SurfaceView: gradient descent you can see and touch. The Viewport's Surface mode (a preset of kind
// "surface", or View > Surface beside any network): a filled contour map of a closed-form surface
// (its values on a grid, log-scaled colours where the range is wide, iso-lines, minima marked, axes
// labelled) or a 3D mesh of it under an orbit camera, with the paths of several optimizers racing from
// one draggable start and, for the current step, arrows for -lr * gradient, -lr * velocity and the step
// taken, and the adaptive methods' per-coordinate scale as an ellipse. Its controls, table and Step
// panel are drawn in ui/panels/SurfacePanel.cpp. Runs on the UI thread (DescentRun is cheap), a per-frame
// step budget keeping frames fast. Everything is drawn with ImGui's draw list (Debian's ImGui 1.86 Vulkan
// backend ignores texture ids, so the "texture" of values is a vertex-coloured mesh).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/Result.h"
#include "descent/SurfaceLab.h"
#include "train/Preset.h"
#include "ui/NetworkOrbit.h"
#include "ui/OrbitMesh.h"
#include "ui/Rect.h"

namespace nsb::ui {

class SurfaceView {
 public:
  static constexpr std::size_t GRID = 96;              // samples a side of the contour map
  static constexpr std::size_t MESH = 40;              // samples a side of the 3D mesh
  static constexpr std::size_t ISO_LEVELS = 10;        // iso-lines, evenly spaced in colour
  static constexpr std::size_t MAX_PATH_POINTS = 400;  // a path's points drawn (evenly picked)
  static constexpr float MAX_ARROW = 80.0f;            // pixels: longer arrows are shortened to this
  static constexpr int MESH_TOLERANCE = 3;             // colour levels a merged quad may miss a sample by
  static constexpr float ISO_TOLERANCE = 0.15f;        // grid cells an iso-line may leave its samples by
  // Iso-line polylines and triangles of the contour map's mesh (what a frame draws, for tests).
  std::size_t isoLinePoints() const { return mIsoPoints.size(); }
  std::size_t mapTriangles() const { return mMeshIndices.size() / 3; }

  SurfaceView();
  // From a preset of kind "surface"; bad names or values are refused, the view unchanged.
  core::Status configure(const train::SurfaceSetup& setup);
  descent::SurfaceLab& lab() { return mLab; }
  const descent::SurfaceLab& lab() const { return mLab; }

  // The view in `area`: the map (contour or 3D) and its controls beside it. Advances the runs by
  // `seconds` of their speed while playing.
  void draw(const Rect& area, double seconds);

  // One step of every run (pausing them), and every run back to the start: the Step and Reset
  // buttons and the S and R keys.
  void step() {
    mPlaying = false;
    mLab.step(1);
  }
  void reset() { mLab.reset(); }
  bool playing() const { return mPlaying; }
  void setPlaying(bool on) { mPlaying = on; }
  // The runs' speed as a combo box (`id` an ImGui label): the view's own, and the Lesson panel's on a
  // page that shows the surface. Its tooltip: SPEED_TIP.
  void drawSpeed(const char* id);
  static constexpr const char* SPEED_TIP = "Steps a second for each optimizer; max: the most one frame allows.";
  bool threeD() const { return mThreeD; }
  void setThreeD(bool on) {
    mThreeD = on;
    mTabSync = true;
  }
  std::size_t selected() const { return mSelected; }
  void select(std::size_t index) { mSelected = index; }

  // The contour map's plot area in the last frame and its mapping (surface <-> screen).
  Rect mapRect() const { return mMap; }
  ImVec2 toScreen(descent::Point p) const;
  descent::Point toSurface(const ImVec2& screen) const;
  // Colour-map position in [0, 1] of a value (log-scaled where the surface's range is wide).
  float shade(double value) const;
  bool logScale() const { return mLogScale; }
  // Points of each run's path drawn in the last frame (contour or 3D).
  const std::vector<std::size_t>& pathPointsDrawn() const { return mPathPointsDrawn; }
  // Screen rectangle of a named widget of the last frame ("surface-step"), for tests.
  std::optional<Rect> widgetRect(const std::string& name) const;
  // Asked with a control's name before the view draws it (unset: every control is drawn): the editor's
  // presenter mode leaves out those the lesson's page does not name. What the view shows stays.
  void setControlFilter(std::function<bool(std::string_view)> shown) { mShown = std::move(shown); }

 private:
  // SurfaceView.cpp: the map.
  void rebuild();  // grid, colours, iso-lines, mesh for the surface now
  // The contour map's quads: blocks of grid cells merged where bilinear colours match the samples.
  void buildMapMesh();
  // The iso-line segments joined into polylines, points within ISO_TOLERANCE of a chord dropped.
  void chainIsoLines(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges);
  void drawContour(const Rect& area);
  void drawOrbit(const Rect& area);
  void drawAxes(ImDrawList& list) const;
  void drawRuns(ImDrawList& list);
  void drawArrow(ImDrawList& list, ImVec2 from, descent::Point vector, std::uint32_t colour, float thickness) const;
  // panels/SurfacePanel.cpp: the controls, the table, the Step panel.
  void drawControls(const Rect& area);
  void drawToolbar();
  void drawSurfacePicker();
  void drawRunList();
  void drawTable();
  void drawStepPanel();
  void remember(const std::string& name);
  bool shows(const std::string& name) const { return !mShown || mShown(name); }

  descent::SurfaceLab mLab;
  bool mPlaying = true;
  bool mThreeD = false;
  bool mTabSync = true;  // the tab bar shows mThreeD's tab next frame
  std::size_t mSelected = 0;
  int mAddKind = 6;  // the optimizer the Add button adds (an index into the optimizer list: adam)
  // What the grid was built for: rebuilt when the surface or its constants change.
  std::optional<std::pair<descent::SurfaceKind, descent::SurfaceParams>> mBuiltFor;
  descent::ViewRange mRange;
  std::vector<float> mShade;            // GRID x GRID colour positions, rows up in y
  std::vector<std::uint32_t> mColours;  // GRID x GRID
  // The map's mesh, built once per surface: grid samples used (indices into mColours) and triangles
  // (indices into mMeshVertices). Lavapipe pays per triangle, and smooth regions need few.
  std::vector<std::uint32_t> mMeshVertices;
  std::vector<std::uint32_t> mMeshIndices;
  // Iso-lines as polylines in map units (0..1 across, 0..1 up); mIsoStarts[i] is where line i begins.
  std::vector<ImVec2> mIsoPoints;
  std::vector<std::size_t> mIsoStarts;
  std::vector<float> mMeshTone;    // MESH x MESH colour positions of the 3D mesh
  std::vector<ImVec2> mCutPoints;  // scratch of rebuild(): where a level cuts each grid edge, map units
  double mLow = 0.0, mHigh = 1.0;  // the grid's value range
  bool mLogScale = false;
  Rect mMap;
  bool mDragging = false;
  OrbitMesh mMesh;  // the 3D view and its camera
  std::vector<std::size_t> mPathPointsDrawn;
  std::vector<std::pair<std::string, Rect>> mWidgets;
  std::function<bool(std::string_view)> mShown;
  std::vector<ImVec2> mScreenPath;  // scratch: a path's points on screen
  std::vector<ImVec2> mScreenLine;  // scratch: an iso-line on screen
};

// Lines of equations in a child window of their own (`id`): a line wider than the column scrolls
// sideways instead of widening the panel. The Step panels of the Surface view and the network's.
void drawEquationLines(const char* id, const std::vector<std::string>& lines);

// The optimizers the view offers, in the Add list's order.
inline constexpr compute::OptimizerKind SURFACE_OPTIMIZERS[] = {
    compute::OptimizerKind::Gd,       compute::OptimizerKind::Sgd,     compute::OptimizerKind::Momentum,
    compute::OptimizerKind::Nesterov, compute::OptimizerKind::AdaGrad, compute::OptimizerKind::RmsProp,
    compute::OptimizerKind::Adam,     compute::OptimizerKind::AdamW};

}  // namespace nsb::ui
