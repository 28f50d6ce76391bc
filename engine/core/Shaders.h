#pragma once
// The SPIR-V of the shaders under shaders/, compiled by glslc at build time and embedded by
// nsb_add_shaders() (third_party/cmake/NsbShaders.cmake). Link nsb_shaders to use it.
#include <cstdint>
#include <span>
#include <string_view>

namespace nsb::shaders {
// Words of the shader at `name` (its path under shaders/, e.g. "compute/fill.comp"); empty if none.
std::span<const std::uint32_t> spirv(std::string_view name);
}  // namespace nsb::shaders
