#pragma once
// ImageViews: the views of image data (MNIST-like, square images of at most 32x32): every first-layer
// neuron's incoming weights as an image, the 2D spectra of those images (the backend's SpectrumOp,
// VkFFT on Vulkan), the activations of a chosen test sample through every layer, the confusion matrix
// and the misclassified test samples. Images go into the heatmap atlas, four per 64x64 tile, and are
// drawn by HeatmapView; the rest with ImDrawList. UI thread only.
#include <imgui.h>

#include <cstdint>
#include <memory>
#include <optional>
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
  // The Images tab: weight images, spectra, the sample's activations, confusion matrix and the
  // misclassified samples (click one to follow it through the network). Returns a probe command when
  // the chosen sample changed.
  std::optional<train::SetProbes> drawTab(const train::Snapshot& snapshot, render::HeatmapView* heatmaps);
  // The viewport's picture of neuron `neuron` of `column` (0: the input image; 1: a first-layer
  // neuron's weights; later: its activation for the sample). False when there is nothing to draw.
  bool drawNeuron(ImDrawList* list, const train::Snapshot& snapshot, render::HeatmapView* heatmaps, std::size_t column,
                  std::size_t neuron, const Rect& rect) const;

  // Rows: the true class, columns: the predicted class.
  static std::vector<std::size_t> confusion(const data::Dataset& dataset, const train::TestPredictions& predictions);
  // Test samples predicted wrongly, in sample order, at most `limit`.
  static std::vector<std::size_t> misclassified(const data::Dataset& dataset, const train::TestPredictions& predictions,
                                                std::size_t limit);
  // The full, centred |DFT| image (side x side) from the non-redundant half [side, side / 2 + 1].
  static std::vector<float> fullSpectrum(const float* half, std::size_t side);

 private:
  // Atlas slots of side x side images: the sample, the misclassified samples, the first-layer weights
  // and their spectra.
  render::HeatmapRef slot(std::size_t index) const;
  std::size_t weightSlots() const;
  static constexpr std::size_t sampleSlot() { return 0; }
  static constexpr std::size_t misclassifiedSlot(std::size_t i) { return 1 + i; }
  static constexpr std::size_t weightSlot(std::size_t neuron) { return 1 + MISCLASSIFIED_SHOWN + neuron; }
  std::size_t spectrumSlot(std::size_t neuron) const { return weightSlot(weightSlots()) + neuron; }
  std::vector<float> sampleImage(std::size_t sample) const;
  void drawImage(ImDrawList* list, render::HeatmapView* heatmaps, std::size_t slot, const Rect& rect, float low,
                 float high) const;

  std::shared_ptr<const data::Dataset> mDataset;
  std::size_t mSide = 0;
  std::size_t mSample = 0;
  std::size_t mWidth0 = 0;  // first-layer neurons shown
  std::uint64_t mWrittenVersion = 0, mWrittenPredictions = ~0ull;
  bool mSampleWritten = false;
  std::vector<float> mWeightRange;                      // per neuron: the largest |w|
  std::vector<std::pair<float, float>> mSpectrumRange;  // per neuron: lowest, highest
  std::vector<std::size_t> mMisclassified;
};

}  // namespace nsb::ui
