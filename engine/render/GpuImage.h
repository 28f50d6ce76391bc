#pragma once
// The renderer's few device objects with memory of their own: 2D images (offscreen targets, heatmap
// atlases) and mapped host buffers (uploads, read-backs). Each owns its memory; move-only.
#include <vulkan/vulkan.h>

#include <cstdint>

#include "core/Result.h"
#include "gpu/Handle.h"
#include "gpu/VulkanContext.h"

namespace nsb::render {

struct GpuImage {
  gpu::Handle<VkDeviceMemory> memory;  // declared first: freed after the image and view
  gpu::Handle<VkImage> image;
  gpu::Handle<VkImageView> view;
  std::uint32_t width = 0, height = 0;
  VkFormat format = VK_FORMAT_UNDEFINED;
};

struct HostBuffer {
  gpu::Handle<VkDeviceMemory> memory;
  gpu::Handle<VkBuffer> buffer;
  void* mapped = nullptr;
  VkDeviceSize size = 0;
};

core::Result<GpuImage> createImage(const gpu::VulkanContext& context, std::uint32_t width, std::uint32_t height,
                                   VkFormat format, VkImageUsageFlags usage);
// Host-visible, coherent and mapped; `readback` prefers cached memory.
core::Result<HostBuffer> createHostBuffer(const gpu::VulkanContext& context, VkDeviceSize bytes,
                                          VkBufferUsageFlags usage, bool readback = false);

// A whole-image layout transition of a colour image.
void transitionImage(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to,
                     VkPipelineStageFlags srcStage, VkAccessFlags srcAccess, VkPipelineStageFlags dstStage,
                     VkAccessFlags dstAccess);

}  // namespace nsb::render
