// NetworkView: geometry of the network picture (columns, neurons, edges), the probe grids, and the
// hand-over of probe results to the heatmaps when a new probe set arrives: written into the atlas when
// they are on the host, read where they are when they stay on the device (Vulkan, zero copy). The
// host path's colour ranges: tanh [-1, 1], sigmoid [0, 1], unbounded activations symmetric around 0
// by the tile's largest |v|.
#include "ui/NetworkView.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>

#include "data/Synthetic2D.h"
#include "descent/SurfaceLab.h"
#include "render/Colormap.h"
#include "ui/PointSprites.h"
#include "ui/SurfaceView.h"

namespace nsb::ui {
namespace {

ImU32 colorOf(const std::array<float, 3>& rgb, float alpha = 1.0f) {
  return ImGui::ColorConvertFloat4ToU32(ImVec4(rgb[0], rgb[1], rgb[2], alpha));
}

std::size_t shown(std::size_t width) { return std::min(width, NetworkView::MAX_NEURONS_SHOWN); }

// The widths of the picture's columns: inputs, hidden layers, outputs.
std::vector<std::size_t> columnWidths(const nn::ModelSpec& spec) {
  std::vector<std::size_t> widths{spec.inputs};
  for (const auto& layer : spec.hidden) widths.push_back(layer.width);
  widths.push_back(spec.outputs);
  return widths;
}

std::pair<float, float> activationRange(compute::Activation activation, const float* values, std::size_t count,
                                        std::size_t stride) {
  if (activation == compute::Activation::Tanh) return {-1.0f, 1.0f};
  if (activation == compute::Activation::Sigmoid) return {0.0f, 1.0f};
  float largest = 0.0f;
  for (std::size_t i = 0; i < count; ++i) largest = std::max(largest, std::fabs(values[i * stride]));
  if (largest <= 0.0f || !std::isfinite(largest)) largest = 1.0f;
  return {-largest, largest};
}

}  // namespace

void NetworkView::setDataset(std::shared_ptr<const data::Dataset> dataset, const std::string& features) {
  mDataset = std::move(dataset);
  mPlanar = false;
  mInputsWritten = false;
  mWrittenVersion = 0;
  if (!mDataset || mDataset->u8 || mDataset->train.points.empty() || features.empty()) return;
  auto parsed = data::FeatureSet::parse(features);
  if (!parsed || parsed.value().size() != mDataset->features) return;
  mFeatures = parsed.value();
  mPlanar = true;
  // The input neurons' pictures: each feature's value over the plane.
  const std::vector<float> inputs = gridInputs(mFeatures, NEURON_GRID);
  const std::size_t count = mFeatures.size();
  const std::size_t cells = NEURON_GRID * NEURON_GRID;
  mInputTiles.assign(count, std::vector<float>(cells));
  for (std::size_t f = 0; f < count; ++f) {
    for (std::size_t i = 0; i < cells; ++i) mInputTiles[f][i] = inputs[i * count + f];
  }
}

std::pair<float, float> NetworkView::gridPoint(std::size_t n, std::size_t row, std::size_t column) {
  // The grid includes both edges of the plane, so that texel centres at the quad's edges (see
  // HeatmapView) are exactly the plane's edges.
  const float step = 2.0f * data::POINT_RANGE / static_cast<float>(n - 1);
  return {-data::POINT_RANGE + step * static_cast<float>(column), data::POINT_RANGE - step * static_cast<float>(row)};
}

ImVec2 NetworkView::planePoint(const Rect& rect, const ImVec2& screen) {
  const float u = (screen.x - rect.min.x) / rect.width();
  const float v = (screen.y - rect.min.y) / rect.height();
  return ImVec2(-data::POINT_RANGE + 2.0f * data::POINT_RANGE * u, data::POINT_RANGE - 2.0f * data::POINT_RANGE * v);
}

std::vector<float> NetworkView::gridInputs(const data::FeatureSet& features, std::size_t n) {
  const std::size_t count = features.size();
  std::vector<float> inputs(n * n * count);
  for (std::size_t row = 0; row < n; ++row) {
    for (std::size_t column = 0; column < n; ++column) {
      const auto [x1, x2] = gridPoint(n, row, column);
      features.apply(x1, x2, &inputs[(row * n + column) * count]);
    }
  }
  return inputs;
}

std::optional<train::SetProbes> NetworkView::probes() const {
  if (!mPlanar) return std::nullopt;
  return probesFor(mFeatures);
}

std::optional<Rect> NetworkView::neuronRect(std::size_t column, std::size_t neuron) const {
  if (showsImages()) return mImageNetwork.neuronRect(column, neuron);
  if (column >= mNodeRects.size() || neuron >= mNodeRects[column].size()) return std::nullopt;
  return mNodeRects[column][neuron];
}

std::optional<ImVec2> NetworkView::edgeMiddle(const WeightRef& weight) const {
  const auto from = neuronRect(weight.layer, weight.from), to = neuronRect(weight.layer + 1, weight.to);
  if (!from || !to) return std::nullopt;
  return ImVec2((from->max.x + to->min.x) * 0.5f, (from->center().y + to->center().y) * 0.5f);
}

float NetworkView::edgeDistance(const ImVec2& a, const ImVec2& b, const ImVec2& point) {
  // Vertical distance to the segment, x strictly inside it (2 px from either neuron).
  if (!(point.x > a.x + 2.0f && point.x < b.x - 2.0f)) return std::numeric_limits<float>::infinity();
  const float t = (point.x - a.x) / (b.x - a.x);
  return std::fabs(point.y - (a.y + t * (b.y - a.y)));
}

std::optional<WeightRef> NetworkView::edgeAt(const ImVec2& point) const {
  std::optional<WeightRef> nearest;
  float best = EDGE_PICK;
  if (showsImages() || !mOptions.showEdges) return nearest;
  for (std::size_t l = 0; l + 1 < mNodeRects.size(); ++l) {
    if (mNodeRects[l].size() * mNodeRects[l + 1].size() > MAX_EDGES_DRAWN) continue;  // not drawn
    for (std::size_t k = 0; k < mNodeRects[l + 1].size(); ++k) {
      const Rect& to = mNodeRects[l + 1][k];
      for (std::size_t j = 0; j < mNodeRects[l].size(); ++j) {
        const Rect& from = mNodeRects[l][j];
        const float d = edgeDistance(ImVec2(from.max.x, from.center().y), ImVec2(to.min.x, to.center().y), point);
        if (d < best) {
          best = d;
          nearest = WeightRef{l, j, k};
        }
      }
    }
  }
  return nearest;
}

void NetworkView::drawStepPanel(const train::Snapshot& snapshot, const Rect& area, std::size_t index) {
  // Bottom left of the Viewport, over the network: the selected weight's last update in numbers.
  const float line = ImGui::GetTextLineHeightWithSpacing();
  const bool have = snapshot.watched && snapshot.watched->index == index;
  const std::vector<std::string> lines =
      have ? descent::weightEquations(*snapshot.watched) : std::vector<std::string>{};
  const float height =
      std::min(area.height(), line * static_cast<float>(lines.size() + 2) + ImGui::GetStyle().ScrollbarSize +
                                  2 * ImGui::GetStyle().WindowPadding.y);
  const float width = std::min(area.width(), 440.0f);
  ImGui::SetCursorScreenPos(ImVec2(area.min.x, area.max.y - height));
  ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.08f, 0.08f, 0.09f, 0.92f));
  ImGui::BeginChild("network-step", ImVec2(width, height), true, ImGuiWindowFlags_NoScrollbar);
  mStepPanelRect =
      Rect{ImGui::GetWindowPos(), ImVec2(ImGui::GetWindowPos().x + width, ImGui::GetWindowPos().y + height)};
  ImGui::TextUnformatted(("Step: weight " + std::to_string(index) + " (" +
                          std::string(compute::optimizerName(snapshot.hyperparams.optimizer)) + ")")
                             .c_str());
  if (lines.empty()) {
    ImGui::TextDisabled("Step (S) to see this weight's update in numbers.");
  } else {
    drawEquationLines("network-equations", lines);
  }
  ImGui::EndChild();
  ImGui::PopStyleColor();
}

train::SetProbes NetworkView::probesFor(const data::FeatureSet& features) {
  return train::SetProbes{{gridInputs(features, NEURON_GRID), gridInputs(features, OUTPUT_GRID)}};
}

void NetworkView::updateHeatmaps(const train::Snapshot& snapshot, render::HeatmapView& heatmaps) {
  const nn::ModelSpec& spec = snapshot.spec;
  const auto widths = columnWidths(spec);
  std::size_t tileCount = 0;
  for (std::size_t w : widths) tileCount += shown(w);
  mTileRanges.resize(tileCount, {-1.0f, 1.0f});
  if (!mInputsWritten) {
    for (std::size_t f = 0; f < mInputTiles.size() && f < render::HeatmapView::tileCapacity(); ++f) {
      const auto& tile = mInputTiles[f];
      mTileRanges[f] = activationRange(compute::Activation::Linear, tile.data(), tile.size(), 1);
      heatmaps.write(render::HeatmapView::tile(static_cast<std::uint32_t>(f)), tile);
    }
    mInputsWritten = true;
  }
  const auto& set = snapshot.probes;
  if (!set || set->probes.size() < 2) return;
  if (set->onDevice) {
    // Zero copy: the heatmaps read the probe buffer on the device, every frame, and hold it until
    // those frames have finished.
    const auto device = mDeviceProbes ? mDeviceProbes(set->version) : nullptr;
    mFromBuffer = false;
    if (!device) return;
    const compute::NativeBuffer& buffer = device->buffer;
    mFromBuffer = heatmaps.setBuffer(buffer.device, buffer.buffer, buffer.bytes, buffer.ready, device);
    if (set->version == mWrittenVersion) return;
    mWrittenVersion = set->version;
    updateSources(spec, *set);
    return;
  }
  mFromBuffer = false;
  if (set->version == mWrittenVersion) return;
  mWrittenVersion = set->version;
  mTileSources.assign(tileCount, std::nullopt);
  mOutputSource.reset();
  const train::ProbeResult& grid = set->probes[0];
  const std::size_t cells = NEURON_GRID * NEURON_GRID;
  if (grid.rows != cells || grid.layers.size() != spec.layerCount()) return;
  std::vector<float> tile(cells);
  std::size_t index = shown(widths[0]);
  for (std::size_t l = 0; l < spec.layerCount(); ++l) {
    const std::size_t width = spec.layerOutputs(l);
    const std::vector<float>& values = grid.layers[l];
    if (values.size() != cells * width) return;
    const bool last = l + 1 == spec.layerCount();
    for (std::size_t j = 0; j < shown(width); ++j, ++index) {
      if (index >= render::HeatmapView::tileCapacity()) return;
      for (std::size_t i = 0; i < cells; ++i) tile[i] = values[i * width + j];
      if (last) {
        mTileRanges[index] = spec.head == compute::Head::Linear
                                 ? activationRange(compute::Activation::Linear, tile.data(), cells, 1)
                                 : std::pair{0.0f, 1.0f};
      } else {
        mTileRanges[index] = activationRange(spec.layerActivation(l), tile.data(), cells, 1);
      }
      heatmaps.write(render::HeatmapView::tile(static_cast<std::uint32_t>(index)), tile);
    }
  }
  // The output view: the head's output (class 1's probability for two or more classes).
  const train::ProbeResult& out = set->probes[1];
  const std::size_t outCells = OUTPUT_GRID * OUTPUT_GRID;
  const std::vector<float>& head = out.layers.back();
  const std::size_t outputs = spec.outputs;
  if (out.rows != outCells || head.size() != outCells * outputs) return;
  std::vector<float> picture(outCells);
  const std::size_t column = outputs > 1 ? 1 : 0;
  for (std::size_t i = 0; i < outCells; ++i) picture[i] = head[i * outputs + column];
  mOutputRange = spec.head == compute::Head::Linear ? std::pair{-1.0f, 1.0f} : std::pair{0.0f, 1.0f};
  heatmaps.write(render::HeatmapView::output(), picture);
}

// The device path's colour ranges are fixed by the activation ([0, 1] for sigmoid and for the sigmoid
// and softmax heads, [-1, 1] otherwise): the host path's range from the tile's largest |value| would
// need the values on the host.
void NetworkView::updateSources(const nn::ModelSpec& spec, const train::ProbeSet& set) {
  const auto widths = columnWidths(spec);
  mTileSources.assign(mTileRanges.size(), std::nullopt);
  mOutputSource.reset();
  const train::ProbeResult& grid = set.probes[0];
  const train::ProbeResult& out = set.probes[1];
  if (grid.rows != NEURON_GRID * NEURON_GRID || grid.offsets.size() != spec.layerCount()) return;
  if (out.rows != OUTPUT_GRID * OUTPUT_GRID || out.offsets.size() != spec.layerCount()) return;
  const bool bounded = spec.head != compute::Head::Linear;
  std::size_t index = shown(widths[0]);
  for (std::size_t l = 0; l < spec.layerCount(); ++l) {
    const std::size_t width = spec.layerOutputs(l);
    const bool last = l + 1 == spec.layerCount();
    const bool unit = last ? bounded : spec.layerActivation(l) == compute::Activation::Sigmoid;
    for (std::size_t j = 0; j < shown(width) && index < mTileSources.size(); ++j, ++index) {
      mTileSources[index] =
          render::BufferHeatmap{static_cast<std::uint32_t>(grid.offsets[l]), static_cast<std::uint32_t>(width),
                                static_cast<std::uint32_t>(j), static_cast<std::uint32_t>(NEURON_GRID)};
      mTileRanges[index] = unit ? std::pair{0.0f, 1.0f} : std::pair{-1.0f, 1.0f};
    }
  }
  // The output view: the head's output (class 1's probability for two or more classes).
  const std::size_t outputs = spec.outputs;
  mOutputSource =
      render::BufferHeatmap{static_cast<std::uint32_t>(out.offsets.back()), static_cast<std::uint32_t>(outputs),
                            outputs > 1 ? 1u : 0u, static_cast<std::uint32_t>(OUTPUT_GRID)};
  mOutputRange = bounded ? std::pair{0.0f, 1.0f} : std::pair{-1.0f, 1.0f};
}

std::optional<std::pair<std::size_t, std::size_t>> NetworkView::draw(const train::Snapshot& snapshot,
                                                                     render::HeatmapView* heatmaps, const Rect& area) {
  std::optional<std::pair<std::size_t, std::size_t>> clicked;
  ImDrawList* list = ImGui::GetWindowDrawList();
  const nn::ModelSpec& spec = snapshot.spec;
  if (spec.inputs == 0) return clicked;
  if (showsImages()) {
    mClickedWeight.reset();
    mOutputRect = Rect{};
    return mImageNetwork.draw(snapshot, *mImages, heatmaps, area);
  }
  if (heatmaps && mPlanar) updateHeatmaps(snapshot, *heatmaps);
  auto widths = columnWidths(spec);
  const std::size_t columns = widths.size();

  // Split: the network on the left, the output view (square, >= 256 px where it fits) on the right.
  const float gap = 16.0f;
  float outputSide = 0.0f;
  if (mPlanar) {
    outputSide = std::min(area.height() - ImGui::GetTextLineHeight() - 2.0f,
                          std::max(area.width() * 0.42f, std::min(256.0f, area.width() * 0.6f)));
    outputSide = std::max(outputSide, 64.0f);
  }
  Rect net{area.min, ImVec2(area.max.x - (outputSide > 0 ? outputSide + gap : 0.0f), area.max.y)};
  std::size_t tallest = 1;
  for (std::size_t w : widths) tallest = std::max(tallest, shown(w));

  // Column titles: "Hidden 1 (16)" where they fit, else "H1 16"; on one row, else on two (columns
  // alternating), so that no title runs into the next one at any UI scale. The last title ends where
  // the output view begins.
  const float line = ImGui::GetTextLineHeight();
  const float titleGap = ImGui::CalcTextSize(" ").x;
  std::vector<std::string> titles(columns), shortTitles(columns);
  for (std::size_t c = 0; c < columns; ++c) {
    const std::size_t width = c == 0 ? spec.inputs : widths[c];
    char text[64];
    if (c == 0) {
      std::snprintf(text, sizeof text, "Input (%zu)", width);
      titles[c] = text;
      shortTitles[c] = "In " + std::to_string(width);
    } else if (c + 1 == columns) {
      std::snprintf(text, sizeof text, "Output (%zu)", width);
      titles[c] = text;
      shortTitles[c] = "Out " + std::to_string(width);
    } else {
      std::snprintf(text, sizeof text, "Hidden %zu (%zu)", c, width);
      titles[c] = text;
      shortTitles[c] = "H" + std::to_string(c) + " " + std::to_string(width);
    }
  }
  struct Layout {
    const std::vector<std::string>* titles;
    std::size_t rows;
    float node, spacingX;
  };
  auto layoutFor = [&](const std::vector<std::string>& t, std::size_t rows) {
    const float usable = net.height() - static_cast<float>(rows) * line - 8.0f;
    const float node = std::clamp(usable / static_cast<float>(tallest) * 0.82f, 8.0f, 64.0f) * mZoom;
    const float last = std::max(node, ImGui::CalcTextSize(t.back().c_str()).x);
    const float spacingX = columns > 1 ? std::max(net.width() - last, 0.0f) / static_cast<float>(columns - 1) : 0.0f;
    return Layout{&t, rows, node, spacingX};
  };
  auto titlesFit = [&](const Layout& l) {
    for (std::size_t c = 0; c + l.rows < columns; ++c) {
      if (ImGui::CalcTextSize((*l.titles)[c].c_str()).x + titleGap > l.spacingX * static_cast<float>(l.rows)) {
        return false;
      }
    }
    return true;
  };
  Layout layout = layoutFor(shortTitles, 2);
  for (const Layout& candidate : {layoutFor(titles, 1), layoutFor(titles, 2), layoutFor(shortTitles, 1)}) {
    if (titlesFit(candidate)) {
      layout = candidate;
      break;
    }
  }
  const float labelHeight = static_cast<float>(layout.rows) * line + 2.0f;
  const float usable = net.height() - labelHeight - 8.0f;
  const float node = layout.node;
  const float spacingY = node / 0.82f;
  const float spacingX = layout.spacingX;

  auto nodeRect = [&](std::size_t c, std::size_t j) {
    const std::size_t count = shown(widths[c]);
    const float x = net.min.x + mPan.x + spacingX * static_cast<float>(c);
    const float top = net.min.y + labelHeight + mPan.y + (usable - spacingY * static_cast<float>(count)) * 0.5f;
    const float y = top + spacingY * static_cast<float>(j) + (spacingY - node) * 0.5f;
    return Rect{ImVec2(x, y), ImVec2(x + node, y + node)};
  };

  list->PushClipRect(area.min, area.max, true);
  // Column titles; where even the short ones on two rows do not fit, a title that would run into the
  // one before it on its row is left out (the Outliner lists every layer).
  std::vector<float> rowEnd(layout.rows, -1e30f);
  for (std::size_t c = 0; c < columns; ++c) {
    const std::string& title = (*layout.titles)[c];
    const float x = net.min.x + mPan.x + spacingX * static_cast<float>(c);
    float& end = rowEnd[c % layout.rows];
    if (x < end) continue;
    const float y = net.min.y + mPan.y + line * static_cast<float>(c % layout.rows);
    list->AddText(ImVec2(x, y), ImGui::GetColorU32(ImGuiCol_TextDisabled), title.c_str());
    end = x + ImGui::CalcTextSize(title.c_str()).x + titleGap;
  }

  // Edges: W[layer] is [out, in]; colour by sign, width and alpha by |w| relative to the largest. The
  // edge nearest the mouse (within 4 px, away from the neurons) is hovered: its value shows, a click
  // selects it for typing a new one.
  mClickedWeight.reset();
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const bool hoverArea = ImGui::IsWindowHovered() && area.contains(mouse);
  const bool pickEdges = hoverArea && shows("network-edge"), pickNeurons = hoverArea && shows("network-neuron");
  std::optional<WeightRef> hoveredEdge;
  float hoveredDistance = EDGE_PICK;
  const std::vector<float>* params = snapshot.probes ? &snapshot.probes->parameters : nullptr;
  if (mOptions.showEdges && params && params->size() == spec.parameterCount()) {
    float largest = 1e-6f;
    for (std::size_t i = 0; i < spec.weightCount(); ++i) largest = std::max(largest, std::fabs((*params)[i]));
    for (std::size_t l = 0; l < spec.layerCount(); ++l) {
      const std::size_t in = spec.layerInputs(l), out = spec.layerOutputs(l);
      if (shown(in) * shown(out) > MAX_EDGES_DRAWN) continue;
      const std::size_t offset = spec.weightOffset(l);
      for (std::size_t k = 0; k < shown(out); ++k) {
        const Rect to = nodeRect(l + 1, k);
        for (std::size_t j = 0; j < shown(in); ++j) {
          const float w = (*params)[offset + k * in + j];
          const float strength = std::min(std::fabs(w) / largest, 1.0f);
          const Rect from = nodeRect(l, j);
          const auto& rgb = w >= 0 ? render::COLOR_HIGH : render::COLOR_LOW;
          const ImVec2 a(from.max.x, from.center().y), b(to.min.x, to.center().y);
          // Whole-pixel widths take ImGui's baked anti-aliased line texture: two triangles a line
          // instead of six, which lavapipe rasterises in half the time.
          list->AddLine(a, b, colorOf(rgb, 0.15f + 0.75f * strength), std::round(1.0f + 3.0f * strength));
          if (pickEdges) {
            const float d = edgeDistance(a, b, mouse);
            if (d < hoveredDistance) {
              hoveredDistance = d;
              hoveredEdge = WeightRef{l, j, k};
            }
          }
        }
      }
    }
  }

  if (hoveredEdge) {
    const WeightRef& e = *hoveredEdge;
    const Rect from = nodeRect(e.layer, e.from), to = nodeRect(e.layer + 1, e.to);
    list->AddLine(ImVec2(from.max.x, from.center().y), ImVec2(to.min.x, to.center().y), IM_COL32(255, 255, 255, 230),
                  2.0f);
    const float w = (*params)[spec.weightOffset(e.layer) + e.to * spec.layerInputs(e.layer) + e.from];
    ImGui::SetTooltip("weight %zu -> %zu of layer %zu: %.4f\nclick to type a value", e.from, e.to, e.layer + 1,
                      static_cast<double>(w));
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) mClickedWeight = e;
  }

  // Neurons.
  std::size_t index = 0;
  mNodeRects.assign(columns, {});
  for (std::size_t c = 0; c < columns; ++c) {
    for (std::size_t j = 0; j < shown(widths[c]); ++j, ++index) {
      const Rect r = nodeRect(c, j);
      mNodeRects[c].push_back(r);
      const bool haveTile = heatmaps && mPlanar && index < render::HeatmapView::tileCapacity() &&
                            index < mTileRanges.size() && (c == 0 || (snapshot.probes && mWrittenVersion > 0));
      if (haveTile) {
        render::HeatmapStyle style;
        style.low = mTileRanges[index].first;
        style.high = mTileRanges[index].second;
        if (c > 0 && index < mTileSources.size() && mTileSources[index]) {
          if (!mFromBuffer) list->AddRectFilled(r.min, r.max, colorOf(render::COLOR_MID));
          heatmaps->drawBuffer(list, *mTileSources[index], r.min, r.max, style);
        } else {
          heatmaps->draw(list, render::HeatmapView::tile(static_cast<std::uint32_t>(index)), r.min, r.max, style);
        }
      } else {
        list->AddRectFilled(r.min, r.max, colorOf(render::COLOR_MID));
      }
      const bool hovered = pickNeurons && r.contains(mouse);
      list->AddRect(r.min, r.max, hovered ? IM_COL32(255, 255, 255, 220) : IM_COL32(0, 0, 0, 160));
      if (hovered) {
        std::ostringstream text;
        if (c == 0) {
          const auto names = mPlanar ? mFeatures.names() : std::vector<std::string>{};
          text << "Input " << (j < names.size() ? names[j] : std::to_string(j));
        } else {
          text << (c + 1 == columns ? "Output neuron " : "Neuron ") << j << " of layer " << c;
          if (params && params->size() == spec.parameterCount()) {
            text << "\nbias " << (*params)[spec.biasOffset(c - 1) + j];
          }
        }
        ImGui::SetTooltip("%s", text.str().c_str());
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) clicked = std::pair{c, j};
      }
    }
    if (widths[c] > shown(widths[c])) {
      const Rect last = nodeRect(c, shown(widths[c]) - 1);
      char more[32];
      std::snprintf(more, sizeof more, "+%zu", widths[c] - shown(widths[c]));
      list->AddText(ImVec2(last.min.x, last.max.y + 2), ImGui::GetColorU32(ImGuiCol_TextDisabled), more);
    }
  }

  // The output view.
  if (mPlanar && outputSide > 0) {
    const float x0 = area.max.x - outputSide;
    const float y0 = area.min.y + line + 2.0f;
    mOutputRect = Rect{ImVec2(x0, y0), ImVec2(x0 + outputSide, y0 + outputSide)};
    // Its title, shorter where the view is narrow (large UI scales).
    const bool regression = spec.head == compute::Head::Linear;
    const char* title = regression ? "Output: regression surface" : "Output: decision boundary";
    if (ImGui::CalcTextSize(title).x > outputSide) title += std::strlen("Output: ");
    if (ImGui::CalcTextSize(title).x > outputSide) title = "Output";
    list->AddText(ImVec2(x0, area.min.y), ImGui::GetColorU32(ImGuiCol_TextDisabled), title);
    if (heatmaps && snapshot.probes && mWrittenVersion > 0) {
      render::HeatmapStyle style;
      style.low = mOutputRange.first;
      style.high = mOutputRange.second;
      style.discretize = mOptions.discretize;
      if (mOutputSource) {
        if (!mFromBuffer) list->AddRectFilled(mOutputRect.min, mOutputRect.max, colorOf(render::COLOR_MID));
        heatmaps->drawBuffer(list, *mOutputSource, mOutputRect.min, mOutputRect.max, style);
      } else {
        heatmaps->draw(list, render::HeatmapView::output(), mOutputRect.min, mOutputRect.max, style);
      }
    } else {
      list->AddRectFilled(mOutputRect.min, mOutputRect.max, colorOf(render::COLOR_MID));
    }
    list->AddRect(mOutputRect.min, mOutputRect.max, IM_COL32(0, 0, 0, 200));
    auto drawPoints = [&](const data::Split& split, ImU32 border) {
      const bool classes = mDataset->task == data::Task::Classification;
      for (std::size_t i = 0; i < split.count && 2 * i + 1 < split.points.size(); ++i) {
        const float px = split.points[2 * i], py = split.points[2 * i + 1];
        const ImVec2 p(mOutputRect.min.x + (px + data::POINT_RANGE) / (2 * data::POINT_RANGE) * outputSide,
                       mOutputRect.min.y + (data::POINT_RANGE - py) / (2 * data::POINT_RANGE) * outputSide);
        float value = 0.0f;
        if (classes) {
          value = i < split.labels.size() && split.labels[i] > 0 ? 1.0f : -1.0f;
        } else if (i < split.targets.size()) {
          value = split.targets[i];
        }
        drawPoint(list, p, colorOf(render::heatmapColor(value, -1.0f, 1.0f)), border);
      }
    };
    if (mDataset && mOptions.showTrain) drawPoints(mDataset->train, IM_COL32(255, 255, 255, 220));
    if (mDataset && mOptions.showTest) drawPoints(mDataset->test, IM_COL32(0, 0, 0, 230));
    if (hoverArea && mOutputRect.contains(mouse)) {
      const ImVec2 p = planePoint(mOutputRect, mouse);
      ImGui::SetTooltip("x1 = %.2f, x2 = %.2f", static_cast<double>(p.x), static_cast<double>(p.y));
    }
  } else {
    mOutputRect = Rect{};
  }
  list->PopClipRect();

  // Zoom with the wheel and pan with the right button, over the network.
  if (hoverArea && net.contains(mouse) && shows("network-zoom")) {
    const float wheel = ImGui::GetIO().MouseWheel;
    if (wheel != 0.0f) mZoom = std::clamp(mZoom * (wheel > 0 ? 1.1f : 1.0f / 1.1f), 0.3f, 4.0f);
    if (ImGui::IsMouseDragging(ImGuiMouseButton_Right)) {
      const ImVec2 delta = ImGui::GetIO().MouseDelta;
      mPan = ImVec2(mPan.x + delta.x, mPan.y + delta.y);
    }
  }
  return clicked;
}

}  // namespace nsb::ui
