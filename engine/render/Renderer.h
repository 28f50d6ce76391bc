#pragma once
// Renderer: draws the editor's ImGui frame with Debian's ImGui 1.86 Vulkan backend into a window's
// swapchain or, headless, into offscreen images that can be read back; two frames in flight, every
// submit through the shared VulkanContext's queue lock. The ImGui context must exist before create()
// and outlive the renderer. Every function runs on the UI thread.
#include <vulkan/vulkan.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/Result.h"
#include "gpu/Handle.h"
#include "gpu/VulkanContext.h"
#include "render/GpuImage.h"
#include "render/Image.h"
#include "render/Swapchain.h"

struct ImDrawData;

namespace nsb::render {

inline constexpr std::uint32_t FRAMES_IN_FLIGHT = 2;

struct RendererConfig {
  VkSurfaceKHR surface = VK_NULL_HANDLE;     // null: headless, offscreen images of width x height
  std::uint32_t width = 1280, height = 720;  // the offscreen size, or the window's framebuffer size
  bool vsync = true;
};

class Renderer {
 public:
  static core::Result<std::unique_ptr<Renderer>> create(std::shared_ptr<gpu::VulkanContext> context,
                                                        const RendererConfig& config);
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  // Starts a frame: waits for its slot's previous use, acquires an image and begins the command
  // buffer (uploads may be recorded before endFrame). `width` x `height` is the window's current
  // framebuffer size (ignored headless); a changed size rebuilds the swapchain. False when there is
  // nothing to draw into (minimised or out of date): skip this frame; or when the renderer failed.
  bool beginFrame(std::uint32_t width = 0, std::uint32_t height = 0);
  // Records the render pass with ImGui's draw data, submits and presents. With `capture`, the frame's
  // pixels are copied out for capturedImage().
  void endFrame(ImDrawData* drawData, bool capture = false);
  // Set once a call the driver can fail did (out of memory, a lost device or surface): from then on
  // no frame is drawn and the owner makes a new renderer (a new device first when deviceLost()).
  const std::optional<core::Error>& failure() const { return mFailure; }
  bool deviceLost() const { return mLost; }
  // The pixels of the last captured frame (waits for it). An error when none was captured.
  core::Result<Image> capturedImage();
  // Waits for every frame in flight (a failed wait is recorded in failure()).
  void waitIdle();
  // After the font atlas changed (UI scale): waits for the device, shuts ImGui's Vulkan backend down
  // and starts it again, which uploads the new font image (1.86 leaks the old one if only the font
  // texture is recreated). Between frames only.
  core::Status rebuildImGui();

  // The command buffer being recorded between beginFrame() and endFrame(): ImDrawList callbacks
  // draw into it (ImGui 1.86 does not hand it to them).
  VkCommandBuffer commandBuffer() const { return mFrames[mSlot].cmd; }
  // The frame being recorded reads what compute wrote: its submit waits (fragment stage) until the
  // context's compute timeline reaches `value` (see VulkanContext::submitCompute). 0: nothing.
  void waitForCompute(std::uint64_t value) { mComputeWait = std::max(mComputeWait, value); }
  std::uint32_t frameSlot() const { return mSlot; }
  std::uint64_t frameCount() const { return mFrameCount; }
  VkExtent2D extent() const;
  VkRenderPass renderPass() const { return mRenderPass.get(); }
  const std::shared_ptr<gpu::VulkanContext>& context() const { return mContext; }
  bool headless() const { return !mSwapchain; }
  // Swapchain rebuilds so far (resize, out of date), for tests.
  std::uint32_t rebuildCount() const { return mRebuilds; }

 private:
  Renderer() = default;
  core::Status initialise(const RendererConfig& config);
  core::Status initialiseImGui();
  core::Status submitAndWait(VkCommandBuffer cmd);
  // False, with failure() set, when `result` is not VK_SUCCESS.
  bool check(VkResult result, const char* call);

  struct Frame {
    gpu::Handle<VkCommandPool> pool;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    gpu::Handle<VkFence> fence;
    gpu::Handle<VkSemaphore> imageAvailable;
    // Offscreen: this slot's target and its read-back buffer.
    GpuImage target;
    gpu::Handle<VkFramebuffer> framebuffer;
    HostBuffer readback;
    bool submitted = false;  // its fence will signal: waited for before reuse and at the end
  };

  std::shared_ptr<gpu::VulkanContext> mContext;
  std::unique_ptr<Swapchain> mSwapchain;
  VkFormat mFormat = VK_FORMAT_R8G8B8A8_UNORM;
  VkExtent2D mOffscreenExtent{};
  gpu::Handle<VkRenderPass> mRenderPass;
  gpu::Handle<VkDescriptorPool> mImGuiPool;
  std::array<Frame, FRAMES_IN_FLIGHT> mFrames;
  std::uint32_t mSlot = 0;
  std::uint32_t mImageIndex = 0;
  std::uint64_t mFrameCount = 0;
  std::uint32_t mRebuilds = 0;
  std::uint32_t mWantWidth = 0, mWantHeight = 0;
  bool mNeedRebuild = true;
  bool mInFrame = false;
  std::uint64_t mComputeWait = 0;  // this frame's, for waitForCompute()
  bool mImGuiReady = false;
  std::optional<std::uint32_t> mCapturedSlot;
  VkExtent2D mCapturedExtent{};
  bool mCapturedBgra = false;
  std::optional<core::Error> mFailure;
  bool mLost = false;
};

}  // namespace nsb::render
