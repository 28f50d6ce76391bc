#pragma once
// Image: RGBA8 pixels read back from a rendered frame, written as PNG or encoded as JPEG (stb_image_write).
#include <cstdint>
#include <string>
#include <vector>

#include "core/Result.h"

namespace nsb::render {

struct Image {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgba;  // row-major, top row first, 4 bytes a pixel

  const std::uint8_t* pixel(std::uint32_t x, std::uint32_t y) const { return &rgba[(std::size_t{y} * width + x) * 4]; }
};

// Writes `image` to `path` as PNG through a temporary file, so that no half-written file is left.
// Bad input when the folder cannot be written.
core::Status writePng(const std::string& path, const Image& image);

// `image` as JPEG bytes (quality 1-100; alpha dropped): the watch page's frames, a tenth of a PNG's
// size and time to encode. Empty for an empty image.
std::string encodeJpeg(const Image& image, int quality = 85);

}  // namespace nsb::render
