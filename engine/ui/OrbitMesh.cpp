// OrbitMesh: the 3D surface under an orbit camera that the Landscape and Surface views share (see the header).
#include "ui/OrbitMesh.h"

#include <algorithm>
#include <cmath>
#include <glm/gtc/matrix_transform.hpp>

namespace nsb::ui {

void OrbitMesh::begin(const Rect& area, float lookHeight, const char* button) {
  mArea = area;
  const ImGuiIO& io = ImGui::GetIO();
  if (button) {
    ImGui::SetCursorScreenPos(area.min);
    ImGui::InvisibleButton(button, ImVec2(std::max(area.width(), 1.0f), std::max(area.height(), 1.0f)));
    if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 1.0f)) {
      mCamera.yaw -= io.MouseDelta.x * 0.01f;
      mCamera.pitch = std::clamp(mCamera.pitch + io.MouseDelta.y * 0.01f, -1.5f, 1.5f);
    }
  }
  if (mCamera.distance <= 0.0f) mCamera = OrbitCamera{0.6f, 0.6f, 3.6f};
  if (button && ImGui::IsItemHovered() && io.MouseWheel != 0.0f)
    mCamera.distance = std::clamp(mCamera.distance * std::pow(0.9f, io.MouseWheel), 1.2f, 20.0f);
  const glm::vec3 eye =
      mCamera.distance * glm::vec3(std::cos(mCamera.pitch) * std::sin(mCamera.yaw), std::sin(mCamera.pitch),
                                   std::cos(mCamera.pitch) * std::cos(mCamera.yaw));
  mViewProjection =
      glm::perspective(0.8f, std::max(area.width(), 1.0f) / std::max(area.height(), 1.0f), 0.05f, 100.0f) *
      glm::lookAt(eye, glm::vec3(0.0f, lookHeight, 0.0f), glm::vec3(0.0f, 1.0f, 0.0f));
}

std::optional<ImVec2> OrbitMesh::project(const glm::vec3& world, float* depth) const {
  const glm::vec4 clip = mViewProjection * glm::vec4(world, 1.0f);
  if (clip.w <= 0.05f) return std::nullopt;
  if (depth) *depth = clip.w;
  return ImVec2(mArea.min.x + (clip.x / clip.w * 0.5f + 0.5f) * mArea.width(),
                mArea.min.y + (0.5f - clip.y / clip.w * 0.5f) * mArea.height());
}

std::size_t OrbitMesh::drawMesh(ImDrawList& list, std::size_t n, std::span<const float> tone, float height,
                                const std::function<ImU32(float)>& colour, ImU32 outline) {
  if (n < 2 || tone.size() < n * n) return 0;
  mScreen.assign(n * n, std::nullopt);
  mDepth.assign(n * n, 0.0f);
  const float last = static_cast<float>(n - 1);
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t c = 0; c < n; ++c) {
      const glm::vec3 world(2.0f * static_cast<float>(c) / last - 1.0f, tone[r * n + c] * height,
                            1.0f - 2.0f * static_cast<float>(r) / last);
      mScreen[r * n + c] = project(world, &mDepth[r * n + c]);
    }
  }
  mOrder.clear();
  for (std::size_t r = 0; r + 1 < n; ++r) {
    for (std::size_t c = 0; c + 1 < n; ++c) {
      const std::size_t i = r * n + c;
      mOrder.emplace_back(mDepth[i] + mDepth[i + 1] + mDepth[i + n] + mDepth[i + n + 1], i);
    }
  }
  std::sort(mOrder.begin(), mOrder.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::size_t drawn = 0;
  for (const auto& [unused, i] : mOrder) {
    const auto &a = mScreen[i], &b = mScreen[i + 1], &c = mScreen[i + n + 1], &d = mScreen[i + n];
    if (!a || !b || !c || !d) continue;
    const ImVec2 quad[4] = {*a, *b, *c, *d};
    list.AddConvexPolyFilled(quad, 4, colour(0.25f * (tone[i] + tone[i + 1] + tone[i + n] + tone[i + n + 1])));
    list.AddPolyline(quad, 4, outline, ImDrawFlags_Closed, 1.0f);
    ++drawn;
  }
  return drawn;
}

}  // namespace nsb::ui
