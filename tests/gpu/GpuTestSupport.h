#pragma once
// The gpu suite's base fixture: the Khronos validation layer is on for every test (NSB_VULKAN_VALIDATION
// set before any context exists) and a test fails if the layer reported anything while it ran.
#include <gtest/gtest.h>

#include <cstdlib>

#include "gpu/VulkanContext.h"

namespace nsb::gpu::test {

class GpuTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { setenv("NSB_VULKAN_VALIDATION", "1", 1); }
  void SetUp() override { mMessagesBefore = VulkanContext::validationMessages(); }
  void TearDown() override {
    EXPECT_EQ(VulkanContext::validationMessages(), mMessagesBefore)
        << "the validation layer reported errors or warnings (see the log above)";
  }

 private:
  std::uint32_t mMessagesBefore = 0;
};

}  // namespace nsb::gpu::test
