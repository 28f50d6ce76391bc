#pragma once
// LandscapeView: the Viewport's Landscape mode (View > Landscape): the live loss landscape around the
// weights now (landscape/LiveLandscape, computed on the session thread, refreshed every N steps while
// training) as a filled contour map with iso-lines or as a 3D surface under an orbit camera, on a
// plane of filter-normalised random directions or on the trajectory's principal plane with the path
// of kept steps drawn on it, each point's distance from the plane shown. Its controls sit above the
// map. Drawn with ImGui's draw list (ImGui 1.86's Vulkan backend ignores texture ids, so the map is a
// vertex-coloured mesh). UI thread only.
//
// In a race the trajectory plane is the shown replica's and every replica's path is drawn on it in the
// replica's colour (setReplicas: the Race tab's names and colours by replica id), each with its
// distance from the plane now in the legend.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "landscape/LiveLandscape.h"
#include "train/Command.h"
#include "ui/NetworkOrbit.h"
#include "ui/OrbitMesh.h"
#include "ui/Rect.h"

namespace nsb::ui {

// A race replica as the view names and colours it.
struct ReplicaStyle {
  std::uint64_t id = 0;  // Race::id
  std::string name;
  std::uint32_t colour = 0xffffffff;  // ImU32
};

// A path the last frame drew on the trajectory plane: the run's kept steps, or a race replica's (its
// kept steps, then its weights now).
struct LandscapePath {
  std::string name;
  std::uint32_t colour = 0xffffffff;  // ImU32
  std::vector<landscape::PlanePoint> points;
};

class LandscapeView {
 public:
  static constexpr std::size_t ISO_LEVELS = 10;
  static constexpr float MESH_HEIGHT = 0.8f;  // the 3D surface's height range, world units

  LandscapeView();
  // The view in `area`. The first draw hands the session its work through `send` (SetSessionWork);
  // the landscape computes only while the view is shown.
  void draw(const Rect& area, const std::function<std::uint64_t(train::Command)>& send);
  // Leaving the view: the session stops refreshing.
  void hide();

  landscape::LiveLandscape& live() { return *mLive; }
  std::shared_ptr<const landscape::LiveResult> result() const { return mLive->latest(); }
  bool threeD() const { return mThreeD; }
  void setThreeD(bool on) { mThreeD = on; }
  OrbitCamera& camera() { return mMesh.camera(); }
  // A race's replicas, by id (empty: a solo run). A replica the last result has no path for is not drawn.
  void setReplicas(std::vector<ReplicaStyle> replicas) { mReplicas = std::move(replicas); }
  // What the last frame drew, for tests: the result's version, the map's triangles (contour) or quads (3D).
  std::uint64_t shownVersion() const { return mShownVersion; }
  std::size_t trianglesDrawn() const { return mTrianglesDrawn; }
  std::size_t pathPointsDrawn() const { return mPathPointsDrawn; }
  const std::vector<LandscapePath>& pathsDrawn() const { return mPaths; }
  Rect mapRect() const { return mMap; }
  // Screen rectangles of the last frame's named widgets ("landscape-grid", "landscape-3d", ...).
  const std::vector<std::pair<std::string, Rect>>& widgets() const { return mWidgets; }

 private:
  void drawControls();
  void drawStatus(const landscape::LiveResult* result);
  // The paths of `result` this frame draws, named and coloured (mPaths).
  void collectPaths(const landscape::LiveResult* result);
  // Colour positions in [0, 1] of the grid's losses (log-scaled where the range is wide) and the iso-lines.
  void rebuild(const landscape::LiveResult& result);
  void drawContour(const landscape::LiveResult& result, const Rect& area);
  void drawSurface(const landscape::LiveResult& result, const Rect& area);
  void remember(const std::string& name);

  std::shared_ptr<landscape::LiveLandscape> mLive;
  bool mSent = false;   // SetSessionWork went out
  bool mShown = false;  // enabled in the live settings
  bool mThreeD = false;
  OrbitMesh mMesh;  // the 3D surface and its camera
  std::vector<ReplicaStyle> mReplicas;
  std::vector<LandscapePath> mPaths;
  std::uint64_t mBuiltVersion = 0, mShownVersion = 0;
  std::vector<float> mShade;        // per grid point, [0, 1]
  float mLow = 0.0f, mHigh = 1.0f;  // loss range of the colours
  bool mLog = false;
  std::vector<ImVec2> mIsoSegments;  // pairs of points in grid units (0..points-1)
  std::size_t mTrianglesDrawn = 0, mPathPointsDrawn = 0;
  Rect mMap;
  std::vector<std::pair<std::string, Rect>> mWidgets;
};

}  // namespace nsb::ui
