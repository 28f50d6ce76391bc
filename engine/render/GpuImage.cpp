// Images and host buffers for the renderer, each with one dedicated allocation: there are only a
// handful of them, so the compute module's suballocator is not needed here.
#include "render/GpuImage.h"

#include "gpu/VkCheck.h"

namespace nsb::render {
namespace {

core::Status vkStatus(VkResult result, const char* call) { return gpu::vkStatus(result, "renderer", call); }

core::Result<gpu::Handle<VkDeviceMemory>> allocate(const gpu::VulkanContext& context, const VkMemoryRequirements& req,
                                                   VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) {
  const std::uint32_t type = context.findMemoryType(req.memoryTypeBits, required, preferred);
  if (type == UINT32_MAX) return core::runtimeError("no Vulkan memory type fits the renderer's image or buffer");
  VkMemoryAllocateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  info.allocationSize = req.size;
  info.memoryTypeIndex = type;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkAllocateMemory(context.device(), &info, nullptr, &memory), "vkAllocateMemory"));
  return gpu::Handle<VkDeviceMemory>(context.device(), memory, vkFreeMemory);
}

}  // namespace

core::Result<GpuImage> createImage(const gpu::VulkanContext& context, std::uint32_t width, std::uint32_t height,
                                   VkFormat format, VkImageUsageFlags usage) {
  const VkDevice device = context.device();
  GpuImage out;
  out.width = width;
  out.height = height;
  out.format = format;
  VkImageCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO;
  info.imageType = VK_IMAGE_TYPE_2D;
  info.format = format;
  info.extent = {width, height, 1};
  info.mipLevels = 1;
  info.arrayLayers = 1;
  info.samples = VK_SAMPLE_COUNT_1_BIT;
  info.tiling = VK_IMAGE_TILING_OPTIMAL;
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  VkImage image = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkCreateImage(device, &info, nullptr, &image), "vkCreateImage"));
  out.image = gpu::Handle<VkImage>(device, image, vkDestroyImage);
  VkMemoryRequirements req{};
  vkGetImageMemoryRequirements(device, image, &req);
  auto memory = allocate(context, req, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
  if (!memory) return memory.error();
  out.memory = std::move(memory.value());
  NSB_TRY(vkStatus(vkBindImageMemory(device, image, out.memory.get(), 0), "vkBindImageMemory"));

  VkImageViewCreateInfo viewInfo{};
  viewInfo.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO;
  viewInfo.image = image;
  viewInfo.viewType = VK_IMAGE_VIEW_TYPE_2D;
  viewInfo.format = format;
  viewInfo.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  VkImageView view = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkCreateImageView(device, &viewInfo, nullptr, &view), "vkCreateImageView"));
  out.view = gpu::Handle<VkImageView>(device, view, vkDestroyImageView);
  return out;
}

core::Result<HostBuffer> createHostBuffer(const gpu::VulkanContext& context, VkDeviceSize bytes,
                                          VkBufferUsageFlags usage, bool readback) {
  const VkDevice device = context.device();
  HostBuffer out;
  out.size = bytes;
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = bytes;
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkBuffer buffer = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkCreateBuffer(device, &info, nullptr, &buffer), "vkCreateBuffer"));
  out.buffer = gpu::Handle<VkBuffer>(device, buffer, vkDestroyBuffer);
  VkMemoryRequirements req{};
  vkGetBufferMemoryRequirements(device, buffer, &req);
  auto memory = allocate(context, req, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                         readback ? VK_MEMORY_PROPERTY_HOST_CACHED_BIT : 0);
  if (!memory) return memory.error();
  out.memory = std::move(memory.value());
  NSB_TRY(vkStatus(vkBindBufferMemory(device, buffer, out.memory.get(), 0), "vkBindBufferMemory"));
  NSB_TRY(vkStatus(vkMapMemory(device, out.memory.get(), 0, VK_WHOLE_SIZE, 0, &out.mapped), "vkMapMemory"));
  return out;
}

void transitionImage(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to,
                     VkPipelineStageFlags srcStage, VkAccessFlags srcAccess, VkPipelineStageFlags dstStage,
                     VkAccessFlags dstAccess) {
  VkImageMemoryBarrier barrier{};
  barrier.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER;
  barrier.srcAccessMask = srcAccess;
  barrier.dstAccessMask = dstAccess;
  barrier.oldLayout = from;
  barrier.newLayout = to;
  barrier.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  barrier.image = image;
  barrier.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  vkCmdPipelineBarrier(cmd, srcStage, dstStage, 0, 0, nullptr, 0, nullptr, 1, &barrier);
}

}  // namespace nsb::render
