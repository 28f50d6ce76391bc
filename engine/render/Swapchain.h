#pragma once
// Swapchain: a window surface's images, their views and framebuffers, recreated when the window's
// size changes or the surface reports it out of date. FIFO presentation (vsync) unless asked for
// mailbox/immediate. Call from the UI thread; present() takes the context's queue lock.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/Result.h"
#include "gpu/Handle.h"
#include "gpu/VulkanContext.h"

namespace nsb::render {

class Swapchain {
 public:
  // Chooses the surface format (B8G8R8A8/R8G8B8A8 UNORM preferred: ImGui's colours are not sRGB).
  static core::Result<std::unique_ptr<Swapchain>> create(std::shared_ptr<gpu::VulkanContext> context,
                                                         VkSurfaceKHR surface, bool vsync);
  ~Swapchain();
  Swapchain(const Swapchain&) = delete;
  Swapchain& operator=(const Swapchain&) = delete;

  VkFormat format() const { return mFormat.format; }
  VkExtent2D extent() const { return mExtent; }
  std::uint32_t imageCount() const { return static_cast<std::uint32_t>(mImages.size()); }
  VkImage image(std::uint32_t index) const { return mImages[index]; }
  VkFramebuffer framebuffer(std::uint32_t index) const { return mFramebuffers[index].get(); }
  VkSemaphore renderFinished(std::uint32_t index) const { return mRenderFinished[index].get(); }
  bool canCapture() const { return mCanCapture; }

  // (Re)builds the swapchain for a framebuffer of width x height (the surface's extent wins where it
  // fixes one). The caller has waited for every frame that used the old images. False when the
  // surface is zero-sized (minimised): nothing to draw into; a runtime error when the driver failed
  // (out of memory, a lost device or surface).
  core::Result<bool> rebuild(VkRenderPass renderPass, std::uint32_t width, std::uint32_t height);
  // What the driver said: VK_SUCCESS, VK_SUBOPTIMAL_KHR or VK_ERROR_OUT_OF_DATE_KHR (rebuild and skip
  // the frame), or an error for the caller to report (VK_ERROR_DEVICE_LOST, VK_ERROR_SURFACE_LOST_KHR).
  VkResult acquire(VkSemaphore signal, std::uint32_t& index);
  VkResult present(std::uint32_t index);

 private:
  Swapchain() = default;

  std::shared_ptr<gpu::VulkanContext> mContext;
  VkSurfaceKHR mSurface = VK_NULL_HANDLE;
  VkSurfaceFormatKHR mFormat{};
  VkPresentModeKHR mPresentMode = VK_PRESENT_MODE_FIFO_KHR;
  VkSwapchainKHR mSwapchain = VK_NULL_HANDLE;
  VkExtent2D mExtent{};
  bool mCanCapture = false;
  std::vector<VkImage> mImages;
  std::vector<gpu::Handle<VkImageView>> mViews;
  std::vector<gpu::Handle<VkFramebuffer>> mFramebuffers;
  std::vector<gpu::Handle<VkSemaphore>> mRenderFinished;
};

}  // namespace nsb::render
