#pragma once
// The dataset's points over the output view, drawn as two textured quads each (a disc and a ring
// stamped into ImGui's font atlas) instead of an anti-aliased filled circle and its outline: about 70
// triangles a point, which for 600 points cost lavapipe's rasteriser 6-8 ms a frame. UI thread only.
#include <imgui.h>

namespace nsb::ui {

inline constexpr float POINT_RADIUS = 3.2f;  // the disc; the ring lies just outside it

// Registers the disc and the ring in `atlas` (after its fonts), builds it and draws them into its pixels.
void addPointSprites(ImFontAtlas& atlas);
// One point centred on `center` (screen pixels): the disc in `fill`, the ring in `border`.
void drawPoint(ImDrawList* list, const ImVec2& center, ImU32 fill, ImU32 border);

}  // namespace nsb::ui
