// Dark editor theme in the manner of Unreal's: near-black panels, mid-grey frames, a blue accent for
// the active and hovered items. ImGui's own font, rasterised at the UI scale's size (a scaled bitmap font
// would be blurry); DejaVu Sans regular and bold for the Lesson panel's text where Debian's package is.
#include "ui/Theme.h"

#include <imgui.h>

#include <cstdio>

#include "ui/PointSprites.h"

namespace nsb::ui {

void applyDarkTheme(float scale) {
  ImGuiStyle style;
  ImGui::StyleColorsDark(&style);
  style.WindowRounding = 0.0f;
  style.ChildRounding = 0.0f;
  style.FrameRounding = 2.0f;
  style.GrabRounding = 2.0f;
  style.TabRounding = 2.0f;
  style.ScrollbarRounding = 2.0f;
  style.WindowBorderSize = 1.0f;
  style.FrameBorderSize = 0.0f;
  style.WindowPadding = ImVec2(8, 6);
  style.FramePadding = ImVec2(6, 3);
  style.ItemSpacing = ImVec2(6, 4);
  style.ItemInnerSpacing = ImVec2(4, 4);
  style.IndentSpacing = 14.0f;
  style.ScrollbarSize = 12.0f;
  style.WindowMenuButtonPosition = ImGuiDir_None;

  ImVec4* c = style.Colors;
  const ImVec4 accent(0.16f, 0.47f, 0.84f, 1.00f);
  c[ImGuiCol_Text] = ImVec4(0.86f, 0.87f, 0.88f, 1.00f);
  c[ImGuiCol_TextDisabled] = ImVec4(0.48f, 0.50f, 0.52f, 1.00f);
  c[ImGuiCol_WindowBg] = ImVec4(0.098f, 0.102f, 0.110f, 1.00f);
  c[ImGuiCol_ChildBg] = ImVec4(0.082f, 0.086f, 0.094f, 1.00f);
  c[ImGuiCol_PopupBg] = ImVec4(0.110f, 0.114f, 0.122f, 0.98f);
  c[ImGuiCol_Border] = ImVec4(0.035f, 0.035f, 0.040f, 1.00f);
  c[ImGuiCol_FrameBg] = ImVec4(0.165f, 0.170f, 0.180f, 1.00f);
  c[ImGuiCol_FrameBgHovered] = ImVec4(0.220f, 0.228f, 0.240f, 1.00f);
  c[ImGuiCol_FrameBgActive] = ImVec4(0.260f, 0.270f, 0.285f, 1.00f);
  c[ImGuiCol_TitleBg] = ImVec4(0.070f, 0.072f, 0.078f, 1.00f);
  c[ImGuiCol_TitleBgActive] = ImVec4(0.070f, 0.072f, 0.078f, 1.00f);
  c[ImGuiCol_MenuBarBg] = ImVec4(0.070f, 0.072f, 0.078f, 1.00f);
  c[ImGuiCol_Header] = ImVec4(0.180f, 0.186f, 0.196f, 1.00f);
  c[ImGuiCol_HeaderHovered] = ImVec4(0.230f, 0.240f, 0.255f, 1.00f);
  c[ImGuiCol_HeaderActive] = ImVec4(accent.x, accent.y, accent.z, 0.60f);
  c[ImGuiCol_Button] = ImVec4(0.190f, 0.196f, 0.208f, 1.00f);
  c[ImGuiCol_ButtonHovered] = ImVec4(0.250f, 0.258f, 0.272f, 1.00f);
  c[ImGuiCol_ButtonActive] = accent;
  c[ImGuiCol_CheckMark] = accent;
  c[ImGuiCol_SliderGrab] = accent;
  c[ImGuiCol_SliderGrabActive] = ImVec4(0.30f, 0.60f, 0.95f, 1.00f);
  c[ImGuiCol_Separator] = ImVec4(0.035f, 0.035f, 0.040f, 1.00f);
  c[ImGuiCol_SeparatorHovered] = accent;
  c[ImGuiCol_SeparatorActive] = accent;
  c[ImGuiCol_Tab] = ImVec4(0.120f, 0.124f, 0.132f, 1.00f);
  c[ImGuiCol_TabHovered] = ImVec4(0.250f, 0.258f, 0.272f, 1.00f);
  c[ImGuiCol_TabActive] = ImVec4(0.190f, 0.196f, 0.208f, 1.00f);
  c[ImGuiCol_TabUnfocused] = c[ImGuiCol_Tab];
  c[ImGuiCol_TabUnfocusedActive] = c[ImGuiCol_TabActive];
  c[ImGuiCol_PlotLines] = ImVec4(0.40f, 0.70f, 1.00f, 1.00f);
  c[ImGuiCol_PlotHistogram] = ImVec4(0.40f, 0.70f, 1.00f, 1.00f);
  c[ImGuiCol_ResizeGrip] = ImVec4(0, 0, 0, 0);
  style.ScaleAllSizes(scale);
  ImGui::GetStyle() = style;
  ImGui::GetIO().FontGlobalScale = 1.0f;
}

namespace {
ImFont* gTextFonts[2] = {nullptr, nullptr};
constexpr const char* TEXT_FONT_FILES[2] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                            "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"};
}  // namespace

void buildFonts(float scale) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  ImFontConfig config;
  config.SizePixels = 13.0f * scale;
  io.Fonts->AddFontDefault(&config);  // first: every panel's font
  for (int i = 0; i < 2; ++i) {
    gTextFonts[i] = nullptr;
    if (std::FILE* f = std::fopen(TEXT_FONT_FILES[i], "rb")) {  // ImGui asserts on a missing file
      std::fclose(f);
      gTextFonts[i] = io.Fonts->AddFontFromFileTTF(TEXT_FONT_FILES[i], 15.0f * scale);
    }
  }
  if (!gTextFonts[0] || !gTextFonts[1]) gTextFonts[0] = gTextFonts[1] = nullptr;  // both or neither
  addPointSprites(*io.Fonts);
}

ImFont* textFont(bool bold) { return gTextFonts[bold ? 1 : 0]; }

}  // namespace nsb::ui
