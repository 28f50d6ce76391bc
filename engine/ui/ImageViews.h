#pragma once
// ImageViews: the views of image data (MNIST-like, square images of at most 32x32): every first-layer
// neuron's incoming weights as an image, the 2D spectra of those images (the backend's SpectrumOp,
// VkFFT on Vulkan), the activations of a chosen test sample through every layer, the confusion matrix
// and the misclassified test samples. Images go into the heatmap atlas, four per 64x64 tile, and are
// drawn by HeatmapView; the rest with ImDrawList. UI thread only.
#include <imgui.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data/Dataset.h"
#include "render/HeatmapView.h"
#include "train/Command.h"
#include "train/Snapshot.h"
#include "ui/Rect.h"

namespace nsb::ui {

class ImageViews {
 public:
  static constexpr std::size_t MISCLASSIFIED_SHOWN = 24;
  static constexpr std::size_t TOP_SHOWN = 16;

  void setDataset(std::shared_ptr<const data::Dataset> dataset);
  // Whether the data are images these views can show.
  bool active() const { return mSide > 0; }
  std::size_t sample() const { return mSample; }
  // Chooses the test sample shown through the network; returns the probe command to send.
  train::SetProbes setSample(std::size_t sample);
  // The probe of the chosen sample: its features, one row.
  std::optional<train::SetProbes> probes() const;

  // Writes what changed in the snapshot into the atlas (weights, spectra, the sample, the
  // misclassified samples). Call once a frame before drawing.
  void update(const train::Snapshot& snapshot, render::HeatmapView* heatmaps);
  // Names a widget of the frame being drawn and its screen rectangle (the editor's widget registry, which
  // tests click by name).
  using Remember = std::function<void(const std::string&, const Rect&)>;
  // The Images tab: weight images, spectra, the sample's activations, confusion matrix and the
  // misclassified samples (click one to follow it through the network). Returns a probe command when
  // the chosen sample changed. Names in `remember`: each confusion cell "confusion-T-P" (true class T,
  // predicted P), the listed images' box "listed-images" and each listed image "listed-K" (K from 0, in
  // the order listed, its labels included).
  std::optional<train::SetProbes> drawTab(const train::Snapshot& snapshot, render::HeatmapView* heatmaps,
                                          const Remember& remember = {});
  const std::shared_ptr<const data::Dataset>& dataset() const { return mDataset; }
  // The chosen sample's image into `rect` (nearest sampling).
  void drawSample(ImDrawList* list, render::HeatmapView* heatmaps, const Rect& rect) const;
  // First-layer neuron `neuron`'s weight image into `rect`: the diverging map, symmetric by the
  // image's largest |w|, nearest sampling. False before the first probe or beyond the atlas.
  bool drawWeights(ImDrawList* list, render::HeatmapView* heatmaps, std::size_t neuron, const Rect& rect) const;
  // The same neuron's spectrum, log(1 + |DFT|) of its weight image with zero frequency in the centre
  // (the backend's SpectrumOp, written by update()). False before the first spectrum.
  bool drawSpectrum(ImDrawList* list, render::HeatmapView* heatmaps, std::size_t neuron, const Rect& rect) const;
  // The probe set the weight images were last written from (tests compare the frame with it).
  const std::shared_ptr<const train::ProbeSet>& weightsSource() const { return mWeightsSource; }
  // Test samples shown in the top-activations slots (Details): written now, drawn by drawTop().
  void setTop(render::HeatmapView* heatmaps, const std::vector<std::size_t>& samples);
  void drawTop(ImDrawList* list, render::HeatmapView* heatmaps, std::size_t index, const Rect& rect) const;

  // The `count` test samples with the largest post-activation value of neuron `neuron` of layer
  // `layer` (0 the first hidden layer; the last layer's value is the head's: softmax or sigmoid), ties
  // by index: (sample, value), largest first. A forward pass on the host over the whole test set.
  static std::vector<std::pair<std::size_t, float>> topActivations(const data::Dataset& dataset,
                                                                   const nn::ModelSpec& spec,
                                                                   const std::vector<float>& parameters,
                                                                   std::size_t layer, std::size_t neuron,
                                                                   std::size_t count = TOP_SHOWN);
  // The top images of a neuron (Details), computed when the neuron or the run changes or `refresh`,
  // from the snapshot's parameters, and written into the atlas for drawTop(). Null without parameters.
  struct TopImages {
    std::size_t layer = 0, neuron = 0;
    std::uint64_t run = 0, step = 0;
    double milliseconds = 0.0;  // how long the search took
    std::vector<std::pair<std::size_t, float>> top;
  };
  const TopImages* topImages(const train::Snapshot& snapshot, render::HeatmapView* heatmaps, std::size_t layer,
                             std::size_t neuron, bool refresh);

  // Rows: the true class, columns: the predicted class.
  static std::vector<std::size_t> confusion(const data::Dataset& dataset, const train::TestPredictions& predictions);
  // Test samples of true class `truth` predicted as `guess` (a confusion cell), in sample order, at most
  // `limit`.
  static std::vector<std::size_t> cellSamples(const data::Dataset& dataset, const train::TestPredictions& predictions,
                                              std::size_t truth, std::size_t guess, std::size_t limit);
  // Test samples predicted wrongly, in sample order, at most `limit`.
  static std::vector<std::size_t> misclassified(const data::Dataset& dataset, const train::TestPredictions& predictions,
                                                std::size_t limit);
  // A grid of `count` squares in a width x height box: the number of columns that gives the largest
  // side, with `gap` between squares and `below` (a share of the side plus fixed pixels) under each.
  struct Grid {
    std::size_t columns = 1;
    float side = 0.0f;
  };
  static Grid gridFor(std::size_t count, float width, float height, float gap, float belowShare,
                      float belowPixels = 0.0f);
  // The full, centred |DFT| image (side x side) from the non-redundant half [side, side / 2 + 1].
  static std::vector<float> fullSpectrum(const float* half, std::size_t side);

 private:
  // The tab's parts (drawTab), each in a child window of the given width.
  void drawWeightGrid(ImDrawList* list, render::HeatmapView* heatmaps, bool spectra, float width, float height);
  void drawConfusion(ImDrawList* list, const train::Snapshot& snapshot, float width, float height,
                     const Remember& remember);
  std::optional<train::SetProbes> drawMisclassified(ImDrawList* list, const train::Snapshot& snapshot,
                                                    render::HeatmapView* heatmaps, float height,
                                                    const Remember& remember);
  // Atlas slots of side x side images: the sample, the misclassified samples, the first-layer weights
  // and their spectra.
  render::HeatmapRef slot(std::size_t index) const;
  std::size_t weightSlots() const;
  static constexpr std::size_t sampleSlot() { return 0; }
  static constexpr std::size_t misclassifiedSlot(std::size_t i) { return 1 + i; }
  static constexpr std::size_t topSlot(std::size_t i) { return 1 + MISCLASSIFIED_SHOWN + i; }
  static constexpr std::size_t weightSlot(std::size_t neuron) { return topSlot(TOP_SHOWN) + neuron; }
  std::size_t spectrumSlot(std::size_t neuron) const { return weightSlot(weightSlots()) + neuron; }
  std::vector<float> sampleImage(std::size_t sample) const;
  void drawImage(ImDrawList* list, render::HeatmapView* heatmaps, std::size_t slot, const Rect& rect, float low,
                 float high, bool nearest = false) const;

  std::shared_ptr<const data::Dataset> mDataset;
  std::size_t mSide = 0;
  std::size_t mSample = 0;
  std::size_t mWidth0 = 0;  // first-layer neurons shown
  std::uint64_t mWrittenVersion = 0, mWrittenPredictions = ~0ull;
  bool mSampleWritten = false;
  bool mHaveSpectra = false;  // the last probe set carried the first layer's spectra
  // The probe set version the spectra in the atlas are from (0: none), and whether a frame drew one
  // since the last update() (which writes them only then; the draw functions are const).
  std::uint64_t mSpectraVersion = 0;
  mutable bool mSpectraDrawn = false;
  std::vector<float> mWeightRange;                      // per neuron: the largest |w|
  std::vector<std::pair<float, float>> mSpectrumRange;  // per neuron: lowest, highest
  std::vector<std::size_t> mMisclassified;
  std::shared_ptr<const train::ProbeSet> mWeightsSource;
  std::optional<TopImages> mTop;
  std::optional<std::pair<std::size_t, std::size_t>> mCell;  // the confusion cell listed (true, predicted)
  std::size_t mCellCount = 0;                                // its count in the confusion matrix drawn last
};

}  // namespace nsb::ui
