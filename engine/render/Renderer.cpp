// Renderer: one render pass (clear, ImGui, store), frames in flight guarded by fences, offscreen
// targets per frame slot so that two frames never write one image, and read-back by a copy recorded
// after the render pass. ImGui's Vulkan backend records only; every submit here goes through
// VulkanContext::submit() and every present through its queue lock.
#include "render/Renderer.h"

#include <backends/imgui_impl_vulkan.h>
#include <imgui.h>

#include <cstring>

#include "core/Log.h"
#include "gpu/FaultInjector.h"
#include "gpu/VkCheck.h"

namespace nsb::render {
namespace {

// ImGui 1.86's backend carries on with the buffer or memory it failed to make (it maps and writes it):
// no safe way on, so a failure there stays an abort with the call's result.
void checkImGuiVk(VkResult result) { NSB_VK_CHECK(result); }

core::Status vkStatus(VkResult result, const char* call) { return gpu::vkStatus(result, "renderer", call); }

}  // namespace

core::Result<std::unique_ptr<Renderer>> Renderer::create(std::shared_ptr<gpu::VulkanContext> context,
                                                         const RendererConfig& config) {
  NSB_CHECK(ImGui::GetCurrentContext() != nullptr) << "create the ImGui context before the renderer";
  std::unique_ptr<Renderer> renderer(new Renderer());
  renderer->mContext = std::move(context);
  NSB_TRY(renderer->initialise(config));
  NSB_TRY(renderer->initialiseImGui());
  return renderer;
}

core::Status Renderer::initialise(const RendererConfig& config) {
  const VkDevice device = mContext->device();
  if (config.surface != VK_NULL_HANDLE) {
    auto swapchain = Swapchain::create(mContext, config.surface, config.vsync);
    if (!swapchain) return swapchain.error();
    mSwapchain = std::move(swapchain.value());
    mFormat = mSwapchain->format();
    mWantWidth = config.width;
    mWantHeight = config.height;
  } else {
    if (config.width == 0 || config.height == 0 || config.width > 16384 || config.height > 16384) {
      return core::badInput("--width/--height: " + std::to_string(config.width) + "x" + std::to_string(config.height) +
                            " is not a size between 1 and 16384");
    }
    mOffscreenExtent = {config.width, config.height};
  }

  VkAttachmentDescription color{};
  color.format = mFormat;
  color.samples = VK_SAMPLE_COUNT_1_BIT;
  color.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR;
  color.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
  color.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
  color.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
  color.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  color.finalLayout = mSwapchain ? VK_IMAGE_LAYOUT_PRESENT_SRC_KHR : VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
  VkAttachmentReference reference{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
  VkSubpassDescription subpass{};
  subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
  subpass.colorAttachmentCount = 1;
  subpass.pColorAttachments = &reference;
  // Before: the acquire (window) or last use's copy (offscreen); the atlases' uploads. After: the
  // read-back copy.
  std::array<VkSubpassDependency, 2> dependencies{};
  dependencies[0].srcSubpass = VK_SUBPASS_EXTERNAL;
  dependencies[0].dstSubpass = 0;
  dependencies[0].srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  dependencies[0].srcAccessMask = VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  dependencies[0].dstStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT;
  dependencies[0].dstAccessMask =
      VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT | VK_ACCESS_COLOR_ATTACHMENT_READ_BIT | VK_ACCESS_SHADER_READ_BIT;
  dependencies[1].srcSubpass = 0;
  dependencies[1].dstSubpass = VK_SUBPASS_EXTERNAL;
  dependencies[1].srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
  dependencies[1].srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
  dependencies[1].dstStageMask = VK_PIPELINE_STAGE_TRANSFER_BIT;
  dependencies[1].dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
  VkRenderPassCreateInfo passInfo{};
  passInfo.sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO;
  passInfo.attachmentCount = 1;
  passInfo.pAttachments = &color;
  passInfo.subpassCount = 1;
  passInfo.pSubpasses = &subpass;
  passInfo.dependencyCount = static_cast<std::uint32_t>(dependencies.size());
  passInfo.pDependencies = dependencies.data();
  VkRenderPass pass = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkCreateRenderPass(device, &passInfo, nullptr, &pass), "vkCreateRenderPass"));
  mRenderPass = gpu::Handle<VkRenderPass>(device, pass, vkDestroyRenderPass);

  for (Frame& frame : mFrames) {
    VkCommandPoolCreateInfo poolInfo{};
    poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
    poolInfo.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT;
    poolInfo.queueFamilyIndex = mContext->queueFamily();
    VkCommandPool pool = VK_NULL_HANDLE;
    NSB_TRY(vkStatus(vkCreateCommandPool(device, &poolInfo, nullptr, &pool), "vkCreateCommandPool"));
    frame.pool = gpu::Handle<VkCommandPool>(device, pool, vkDestroyCommandPool);
    VkCommandBufferAllocateInfo allocInfo{};
    allocInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    allocInfo.commandPool = pool;
    allocInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    allocInfo.commandBufferCount = 1;
    NSB_TRY(vkStatus(vkAllocateCommandBuffers(device, &allocInfo, &frame.cmd), "vkAllocateCommandBuffers"));
    VkFenceCreateInfo fenceInfo{};
    fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
    fenceInfo.flags = VK_FENCE_CREATE_SIGNALED_BIT;
    VkFence fence = VK_NULL_HANDLE;
    NSB_TRY(vkStatus(vkCreateFence(device, &fenceInfo, nullptr, &fence), "vkCreateFence"));
    frame.fence = gpu::Handle<VkFence>(device, fence, vkDestroyFence);
    VkSemaphoreCreateInfo semaphoreInfo{};
    semaphoreInfo.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO;
    VkSemaphore semaphore = VK_NULL_HANDLE;
    NSB_TRY(vkStatus(vkCreateSemaphore(device, &semaphoreInfo, nullptr, &semaphore), "vkCreateSemaphore"));
    frame.imageAvailable = gpu::Handle<VkSemaphore>(device, semaphore, vkDestroySemaphore);

    if (!mSwapchain) {
      auto target = createImage(*mContext, mOffscreenExtent.width, mOffscreenExtent.height, mFormat,
                                VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT);
      if (!target) return target.error();
      frame.target = std::move(target.value());
      VkImageView view = frame.target.view.get();
      VkFramebufferCreateInfo fb{};
      fb.sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO;
      fb.renderPass = pass;
      fb.attachmentCount = 1;
      fb.pAttachments = &view;
      fb.width = mOffscreenExtent.width;
      fb.height = mOffscreenExtent.height;
      fb.layers = 1;
      VkFramebuffer framebuffer = VK_NULL_HANDLE;
      NSB_TRY(vkStatus(vkCreateFramebuffer(device, &fb, nullptr, &framebuffer), "vkCreateFramebuffer"));
      frame.framebuffer = gpu::Handle<VkFramebuffer>(device, framebuffer, vkDestroyFramebuffer);
    }
  }
  return core::Ok{};
}

core::Status Renderer::initialiseImGui() {
  const VkDevice device = mContext->device();
  const std::array<VkDescriptorPoolSize, 1> sizes{{{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 8}}};
  VkDescriptorPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  poolInfo.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
  poolInfo.maxSets = 8;
  poolInfo.poolSizeCount = static_cast<std::uint32_t>(sizes.size());
  poolInfo.pPoolSizes = sizes.data();
  VkDescriptorPool pool = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkCreateDescriptorPool(device, &poolInfo, nullptr, &pool), "vkCreateDescriptorPool"));
  mImGuiPool = gpu::Handle<VkDescriptorPool>(device, pool, vkDestroyDescriptorPool);

  ImGui_ImplVulkan_InitInfo info{};
  info.Instance = mContext->instance();
  info.PhysicalDevice = mContext->physicalDevice();
  info.Device = device;
  info.QueueFamily = mContext->queueFamily();
  info.Queue = mContext->queue();
  info.PipelineCache = VK_NULL_HANDLE;
  info.DescriptorPool = pool;
  info.Subpass = 0;
  // ImageCount sizes the backend's ring of vertex buffers: more than the frames in flight.
  info.MinImageCount = 2;
  info.ImageCount = FRAMES_IN_FLIGHT + 1;
  info.MSAASamples = VK_SAMPLE_COUNT_1_BIT;
  info.CheckVkResultFn = checkImGuiVk;
  if (!ImGui_ImplVulkan_Init(&info, mRenderPass.get()))
    return core::runtimeError("ImGui's Vulkan backend did not start");
  mImGuiReady = true;

  // The font atlas: recorded by the backend, submitted here under the queue lock.
  Frame& frame = mFrames[0];
  NSB_TRY(vkStatus(vkResetCommandPool(device, frame.pool.get(), 0), "vkResetCommandPool"));
  VkCommandBufferBeginInfo begin{};
  begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  NSB_TRY(vkStatus(vkBeginCommandBuffer(frame.cmd, &begin), "vkBeginCommandBuffer"));
  ImGui_ImplVulkan_CreateFontsTexture(frame.cmd);
  NSB_TRY(vkStatus(vkEndCommandBuffer(frame.cmd), "vkEndCommandBuffer"));
  const core::Status uploaded = submitAndWait(frame.cmd);
  ImGui_ImplVulkan_DestroyFontUploadObjects();
  return uploaded;
}

core::Status Renderer::submitAndWait(VkCommandBuffer cmd) {
  const VkDevice device = mContext->device();
  VkFenceCreateInfo fenceInfo{};
  fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  VkFence fence = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkCreateFence(device, &fenceInfo, nullptr, &fence), "vkCreateFence"));
  gpu::Handle<VkFence> owner(device, fence, vkDestroyFence);
  VkSubmitInfo submit{};
  submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &cmd;
  NSB_TRY(vkStatus(mContext->submit(submit, fence), "vkQueueSubmit"));
  return vkStatus(vkWaitForFences(device, 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
}

bool Renderer::check(VkResult result, const char* call) {
  if (result == VK_SUCCESS) return true;
  mLost = mLost || result == VK_ERROR_DEVICE_LOST;
  if (!mFailure) mFailure = vkStatus(result, call).error();
  return false;
}

Renderer::~Renderer() {
  if (mContext) waitIdle();
  if (mImGuiReady) ImGui_ImplVulkan_Shutdown();
}

core::Status Renderer::rebuildImGui() {
  NSB_CHECK(!mInFrame) << "rebuildImGui inside a frame";
  waitIdle();
  if (mFailure) return *mFailure;
  {
    auto lock = mContext->lockQueue();
    NSB_TRY(vkStatus(vkQueueWaitIdle(mContext->queue()), "vkQueueWaitIdle"));
  }
  if (mImGuiReady) ImGui_ImplVulkan_Shutdown();
  mImGuiReady = false;
  mImGuiPool = {};
  return initialiseImGui();
}

void Renderer::waitIdle() {
  // Only fences that a submit will signal: a frame whose submit failed left its fence unsignalled.
  for (Frame& frame : mFrames) {
    VkFence fence = frame.fence.get();
    if (fence == VK_NULL_HANDLE || !frame.submitted) continue;
    frame.submitted = false;
    check(vkWaitForFences(mContext->device(), 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
  }
}

VkExtent2D Renderer::extent() const { return mSwapchain ? mSwapchain->extent() : mOffscreenExtent; }

bool Renderer::beginFrame(std::uint32_t width, std::uint32_t height) {
  NSB_CHECK(!mInFrame) << "beginFrame twice";
  if (mFailure) return false;
  const VkDevice device = mContext->device();
  Frame& frame = mFrames[mSlot];
  VkFence fence = frame.fence.get();
  if (frame.submitted) {
    frame.submitted = false;
    if (!check(vkWaitForFences(device, 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences")) return false;
  }

  if (mSwapchain) {
    if (width != mWantWidth || height != mWantHeight) {
      mWantWidth = width;
      mWantHeight = height;
      mNeedRebuild = true;
    }
    if (mNeedRebuild) {
      waitIdle();
      if (mFailure) return false;
      auto rebuilt = mSwapchain->rebuild(mRenderPass.get(), mWantWidth, mWantHeight);
      if (!rebuilt) {
        mLost = mLost || rebuilt.message().find("VK_ERROR_DEVICE_LOST") != std::string::npos;
        mFailure = rebuilt.error();
        return false;
      }
      if (!rebuilt.value()) return false;
      mNeedRebuild = false;
      ++mRebuilds;
    }
    const VkResult acquired = mSwapchain->acquire(frame.imageAvailable.get(), mImageIndex);
    if (acquired == VK_ERROR_OUT_OF_DATE_KHR) {
      mNeedRebuild = true;
      return false;
    }
    if (acquired == VK_SUBOPTIMAL_KHR) {
      mNeedRebuild = true;
    } else if (!check(acquired, "vkAcquireNextImageKHR")) {
      return false;
    }
  }
  if (mCapturedSlot == mSlot) mCapturedSlot.reset();
  if (!check(vkResetFences(device, 1, &fence), "vkResetFences")) return false;
  if (!check(vkResetCommandPool(device, frame.pool.get(), 0), "vkResetCommandPool")) return false;
  VkCommandBufferBeginInfo begin{};
  begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  if (!check(vkBeginCommandBuffer(frame.cmd, &begin), "vkBeginCommandBuffer")) return false;
  mInFrame = true;
  return true;
}

void Renderer::endFrame(ImDrawData* drawData, bool capture) {
  NSB_CHECK(mInFrame) << "endFrame without beginFrame";
  Frame& frame = mFrames[mSlot];
  const VkExtent2D size = extent();
  VkClearValue clear{};
  clear.color = {{0.055f, 0.058f, 0.065f, 1.0f}};
  VkRenderPassBeginInfo pass{};
  pass.sType = VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO;
  pass.renderPass = mRenderPass.get();
  pass.framebuffer = mSwapchain ? mSwapchain->framebuffer(mImageIndex) : frame.framebuffer.get();
  pass.renderArea = {{0, 0}, size};
  pass.clearValueCount = 1;
  pass.pClearValues = &clear;
  vkCmdBeginRenderPass(frame.cmd, &pass, VK_SUBPASS_CONTENTS_INLINE);
  if (drawData) ImGui_ImplVulkan_RenderDrawData(drawData, frame.cmd);
  vkCmdEndRenderPass(frame.cmd);

  const VkImage image = mSwapchain ? mSwapchain->image(mImageIndex) : frame.target.image.get();
  if (capture && mSwapchain && !mSwapchain->canCapture()) {
    core::log().warn("screenshot: this window's swapchain images cannot be copied");
    capture = false;
  }
  if (capture) {
    const VkDeviceSize bytes = VkDeviceSize{size.width} * size.height * 4;
    if (!frame.readback.buffer || frame.readback.size < bytes) {
      auto buffer = createHostBuffer(*mContext, bytes, VK_BUFFER_USAGE_TRANSFER_DST_BIT, true);
      if (!buffer) {
        // Drawn but not captured: capturedImage() says so to whoever wanted the pixels.
        core::log().warn("screenshot: {}", buffer.message());
        capture = false;
        mCapturedSlot.reset();
      } else {
        frame.readback = std::move(buffer.value());
      }
    }
  }
  if (capture) {
    if (mSwapchain) {
      transitionImage(frame.cmd, image, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
                      VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT, VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT,
                      VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
    }
    VkBufferImageCopy region{};
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = {size.width, size.height, 1};
    vkCmdCopyImageToBuffer(frame.cmd, image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, frame.readback.buffer.get(), 1,
                           &region);
    if (mSwapchain) {
      transitionImage(frame.cmd, image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
                      VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT,
                      0);
    }
    VkBufferMemoryBarrier toHost{};
    toHost.sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER;
    toHost.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    toHost.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    toHost.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    toHost.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    toHost.buffer = frame.readback.buffer.get();
    toHost.size = VK_WHOLE_SIZE;
    vkCmdPipelineBarrier(frame.cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 0, nullptr, 1,
                         &toHost, 0, nullptr);
    mCapturedSlot = mSlot;
    mCapturedExtent = size;
    mCapturedBgra = mFormat == VK_FORMAT_B8G8R8A8_UNORM || mFormat == VK_FORMAT_B8G8R8A8_SRGB;
  }
  mInFrame = false;
  if (!check(vkEndCommandBuffer(frame.cmd), "vkEndCommandBuffer")) return;

  VkSubmitInfo submit{};
  submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &frame.cmd;
  std::array<VkSemaphore, 2> waits{};
  std::array<VkPipelineStageFlags, 2> waitStages{};
  std::array<std::uint64_t, 2> waitValues{};  // ignored for the binary semaphore
  std::uint32_t waitCount = 0;
  VkSemaphore signal = VK_NULL_HANDLE;
  if (mSwapchain) {
    signal = mSwapchain->renderFinished(mImageIndex);
    waits[waitCount] = frame.imageAvailable.get();
    waitStages[waitCount++] = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    submit.signalSemaphoreCount = 1;
    submit.pSignalSemaphores = &signal;
  }
  VkTimelineSemaphoreSubmitInfo timeline{};
  if (mComputeWait > 0 && mContext->computeTimeline() != VK_NULL_HANDLE) {
    waits[waitCount] = mContext->computeTimeline();
    waitValues[waitCount] = mComputeWait;
    waitStages[waitCount++] = VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT;
    timeline.sType = VK_STRUCTURE_TYPE_TIMELINE_SEMAPHORE_SUBMIT_INFO;
    timeline.waitSemaphoreValueCount = waitCount;
    timeline.pWaitSemaphoreValues = waitValues.data();  // no signal values: the one signalled is binary
    submit.pNext = &timeline;
  }
  mComputeWait = 0;
  submit.waitSemaphoreCount = waitCount;
  submit.pWaitSemaphores = waits.data();
  submit.pWaitDstStageMask = waitStages.data();
  // The test-only fault (lost-render:N) stands for the driver losing the device under a frame.
  VkResult submitted = mContext->faults().hit(gpu::FaultPoint::RenderSubmit);
  if (submitted == VK_SUCCESS) submitted = mContext->submit(submit, frame.fence.get());
  if (!check(submitted, "vkQueueSubmit")) {
    if (mCapturedSlot == mSlot) mCapturedSlot.reset();
    return;
  }
  frame.submitted = true;
  if (mSwapchain) {
    const VkResult presented = mSwapchain->present(mImageIndex);
    if (presented == VK_SUBOPTIMAL_KHR || presented == VK_ERROR_OUT_OF_DATE_KHR) {
      mNeedRebuild = true;
    } else {
      check(presented, "vkQueuePresentKHR");
    }
  }
  ++mFrameCount;
  mSlot = (mSlot + 1) % FRAMES_IN_FLIGHT;
}

core::Result<Image> Renderer::capturedImage() {
  if (!mCapturedSlot) return core::runtimeError("no frame was captured");
  Frame& frame = mFrames[*mCapturedSlot];
  VkFence fence = frame.fence.get();
  if (frame.submitted)
    NSB_TRY(vkStatus(vkWaitForFences(mContext->device(), 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences"));
  Image image;
  image.width = mCapturedExtent.width;
  image.height = mCapturedExtent.height;
  image.rgba.resize(std::size_t{image.width} * image.height * 4);
  std::memcpy(image.rgba.data(), frame.readback.mapped, image.rgba.size());
  for (std::size_t i = 0; i < image.rgba.size(); i += 4) {
    if (mCapturedBgra) std::swap(image.rgba[i], image.rgba[i + 2]);
    image.rgba[i + 3] = 255;  // the window is opaque whatever ImGui's alpha
  }
  return image;
}

}  // namespace nsb::render
