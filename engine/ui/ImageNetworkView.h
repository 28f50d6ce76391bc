#pragma once
// ImageNetworkView: the Viewport's picture of a network on image data (MNIST-like). The chosen test
// image large, with keys and buttons to pick another; every first-layer neuron as its weight image
// with its activation for that image as a bar; deeper layers as neurons coloured by activation, each
// with only its k strongest incoming edges; the output as labelled bars with the prediction and the
// true class marked. Titles sit on their own row above the columns, so nothing covers them. UI thread
// only.
#include <imgui.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/Dataset.h"
#include "render/HeatmapView.h"
#include "train/Command.h"
#include "train/Snapshot.h"
#include "ui/ImageViews.h"
#include "ui/Rect.h"

namespace nsb::ui {

class ImageNetworkView {
 public:
  static constexpr int DEFAULT_EDGES = 3;

  // Draws into `area` of the current window. Returns the neuron clicked, if any: (column, index) with
  // column 1 the first layer and the last the output layer.
  std::optional<std::pair<std::size_t, std::size_t>> draw(const train::Snapshot& snapshot, ImageViews& images,
                                                          render::HeatmapView* heatmaps, const Rect& area);
  // The probe command of a sample chosen in the last draw() (keys, buttons), once.
  std::optional<train::SetProbes> takeProbes() { return std::exchange(mProbes, std::nullopt); }

  // Incoming edges drawn per neuron of the deeper layers (the k largest |w|).
  int edgesPerNeuron() const { return mEdges; }
  void setEdgesPerNeuron(int k) { mEdges = k; }
  // Screen geometry of the last draw (column 0 the input image; tests read the frame with it).
  std::optional<Rect> neuronRect(std::size_t column, std::size_t neuron) const;
  // Where the input image was drawn.
  Rect inputRect() const { return mInputRect; }
  // Screen rectangle of a control of the last draw, for tests and the editor's registry:
  // "image-previous", "image-next" (also the Left and Right keys), "image-misclassified", "image-edges".
  std::optional<Rect> widgetRect(std::string_view name) const;
  // Asked with a control's name before the view draws it or acts on its key (unset: all are); neuron
  // hovering and clicking ask for "network-neuron", as in the 2D view. The editor's presenter mode leaves
  // out those the lesson's page does not name; the picture stays.
  void setControlFilter(std::function<bool(std::string_view)> shown) { mShown = std::move(shown); }

  // The incoming weights of neuron `neuron` of layer `layer` with the k largest |w|, largest first.
  static std::vector<std::size_t> strongestInputs(const nn::ModelSpec& spec, const std::vector<float>& parameters,
                                                  std::size_t layer, std::size_t neuron, std::size_t k);

 private:
  bool shows(std::string_view control) const { return !mShown || mShown(control); }
  void remember(std::string name);

  std::function<bool(std::string_view)> mShown;
  std::vector<std::pair<std::string, Rect>> mWidgets;  // the controls of the last draw
  int mEdges = DEFAULT_EDGES;
  std::vector<std::vector<Rect>> mNodeRects;  // per column
  Rect mInputRect;
  std::optional<train::SetProbes> mProbes;
  std::uint64_t mRandomState = 0x9E3779B97F4A7C15ull;
};

}  // namespace nsb::ui
