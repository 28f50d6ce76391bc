// FaultInjector: parsing NSB_TEST_VULKAN_FAULT and counting the calls it names.
#include "gpu/FaultInjector.h"

#include <charconv>
#include <cstdlib>

#include "core/Log.h"

namespace nsb::gpu {

core::Result<FaultInjector> FaultInjector::parse(std::string_view spec) {
  if (spec.empty()) return FaultInjector{};
  const auto colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  Kind kind = Kind::None;
  if (name == "alloc") kind = Kind::Alloc;
  if (name == "submit") kind = Kind::Submit;
  if (name == "pipeline") kind = Kind::Pipeline;
  if (name == "lost") kind = Kind::Lost;
  if (name == "lost-render") kind = Kind::LostRender;
  if (name == "lost-render-for-good") kind = Kind::LostRenderForGood;
  std::uint64_t at = 0;
  const std::string_view number = colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1);
  const auto parsed = std::from_chars(number.data(), number.data() + number.size(), at);
  if (kind == Kind::None || number.empty() || parsed.ec != std::errc{} || parsed.ptr != number.data() + number.size() ||
      at == 0) {
    return core::badInput("NSB_TEST_VULKAN_FAULT=" + std::string(spec) +
                          ": expected alloc:N, submit:N, pipeline:N, lost:N, lost-render:N or "
                          "lost-render-for-good:N with N >= 1");
  }
  return FaultInjector{kind, at};
}

FaultInjector FaultInjector::fromEnvironment() {
  const char* spec = std::getenv("NSB_TEST_VULKAN_FAULT");
  if (spec == nullptr) return {};
  auto parsed = parse(spec);
  if (!parsed) {
    core::log().warn("{}; no fault injected", parsed.message());
    return {};
  }
  return parsed.value();
}

VkResult FaultInjector::slowHit(FaultPoint point) {
  if (mKind == Kind::NoDevice) return point == FaultPoint::CreateDevice ? VK_ERROR_INITIALIZATION_FAILED : VK_SUCCESS;
  if (mKind == Kind::Lost || mKind == Kind::LostRender || mKind == Kind::LostRenderForGood) {
    const FaultPoint counted = mKind == Kind::Lost ? FaultPoint::Submit : FaultPoint::RenderSubmit;
    if (point != FaultPoint::Submit && point != FaultPoint::RenderSubmit) return VK_SUCCESS;
    if (point != counted) return lost();
    if (mLost.load(std::memory_order_relaxed)) return VK_ERROR_DEVICE_LOST;
    if (++mCount < mAt) return VK_SUCCESS;
    mLost = true;
    return VK_ERROR_DEVICE_LOST;
  }
  const bool counted = (mKind == Kind::Alloc && point == FaultPoint::Alloc) ||
                       (mKind == Kind::Submit && point == FaultPoint::Submit) ||
                       (mKind == Kind::Pipeline && point == FaultPoint::Pipeline);
  if (!counted || ++mCount != mAt) return VK_SUCCESS;
  return point == FaultPoint::Alloc ? VK_ERROR_OUT_OF_DEVICE_MEMORY : VK_ERROR_OUT_OF_HOST_MEMORY;
}

}  // namespace nsb::gpu
