#include "ui/PointSprites.h"

#include <algorithm>
#include <cmath>

namespace nsb::ui {
namespace {

constexpr int SPRITE_SIZE = 10;  // texels; the shapes are centred on the sprite's middle
constexpr float RING_RADIUS = 3.4f;
constexpr float HALF = SPRITE_SIZE / 2.0f;
// The atlas the sprites were stamped into and their custom rect indices there.
const ImFontAtlas* gAtlas = nullptr;
int gDisc = -1;
int gRing = -1;

// Coverage of a texel at distance `d` from the centre: a one-texel ramp, as ImGui's anti-aliasing.
float disc(float d) { return std::clamp(POINT_RADIUS + 0.5f - d, 0.0f, 1.0f); }
float ring(float d) { return std::clamp(1.0f - std::fabs(d - RING_RADIUS), 0.0f, 1.0f); }

void stamp(ImFontAtlas& atlas, unsigned char* pixels, int width, int index, float (*coverage)(float)) {
  const ImFontAtlasCustomRect* rect = atlas.GetCustomRectByIndex(index);
  for (int y = 0; y < SPRITE_SIZE; ++y) {
    for (int x = 0; x < SPRITE_SIZE; ++x) {
      const float d = std::hypot(static_cast<float>(x) + 0.5f - HALF, static_cast<float>(y) + 0.5f - HALF);
      unsigned char* texel = pixels + 4 * ((rect->Y + y) * width + rect->X + x);
      texel[0] = texel[1] = texel[2] = 255;
      texel[3] = static_cast<unsigned char>(std::lround(255.0f * coverage(d)));
    }
  }
}

void quad(ImDrawList* list, int index, const ImVec2& center, ImU32 color) {
  ImFontAtlas& atlas = *ImGui::GetIO().Fonts;
  ImVec2 uv0, uv1;
  atlas.CalcCustomRectUV(atlas.GetCustomRectByIndex(index), &uv0, &uv1);
  list->AddImage(atlas.TexID, ImVec2(center.x - HALF, center.y - HALF), ImVec2(center.x + HALF, center.y + HALF), uv0,
                 uv1, color);
}

}  // namespace

void addPointSprites(ImFontAtlas& atlas) {
  gAtlas = &atlas;
  gDisc = atlas.AddCustomRectRegular(SPRITE_SIZE, SPRITE_SIZE);
  gRing = atlas.AddCustomRectRegular(SPRITE_SIZE, SPRITE_SIZE);
  atlas.Build();
  unsigned char* pixels = nullptr;
  int width = 0, height = 0;
  atlas.GetTexDataAsRGBA32(&pixels, &width, &height);  // the renderer uploads these same pixels
  stamp(atlas, pixels, width, gDisc, disc);
  stamp(atlas, pixels, width, gRing, ring);
}

void drawPoint(ImDrawList* list, const ImVec2& center, ImU32 fill, ImU32 border) {
  const ImFontAtlas* atlas = ImGui::GetIO().Fonts;
  if (atlas != gAtlas || gRing >= atlas->CustomRects.Size) return;  // an atlas without the sprites
  quad(list, gDisc, center, fill);
  quad(list, gRing, center, border);
}

}  // namespace nsb::ui
