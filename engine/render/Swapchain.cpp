// Swapchain creation and recreation. One render-finished semaphore per image (not per frame slot),
// since an image's semaphore may only be reused once that image has been presented again.
#include "render/Swapchain.h"

#include <algorithm>

#include "gpu/VkCheck.h"

namespace nsb::render {
namespace {

core::Status vkStatus(VkResult result, const char* call) { return gpu::vkStatus(result, "swapchain", call); }

}  // namespace

core::Result<std::unique_ptr<Swapchain>> Swapchain::create(std::shared_ptr<gpu::VulkanContext> context,
                                                           VkSurfaceKHR surface, bool vsync) {
  VkBool32 supported = VK_FALSE;
  vkGetPhysicalDeviceSurfaceSupportKHR(context->physicalDevice(), context->queueFamily(), surface, &supported);
  if (!supported) return core::runtimeError("the Vulkan device's queue cannot present to this window");
  std::unique_ptr<Swapchain> swapchain(new Swapchain());
  swapchain->mContext = std::move(context);
  swapchain->mSurface = surface;
  const VkPhysicalDevice physical = swapchain->mContext->physicalDevice();

  std::uint32_t count = 0;
  vkGetPhysicalDeviceSurfaceFormatsKHR(physical, surface, &count, nullptr);
  std::vector<VkSurfaceFormatKHR> formats(count);
  vkGetPhysicalDeviceSurfaceFormatsKHR(physical, surface, &count, formats.data());
  if (formats.empty()) return core::runtimeError("the window surface offers no pixel format");
  swapchain->mFormat = formats[0];
  for (const auto& format : formats) {
    if ((format.format == VK_FORMAT_B8G8R8A8_UNORM || format.format == VK_FORMAT_R8G8B8A8_UNORM) &&
        format.colorSpace == VK_COLOR_SPACE_SRGB_NONLINEAR_KHR) {
      swapchain->mFormat = format;
      break;
    }
  }
  if (!vsync) {
    vkGetPhysicalDeviceSurfacePresentModesKHR(physical, surface, &count, nullptr);
    std::vector<VkPresentModeKHR> modes(count);
    vkGetPhysicalDeviceSurfacePresentModesKHR(physical, surface, &count, modes.data());
    for (const VkPresentModeKHR wanted : {VK_PRESENT_MODE_MAILBOX_KHR, VK_PRESENT_MODE_IMMEDIATE_KHR}) {
      if (std::find(modes.begin(), modes.end(), wanted) != modes.end()) {
        swapchain->mPresentMode = wanted;
        break;
      }
    }
  }
  return swapchain;
}

Swapchain::~Swapchain() {
  mFramebuffers.clear();
  mViews.clear();
  if (mSwapchain != VK_NULL_HANDLE) vkDestroySwapchainKHR(mContext->device(), mSwapchain, nullptr);
}

core::Result<bool> Swapchain::rebuild(VkRenderPass renderPass, std::uint32_t width, std::uint32_t height) {
  const VkDevice device = mContext->device();
  VkSurfaceCapabilitiesKHR caps{};
  NSB_TRY(vkStatus(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(mContext->physicalDevice(), mSurface, &caps),
                   "vkGetPhysicalDeviceSurfaceCapabilitiesKHR"));
  VkExtent2D extent = caps.currentExtent;
  if (extent.width == UINT32_MAX) {
    extent.width = std::clamp(width, caps.minImageExtent.width, caps.maxImageExtent.width);
    extent.height = std::clamp(height, caps.minImageExtent.height, caps.maxImageExtent.height);
  }
  mFramebuffers.clear();
  mViews.clear();
  if (extent.width == 0 || extent.height == 0 || width == 0 || height == 0) return false;

  std::uint32_t images = std::max<std::uint32_t>(caps.minImageCount + 1, 3);
  if (caps.maxImageCount > 0) images = std::min(images, caps.maxImageCount);
  mCanCapture = (caps.supportedUsageFlags & VK_IMAGE_USAGE_TRANSFER_SRC_BIT) != 0;
  VkSwapchainCreateInfoKHR info{};
  info.sType = VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR;
  info.surface = mSurface;
  info.minImageCount = images;
  info.imageFormat = mFormat.format;
  info.imageColorSpace = mFormat.colorSpace;
  info.imageExtent = extent;
  info.imageArrayLayers = 1;
  info.imageUsage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | (mCanCapture ? VK_IMAGE_USAGE_TRANSFER_SRC_BIT : 0);
  info.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
  info.preTransform = (caps.supportedTransforms & VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR)
                          ? VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR
                          : caps.currentTransform;
  info.compositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
  if (!(caps.supportedCompositeAlpha & VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR)) {
    for (const auto alpha : {VK_COMPOSITE_ALPHA_INHERIT_BIT_KHR, VK_COMPOSITE_ALPHA_PRE_MULTIPLIED_BIT_KHR,
                             VK_COMPOSITE_ALPHA_POST_MULTIPLIED_BIT_KHR}) {
      if (caps.supportedCompositeAlpha & alpha) {
        info.compositeAlpha = alpha;
        break;
      }
    }
  }
  info.presentMode = mPresentMode;
  info.clipped = VK_TRUE;
  info.oldSwapchain = mSwapchain;
  VkSwapchainKHR created = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkCreateSwapchainKHR(device, &info, nullptr, &created), "vkCreateSwapchainKHR"));
  if (mSwapchain != VK_NULL_HANDLE) vkDestroySwapchainKHR(device, mSwapchain, nullptr);
  mSwapchain = created;
  mExtent = extent;

  std::uint32_t count = 0;
  NSB_TRY(vkStatus(vkGetSwapchainImagesKHR(device, mSwapchain, &count, nullptr), "vkGetSwapchainImagesKHR"));
  mImages.resize(count);
  NSB_TRY(vkStatus(vkGetSwapchainImagesKHR(device, mSwapchain, &count, mImages.data()), "vkGetSwapchainImagesKHR"));
  for (VkImage image : mImages) {
    VkImageViewCreateInfo viewInfo{};
    viewInfo.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO;
    viewInfo.image = image;
    viewInfo.viewType = VK_IMAGE_VIEW_TYPE_2D;
    viewInfo.format = mFormat.format;
    viewInfo.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    VkImageView view = VK_NULL_HANDLE;
    NSB_TRY(vkStatus(vkCreateImageView(device, &viewInfo, nullptr, &view), "vkCreateImageView"));
    mViews.emplace_back(device, view, vkDestroyImageView);

    VkFramebufferCreateInfo fb{};
    fb.sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO;
    fb.renderPass = renderPass;
    fb.attachmentCount = 1;
    fb.pAttachments = &view;
    fb.width = extent.width;
    fb.height = extent.height;
    fb.layers = 1;
    VkFramebuffer framebuffer = VK_NULL_HANDLE;
    NSB_TRY(vkStatus(vkCreateFramebuffer(device, &fb, nullptr, &framebuffer), "vkCreateFramebuffer"));
    mFramebuffers.emplace_back(device, framebuffer, vkDestroyFramebuffer);
  }
  while (mRenderFinished.size() < mImages.size()) {
    VkSemaphoreCreateInfo semaphoreInfo{};
    semaphoreInfo.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO;
    VkSemaphore semaphore = VK_NULL_HANDLE;
    NSB_TRY(vkStatus(vkCreateSemaphore(device, &semaphoreInfo, nullptr, &semaphore), "vkCreateSemaphore"));
    mRenderFinished.emplace_back(device, semaphore, vkDestroySemaphore);
  }
  return true;
}

VkResult Swapchain::acquire(VkSemaphore signal, std::uint32_t& index) {
  if (mSwapchain == VK_NULL_HANDLE || mFramebuffers.empty()) return VK_ERROR_OUT_OF_DATE_KHR;
  return vkAcquireNextImageKHR(mContext->device(), mSwapchain, UINT64_MAX, signal, VK_NULL_HANDLE, &index);
}

VkResult Swapchain::present(std::uint32_t index) {
  VkSemaphore wait = mRenderFinished[index].get();
  VkPresentInfoKHR info{};
  info.sType = VK_STRUCTURE_TYPE_PRESENT_INFO_KHR;
  info.waitSemaphoreCount = 1;
  info.pWaitSemaphores = &wait;
  info.swapchainCount = 1;
  info.pSwapchains = &mSwapchain;
  info.pImageIndices = &index;
  VkResult result;
  {
    auto lock = mContext->lockQueue();
    result = vkQueuePresentKHR(mContext->queue(), &info);
  }
  return result;
}

}  // namespace nsb::render
