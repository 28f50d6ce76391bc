#pragma once
// NetworkView: the Viewport's picture of the network for 2D data (image data: ImageNetworkView). Layers are columns of
// neurons, each neuron a heatmap of its output over the input plane (64x64 probe grid, computed on the backend); edges
// coloured by the weight's sign, width and alpha by |w|; and the output view, a 256x256 decision boundary (or
// regression surface) with the train and test points. UI thread only.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "data/Dataset.h"
#include "data/Features.h"
#include "render/HeatmapView.h"
#include "train/Command.h"
#include "train/Session.h"
#include "train/Snapshot.h"
#include "ui/ImageNetworkView.h"
#include "ui/ImageViews.h"
#include "ui/Rect.h"

namespace nsb::ui {

// A weight of the picture: layer l's weight matrix, from neuron `from` of column l to `to` of column l + 1.
struct WeightRef {
  std::size_t layer = 0, from = 0, to = 0;
};

struct NetworkViewOptions {
  bool showTrain = true;
  bool showTest = true;
  bool discretize = false;
  bool showEdges = true;
};

class NetworkView {
 public:
  static constexpr std::size_t NEURON_GRID = render::TILE_SIZE;    // probe 0: every neuron
  static constexpr std::size_t OUTPUT_GRID = render::OUTPUT_SIZE;  // probe 1: the output view
  static constexpr std::size_t MAX_NEURONS_SHOWN = 48;             // per column; wider layers are cut

  // `features` empty or the dataset without 2D points: no heatmaps, the network as plain circles.
  void setDataset(std::shared_ptr<const data::Dataset> dataset, const std::string& features);
  bool planar() const { return mPlanar; }
  // Image data: the picture is ImageNetworkView's (the chosen sample, weight images, output bars).
  void setImages(ImageViews* images) { mImages = images; }
  bool showsImages() const { return mImages && mImages->active(); }
  ImageNetworkView& imageNetwork() { return mImageNetwork; }
  const ImageNetworkView& imageNetwork() const { return mImageNetwork; }
  // The probe command of a sample chosen in the Viewport (image data), once.
  std::optional<train::SetProbes> takeProbes() { return mImageNetwork.takeProbes(); }
  // Where probe results left on the device come from (Session::deviceProbes); unset: none.
  using DeviceProbeSource = std::function<std::shared_ptr<const train::DeviceProbes>(std::uint64_t)>;
  void setDeviceProbes(DeviceProbeSource source) { mDeviceProbes = std::move(source); }
  // The probe inputs: the 64x64 neuron grid and the 256x256 output grid, as features.
  std::optional<train::SetProbes> probes() const;
  // The same grids for another feature set (sent right after a SetFeatures).
  static train::SetProbes probesFor(const data::FeatureSet& features);

  // Draws into `area` of the current window. Returns the neuron clicked, if any: (layer, index) with
  // layer 0 the inputs, 1.. the hidden layers, the last the output layer.
  std::optional<std::pair<std::size_t, std::size_t>> draw(const train::Snapshot& snapshot,
                                                          render::HeatmapView* heatmaps, const Rect& area);
  // The edge under `point` in the last draw's geometry: the nearest within EDGE_PICK pixels of its line
  // (away from the neurons at its ends), among the layers whose edges are drawn.
  std::optional<WeightRef> edgeAt(const ImVec2& point) const;
  static constexpr float EDGE_PICK = 4.0f;
  static constexpr std::size_t MAX_EDGES_DRAWN = 4096;  // a layer with more is drawn without edges
  // The Step panel of a selected weight (flat index): its last update from Snapshot::watched, as the
  // equations of the Surface view's Step panel, over the bottom left of `area`.
  void drawStepPanel(const train::Snapshot& snapshot, const Rect& area, std::size_t index);
  Rect stepPanelRect() const { return mStepPanelRect; }
  // The weight clicked in the last draw(), if any (hovering an edge shows its value).
  std::optional<WeightRef> clickedWeight() const { return mClickedWeight; }
  // Screen geometry of the last draw (tests drive the mouse with it): a neuron's square (column 0 the
  // inputs) and the middle of an edge.
  std::optional<Rect> neuronRect(std::size_t column, std::size_t neuron) const;
  std::optional<ImVec2> edgeMiddle(const WeightRef& weight) const;
  NetworkViewOptions& options() { return mOptions; }
  // Asked before the view's controls are drawn (unset: all are): "network-edge" (an edge under the mouse
  // lit, its value shown, a click selecting it), "network-neuron" (the same for a neuron) and
  // "network-zoom" (the wheel's zoom and the right button's pan); on image
  // data, ImageNetworkView's controls as well. The editor's presenter mode leaves out those the lesson's
  // page does not name; the picture stays.
  void setControlFilter(std::function<bool(std::string_view)> shown) {
    mImageNetwork.setControlFilter(shown);
    mShown = std::move(shown);
  }
  // Frames the network: puts zoom and pan back (key F).
  void frame() {
    mZoom = 1.0f;
    mPan = ImVec2(0, 0);
  }
  // Where the output view was drawn last frame, and the plane coordinates of a point in it.
  Rect outputRect() const { return mOutputRect; }
  static ImVec2 planePoint(const Rect& rect, const ImVec2& screen);
  // The grid point (x1, x2) of cell (row, column) of an n x n probe grid; rows run from the top.
  static std::pair<float, float> gridPoint(std::size_t n, std::size_t row, std::size_t column);

 private:
  void updateHeatmaps(const train::Snapshot& snapshot, render::HeatmapView& heatmaps);
  void updateSources(const nn::ModelSpec& spec, const train::ProbeSet& set);
  static std::vector<float> gridInputs(const data::FeatureSet& features, std::size_t n);
  // Pixels from `point` to the edge from a to b (infinite outside its span).
  static float edgeDistance(const ImVec2& a, const ImVec2& b, const ImVec2& point);

  bool shows(std::string_view control) const { return !mShown || mShown(control); }

  std::function<bool(std::string_view)> mShown;
  std::shared_ptr<const data::Dataset> mDataset;
  data::FeatureSet mFeatures;
  bool mPlanar = false;
  ImageViews* mImages = nullptr;
  ImageNetworkView mImageNetwork;
  DeviceProbeSource mDeviceProbes;
  NetworkViewOptions mOptions;
  float mZoom = 1.0f;
  ImVec2 mPan{0, 0};
  Rect mOutputRect;
  Rect mStepPanelRect;
  std::optional<WeightRef> mClickedWeight;
  std::vector<std::vector<Rect>> mNodeRects;  // per column, the neurons shown
  std::uint64_t mWrittenVersion = 0;
  bool mInputsWritten = false;
  std::vector<std::vector<float>> mInputTiles;       // per feature, 64x64
  std::vector<std::pair<float, float>> mTileRanges;  // per tile index: low, high of its colour map
  std::pair<float, float> mOutputRange{0.0f, 1.0f};
  // Probes on the device: where each tile and the output lie in the probe buffer (none: the atlas),
  // and whether this frame's buffer is readable by the heatmaps.
  std::vector<std::optional<render::BufferHeatmap>> mTileSources;
  std::optional<render::BufferHeatmap> mOutputSource;
  bool mFromBuffer = false;
};

}  // namespace nsb::ui
