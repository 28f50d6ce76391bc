#pragma once
// FaultInjector: the test-only switch that makes chosen Vulkan calls fail, so that tests can prove each
// failure comes back as an error. Read once per VulkanContext from NSB_TEST_VULKAN_FAULT:
//   alloc:N     the Nth buffer allocation fails with VK_ERROR_OUT_OF_DEVICE_MEMORY
//   submit:N    the Nth compute submission fails with VK_ERROR_OUT_OF_HOST_MEMORY
//   pipeline:N  the Nth compute pipeline creation fails with VK_ERROR_OUT_OF_HOST_MEMORY
//   lost:N      from the Nth compute submission on, every submission and fence wait reports
//               VK_ERROR_DEVICE_LOST (the device itself keeps working, so nothing in flight is torn down)
//   lost-render:N  the renderer's Nth frame submission reports VK_ERROR_DEVICE_LOST, and from then on
//               every submission, compute's too, and every fence wait (as when the driver loses the
//               device under a frame); a context made again after it (App's recovery) is clean
//   lost-render-for-good:N  the same, and making the device again fails (vkCreateDevice reports
//               VK_ERROR_INITIALIZATION_FAILED): the editor has nothing left to draw with
// Unset, it costs one compare per call site. Counting is atomic: any thread.
#include <vulkan/vulkan.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/Result.h"

namespace nsb::gpu {

enum class FaultPoint : std::uint8_t { Alloc, Submit, Pipeline, RenderSubmit, CreateDevice };

class FaultInjector {
 public:
  // NoDevice is what lost-render-for-good leaves to a context made again (see remade()).
  enum class Kind : std::uint8_t { None, Alloc, Submit, Pipeline, Lost, LostRender, LostRenderForGood, NoDevice };

  FaultInjector() = default;
  FaultInjector(Kind kind, std::uint64_t at) : mKind(kind), mAt(at) {}
  FaultInjector(const FaultInjector& other) : mKind(other.mKind), mAt(other.mAt) {}
  FaultInjector& operator=(const FaultInjector& other) {
    mKind = other.mKind;
    mAt = other.mAt;
    mCount = 0;
    mLost = false;
    return *this;
  }

  // "alloc:3", "lost-render:5" etc.; an empty spec is inert. A bad spec is bad input naming the variable.
  static core::Result<FaultInjector> parse(std::string_view spec);
  // NSB_TEST_VULKAN_FAULT, or inert when unset; a malformed value is logged and ignored.
  static FaultInjector fromEnvironment();
  // What a context made again after this one lost its device injects: nothing (the loss stood for one
  // event, not one per device), except after lost-render-for-good, whose new device cannot be created.
  FaultInjector remade() const {
    return mKind == Kind::LostRenderForGood ? FaultInjector{Kind::NoDevice, 1} : FaultInjector{};
  }

  // VK_SUCCESS, or the result the call at `point` is to fail with.
  VkResult hit(FaultPoint point) {
    if (mKind == Kind::None) return VK_SUCCESS;
    return slowHit(point);
  }
  // VK_ERROR_DEVICE_LOST once a "lost" fault was reached, else VK_SUCCESS: for waits, which still wait.
  VkResult lost() const { return mLost.load(std::memory_order_relaxed) ? VK_ERROR_DEVICE_LOST : VK_SUCCESS; }
  bool active() const { return mKind != Kind::None; }
  // The calls counted so far at the point the fault is set for (tests size their N with it).
  std::uint64_t count() const { return mCount.load(std::memory_order_relaxed); }

 private:
  VkResult slowHit(FaultPoint point);

  Kind mKind = Kind::None;
  std::uint64_t mAt = 0;
  std::atomic<std::uint64_t> mCount{0};
  std::atomic<bool> mLost{false};
};

}  // namespace nsb::gpu
