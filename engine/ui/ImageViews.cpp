// ImageViews: atlas slots for side x side images (four per tile), the spectrum's mirroring and
// centring, the confusion matrix and the tab's layout. Colours: weights and spectra on the diverging
// map symmetric around 0 (per image, by its largest |value|), pixels from grey (0) to blue (1).
#include "ui/ImageViews.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "render/Colormap.h"

namespace nsb::ui {
namespace {

ImU32 colorOf(const std::array<float, 3>& rgb, float alpha = 1.0f) {
  return ImGui::ColorConvertFloat4ToU32(ImVec4(rgb[0], rgb[1], rgb[2], alpha));
}

float largestMagnitude(const float* values, std::size_t count) {
  float largest = 0.0f;
  for (std::size_t i = 0; i < count; ++i) largest = std::max(largest, std::fabs(values[i]));
  return largest > 0.0f && std::isfinite(largest) ? largest : 1.0f;
}

float activate(compute::Activation a, float x) {
  switch (a) {
    case compute::Activation::Linear:
      return x;
    case compute::Activation::Sigmoid:
      return 1.0f / (1.0f + std::exp(-x));
    case compute::Activation::Tanh:
      return std::tanh(x);
    case compute::Activation::Relu:
      return x > 0.0f ? x : 0.0f;
    case compute::Activation::LeakyRelu:
      return x > 0.0f ? x : 0.01f * x;
    case compute::Activation::Gelu:
      return 0.5f * x * (1.0f + std::erf(x / std::sqrt(2.0f)));
  }
  return x;
}

}  // namespace

void ImageViews::setDataset(std::shared_ptr<const data::Dataset> dataset) {
  mDataset = std::move(dataset);
  mSide = 0;
  mWrittenVersion = 0;
  mWrittenPredictions = ~0ull;
  mSampleWritten = false;
  mHaveSpectra = false;
  mSpectraVersion = 0;
  mMisclassified.clear();
  mCell.reset();
  mWeightsSource.reset();
  mTop.reset();
  if (!mDataset) return;
  const auto& d = *mDataset;
  if (d.imageWidth == 0 || d.imageWidth != d.imageHeight || d.imageWidth > 32 ||
      d.features != d.imageWidth * d.imageWidth || d.test.count == 0 || d.task != data::Task::Classification) {
    return;
  }
  mSide = d.imageWidth;
  mSample = std::min(mSample, d.test.count - 1);
}

std::size_t ImageViews::weightSlots() const {
  // Four images per tile; the rest goes to the sample and the misclassified ones.
  const std::size_t capacity = 4 * render::HeatmapView::tileCapacity();
  return std::min(mWidth0, (capacity - weightSlot(0)) / 2);
}

render::HeatmapRef ImageViews::slot(std::size_t index) const {
  const render::HeatmapRef tile = render::HeatmapView::tile(static_cast<std::uint32_t>(index / 4));
  if (!tile) return {};
  const std::uint32_t half = render::TILE_SIZE / 2;
  return {tile.x + static_cast<std::uint32_t>(index % 2) * half,
          tile.y + static_cast<std::uint32_t>((index / 2) % 2) * half, static_cast<std::uint32_t>(mSide)};
}

std::vector<float> ImageViews::sampleImage(std::size_t sample) const {
  const auto& d = *mDataset;
  const std::size_t n = d.features;
  std::vector<float> image(n);
  for (std::size_t i = 0; i < n; ++i) {
    image[i] = d.u8 ? static_cast<float>(d.test.pixels[sample * n + i]) * d.normalisation.scale
                    : d.test.values[sample * n + i];
  }
  return image;
}

train::SetProbes ImageViews::setSample(std::size_t sample) {
  mSample = std::min(sample, mDataset ? mDataset->test.count - 1 : 0);
  mSampleWritten = false;
  return *probes();
}

std::optional<train::SetProbes> ImageViews::probes() const {
  if (!active()) return std::nullopt;
  return train::SetProbes{{sampleImage(mSample)}};
}

std::vector<std::pair<std::size_t, float>> ImageViews::topActivations(const data::Dataset& dataset,
                                                                      const nn::ModelSpec& spec,
                                                                      const std::vector<float>& parameters,
                                                                      std::size_t layer, std::size_t neuron,
                                                                      std::size_t count) {
  const data::Split& test = dataset.test;
  if (layer >= spec.layerCount() || neuron >= spec.layerOutputs(layer) || parameters.size() != spec.parameterCount() ||
      spec.inputs != dataset.features) {
    return {};
  }
  // Weights transposed to [in, out], so that the inner loop runs over contiguous outputs (it
  // vectorises) and a zero input (most of an MNIST digit) is skipped whole.
  std::vector<std::vector<float>> transposed(layer + 1);
  for (std::size_t l = 0; l < layer || (l == layer && layer + 1 == spec.layerCount()); ++l) {
    const std::size_t in = spec.layerInputs(l), out = spec.layerOutputs(l);
    const float* w = parameters.data() + spec.weightOffset(l);
    transposed[l].resize(in * out);
    for (std::size_t k = 0; k < out; ++k) {
      for (std::size_t j = 0; j < in; ++j) transposed[l][j * out + k] = w[k * in + j];
    }
  }
  const bool last = layer + 1 == spec.layerCount();
  std::vector<float> x(spec.inputs), y;
  std::vector<float> value(test.count);
  for (std::size_t s = 0; s < test.count; ++s) {
    const std::size_t n = spec.inputs;
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = dataset.u8 ? static_cast<float>(test.pixels[s * n + i]) * dataset.normalisation.scale
                        : test.values[s * n + i];
    }
    for (std::size_t l = 0; l <= layer; ++l) {
      const std::size_t in = spec.layerInputs(l), out = spec.layerOutputs(l);
      if (l == layer && !last) {  // a hidden neuron: its own weighted sum only
        const float* w = parameters.data() + spec.weightOffset(l) + neuron * in;
        float sum = parameters[spec.biasOffset(l) + neuron];
        for (std::size_t j = 0; j < in; ++j) sum += w[j] * x[j];
        x.assign(out, 0.0f);
        x[neuron] = activate(spec.layerActivation(l), sum);
        break;
      }
      y.assign(parameters.begin() + static_cast<std::ptrdiff_t>(spec.biasOffset(l)),
               parameters.begin() + static_cast<std::ptrdiff_t>(spec.biasOffset(l) + out));
      const float* wt = transposed[l].data();
      for (std::size_t j = 0; j < in; ++j) {
        const float xj = x[j];
        if (xj == 0.0f) continue;
        const float* row = wt + j * out;
        for (std::size_t k = 0; k < out; ++k) y[k] += row[k] * xj;
      }
      const compute::Activation activation = spec.layerActivation(l);
      for (float& v : y) v = activate(activation, v);
      x.swap(y);
    }
    float v = x[neuron];
    if (last && spec.head == compute::Head::Sigmoid) {
      v = 1.0f / (1.0f + std::exp(-v));
    } else if (last && spec.head == compute::Head::Softmax) {
      const float top = *std::max_element(x.begin(), x.end());
      double sum = 0.0;
      for (float o : x) sum += std::exp(static_cast<double>(o - top));
      v = static_cast<float>(std::exp(static_cast<double>(v - top)) / sum);
    }
    value[s] = v;
    x.resize(spec.inputs);
  }
  std::vector<std::size_t> order(test.count);
  for (std::size_t s = 0; s < order.size(); ++s) order[s] = s;
  count = std::min(count, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), order.end(),
                    [&](std::size_t a, std::size_t b) { return value[a] != value[b] ? value[a] > value[b] : a < b; });
  std::vector<std::pair<std::size_t, float>> top(count);
  for (std::size_t i = 0; i < count; ++i) top[i] = {order[i], value[order[i]]};
  return top;
}

std::vector<float> ImageViews::fullSpectrum(const float* half, std::size_t side) {
  const std::size_t columns = side / 2 + 1;
  std::vector<float> image(side * side);
  for (std::size_t u = 0; u < side; ++u) {
    for (std::size_t v = 0; v < side; ++v) {
      // |F(u, v)| = |F(-u, -v)| for real images: the right half mirrors the left.
      const float m = v < columns ? half[u * columns + v] : half[((side - u) % side) * columns + (side - v)];
      image[((u + side / 2) % side) * side + (v + side / 2) % side] = std::log1p(m);
    }
  }
  return image;
}

std::vector<std::size_t> ImageViews::confusion(const data::Dataset& d, const train::TestPredictions& p) {
  const std::size_t classes = std::max<std::size_t>(d.classes, 2);
  std::vector<std::size_t> matrix(classes * classes, 0);
  const std::size_t count = std::min(p.classes.size(), d.test.labels.size());
  for (std::size_t i = 0; i < count; ++i) {
    const auto truth = static_cast<std::size_t>(d.test.labels[i]), guess = static_cast<std::size_t>(p.classes[i]);
    if (truth < classes && guess < classes) ++matrix[truth * classes + guess];
  }
  return matrix;
}

std::vector<std::size_t> ImageViews::misclassified(const data::Dataset& d, const train::TestPredictions& p,
                                                   std::size_t limit) {
  std::vector<std::size_t> wrong;
  const std::size_t count = std::min(p.classes.size(), d.test.labels.size());
  for (std::size_t i = 0; i < count && wrong.size() < limit; ++i) {
    if (p.classes[i] != d.test.labels[i]) wrong.push_back(i);
  }
  return wrong;
}

std::vector<std::size_t> ImageViews::cellSamples(const data::Dataset& d, const train::TestPredictions& p,
                                                 std::size_t truth, std::size_t guess, std::size_t limit) {
  std::vector<std::size_t> found;
  const std::size_t count = std::min(p.classes.size(), d.test.labels.size());
  for (std::size_t i = 0; i < count && found.size() < limit; ++i) {
    if (static_cast<std::size_t>(d.test.labels[i]) == truth && static_cast<std::size_t>(p.classes[i]) == guess) {
      found.push_back(i);
    }
  }
  return found;
}

void ImageViews::update(const train::Snapshot& snapshot, render::HeatmapView* heatmaps) {
  if (!active() || !heatmaps || snapshot.spec.inputs != mSide * mSide) return;
  const std::size_t cells = mSide * mSide;
  if (!mSampleWritten) {
    heatmaps->write(slot(sampleSlot()), sampleImage(mSample));
    mSampleWritten = true;
  }
  const auto& set = snapshot.probes;
  if (set && set->version != mWrittenVersion && set->parameters.size() == snapshot.spec.parameterCount()) {
    mWrittenVersion = set->version;
    mWeightsSource = set;
    mWidth0 = snapshot.spec.layerOutputs(0);
    const std::size_t shown = weightSlots();
    mWeightRange.assign(shown, 1.0f);
    if (mSpectrumRange.size() != shown) {
      mSpectrumRange.assign(shown, {0.0f, 1.0f});
      mSpectraVersion = 0;
    }
    const float* weights = set->parameters.data() + snapshot.spec.weightOffset(0);
    const std::size_t halfCells = mSide * (mSide / 2 + 1);
    mHaveSpectra = set->spectrum.size() == mWidth0 * halfCells;
    for (std::size_t j = 0; j < shown; ++j) {
      const float* w = weights + j * cells;
      mWeightRange[j] = largestMagnitude(w, cells);
      heatmaps->write(slot(weightSlot(j)), std::span<const float>(w, cells));
    }
  }
  // The spectra only while something shows them (the last frame drew one): mirroring and log1p of
  // every neuron's spectrum for each probe set costs the UI thread a millisecond it needs elsewhere.
  const bool wanted = std::exchange(mSpectraDrawn, false);
  if (wanted && mHaveSpectra && mWeightsSource && mSpectraVersion != mWrittenVersion) {
    mSpectraVersion = mWrittenVersion;
    const std::size_t halfCells = mSide * (mSide / 2 + 1);
    for (std::size_t j = 0; j < mSpectrumRange.size(); ++j) {
      const auto image = fullSpectrum(mWeightsSource->spectrum.data() + j * halfCells, mSide);
      const auto [low, high] = std::minmax_element(image.begin(), image.end());
      mSpectrumRange[j] = {*low, std::max(*high, *low + 1e-6f)};
      heatmaps->write(slot(spectrumSlot(j)), image);
    }
  }
  if (snapshot.predictions && snapshot.predictions->step != mWrittenPredictions) {
    mWrittenPredictions = snapshot.predictions->step;
    mMisclassified =
        mCell ? cellSamples(*mDataset, *snapshot.predictions, mCell->first, mCell->second, MISCLASSIFIED_SHOWN)
              : misclassified(*mDataset, *snapshot.predictions, MISCLASSIFIED_SHOWN);
    for (std::size_t i = 0; i < mMisclassified.size(); ++i)
      heatmaps->write(slot(misclassifiedSlot(i)), sampleImage(mMisclassified[i]));
  }
}

void ImageViews::drawImage(ImDrawList* list, render::HeatmapView* heatmaps, std::size_t index, const Rect& rect,
                           float low, float high, bool nearest) const {
  if (heatmaps) {
    render::HeatmapStyle style;
    style.low = low;
    style.high = high;
    style.nearest = nearest;
    heatmaps->draw(list, slot(index), rect.min, rect.max, style);
  } else {
    list->AddRectFilled(rect.min, rect.max, colorOf(render::COLOR_MID));
  }
}

void ImageViews::drawSample(ImDrawList* list, render::HeatmapView* heatmaps, const Rect& rect) const {
  drawImage(list, heatmaps, sampleSlot(), rect, -1.0f, 1.0f, true);
}

bool ImageViews::drawWeights(ImDrawList* list, render::HeatmapView* heatmaps, std::size_t neuron,
                             const Rect& rect) const {
  if (!active() || neuron >= mWeightRange.size() || mWrittenVersion == 0) return false;
  drawImage(list, heatmaps, weightSlot(neuron), rect, -mWeightRange[neuron], mWeightRange[neuron], true);
  return true;
}

bool ImageViews::drawSpectrum(ImDrawList* list, render::HeatmapView* heatmaps, std::size_t neuron,
                              const Rect& rect) const {
  mSpectraDrawn = true;
  if (!active() || !mHaveSpectra || mSpectraVersion == 0 || neuron >= mSpectrumRange.size()) return false;
  drawImage(list, heatmaps, spectrumSlot(neuron), rect, mSpectrumRange[neuron].first, mSpectrumRange[neuron].second,
            true);
  return true;
}

void ImageViews::setTop(render::HeatmapView* heatmaps, const std::vector<std::size_t>& samples) {
  if (!active() || !heatmaps) return;
  for (std::size_t i = 0; i < samples.size() && i < TOP_SHOWN; ++i) {
    heatmaps->write(slot(topSlot(i)), sampleImage(samples[i]));
  }
}

void ImageViews::drawTop(ImDrawList* list, render::HeatmapView* heatmaps, std::size_t index, const Rect& rect) const {
  if (index < TOP_SHOWN) drawImage(list, heatmaps, topSlot(index), rect, -1.0f, 1.0f, true);
}

ImageViews::Grid ImageViews::gridFor(std::size_t count, float width, float height, float gap, float belowShare,
                                     float belowPixels) {
  Grid best;
  for (std::size_t columns = 1; columns <= std::max<std::size_t>(count, 1); ++columns) {
    const std::size_t rows = (count + columns - 1) / columns;
    const float byWidth = width / static_cast<float>(columns) - gap;
    const float byHeight =
        (height / static_cast<float>(std::max<std::size_t>(rows, 1)) - belowPixels - gap) / (1.0f + belowShare);
    const float side = std::min(byWidth, byHeight);
    if (side > best.side) best = Grid{columns, side};
  }
  return best;
}

void ImageViews::drawWeightGrid(ImDrawList* list, render::HeatmapView* heatmaps, bool spectra, float width,
                                float height) {
  const std::size_t count = mWeightRange.size();
  if (spectra && !mHaveSpectra) return;
  if (spectra) mSpectraDrawn = true;
  ImGui::BeginChild(spectra ? "##spectra" : "##weights", ImVec2(width, height), true, ImGuiWindowFlags_NoScrollbar);
  ImGui::TextUnformatted(spectra ? "|DFT| of the weight images" : "first-layer weights");
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 room = ImGui::GetContentRegionAvail();
  const float pad = 2.0f;
  // As many columns as give the largest tiles in the child's whole box, not a square in its corner.
  const Grid grid = gridFor(count, room.x, room.y, pad, 0.0f);
  const float cell = std::floor(grid.side) + pad;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  for (std::size_t j = 0; j < count && grid.side >= 2.0f; ++j) {
    const float x = origin.x + cell * static_cast<float>(j % grid.columns),
                y = origin.y + cell * static_cast<float>(j / grid.columns);
    const Rect r{ImVec2(x, y), ImVec2(x + cell - pad, y + cell - pad)};
    if (spectra) {
      drawImage(list, heatmaps, spectrumSlot(j), r, mSpectrumRange[j].first, mSpectrumRange[j].second, true);
    } else {
      drawImage(list, heatmaps, weightSlot(j), r, -mWeightRange[j], mWeightRange[j], true);
    }
    if (ImGui::IsWindowHovered() && r.contains(mouse)) {
      if (spectra) {
        ImGui::SetTooltip("neuron %zu: log(1 + |DFT|) in [%.2f, %.2f], zero frequency in the centre", j,
                          static_cast<double>(mSpectrumRange[j].first), static_cast<double>(mSpectrumRange[j].second));
      } else {
        ImGui::SetTooltip("neuron %zu: incoming weights, |w| <= %.3f", j, static_cast<double>(mWeightRange[j]));
      }
    }
  }
  ImGui::EndChild();
  ImGui::SameLine();
}

void ImageViews::drawConfusion(ImDrawList* list, const train::Snapshot& snapshot, float width, float height,
                               const Remember& remember) {
  ImGui::BeginChild("##confusion", ImVec2(width, height), true, ImGuiWindowFlags_NoScrollbar);
  if (!snapshot.predictions) {
    ImGui::TextWrapped("confusion matrix: after the first evaluation");
    ImGui::EndChild();
    ImGui::SameLine();
    return;
  }
  const std::size_t classes = std::max<std::size_t>(mDataset->classes, 2);
  const auto matrix = confusion(*mDataset, *snapshot.predictions);
  ImGui::Text("confusion (step %llu)", static_cast<unsigned long long>(snapshot.predictions->step));
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float size = std::min(ImGui::GetContentRegionAvail().x, ImGui::GetContentRegionAvail().y);
  const float cell = std::floor(size / static_cast<float>(classes));
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  // The counts in the cells where the widest fits (large panels); on hover always.
  const bool counts = ImGui::CalcTextSize("0000").x + 2.0f <= cell && ImGui::GetTextLineHeight() <= cell;
  const ImU32 ink = ImGui::GetColorU32(ImGuiCol_Text);
  for (std::size_t t = 0; t < classes; ++t) {
    std::size_t total = 0;
    for (std::size_t g = 0; g < classes; ++g) total += matrix[t * classes + g];
    for (std::size_t g = 0; g < classes; ++g) {
      const std::size_t n = matrix[t * classes + g];
      const float share = total ? static_cast<float>(n) / static_cast<float>(total) : 0.0f;
      const Rect r{ImVec2(p.x + cell * static_cast<float>(g), p.y + cell * static_cast<float>(t)),
                   ImVec2(p.x + cell * static_cast<float>(g + 1) - 1, p.y + cell * static_cast<float>(t + 1) - 1)};
      if (remember) remember("confusion-" + std::to_string(t) + "-" + std::to_string(g), r);
      if (mCell && mCell->first == t && mCell->second == g) mCellCount = n;
      const auto& tone = t == g ? render::COLOR_HIGH : render::COLOR_LOW;
      list->AddRectFilled(r.min, r.max, colorOf(render::COLOR_MID));
      list->AddRectFilled(r.min, r.max, colorOf(tone, std::sqrt(share)));
      if (counts && n > 0) {
        char text[24];
        std::snprintf(text, sizeof text, "%zu", n);
        const ImVec2 extent = ImGui::CalcTextSize(text);
        list->AddText(ImVec2(r.center().x - extent.x * 0.5f, r.center().y - extent.y * 0.5f), ink, text);
      }
      if (ImGui::IsWindowHovered() && r.contains(mouse)) {
        ImGui::SetTooltip("true %s, predicted %s: %zu samples (%.1f %% of class %s)\nclick to list them",
                          mDataset->className(t).c_str(), mDataset->className(g).c_str(), n,
                          static_cast<double>(share) * 100.0, mDataset->className(t).c_str());
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
          mCell = std::pair{t, g};
          mCellCount = n;
          mWrittenPredictions = ~0ull;  // rewrite the listed images next frame
        }
      }
      if (mCell && mCell->first == t && mCell->second == g) list->AddRect(r.min, r.max, IM_COL32(255, 255, 255, 220));
    }
  }
  ImGui::Dummy(ImVec2(size, size));
  ImGui::EndChild();
  ImGui::SameLine();
}

std::optional<train::SetProbes> ImageViews::drawMisclassified(ImDrawList* list, const train::Snapshot& snapshot,
                                                              render::HeatmapView* heatmaps, float height,
                                                              const Remember& remember) {
  std::optional<train::SetProbes> command;
  ImGui::BeginChild("##misclassified", ImVec2(0, height), true, ImGuiWindowFlags_NoScrollbar);
  const float line = ImGui::GetTextLineHeight();
  const float pad = 4.0f;
  // The largest tiles that hold all of them with two label lines under each; fewer where they would
  // be too small to read or their labels would run into each other (at least the widest class name,
  // up to 56 pixels: Fashion-MNIST's longest names are cut).
  float widest = 0.0f;
  for (std::size_t c = 0; c < mDataset->classes; ++c) {
    widest = std::max(widest, ImGui::CalcTextSize(mDataset->className(c).c_str()).x);
  }
  const float smallest = std::clamp(widest, 28.0f, 56.0f);
  // The grid in the box under the header, which names how many the grid holds: a line of text, or for
  // a confusion cell its text (wrapped where the panel is narrow) and the button under it.
  const ImVec2 whole = ImGui::GetContentRegionAvail();
  ImVec2 room;
  std::size_t shown = 0;
  Grid grid;
  char header[160] = "";
  auto layout = [&](float above) {
    room = ImVec2(whole.x, whole.y - above);
    shown = snapshot.predictions ? mMisclassified.size() : 0;
    grid = gridFor(shown, room.x, room.y, pad, 0.0f, 2.0f * line);
    while (shown > 1 && grid.side < smallest) grid = gridFor(--shown, room.x, room.y, pad, 0.0f, 2.0f * line);
    if (grid.side < 8.0f) shown = 0;
    if (!mCell) return;
    const std::string name = mDataset->className(mCell->first), guessed = mDataset->className(mCell->second);
    if (shown < mCellCount) {
      std::snprintf(header, sizeof header, "true %s, predicted %s: %zu images, first %zu shown", name.c_str(),
                    guessed.c_str(), mCellCount, shown);
    } else {
      std::snprintf(header, sizeof header, "true %s, predicted %s: %zu images", name.c_str(), guessed.c_str(),
                    mCellCount);
    }
  };
  const float step = ImGui::GetTextLineHeightWithSpacing();
  layout(mCell ? 2.0f * step : step);
  if (mCell) {
    const float wrapped = ImGui::CalcTextSize(header, nullptr, false, whole.x).y;
    if (wrapped > line + 0.5f) layout(wrapped + ImGui::GetStyle().ItemSpacing.y + step);
  }
  const float side = std::floor(grid.side);
  if (mCell) {
    ImGui::TextWrapped("%s", header);
    if (ImGui::SmallButton("all misclassified")) {
      mCell.reset();
      mWrittenPredictions = ~0ull;
    }
    if (remember) remember("all-misclassified", Rect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()});
  } else {
    ImGui::TextUnformatted("misclassified (predicted / true)");
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("click a confusion cell to list its images, an image to follow it");
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  if (remember) remember("listed-images", Rect{origin, ImVec2(origin.x + room.x, origin.y + room.y)});
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const ImU32 wrongInk = colorOf(render::COLOR_LOW), ink = ImGui::GetColorU32(ImGuiCol_Text);
  for (std::size_t i = 0; i < shown; ++i) {
    const float x = origin.x + (side + pad) * static_cast<float>(i % grid.columns);
    const float y = origin.y + (side + pad + 2.0f * line) * static_cast<float>(i / grid.columns);
    const Rect r{ImVec2(x, y), ImVec2(x + side, y + side)};
    drawImage(list, heatmaps, misclassifiedSlot(i), r, -1.0f, 1.0f, true);
    const std::size_t s = mMisclassified[i];
    const std::string truth = mDataset->className(static_cast<std::size_t>(mDataset->test.labels[s]));
    const std::string guess = mDataset->className(static_cast<std::size_t>(snapshot.predictions->classes[s]));
    // Each label within its tile's width: a long class name is cut, never run into the next one.
    list->PushClipRect(ImVec2(x, y + side), ImVec2(x + side, y + side + 2.0f * line), true);
    list->AddText(ImVec2(x, y + side), wrongInk, guess.c_str());
    list->AddText(ImVec2(x, y + side + line), ink, truth.c_str());
    list->PopClipRect();
    const Rect hit{r.min, ImVec2(r.max.x, r.max.y + 2.0f * line)};
    if (remember) remember("listed-" + std::to_string(i), hit);
    if (ImGui::IsWindowHovered() && hit.contains(mouse)) {
      ImGui::SetTooltip("test sample %zu: predicted %s, true %s (click to follow it)", s, guess.c_str(), truth.c_str());
      if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) command = setSample(s);
    }
  }
  ImGui::EndChild();
  return command;
}

std::optional<train::SetProbes> ImageViews::drawTab(const train::Snapshot& snapshot, render::HeatmapView* heatmaps,
                                                    const Remember& remember) {
  std::optional<train::SetProbes> command;
  if (!active()) {
    ImGui::TextDisabled("These views are for image data (--preset mnist-mlp or fashion-mlp).");
    return command;
  }
  if (mWeightRange.empty()) {
    ImGui::TextDisabled("waiting for the first probe");
    return command;
  }
  ImDrawList* list = ImGui::GetWindowDrawList();
  const ImVec2 room = ImGui::GetContentRegionAvail();
  const float height = std::max(room.y - 4.0f, 60.0f);
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  // Widths from the panel's: the sample and the (square) confusion matrix what they need, the rest
  // shared by the two tile grids and the misclassified images.
  const float sampleWidth = std::clamp(room.x * 0.16f, 200.0f, 320.0f);
  const float confusionWidth = std::clamp(std::min(height + ImGui::GetTextLineHeightWithSpacing(), room.x * 0.22f),
                                          140.0f, std::max(room.x * 0.3f, 140.0f));
  const float rest = std::max(room.x - sampleWidth - confusionWidth - 4.0f * spacing, 120.0f);
  const float gridWidth = std::floor(rest * (mHaveSpectra ? 0.32f : 0.5f));

  drawWeightGrid(list, heatmaps, false, gridWidth, height);
  drawWeightGrid(list, heatmaps, true, gridWidth, height);

  // The chosen sample and its activations through every layer.
  ImGui::BeginChild("##sample", ImVec2(sampleWidth, height), true);
  int sample = static_cast<int>(mSample);
  ImGui::SetNextItemWidth(100);
  if (ImGui::InputInt("test sample", &sample)) {
    command = setSample(static_cast<std::size_t>(std::clamp(sample, 0, static_cast<int>(mDataset->test.count) - 1)));
  }
  // As large as the rows of activations under it leave room for.
  const float rows = static_cast<float>(snapshot.spec.layerCount()) * (ImGui::GetTextLineHeightWithSpacing() + 17.0f);
  const float side = std::floor(std::clamp(std::min(sampleWidth * 0.45f, ImGui::GetContentRegionAvail().y - rows),
                                           static_cast<float>(mSide), 4.0f * static_cast<float>(mSide)));
  const ImVec2 at = ImGui::GetCursorScreenPos();
  drawImage(list, heatmaps, sampleSlot(), Rect{at, ImVec2(at.x + side, at.y + side)}, -1.0f, 1.0f, true);
  ImGui::Dummy(ImVec2(side, side));
  ImGui::SameLine();
  const std::int32_t label = mDataset->test.labels[mSample];
  const std::vector<float>* outputs = nullptr;
  if (snapshot.probes && !snapshot.probes->probes.empty() && snapshot.probes->probes[0].rows == 1) {
    outputs = &snapshot.probes->probes[0].layers.back();
  }
  std::size_t guess = 0;
  if (outputs) guess = static_cast<std::size_t>(std::max_element(outputs->begin(), outputs->end()) - outputs->begin());
  ImGui::Text("label %s\npredicted %s", mDataset->className(static_cast<std::size_t>(label)).c_str(),
              outputs ? mDataset->className(guess).c_str() : "-");
  if (outputs) {
    const auto& layers = snapshot.probes->probes[0].layers;
    for (std::size_t l = 0; l < layers.size(); ++l) {
      const auto& values = layers[l];
      const bool last = l + 1 == layers.size();
      ImGui::TextDisabled(last ? "output" : "layer %zu (%zu)", l + 1, values.size());
      const ImVec2 p = ImGui::GetCursorScreenPos();
      const float w = ImGui::GetContentRegionAvail().x;
      const std::size_t n = std::min<std::size_t>(values.size(), 128);
      const float cellW = w / static_cast<float>(std::max<std::size_t>(n, 1));
      const float high = last ? 1.0f : largestMagnitude(values.data(), values.size());
      for (std::size_t i = 0; i < n; ++i) {
        const ImVec2 a(p.x + cellW * static_cast<float>(i), p.y);
        list->AddRectFilled(a, ImVec2(a.x + std::max(cellW - 1.0f, 1.0f), a.y + 12.0f),
                            colorOf(render::heatmapColor(values[i], last ? -1.0f : -high, high)));
      }
      ImGui::Dummy(ImVec2(w, 13.0f));
    }
  }
  ImGui::EndChild();
  ImGui::SameLine();

  drawConfusion(list, snapshot, confusionWidth, height, remember);
  if (auto chosen = drawMisclassified(list, snapshot, heatmaps, height, remember)) command = std::move(chosen);
  return command;
}

}  // namespace nsb::ui

namespace nsb::ui {

const ImageViews::TopImages* ImageViews::topImages(const train::Snapshot& snapshot, render::HeatmapView* heatmaps,
                                                   std::size_t layer, std::size_t neuron, bool refresh) {
  if (!active() || !snapshot.probes || snapshot.probes->parameters.size() != snapshot.spec.parameterCount()) {
    return nullptr;
  }
  if (refresh || !mTop || mTop->layer != layer || mTop->neuron != neuron || mTop->run != snapshot.run) {
    const auto start = std::chrono::steady_clock::now();
    TopImages top{
        layer,        neuron,
        snapshot.run, snapshot.probes->step,
        0.0,          topActivations(*mDataset, snapshot.spec, snapshot.probes->parameters, layer, neuron, TOP_SHOWN)};
    top.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::vector<std::size_t> samples;
    for (const auto& [s, value] : top.top) samples.push_back(s);
    setTop(heatmaps, samples);
    mTop = std::move(top);
  }
  return &*mTop;
}

}  // namespace nsb::ui
