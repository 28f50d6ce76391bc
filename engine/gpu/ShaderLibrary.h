#pragma once
// ShaderLibrary: compute pipelines from the SPIR-V embedded at build time (core/Shaders.h), each made
// once per (shader, bindings, specialisation constants) and kept in a cache of at most `capacity`
// variants, least recently used out first (structural edits make new variants all session long: the
// soak grew 88 MiB without a bound); a VkPipelineCache loaded from and saved to the cache folder so
// that the second start compiles nothing. Call from one thread.
#include <vulkan/vulkan.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/Result.h"
#include "gpu/Handle.h"
#include "gpu/VulkanContext.h"

namespace nsb::gpu {

// Bindings 0..storageBuffers-1 are storage buffers, then texelBuffers uniform texel buffers.
// Specialisation constant i has constant_id i. Every layout has a 128-byte push-constant range.
struct PipelineDesc {
  std::string shader;  // path under shaders/, e.g. "compute/gemm_tiled.comp"
  std::uint32_t storageBuffers = 0;
  std::uint32_t texelBuffers = 0;
  std::vector<std::uint32_t> specialization;
  auto operator<=>(const PipelineDesc&) const = default;
};

struct ComputePipeline {
  Handle<VkDescriptorSetLayout> setLayout;
  Handle<VkPipelineLayout> layout;
  Handle<VkPipeline> pipeline;
  std::uint32_t storageBuffers = 0;
  std::uint32_t texelBuffers = 0;
};

// A pipeline layout of one descriptor set and one push-constant range of `pushBytes` seen by `stages`;
// a runtime error when the driver cannot make it (out of memory).
core::Result<Handle<VkPipelineLayout>> makePipelineLayout(VkDevice device, VkDescriptorSetLayout setLayout,
                                                          VkShaderStageFlags stages, std::uint32_t pushBytes);

class ShaderLibrary {
 public:
  static constexpr std::uint32_t PUSH_CONSTANT_BYTES = 128;

  // Variants kept by default: the spiral editor's programs (step, metrics, evaluation, probes) use 14,
  // 27 after a few structural edits, so 64 keeps the shape of now and the last ones an undo brings back.
  static constexpr std::size_t DEFAULT_CAPACITY = 64;

  // `cacheDir` empty: the default cache folder ($XDG_CACHE_HOME or ~/.cache)/neural-sandbox.
  explicit ShaderLibrary(std::shared_ptr<VulkanContext> context, std::filesystem::path cacheDir = {},
                         std::size_t capacity = DEFAULT_CAPACITY);
  ~ShaderLibrary();  // saves the pipeline cache
  ShaderLibrary(const ShaderLibrary&) = delete;
  ShaderLibrary& operator=(const ShaderLibrary&) = delete;

  // Made on first use and kept while among the `capacity` most recently used; a runtime error when the
  // device cannot make it (out of memory, a lost device). Aborts if the shader is not embedded (a build
  // error, not user input). The caller shares the pipeline: one evicted while a program holds it lives
  // until that program goes (programs wait for the device before they let go). A variant that no
  // program holds goes out before one that a program holds.
  core::Result<std::shared_ptr<const ComputePipeline>> pipeline(const PipelineDesc& desc);
  // Bytes of pipeline-cache data loaded at start (0 on a first start), for tests.
  std::size_t loadedCacheBytes() const { return mLoadedCacheBytes; }
  // Variants made so far (evicted ones made again count again), variants cached now, the bound.
  std::size_t pipelinesCreated() const { return mCreated; }
  std::size_t cachedPipelines() const { return mPipelines.size(); }
  std::size_t capacity() const { return mCapacity; }
  const std::filesystem::path& cacheFile() const { return mCacheFile; }
  void saveCache() const;

 private:
  std::shared_ptr<VulkanContext> mContext;
  std::filesystem::path mCacheFile;
  Handle<VkPipelineCache> mCache;
  std::size_t mLoadedCacheBytes = 0;
  struct Cached {
    std::shared_ptr<const ComputePipeline> pipeline;
    std::uint64_t lastUse = 0;
  };
  void evict();

  std::size_t mCapacity = DEFAULT_CAPACITY;
  std::size_t mCreated = 0;
  std::uint64_t mUses = 0;
  std::map<PipelineDesc, Cached> mPipelines;
};

}  // namespace nsb::gpu
