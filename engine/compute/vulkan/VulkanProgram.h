#pragma once
// VulkanProgram: a Graph turned into dispatches and copies at compile() (pipelines, descriptor sets and
// push constants all made there), recorded into one command buffer with the step body `repeats` times
// and replayed; re-recorded only when the repeat count changes. Barriers go only between commands that
// touch a buffer written since the last barrier (all ops are fenced apart when timing).
#include <vulkan/vulkan.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "compute/Backend.h"
#include "compute/Tensor.h"
#include "compute/vulkan/VulkanDevice.h"
#include "gpu/Handle.h"

namespace nsb::compute::vulkan {

// One binding of a dispatch: a whole buffer as a storage buffer, or its RGBA32F (R32F: scalar) texel view.
struct Binding {
  BufferId buffer;
  bool texel = false;
  bool scalar = false;
};

struct Command {
  // A dispatch (pipeline set) or a copy, or a custom recorder (VkFFT).
  std::shared_ptr<const gpu::ComputePipeline> pipeline;  // shared with the ShaderLibrary's cache
  std::vector<Binding> bindings;
  std::array<std::uint32_t, 32> push{};
  std::uint32_t pushWords = 0;
  std::array<std::uint32_t, 3> groups{1, 1, 1};
  VkDescriptorSet set = VK_NULL_HANDLE;
  // Copy: src -> dst.
  BufferId copySrc, copyDst;
  VkBufferCopy copy{};
  std::function<void(VkCommandBuffer)> custom;
  std::vector<BufferId> reads, writes;
  // A dispatch that VulkanBatch may run together with others like it: the push words that are offsets,
  // the first of the words that hold their strides (pushed as 0), and the ranges it reads and writes.
  std::vector<std::uint8_t> offsetWords;
  std::uint32_t strideWord = 0;
  std::vector<Tensor> readRanges, writeRanges;
};

struct CompiledOp {
  std::string label;
  double flops = 0.0;
  OpKind kind = OP_KIND_COUNT;
  bool fused = false;  // done by the previous op's commands (a GEMM epilogue)
  std::vector<Command> commands;
};

class VulkanProgram final : public Program {
 public:
  VulkanProgram(VulkanDevice& device, const Graph& graph);
  ~VulkanProgram() override;

  void submit(std::uint32_t repeats) override;
  std::vector<OpTiming> timings() override;
  std::uint32_t recordings() const override { return mRecordings; }

 private:
  void createDescriptorSets();
  void record(std::uint32_t repeats);
  void recordCommand(VkCommandBuffer commands, const Command& command);

  VulkanDevice& mDevice;
  std::vector<CompiledOp> mOps;
  std::vector<BufferId> mOwnedBuffers;  // made by compile() (segment tables), destroyed with the program
  std::vector<std::shared_ptr<OpResources>> mResources;
  gpu::Handle<VkDescriptorPool> mDescriptorPool;
  gpu::CommandBuffer mCommands;
  gpu::Handle<VkQueryPool> mQueries;
  std::uint32_t mQueryCount = 0;
  std::uint32_t mRecordedRepeats = 0;
  std::uint32_t mRecordings = 0;
  std::uint32_t mLastRepeats = 0;
  bool mTiming = false;
};

}  // namespace nsb::compute::vulkan
