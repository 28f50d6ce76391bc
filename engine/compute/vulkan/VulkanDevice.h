#pragma once
// VulkanDevice: the backend's side that programs use (buffers by id, texel views, pipelines, the one
// fence and the submit path). Internal to compute/vulkan; everything runs on the backend's thread.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "compute/Backend.h"
#include "core/Result.h"
#include "gpu/GpuBuffer.h"
#include "gpu/Handle.h"
#include "gpu/MemoryAllocator.h"
#include "gpu/ShaderLibrary.h"
#include "gpu/VulkanContext.h"

namespace nsb::compute::vulkan {

enum class GemmVariant : std::uint8_t { Tiled, Texel };

// The backend's settings, read from the environment once when it is made (VulkanBackend.h lists them),
// never in a compile path.
struct VulkanOptions {
  bool timing = false;
  bool fusion = true;               // NSB_VULKAN_NO_FUSION=1: every op its own dispatch
  std::optional<GemmVariant> gemm;  // NSB_VULKAN_GEMM=texel|tiled; unset: texel on CPU devices, else tiled
  bool mapped = true;               // NSB_VULKAN_STAGING=1: copies through the staging buffer even where
                                    // device memory is mapped (the path of GPUs without it, for tests)
};
VulkanOptions vulkanOptionsFromEnvironment(bool timing);

// State an op keeps beyond recording (VkFFT plans, segment tables); destroyed when the device is idle.
struct OpResources {
  virtual ~OpResources() = default;
};

class VulkanDevice {
 public:
  VulkanDevice(std::shared_ptr<gpu::VulkanContext> context, const VulkanOptions& options);
  ~VulkanDevice();

  gpu::VulkanContext& context() const { return *mContext; }
  VkDevice device() const { return mContext->device(); }
  gpu::ShaderLibrary& shaders() { return mShaders; }
  gpu::MemoryAllocator& allocator() { return mAllocator; }
  VkCommandPool commandPool() const { return mPool.get(); }
  GemmVariant gemmVariant() const { return mGemmVariant; }
  bool timing() const { return mTiming; }
  bool fusion() const { return mFusion; }

  // The first Vulkan error (out of memory, a failed submit or pipeline, a lost device). Once set the
  // device does no more work: submits and uploads are dropped, downloads read zeros, new buffers are
  // placeholders without memory, programs compile to nothing. The backend reports it (Backend::status);
  // its owner stops using it or replaces it.
  const std::optional<core::Error>& failure() const { return mFailure; }
  bool failed() const { return mFailure.has_value(); }
  bool lost() const { return mLost; }
  // Records that `call` returned `result` unless it is VK_SUCCESS; returns whether it was.
  bool check(VkResult result, const char* call);
  // Records a failure (the first one is kept).
  void fail(const std::string& why, bool lost = false);
  // The pipeline of `desc`, or null (the failure recorded) when the device cannot make it.
  std::shared_ptr<const gpu::ComputePipeline> pipeline(const gpu::PipelineDesc& desc);

  BufferId create(std::size_t bytes);
  void destroy(BufferId id);
  bool contains(BufferId id) const { return mBuffers.count(id.value) != 0; }
  std::size_t bytes(BufferId id) const;
  VkBuffer buffer(BufferId id) const;
  // A uniform texel view over the whole buffer, RGBA32F or (scalar) R32F, made on first use;
  // VK_NULL_HANDLE when the buffer is larger than the device's texel-buffer limit.
  VkBufferView texelView(BufferId id, bool scalar = false);

  void upload(BufferId id, std::size_t offset, const std::byte* data, std::size_t size);
  void download(BufferId id, std::size_t offset, std::byte* data, std::size_t size);

  // Submits `commands` with the backend's fence after the previous submit has finished. Every command
  // buffer submitted ends with hostReadBarrier(), which makes its writes visible to the host.
  void submit(VkCommandBuffer commands);
  static void hostReadBarrier(VkCommandBuffer commands);
  // Waits for the last submit (no-op when idle).
  void wait();
  // The context's compute timeline value that the last submit signals (0: none).
  std::uint64_t timelineValue() const { return mTimelineValue; }

  // FP32 GFLOP/s of the peak shader (compute/peak.comp), measured on first call (median of 5 runs).
  double peakGflops();

  // Resources shared by every program of this backend (VkFFT plans per shape), made on first use.
  std::shared_ptr<OpResources>& shared(const std::string& key) { return mShared[key]; }

 private:
  struct Entry {
    gpu::GpuBuffer buffer;
    std::size_t bytes = 0;
    gpu::Handle<VkBufferView> view, scalarView;
  };
  // Records `record` into the transfer command buffer, submits and waits.
  template <typename F>
  void runNow(F record);

  std::shared_ptr<gpu::VulkanContext> mContext;
  gpu::MemoryAllocator mAllocator;
  gpu::ShaderLibrary mShaders;
  gpu::Handle<VkCommandPool> mPool;
  gpu::Handle<VkFence> mFence;
  VkCommandBuffer mTransfer = VK_NULL_HANDLE;
  gpu::GpuBuffer mStaging;
  std::unordered_map<std::uint32_t, Entry> mBuffers;
  std::map<std::string, std::shared_ptr<OpResources>> mShared;
  std::uint32_t mNextId = 1;
  bool mInFlight = false;
  std::uint64_t mTimelineValue = 0;
  bool mTiming = false;
  bool mFusion = true;
  bool mMapped = true;  // read and write mapped device memory directly (VulkanOptions::mapped)
  double mPeakGflops = -1.0;
  std::optional<core::Error> mFailure;
  bool mLost = false;
  GemmVariant mGemmVariant = GemmVariant::Tiled;
};

}  // namespace nsb::compute::vulkan
