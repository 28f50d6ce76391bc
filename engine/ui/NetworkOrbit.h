#pragma once
// NetworkOrbit: the Viewport's 3D mode, for wide layers. Each layer is a square sheet of neurons
// (784 inputs as 28 x 28, 64 as 8 x 8) standing one behind the other; an orbit camera (glm) turns
// around the network's centre: drag to orbit, wheel to zoom. Neurons are coloured by their
// activation (the chosen sample for image data, the mean over the input plane for 2D data when the
// grid is on the host) or else by their bias, the strongest weights of each layer are drawn as lines coloured by sign.
// Everything is projected on the host and drawn with the window's ImDrawList. UI thread only.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "nn/ModelSpec.h"
#include "train/Snapshot.h"
#include "ui/Rect.h"

namespace nsb::ui {

struct OrbitCamera {
  float yaw = 0.6f;       // radians around the vertical axis
  float pitch = 0.35f;    // radians above the horizontal plane, clamped to (-1.5, 1.5)
  float distance = 0.0f;  // 0: framed to the network on the next draw
};

class NetworkOrbit {
 public:
  static constexpr std::size_t MAX_EDGES_PER_LAYER = 1500;  // the strongest |w| of each layer

  // Where neuron `index` of column `column` (0 the inputs) sits in world space: sheets in x/y, columns along z.
  static std::array<float, 3> position(const nn::ModelSpec& spec, std::size_t column, std::size_t index);
  // Screen position of a world point for `camera` in `area`; nullopt behind the camera.
  static std::optional<ImVec2> project(const OrbitCamera& camera, const nn::ModelSpec& spec, const Rect& area,
                                       const std::array<float, 3>& world);
  // The value a neuron is coloured by (see the header comment); nullopt when there is none.
  static std::optional<float> activation(const train::Snapshot& snapshot, std::size_t column, std::size_t index);
  // A neuron's bias, what it is coloured by where no activation is on the host (2D data on the
  // Vulkan backend, whose probe grids stay on the device).
  static std::optional<float> bias(const train::Snapshot& snapshot, std::size_t column, std::size_t index);

  // `steer`: the mouse steers the camera (drag to orbit, wheel to zoom) and the help line says so; the
  // editor's presenter mode asks for the "network-orbit" control.
  void draw(const train::Snapshot& snapshot, const Rect& area, bool steer = true);
  // A sheet's title: "input 2", "hidden 8" (or "hidden 2: 8" among several), "output 1".
  static std::string title(const nn::ModelSpec& spec, std::size_t column);
  OrbitCamera& camera() { return mCamera; }
  void frame() { mCamera = OrbitCamera{}; }
  std::size_t edgesDrawn() const { return mEdgesDrawn; }
  std::size_t neuronsDrawn() const { return mNeuronsDrawn; }

 private:
  OrbitCamera mCamera;
  std::size_t mEdgesDrawn = 0, mNeuronsDrawn = 0;
  std::vector<std::size_t> mOrder;  // scratch: strongest weights, then depth order

  // The sheets' titles and (with `help`) the help line, none over another.
  void drawTitles(const nn::ModelSpec& spec, const Rect& area, ImDrawList& list, bool help);
};

}  // namespace nsb::ui
