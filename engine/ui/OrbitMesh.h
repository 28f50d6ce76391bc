#pragma once
// OrbitMesh: a height field seen as a 3D surface under an orbit camera, painted with ImGui's draw list
// (the 3D modes of the Landscape view and the Surface view): the camera's drag and wheel, the projection
// of world points, and the grid's quads sorted back to front (painter's algorithm), each filled with the
// mean colour of its corners and outlined. The world: the grid on the floor, x and z in [-1, 1] (x right
// and z towards the viewer at yaw 0, the grid's first row nearest), its height up. UI thread only.
#include <imgui.h>

#include <cstddef>
#include <functional>
#include <glm/glm.hpp>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "ui/NetworkOrbit.h"
#include "ui/Rect.h"

namespace nsb::ui {

class OrbitMesh {
 public:
  // The view of `area` this frame, the camera looking at `lookHeight` above the floor's centre. With
  // `button` (an ImGui id) an invisible button covers the area: dragging it orbits, its wheel zooms.
  void begin(const Rect& area, float lookHeight, const char* button);
  // A world point on screen (and its depth); none behind the camera.
  std::optional<ImVec2> project(const glm::vec3& world, float* depth = nullptr) const;
  // The n x n grid (row-major `tone`, each in [0, 1], times `height` up), each quad coloured by
  // `colour` of its corners' mean tone. Returns the quads drawn.
  std::size_t drawMesh(ImDrawList& list, std::size_t n, std::span<const float> tone, float height,
                       const std::function<ImU32(float)>& colour, ImU32 outline);
  OrbitCamera& camera() { return mCamera; }

 private:
  OrbitCamera mCamera;
  Rect mArea;
  glm::mat4 mViewProjection{1.0f};
  std::vector<std::optional<ImVec2>> mScreen;         // scratch: the grid's points on screen
  std::vector<float> mDepth;                          // and their depths
  std::vector<std::pair<float, std::size_t>> mOrder;  // scratch: quads back to front
};

}  // namespace nsb::ui
