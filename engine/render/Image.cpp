// PNG and JPEG output through stb_image_write: the one place STB_IMAGE_WRITE_IMPLEMENTATION is defined.
// stb's deflate is deterministic, so the same pixels give the same bytes.
#include "render/Image.h"

#include <unistd.h>

#include <filesystem>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>
#pragma GCC diagnostic pop

namespace nsb::render {

core::Status writePng(const std::string& path, const Image& image) {
  if (image.width == 0 || image.height == 0 || image.rgba.size() != std::size_t{image.width} * image.height * 4) {
    return core::runtimeError(path + ": no image to write");
  }
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  const int stride = static_cast<int>(image.width * 4);
  if (!stbi_write_png(tmp.c_str(), static_cast<int>(image.width), static_cast<int>(image.height), 4, image.rgba.data(),
                      stride)) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return core::badInput(path + ": cannot write the file");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return core::runtimeError(path + ": cannot write the file");
  }
  return core::Ok{};
}

std::string encodeJpeg(const Image& image, int quality) {
  std::string out;
  if (image.width == 0 || image.height == 0 || image.rgba.size() != std::size_t{image.width} * image.height * 4) {
    return out;
  }
  const auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<std::size_t>(size));
  };
  if (!stbi_write_jpg_to_func(append, &out, static_cast<int>(image.width), static_cast<int>(image.height), 4,
                              image.rgba.data(), quality)) {
    out.clear();
  }
  return out;
}

}  // namespace nsb::render
