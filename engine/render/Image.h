#pragma once
// Image: RGBA8 pixels read back from a rendered frame, and writing them as PNG (stb_image_write).
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

}  // namespace nsb::render
