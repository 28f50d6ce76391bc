// The shader embedding: glslc's SPIR-V words are in the binary, behind their source path.
#include <gtest/gtest.h>

#include "core/Shaders.h"

TEST(Shaders, FillShaderIsEmbeddedAsSpirv) {
  const auto words = nsb::shaders::spirv("compute/fill.comp");
  ASSERT_GT(words.size(), 5u);
  EXPECT_EQ(words[0], 0x07230203u) << "SPIR-V magic number";
  EXPECT_TRUE(nsb::shaders::spirv("compute/does-not-exist.comp").empty());
}
