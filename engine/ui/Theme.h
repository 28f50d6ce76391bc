#pragma once
// The editor's dark theme: greys with one blue accent, square corners, compact spacing, scaled by the
// UI scale setting (projectors, high-DPI screens).
namespace nsb::ui {

void applyDarkTheme(float scale = 1.0f);
// Replaces the font atlas with ImGui's font at 13 px times `scale`; the renderer must upload it again
// (Renderer::rebuildImGui) before the next frame.
void buildFonts(float scale);

}  // namespace nsb::ui
