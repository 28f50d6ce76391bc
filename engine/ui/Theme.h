#pragma once
// The editor's dark theme: greys with one blue accent, square corners, compact spacing, scaled by the
// UI scale setting (projectors, high-DPI screens).
struct ImFont;

namespace nsb::ui {

void applyDarkTheme(float scale = 1.0f);
// Replaces the font atlas with ImGui's font at 13 px times `scale`; the renderer must upload it again
// (Renderer::rebuildImGui) before the next frame.
// Lesson text: DejaVu Sans, regular and bold (Debian's fonts-dejavu-core), at 15 px times `scale`.
void buildFonts(float scale);
// The lesson text's faces, or null where the font files are missing (the panel then uses the default
// font and draws bold twice, one pixel apart). Valid after buildFonts.
ImFont* textFont(bool bold);

}  // namespace nsb::ui
