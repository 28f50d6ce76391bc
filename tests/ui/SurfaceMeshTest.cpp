// The contour map's mesh is built once per surface with cells merged where the colours allow: far
// fewer triangles than one pair per grid cell on a smooth surface, and the iso-lines as polylines.
#include <gtest/gtest.h>
#include <imgui.h>

#include <cstdio>

#include "UiTestSupport.h"
#include "ui/SurfaceView.h"

namespace nsb::ui {
namespace {

TEST(SurfaceMesh, ASmoothSurfaceNeedsFewTriangles) {
  test::createHeadlessImGui();
  SurfaceView view;
  for (const char* name : {"bowl", "rosenbrock", "himmelblau"}) {
    train::SurfaceSetup setup;
    setup.surface = name;
    ASSERT_TRUE(view.configure(setup).ok());
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImGui::GetIO().DisplaySize);
    ImGui::Begin("viewport", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove);
    view.draw(Rect{ImVec2(0, 0), ImGui::GetIO().DisplaySize}, 0.0);
    ImGui::End();
    ImGui::Render();
    const std::size_t full = 2 * (SurfaceView::GRID - 1) * (SurfaceView::GRID - 1);
    std::printf("%s: %zu of %zu triangles, %zu iso-line points\n", name, view.mapTriangles(), full,
                view.isoLinePoints());
    EXPECT_GT(view.mapTriangles(), 0u) << name;
    EXPECT_LT(view.mapTriangles(), full / 2) << name;
    EXPECT_GT(view.isoLinePoints(), 0u) << name;
  }
  ImGui::DestroyContext();
}

}  // namespace
}  // namespace nsb::ui
