// ImageNetworkView: the columns' layout (a controls row, a titles row, then input | first-layer
// weight images | deeper layers | output bars), the culled edges and the host forward pass behind the
// top activating images. Each column draws inside its own clip rectangle, so that no text runs into
// the next one.
#include "ui/ImageNetworkView.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "render/Colormap.h"

namespace nsb::ui {
namespace {

ImU32 colorOf(const std::array<float, 3>& rgb, float alpha = 1.0f) {
  return ImGui::ColorConvertFloat4ToU32(ImVec4(rgb[0], rgb[1], rgb[2], alpha));
}

float largestMagnitude(const std::vector<float>& values) {
  float largest = 0.0f;
  for (float v : values) largest = std::max(largest, std::fabs(v));
  return largest > 0.0f && std::isfinite(largest) ? largest : 1.0f;
}

// The first of `candidates` whose width fits `room`, or null.
const char* fitting(std::initializer_list<const char*> candidates, float room) {
  for (const char* text : candidates) {
    if (ImGui::CalcTextSize(text).x <= room) return text;
  }
  return nullptr;
}

}  // namespace

std::optional<Rect> ImageNetworkView::widgetRect(std::string_view name) const {
  for (const auto& [key, rect] : mWidgets) {
    if (key == name) return rect;
  }
  return std::nullopt;
}

void ImageNetworkView::remember(std::string name) {
  mWidgets.emplace_back(std::move(name), Rect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()});
}

std::optional<Rect> ImageNetworkView::neuronRect(std::size_t column, std::size_t neuron) const {
  if (column >= mNodeRects.size() || neuron >= mNodeRects[column].size()) return std::nullopt;
  return mNodeRects[column][neuron];
}

std::vector<std::size_t> ImageNetworkView::strongestInputs(const nn::ModelSpec& spec,
                                                           const std::vector<float>& parameters, std::size_t layer,
                                                           std::size_t neuron, std::size_t k) {
  const std::size_t in = spec.layerInputs(layer);
  const float* w = parameters.data() + spec.weightOffset(layer) + neuron * in;
  std::vector<std::size_t> order(in);
  for (std::size_t j = 0; j < in; ++j) order[j] = j;
  k = std::min(k, in);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](std::size_t a, std::size_t b) {
                      const float x = std::fabs(w[a]), y = std::fabs(w[b]);
                      return x != y ? x > y : a < b;
                    });
  order.resize(k);
  return order;
}

std::optional<std::pair<std::size_t, std::size_t>> ImageNetworkView::draw(const train::Snapshot& snapshot,
                                                                          ImageViews& images,
                                                                          render::HeatmapView* heatmaps,
                                                                          const Rect& area) {
  std::optional<std::pair<std::size_t, std::size_t>> clicked;
  const nn::ModelSpec& spec = snapshot.spec;
  const data::Dataset& dataset = *images.dataset();
  ImDrawList* list = ImGui::GetWindowDrawList();
  const float line = ImGui::GetTextLineHeight();
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const bool hoverArea = ImGui::IsWindowHovered() && area.contains(mouse);
  const bool pickNeurons = hoverArea && shows("network-neuron");  // hover and click, as in the 2D view
  const std::size_t tests = dataset.test.count;
  const std::size_t sample = images.sample();
  auto choose = [&](std::size_t s) { mProbes = images.setSample(s); };

  // Controls: the sample, the way to a misclassified one, the edges per neuron; each only where shown,
  // on one row (none shown: no row).
  mWidgets.clear();
  ImGui::SetCursorScreenPos(area.min);
  float controlsBottom = area.min.y;
  bool first = true;
  const auto next = [&](const char* name) {
    if (!shows(name)) return false;
    if (!std::exchange(first, false)) ImGui::SameLine();
    return true;
  };
  const auto placed = [&](const char* name) {
    remember(name);
    controlsBottom = std::max(controlsBottom, ImGui::GetItemRectMax().y + ImGui::GetStyle().ItemSpacing.y);
  };
  if (next("image-previous")) {
    if (ImGui::ArrowButton("##previous-image", ImGuiDir_Left)) choose((sample + tests - 1) % tests);
    placed("image-previous");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("previous test image (left arrow key)");
  }
  if (next("image-next")) {
    if (ImGui::ArrowButton("##next-image", ImGuiDir_Right)) choose((sample + 1) % tests);
    placed("image-next");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("next test image (right arrow key)");
  }
  if (next("image-misclassified")) {
    const bool havePredictions = snapshot.predictions && snapshot.predictions->classes.size() == tests;
    ImGui::BeginDisabled(!havePredictions);
    if (ImGui::Button("random misclassified") && havePredictions) {
      std::vector<std::size_t> wrong;
      for (std::size_t s = 0; s < tests; ++s) {
        if (snapshot.predictions->classes[s] != dataset.test.labels[s]) wrong.push_back(s);
      }
      if (!wrong.empty()) {
        mRandomState ^= mRandomState << 13;
        mRandomState ^= mRandomState >> 7;
        mRandomState ^= mRandomState << 17;
        choose(wrong[mRandomState % wrong.size()]);
      }
    }
    ImGui::EndDisabled();
    placed("image-misclassified");
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
      ImGui::SetTooltip("a test image the network gets wrong (after the first evaluation)");
    }
  }
  if (next("image-edges")) {
    ImGui::SetNextItemWidth(std::min(90.0f, area.width() * 0.15f));
    ImGui::SliderInt("edges per neuron", &mEdges, 0, 16);
    placed("image-edges");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("each deeper neuron's incoming edges: the k largest |w|");
  }
  // The arrow keys stand for the arrow buttons: each acts only where its button is shown.
  const bool keys = (ImGui::IsWindowHovered() || ImGui::IsWindowFocused()) && !ImGui::IsAnyItemActive();
  if (keys && shows("image-previous") && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow)))
    choose((sample + tests - 1) % tests);
  if (keys && shows("image-next") && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow)))
    choose((sample + 1) % tests);

  // Columns: input | first layer | deeper hidden layers | output; titles on one row above them.
  const std::size_t layers = spec.layerCount();
  std::vector<float> shares{0.22f, 0.36f};
  for (std::size_t l = 1; l + 1 < layers; ++l) shares.push_back(0.12f);
  shares.push_back(0.2f);
  float total = 0.0f;
  for (float s : shares) total += s;
  const float gap = std::max(12.0f, line);
  const float usableWidth = area.width() - gap * static_cast<float>(shares.size() - 1);
  std::vector<Rect> columns;
  float x = area.min.x;
  const float titleY = controlsBottom, top = controlsBottom + line + 4.0f;
  for (float s : shares) {
    const float w = std::max(usableWidth * s / total, 8.0f);
    columns.push_back(Rect{ImVec2(x, top), ImVec2(x + w, area.max.y)});
    x += w + gap;
  }
  const float height = area.max.y - top;
  mNodeRects.assign(columns.size(), {});
  if (height < 2.0f * line) return clicked;

  const std::vector<std::vector<float>>* activations = nullptr;
  if (snapshot.probes && !snapshot.probes->probes.empty() && snapshot.probes->probes[0].rows == 1 &&
      snapshot.probes->probes[0].layers.size() == layers) {
    activations = &snapshot.probes->probes[0].layers;
  }
  const std::vector<float>* params = snapshot.probes && snapshot.probes->parameters.size() == spec.parameterCount()
                                         ? &snapshot.probes->parameters
                                         : nullptr;
  const ImU32 titleColour = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  auto title = [&](std::size_t c, std::initializer_list<const char*> candidates) {
    const Rect& r = columns[c];
    if (const char* text = fitting(candidates, r.width())) list->AddText(ImVec2(r.min.x, titleY), titleColour, text);
  };

  // Input: the test image, large, and what the network answers.
  const std::int32_t truth = dataset.test.labels[sample];
  std::size_t guess = 0;
  if (activations) {
    const auto& out = activations->back();
    guess = static_cast<std::size_t>(std::max_element(out.begin(), out.end()) - out.begin());
  }
  {
    const Rect& col = columns[0];
    char full[64], shorter[32];
    std::snprintf(full, sizeof full, "Input: test image %zu", sample);
    std::snprintf(shorter, sizeof shorter, "#%zu", sample);
    title(0, {full, shorter, "In"});
    const float side = std::max(std::min(col.width(), height - 2.0f * line - 8.0f), 8.0f);
    mInputRect = Rect{col.min, ImVec2(col.min.x + side, col.min.y + side)};
    mNodeRects[0].push_back(mInputRect);
    images.drawSample(list, heatmaps, mInputRect);
    list->AddRect(mInputRect.min, mInputRect.max, IM_COL32(0, 0, 0, 160));
    list->PushClipRect(col.min, col.max, true);
    const std::string truthName = dataset.className(static_cast<std::size_t>(truth));
    const std::string truthText = "true: " + truthName;
    list->AddText(ImVec2(col.min.x, mInputRect.max.y + 4.0f), ImGui::GetColorU32(ImGuiCol_Text), truthText.c_str());
    if (activations) {
      // Shorter forms where the column is narrow (long class names).
      char answer[96], answerShort[80];
      const std::string name = dataset.className(guess);
      const double percent = static_cast<double>(activations->back()[guess]) * 100.0;
      std::snprintf(answer, sizeof answer, "predicted: %s (%.0f %%)", name.c_str(), percent);
      std::snprintf(answerShort, sizeof answerShort, "predicted: %s", name.c_str());
      const char* text = fitting({answer, answerShort}, col.width());
      const bool right = static_cast<std::int32_t>(guess) == truth;
      list->AddText(ImVec2(col.min.x, mInputRect.max.y + 4.0f + line),
                    right ? colorOf(render::COLOR_HIGH) : colorOf(render::COLOR_LOW), text ? text : answerShort);
    }
    list->PopClipRect();
    if (hoverArea && mInputRect.contains(mouse)) {
      ImGui::SetTooltip("test image %zu of %zu (arrow keys: another one)", sample, tests);
    }
  }

  // Where each neuron of each layer is, before anything is drawn (edges go under the neurons).
  const std::size_t width0 = spec.layerOutputs(0);
  const ImageViews::Grid tiles = ImageViews::gridFor(width0, columns[1].width(), height, 3.0f, 0.15f);
  const float bar = std::max(3.0f, std::round(tiles.side * 0.12f));
  for (std::size_t j = 0; j < width0; ++j) {
    const float cx = columns[1].min.x + (tiles.side + 3.0f) * static_cast<float>(j % tiles.columns);
    const float cy = top + (tiles.side + bar + 3.0f) * static_cast<float>(j / tiles.columns);
    mNodeRects[1].push_back(Rect{ImVec2(cx, cy), ImVec2(cx + tiles.side, cy + tiles.side)});
  }
  float tilesRight = columns[1].min.x;
  for (const Rect& r : mNodeRects[1]) tilesRight = std::max(tilesRight, r.max.x);
  for (std::size_t l = 1; l + 1 < layers; ++l) {
    const std::size_t n = spec.layerOutputs(l);
    const Rect& col = columns[l + 1];
    const ImageViews::Grid g = ImageViews::gridFor(n, std::min(col.width(), 4.0f * line), height, 2.0f, 0.0f);
    const float side = std::min(g.side, 2.0f * line);
    const auto rows = static_cast<float>((n + g.columns - 1) / g.columns);
    const float y0 = top + std::max(height - rows * (side + 2.0f), 0.0f) * 0.5f;
    for (std::size_t j = 0; j < n; ++j) {
      const float cx = col.min.x + (side + 2.0f) * static_cast<float>(j % g.columns);
      const float cy = y0 + (side + 2.0f) * static_cast<float>(j / g.columns);
      mNodeRects[l + 1].push_back(Rect{ImVec2(cx, cy), ImVec2(cx + side, cy + side)});
    }
  }
  const std::size_t classes = spec.outputs;
  const Rect& outCol = columns.back();
  const float rowHeight = std::clamp(height / static_cast<float>(std::max<std::size_t>(classes, 1)), 2.0f, 2.0f * line);
  const float outTop = top + std::max(height - rowHeight * static_cast<float>(classes), 0.0f) * 0.5f;
  for (std::size_t c = 0; c < classes; ++c) {
    const float y = outTop + rowHeight * static_cast<float>(c);
    mNodeRects.back().push_back(Rect{ImVec2(outCol.min.x, y), ImVec2(outCol.max.x, y + rowHeight - 2.0f)});
  }

  // Edges of the deeper layers: each neuron's k strongest inputs, coloured by sign.
  if (params && mEdges > 0) {
    // Plain lines, the cheaper kind for lavapipe: with anti-aliasing the edges took about 8 % of the
    // process's CPU time (docs/benchmarks.md, session 9).
    const ImDrawListFlags flags = list->Flags;
    list->Flags &= ~(ImDrawListFlags_AntiAliasedLines | ImDrawListFlags_AntiAliasedLinesUseTex);
    for (std::size_t l = 1; l < layers; ++l) {
      float largest = 1e-6f;
      const std::size_t in = spec.layerInputs(l);
      for (std::size_t i = 0; i < in * spec.layerOutputs(l); ++i) {
        largest = std::max(largest, std::fabs((*params)[spec.weightOffset(l) + i]));
      }
      for (std::size_t k = 0; k < spec.layerOutputs(l); ++k) {
        const Rect& to = mNodeRects[l + 1][k];
        for (std::size_t j : strongestInputs(spec, *params, l, k, static_cast<std::size_t>(mEdges))) {
          const float w = (*params)[spec.weightOffset(l) + k * in + j];
          const Rect& from = mNodeRects[l][j];
          const float strength = std::min(std::fabs(w) / largest, 1.0f);
          // From the weight images' right edge, so that no edge crosses a tile.
          const float fromX = l == 1 ? tilesRight : from.max.x;
          list->AddLine(ImVec2(fromX, from.center().y), ImVec2(to.min.x, to.center().y),
                        colorOf(w >= 0.0f ? render::COLOR_HIGH : render::COLOR_LOW, 0.25f + 0.6f * strength),
                        std::round(1.0f + 2.0f * strength));
        }
      }
    }
    list->Flags = flags;
  }

  // First layer: each neuron's weight image, its activation for the image as a bar under it.
  char full[64], shorter[32];
  std::snprintf(full, sizeof full, "Hidden 1 (%zu): weight images", width0);
  std::snprintf(shorter, sizeof shorter, "H1 %zu", width0);
  title(1, {full, shorter});
  for (std::size_t l = 0; l + 1 < layers; ++l) {
    const std::vector<float>* values = activations ? &(*activations)[l] : nullptr;
    const float high = values ? largestMagnitude(*values) : 1.0f;
    if (l > 0) {
      std::snprintf(full, sizeof full, "Hidden %zu (%zu)", l + 1, spec.layerOutputs(l));
      std::snprintf(shorter, sizeof shorter, "H%zu (%zu)", l + 1, spec.layerOutputs(l));
      char shortest[32];
      std::snprintf(shortest, sizeof shortest, "H%zu", l + 1);
      title(l + 1, {full, shorter, shortest});
    }
    for (std::size_t j = 0; j < spec.layerOutputs(l); ++j) {
      const Rect& r = mNodeRects[l + 1][j];
      const float a = values && j < values->size() ? (*values)[j] : 0.0f;
      if (l == 0) {
        if (!images.drawWeights(list, heatmaps, j, r)) list->AddRectFilled(r.min, r.max, colorOf(render::COLOR_MID));
        const float share = std::clamp(a / high, -1.0f, 1.0f);
        const ImVec2 b(r.min.x, r.max.y + 1.0f);
        list->AddRectFilled(b, ImVec2(r.max.x, b.y + bar - 1.0f), IM_COL32(255, 255, 255, 24));
        list->AddRectFilled(b, ImVec2(b.x + r.width() * std::fabs(share), b.y + bar - 1.0f),
                            colorOf(share >= 0.0f ? render::COLOR_HIGH : render::COLOR_LOW));
      } else {
        list->AddRectFilled(r.min, r.max, colorOf(render::heatmapColor(a, -high, high)));
      }
      const bool hovered = pickNeurons && r.contains(mouse);
      list->AddRect(r.min, r.max, hovered ? IM_COL32(255, 255, 255, 220) : IM_COL32(0, 0, 0, 160));
      if (hovered) {
        ImGui::SetTooltip("neuron %zu of layer %zu: activation %.3f\nclick: its weights and top images in Details", j,
                          l + 1, static_cast<double>(a));
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) clicked = std::pair{l + 1, j};
      }
    }
  }

  // Output: a bar per class with its name; the prediction filled bright, the true class outlined.
  title(columns.size() - 1, {"Output: class probabilities", "Output", "Out"});
  {
    float labelWidth = 0.0f;
    for (std::size_t c = 0; c < classes; ++c) {
      labelWidth = std::max(labelWidth, ImGui::CalcTextSize(dataset.className(c).c_str()).x);
    }
    labelWidth = std::min(labelWidth + 6.0f, outCol.width() * 0.6f);
    const bool labels = rowHeight >= line;
    list->PushClipRect(outCol.min, outCol.max, true);
    for (std::size_t c = 0; c < classes; ++c) {
      const Rect& row = mNodeRects.back()[c];
      const float p = activations && c < activations->back().size() ? activations->back()[c] : 0.0f;
      // The bar first, its class name to its right: the edges end at the bar, not across the name.
      const float x0 = row.min.x, x1 = row.max.x - (labels ? labelWidth : 0.0f);
      const bool predicted = activations && c == guess, isTruth = static_cast<std::int32_t>(c) == truth;
      if (labels) {
        list->AddText(ImVec2(x1 + 6.0f, row.center().y - line * 0.5f),
                      isTruth ? ImGui::GetColorU32(ImGuiCol_Text) : titleColour, dataset.className(c).c_str());
      }
      list->AddRectFilled(ImVec2(x0, row.min.y), ImVec2(x1, row.max.y), IM_COL32(255, 255, 255, 20));
      list->AddRectFilled(ImVec2(x0, row.min.y), ImVec2(x0 + (x1 - x0) * std::clamp(p, 0.0f, 1.0f), row.max.y),
                          colorOf(render::COLOR_HIGH, predicted ? 1.0f : 0.45f));
      if (isTruth) {
        list->AddRect(ImVec2(x0, row.min.y), ImVec2(x1, row.max.y), IM_COL32(255, 255, 255, 220), 0.0f, 0, 2.0f);
      }
      if (pickNeurons && row.contains(mouse)) {
        ImGui::SetTooltip("class %s: p = %.3f%s%s", dataset.className(c).c_str(), static_cast<double>(p),
                          predicted ? ", predicted" : "", isTruth ? ", the true class" : "");
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) clicked = std::pair{layers, c};
      }
    }
    list->PopClipRect();
  }
  return clicked;
}

}  // namespace nsb::ui
