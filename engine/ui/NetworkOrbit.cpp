#include "ui/NetworkOrbit.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <glm/glm.hpp>
#include <glm/gtc/matrix_transform.hpp>

#include "render/Colormap.h"

namespace nsb::ui {
namespace {

constexpr float SHEET = 10.0f;       // world size of the widest sheet
constexpr float MAX_SPACING = 1.5f;  // between neighbours on a sheet (narrow layers stay compact)
constexpr float COLUMN_GAP = 12.0f;  // between sheets

std::size_t columnCount(const nn::ModelSpec& spec) { return spec.layerCount() + 1; }
std::size_t columnWidth(const nn::ModelSpec& spec, std::size_t column) {
  return column == 0 ? spec.inputs : spec.layerOutputs(column - 1);
}
std::size_t sideOf(std::size_t n) { return static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(n)))); }
float spacingOf(std::size_t n) {
  return std::min(MAX_SPACING, SHEET / static_cast<float>(std::max<std::size_t>(sideOf(n), 1)));
}

float framedDistance(const nn::ModelSpec& spec) {
  const float depth = COLUMN_GAP * static_cast<float>(columnCount(spec) - 1);
  return 0.8f * std::max(SHEET, depth) + SHEET;
}

struct Projected {
  ImVec2 screen;
  float depth = 0.0f;  // distance along the view direction; > 0 in front of the camera
  float pixelsPerUnit = 0.0f;
};

std::optional<Projected> projectPoint(const OrbitCamera& camera, const nn::ModelSpec& spec, const Rect& area,
                                      const glm::vec3& world) {
  const float distance = camera.distance > 0.0f ? camera.distance : framedDistance(spec);
  const glm::vec3 eye = distance * glm::vec3(std::cos(camera.pitch) * std::sin(camera.yaw), std::sin(camera.pitch),
                                             std::cos(camera.pitch) * std::cos(camera.yaw));
  const glm::mat4 view = glm::lookAt(eye, glm::vec3(0.0f), glm::vec3(0.0f, 1.0f, 0.0f));
  const float aspect = std::max(area.width(), 1.0f) / std::max(area.height(), 1.0f);
  constexpr float FOV = 0.8f;  // radians, vertical
  const glm::mat4 projection = glm::perspective(FOV, aspect, 0.1f, 1000.0f);
  const glm::vec4 v = view * glm::vec4(world, 1.0f);
  if (-v.z < 0.1f) return std::nullopt;
  const glm::vec4 clip = projection * v;
  const glm::vec2 ndc(clip.x / clip.w, clip.y / clip.w);
  Projected p;
  p.screen =
      ImVec2(area.min.x + (ndc.x * 0.5f + 0.5f) * area.width(), area.min.y + (0.5f - ndc.y * 0.5f) * area.height());
  p.depth = -v.z;
  p.pixelsPerUnit = area.height() * 0.5f / (std::tan(FOV * 0.5f) * p.depth);
  return p;
}

ImU32 colorOf(const std::array<float, 3>& rgb, float alpha) {
  return ImGui::ColorConvertFloat4ToU32(ImVec4(rgb[0], rgb[1], rgb[2], alpha));
}

}  // namespace

std::array<float, 3> NetworkOrbit::position(const nn::ModelSpec& spec, std::size_t column, std::size_t index) {
  const std::size_t n = columnWidth(spec, column);
  const std::size_t side = std::max<std::size_t>(sideOf(n), 1);
  const float spacing = spacingOf(n);
  const float half = 0.5f * spacing * static_cast<float>(side - 1);
  const float x = spacing * static_cast<float>(index % side) - half;
  const float y = half - spacing * static_cast<float>(index / side);
  const float z = COLUMN_GAP * (0.5f * static_cast<float>(columnCount(spec) - 1) - static_cast<float>(column));
  return {x, y, z};
}

std::optional<ImVec2> NetworkOrbit::project(const OrbitCamera& camera, const nn::ModelSpec& spec, const Rect& area,
                                            const std::array<float, 3>& world) {
  const auto p = projectPoint(camera, spec, area, glm::vec3(world[0], world[1], world[2]));
  if (!p) return std::nullopt;
  return p->screen;
}

std::optional<float> NetworkOrbit::activation(const train::Snapshot& snapshot, std::size_t column, std::size_t index) {
  const auto& set = snapshot.probes;
  if (column == 0 || !set || set->probes.empty()) return std::nullopt;
  const train::ProbeResult& probe = set->probes[0];
  const std::size_t layer = column - 1;
  if (layer >= probe.layers.size() || probe.rows == 0) return std::nullopt;
  const std::size_t width = columnWidth(snapshot.spec, column);
  const std::vector<float>& values = probe.layers[layer];
  if (index >= width || values.size() != probe.rows * width) return std::nullopt;
  double sum = 0.0;  // one row: the chosen sample; a grid: the mean over the input plane
  for (std::size_t r = 0; r < probe.rows; ++r) sum += values[r * width + index];
  return static_cast<float>(sum / static_cast<double>(probe.rows));
}

std::optional<float> NetworkOrbit::bias(const train::Snapshot& snapshot, std::size_t column, std::size_t index) {
  const nn::ModelSpec& spec = snapshot.spec;
  const auto& set = snapshot.probes;
  if (column == 0 || !set || set->parameters.size() != spec.parameterCount()) return std::nullopt;
  if (index >= columnWidth(spec, column)) return std::nullopt;
  return set->parameters[spec.biasOffset(column - 1) + index];
}

void NetworkOrbit::draw(const train::Snapshot& snapshot, const Rect& area, bool steer) {
  mEdgesDrawn = mNeuronsDrawn = 0;
  const nn::ModelSpec& spec = snapshot.spec;
  if (spec.inputs == 0 || area.width() < 8.0f || area.height() < 8.0f) return;
  ImDrawList* list = ImGui::GetWindowDrawList();
  list->PushClipRect(area.min, area.max, true);

  // Drag to orbit, wheel to zoom (only over the viewport).
  ImGuiIO& io = ImGui::GetIO();
  if (steer && ImGui::IsWindowHovered() && area.contains(io.MousePos)) {
    if (ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
      mCamera.yaw -= io.MouseDelta.x * 0.01f;
      mCamera.pitch = std::clamp(mCamera.pitch + io.MouseDelta.y * 0.01f, -1.5f, 1.5f);
    }
    if (io.MouseWheel != 0.0f) {
      const float current = mCamera.distance > 0.0f ? mCamera.distance : framedDistance(spec);
      mCamera.distance = std::clamp(current * (1.0f - 0.1f * io.MouseWheel), 2.0f, 500.0f);
    }
  }
  auto at = [&](std::size_t column, std::size_t index) {
    const auto w = position(spec, column, index);
    return projectPoint(mCamera, spec, area, glm::vec3(w[0], w[1], w[2]));
  };

  // Edges: the strongest weights of each layer, faint to strong.
  const std::vector<float>* params = snapshot.probes ? &snapshot.probes->parameters : nullptr;
  if (params && params->size() == spec.parameterCount()) {
    for (std::size_t l = 0; l < spec.layerCount(); ++l) {
      const std::size_t in = spec.layerInputs(l), out = spec.layerOutputs(l), offset = spec.weightOffset(l);
      const float* w = params->data() + offset;
      mOrder.resize(in * out);
      for (std::size_t i = 0; i < mOrder.size(); ++i) mOrder[i] = i;
      const std::size_t keep = std::min(mOrder.size(), MAX_EDGES_PER_LAYER);
      auto stronger = [w](std::size_t a, std::size_t b) { return std::fabs(w[a]) > std::fabs(w[b]); };
      std::nth_element(mOrder.begin(), mOrder.begin() + static_cast<std::ptrdiff_t>(keep), mOrder.end(), stronger);
      std::sort(mOrder.begin(), mOrder.begin() + static_cast<std::ptrdiff_t>(keep), stronger);
      const float largest = keep ? std::max(std::fabs(w[mOrder[0]]), 1e-6f) : 1.0f;
      for (std::size_t e = keep; e-- > 0;) {  // weakest first, so that strong edges lie on top
        const std::size_t i = mOrder[e];
        const auto a = at(l, i % in), b = at(l + 1, i / in);
        if (!a || !b) continue;
        const float strength = std::min(std::fabs(w[i]) / largest, 1.0f);
        const auto& rgb = w[i] >= 0.0f ? render::COLOR_HIGH : render::COLOR_LOW;
        list->AddLine(a->screen, b->screen, colorOf(rgb, 0.08f + 0.6f * strength), 0.5f + 1.5f * strength);
        ++mEdgesDrawn;
      }
    }
  }

  // Neurons, far to near; the one under the mouse shows its value.
  struct Node {
    std::size_t column, index;
    Projected p;
  };
  std::vector<Node> nodes;
  for (std::size_t c = 0; c < columnCount(spec); ++c) {
    for (std::size_t i = 0; i < columnWidth(spec, c); ++i) {
      if (const auto p = at(c, i)) nodes.push_back({c, i, *p});
    }
  }
  std::sort(nodes.begin(), nodes.end(), [](const Node& a, const Node& b) { return a.p.depth > b.p.depth; });
  const Node* hovered = nullptr;
  for (const Node& n : nodes) {
    const float radius = std::max(1.5f, 0.35f * spacingOf(columnWidth(spec, n.column)) * n.p.pixelsPerUnit);
    ImU32 fill = IM_COL32(110, 110, 118, 255);
    if (const auto value = activation(snapshot, n.column, n.index)) {
      const bool last = n.column == columnCount(spec) - 1;
      const bool unit = last ? spec.head != compute::Head::Linear
                             : spec.layerActivation(n.column - 1) == compute::Activation::Sigmoid;
      fill = colorOf(render::heatmapColor(*value, unit ? 0.0f : -1.0f, 1.0f), 1.0f);
    } else if (const auto b = bias(snapshot, n.column, n.index)) {
      fill = colorOf(render::heatmapColor(*b, -1.0f, 1.0f), 1.0f);
    }
    // Few vertices per neuron: 784 inputs plus the edges must stay a cheap draw list.
    list->AddCircleFilled(n.p.screen, radius, fill, radius < 4.0f ? 6 : 12);
    if (radius > 5.0f) list->AddCircle(n.p.screen, radius, IM_COL32(0, 0, 0, 160), 12);
    const float dx = io.MousePos.x - n.p.screen.x, dy = io.MousePos.y - n.p.screen.y;
    if (area.contains(io.MousePos) && dx * dx + dy * dy <= std::max(radius, 3.0f) * std::max(radius, 3.0f))
      hovered = &n;
    ++mNeuronsDrawn;
  }
  drawTitles(spec, area, *list, steer);
  list->PopClipRect();
  if (hovered && ImGui::IsWindowHovered()) {
    const std::size_t c = hovered->column;
    const auto value = activation(snapshot, c, hovered->index);
    const auto b = bias(snapshot, c, hovered->index);
    if (c == 0) {
      ImGui::SetTooltip("input %zu", hovered->index);
    } else if (value) {
      ImGui::SetTooltip("layer %zu, neuron %zu: activation %.4f", c, hovered->index, static_cast<double>(*value));
    } else if (b) {
      ImGui::SetTooltip("layer %zu, neuron %zu: bias %.4f", c, hovered->index, static_cast<double>(*b));
    } else {
      ImGui::SetTooltip("layer %zu, neuron %zu", c, hovered->index);
    }
  }
}

std::string NetworkOrbit::title(const nn::ModelSpec& spec, std::size_t column) {
  const std::size_t width = columnWidth(spec, column);
  if (column == 0) return "input " + std::to_string(width);
  if (column + 1 == columnCount(spec)) return "output " + std::to_string(width);
  if (spec.hidden.size() == 1) return "hidden " + std::to_string(width);
  return "hidden " + std::to_string(column) + ": " + std::to_string(width);
}

void NetworkOrbit::drawTitles(const nn::ModelSpec& spec, const Rect& area, ImDrawList& list, bool help) {
  // The help line at the bottom first, then each sheet's title centred above the sheet, nearest sheet
  // first; a title that would touch one already placed moves a line up or down, and is left out if
  // that does not help either (a sheet seen edge-on from behind another).
  const float line = ImGui::GetTextLineHeight();
  const float margin = ImGui::CalcTextSize(" ").x;
  std::vector<Rect> placed;
  auto put = [&](const std::string& text, ImVec2 at, ImU32 colour) {
    list.AddText(at, colour, text.c_str());
    const ImVec2 size = ImGui::CalcTextSize(text.c_str());
    placed.push_back(Rect{ImVec2(at.x - margin, at.y), ImVec2(at.x + size.x + margin, at.y + size.y)});
  };
  if (help) {
    put("3D: drag to orbit, wheel to zoom, F to frame, 3 for 2D", ImVec2(area.min.x + 8.0f, area.max.y - line - 6.0f),
        ImGui::GetColorU32(ImGuiCol_TextDisabled));
  }
  struct Title {
    std::size_t column;
    Projected at;
  };
  std::vector<Title> titles;
  for (std::size_t c = 0; c < columnCount(spec); ++c) {
    const std::size_t n = columnWidth(spec, c);
    const float spacing = spacingOf(n);
    const float top = 0.5f * spacing * static_cast<float>(std::max<std::size_t>(sideOf(n), 1) - 1) + spacing;
    const auto z = position(spec, c, 0)[2];
    if (const auto p = projectPoint(mCamera, spec, area, glm::vec3(0.0f, top, z))) titles.push_back({c, *p});
  }
  std::sort(titles.begin(), titles.end(), [](const Title& a, const Title& b) { return a.at.depth < b.at.depth; });
  for (const Title& t : titles) {
    const std::string text = title(spec, t.column);
    const ImVec2 size = ImGui::CalcTextSize(text.c_str());
    const float x = std::clamp(t.at.screen.x - size.x * 0.5f, area.min.x + margin, area.max.x - size.x - margin);
    for (const float shift : {0.0f, -1.0f, 1.0f, -2.0f, 2.0f}) {
      const float y = std::clamp(t.at.screen.y - size.y + shift * line, area.min.y, area.max.y - size.y);
      const Rect box{ImVec2(x - margin, y), ImVec2(x + size.x + margin, y + size.y)};
      const bool clear = std::none_of(placed.begin(), placed.end(), [&](const Rect& r) {
        return box.min.x < r.max.x && r.min.x < box.max.x && box.min.y < r.max.y && r.min.y < box.max.y;
      });
      if (!clear) continue;
      put(text, ImVec2(x, y), ImGui::GetColorU32(ImGuiCol_Text));
      break;
    }
  }
}

}  // namespace nsb::ui
