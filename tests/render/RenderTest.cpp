// The renderer's pieces without the editor: the heatmap atlas layout, the colour map's ends, PNG
// writing that leaves no file behind on failure, and an offscreen frame read back with the clear colour.
#include <gtest/gtest.h>
#include <imgui.h>

#include <filesystem>

#include "gpu/VulkanContext.h"
#include "render/Colormap.h"
#include "render/HeatmapView.h"
#include "render/Renderer.h"

namespace nsb::render {
namespace {

bool overlap(const HeatmapRef& a, const HeatmapRef& b) {
  return a.x < b.x + b.size && b.x < a.x + a.size && a.y < b.y + b.size && b.y < a.y + a.size;
}

TEST(HeatmapAtlas, TilesNeitherOverlapEachOtherNorTheOutput) {
  const std::uint32_t capacity = HeatmapView::tileCapacity();
  EXPECT_EQ(capacity, 240u);
  const HeatmapRef output = HeatmapView::output();
  EXPECT_EQ(output.size, OUTPUT_SIZE);
  for (std::uint32_t i = 0; i < capacity; ++i) {
    const HeatmapRef t = HeatmapView::tile(i);
    ASSERT_TRUE(t) << i;
    EXPECT_LE(t.x + t.size, ATLAS_SIZE);
    EXPECT_LE(t.y + t.size, ATLAS_SIZE);
    EXPECT_FALSE(overlap(t, output)) << i;
    if (i > 0) {
      EXPECT_FALSE(overlap(t, HeatmapView::tile(i - 1))) << i;
    }
  }
  EXPECT_FALSE(HeatmapView::tile(capacity));
}

void expectColor(const std::array<float, 3>& actual, const std::array<float, 3>& expected) {
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(actual[c], expected[c], 1e-6f) << "channel " << c;
}

TEST(Colormap, EndsAndMiddle) {
  expectColor(heatmapColor(0.0f, 0.0f, 1.0f), COLOR_LOW);
  expectColor(heatmapColor(1.0f, 0.0f, 1.0f), COLOR_HIGH);
  expectColor(heatmapColor(0.5f, 0.0f, 1.0f), COLOR_MID);
  expectColor(heatmapColor(0.6f, 0.0f, 1.0f, true), COLOR_HIGH);
  expectColor(heatmapColor(-5.0f, -1.0f, 1.0f), COLOR_LOW);
}

TEST(Png, UnwritablePathFailsWithoutLeavingFiles) {
  Image image{2, 2, std::vector<std::uint8_t>(16, 128)};
  const std::string dir = ::testing::TempDir() + "/nsb_png_missing_dir";
  std::filesystem::remove_all(dir);
  auto status = writePng(dir + "/x.png", image);
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(std::filesystem::exists(dir));
  const std::string ok = ::testing::TempDir() + "/nsb_png_ok.png";
  ASSERT_TRUE(writePng(ok, image).ok());
  EXPECT_GT(std::filesystem::file_size(ok), 8u);
  std::filesystem::remove(ok);
}

TEST(Renderer, OffscreenFrameReadsBackTheClearColour) {
  auto context = gpu::VulkanContext::create({});
  if (!context) GTEST_SKIP() << "no Vulkan device: " << context.message();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // no imgui.ini left in the working folder
  ImGui::GetIO().DisplaySize = ImVec2(64, 32);
  {
    auto renderer = Renderer::create(context.value(), RendererConfig{.width = 64, .height = 32});
    ASSERT_TRUE(renderer.ok()) << renderer.message();
    EXPECT_FALSE(renderer.value()->capturedImage().ok()) << "nothing captured yet";
    for (int i = 0; i < 3; ++i) {
      ImGui::NewFrame();
      ImGui::Render();
      ASSERT_TRUE(renderer.value()->beginFrame());
      renderer.value()->endFrame(ImGui::GetDrawData(), i == 2);
    }
    auto image = renderer.value()->capturedImage();
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(image.value().width, 64u);
    EXPECT_EQ(image.value().height, 32u);
    const std::uint8_t* p = image.value().pixel(10, 10);
    EXPECT_NEAR(p[0], 14, 1);
    EXPECT_NEAR(p[1], 15, 1);
    EXPECT_NEAR(p[2], 17, 1);
    EXPECT_EQ(renderer.value()->frameCount(), 3u);
  }
  ImGui::DestroyContext();
}

}  // namespace
}  // namespace nsb::render
