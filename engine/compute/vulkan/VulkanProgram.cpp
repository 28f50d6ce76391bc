// VulkanProgram: the ops checked and compiled (VulkanOps) at construction, the descriptor sets for all
// their commands made once, and the recording of the step body `repeats` times into one reusable
// command buffer with timestamps after each op when timing is on; submit and per-op timings.
#include "compute/vulkan/VulkanProgram.h"

#include <algorithm>

#include "compute/vulkan/VulkanBatch.h"
#include "compute/vulkan/VulkanOps.h"
#include "core/Check.h"
#include "gpu/VkCheck.h"

namespace nsb::compute::vulkan {
namespace {

bool intersects(const std::vector<BufferId>& a, const std::vector<std::uint32_t>& b) {
  for (const BufferId id : a) {
    if (std::find(b.begin(), b.end(), id.value) != b.end()) return true;
  }
  return false;
}

void barrier(VkCommandBuffer commands) {
  VkMemoryBarrier memory{};
  memory.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  memory.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  memory.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                         VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_UNIFORM_READ_BIT;
  const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(commands, stages, stages, 0, 1, &memory, 0, nullptr, 0, nullptr);
}

}  // namespace

VulkanProgram::VulkanProgram(VulkanDevice& device, const Graph& graph) : mDevice(device), mTiming(device.timing()) {
  mOps.resize(graph.ops.size());
  const BufferSizes sizes = [&device](BufferId id) -> std::optional<std::size_t> {
    if (!device.contains(id)) return std::nullopt;
    return device.bytes(id);
  };
  for (std::size_t i = 0; i < graph.ops.size(); ++i) {
    mOps[i].label = graph.label(i);
    mOps[i].flops = opFlops(graph.ops[i]);
    mOps[i].kind = graph.ops[i].index();
    const std::string reason = validate(graph.ops[i], sizes);
    NSB_CHECK(reason.empty()) << "vulkan backend: op " << i << " (" << mOps[i].label << "): " << reason;
  }
  for (std::size_t i = 0; i < graph.ops.size(); ++i) {
    if (mOps[i].fused) continue;  // checked above; the GEMM before it does its work
    const Op* next = i + 1 < graph.ops.size() ? &graph.ops[i + 1] : nullptr;
    if (compileOp(mDevice, i, mOps[i].label, graph.ops[i], next, mOps[i], mOwnedBuffers, mResources)) {
      mOps[i + 1].fused = true;
    }
  }
  interleaveLanes(mOps, graph.lanes);
  batchDispatches(mOps);
  // A device that failed (now or before) gets no recording: submit() does nothing and the backend's
  // status() says why.
  if (mDevice.failed()) return;
  createDescriptorSets();
  if (mDevice.failed()) return;
  VkCommandBufferAllocateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  info.commandPool = mDevice.commandPool();
  info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  info.commandBufferCount = 1;
  VkCommandBuffer commands = VK_NULL_HANDLE;
  if (!mDevice.check(vkAllocateCommandBuffers(mDevice.device(), &info, &commands), "vkAllocateCommandBuffers")) return;
  mCommands = gpu::CommandBuffer(mDevice.device(), mDevice.commandPool(), commands);
}

VulkanProgram::~VulkanProgram() {
  mDevice.wait();
  mCommands.reset();
  mResources.clear();
  for (const BufferId id : mOwnedBuffers) mDevice.destroy(id);
}

void VulkanProgram::createDescriptorSets() {
  std::uint32_t storage = 0, texel = 0, sets = 0;
  for (const auto& op : mOps) {
    for (const auto& command : op.commands) {
      if (!command.pipeline) continue;
      ++sets;
      storage += command.pipeline->storageBuffers;
      texel += command.pipeline->texelBuffers;
    }
  }
  if (sets == 0) return;
  std::vector<VkDescriptorPoolSize> sizes;
  if (storage) sizes.push_back({VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, storage});
  if (texel) sizes.push_back({VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, texel});
  VkDescriptorPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  poolInfo.maxSets = sets;
  poolInfo.poolSizeCount = static_cast<std::uint32_t>(sizes.size());
  poolInfo.pPoolSizes = sizes.data();
  VkDescriptorPool pool = VK_NULL_HANDLE;
  if (!mDevice.check(vkCreateDescriptorPool(mDevice.device(), &poolInfo, nullptr, &pool), "vkCreateDescriptorPool")) {
    return;
  }
  mDescriptorPool = gpu::Handle<VkDescriptorPool>(mDevice.device(), pool, vkDestroyDescriptorPool);

  const VkDeviceSize maxRange = mDevice.context().properties().limits.maxStorageBufferRange;
  for (auto& op : mOps) {
    for (auto& command : op.commands) {
      if (!command.pipeline) continue;
      VkDescriptorSetLayout layout = command.pipeline->setLayout.get();
      VkDescriptorSetAllocateInfo allocateInfo{};
      allocateInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
      allocateInfo.descriptorPool = pool;
      allocateInfo.descriptorSetCount = 1;
      allocateInfo.pSetLayouts = &layout;
      if (!mDevice.check(vkAllocateDescriptorSets(mDevice.device(), &allocateInfo, &command.set),
                         "vkAllocateDescriptorSets")) {
        return;
      }
      NSB_CHECK(command.bindings.size() == command.pipeline->storageBuffers + command.pipeline->texelBuffers)
          << "vulkan backend: " << op.label << ": " << command.bindings.size() << " bindings for a pipeline of "
          << command.pipeline->storageBuffers + command.pipeline->texelBuffers;
      std::vector<VkDescriptorBufferInfo> buffers(command.bindings.size());
      std::vector<VkBufferView> views(command.bindings.size());
      std::vector<VkWriteDescriptorSet> writes;
      for (std::uint32_t b = 0; b < command.bindings.size(); ++b) {
        const Binding& binding = command.bindings[b];
        VkWriteDescriptorSet write{};
        write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
        write.dstSet = command.set;
        write.dstBinding = b;
        write.descriptorCount = 1;
        if (binding.texel) {
          views[b] = mDevice.texelView(binding.buffer, binding.scalar);
          write.descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
          write.pTexelBufferView = &views[b];
        } else {
          const VkDeviceSize bytes = (mDevice.bytes(binding.buffer) + 15) / 16 * 16;
          if (bytes > maxRange) {
            mDevice.fail(op.label + ": a buffer of " + std::to_string(bytes) +
                         " bytes exceeds the device's storage-buffer range of " + std::to_string(maxRange));
            return;
          }
          buffers[b] = VkDescriptorBufferInfo{mDevice.buffer(binding.buffer), 0, bytes};
          write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
          write.pBufferInfo = &buffers[b];
        }
        writes.push_back(write);
      }
      if (mDevice.failed()) return;  // a texel view it could not make
      vkUpdateDescriptorSets(mDevice.device(), static_cast<std::uint32_t>(writes.size()), writes.data(), 0, nullptr);
    }
  }
}

void VulkanProgram::recordCommand(VkCommandBuffer commands, const Command& command) {
  if (command.custom) {
    command.custom(commands);
  } else if (command.pipeline) {
    vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, command.pipeline->pipeline.get());
    vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, command.pipeline->layout.get(), 0, 1,
                            &command.set, 0, nullptr);
    if (command.pushWords) {
      vkCmdPushConstants(commands, command.pipeline->layout.get(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                         static_cast<std::uint32_t>(command.pushWords * sizeof(std::uint32_t)), command.push.data());
    }
    vkCmdDispatch(commands, command.groups[0], command.groups[1], command.groups[2]);
  } else {
    vkCmdCopyBuffer(commands, mDevice.buffer(command.copySrc), mDevice.buffer(command.copyDst), 1, &command.copy);
  }
}

void VulkanProgram::record(std::uint32_t repeats) {
  const std::uint32_t perRepeat = static_cast<std::uint32_t>(mOps.size()) + 1;
  if (mTiming && mDevice.context().info().timestamps && perRepeat * repeats > mQueryCount) {
    VkQueryPoolCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
    info.queryType = VK_QUERY_TYPE_TIMESTAMP;
    info.queryCount = perRepeat * repeats;
    VkQueryPool pool = VK_NULL_HANDLE;
    if (!mDevice.check(vkCreateQueryPool(mDevice.device(), &info, nullptr, &pool), "vkCreateQueryPool")) return;
    mQueries = gpu::Handle<VkQueryPool>(mDevice.device(), pool, vkDestroyQueryPool);
    mQueryCount = info.queryCount;
  }
  const bool timestamps = mTiming && mQueries;
  const VkCommandBuffer commands = mCommands.get();

  if (!mDevice.check(vkResetCommandBuffer(commands, 0), "vkResetCommandBuffer")) return;
  VkCommandBufferBeginInfo begin{};
  begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  if (!mDevice.check(vkBeginCommandBuffer(commands, &begin), "vkBeginCommandBuffer")) return;
  if (timestamps) vkCmdResetQueryPool(commands, mQueries.get(), 0, perRepeat * repeats);
  // Uploads and earlier submits wrote through transfers and kernels: make them visible first.
  barrier(commands);
  std::vector<std::uint32_t> written, read;  // buffers touched since the last barrier
  for (std::uint32_t r = 0; r < repeats; ++r) {
    if (timestamps) {
      vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, mQueries.get(), r * perRepeat);
    }
    for (std::size_t i = 0; i < mOps.size(); ++i) {
      for (const Command& command : mOps[i].commands) {
        if (intersects(command.reads, written) || intersects(command.writes, written) ||
            intersects(command.writes, read)) {
          barrier(commands);
          written.clear();
          read.clear();
        }
        recordCommand(commands, command);
        for (const BufferId id : command.reads) read.push_back(id.value);
        for (const BufferId id : command.writes) written.push_back(id.value);
      }
      if (timestamps) {
        // Ops are fenced apart when timing so that each timestamp pair brackets one op alone.
        barrier(commands);
        written.clear();
        read.clear();
        vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, mQueries.get(),
                            r * perRepeat + static_cast<std::uint32_t>(i) + 1);
      }
    }
  }
  VulkanDevice::hostReadBarrier(commands);
  if (!mDevice.check(vkEndCommandBuffer(commands), "vkEndCommandBuffer")) return;
  mRecordedRepeats = repeats;
  ++mRecordings;
}

void VulkanProgram::submit(std::uint32_t repeats) {
  if (repeats == 0 || mDevice.failed() || mCommands.get() == VK_NULL_HANDLE) return;
  if (repeats != mRecordedRepeats) {
    mDevice.wait();  // the command buffer may still be executing
    if (mDevice.failed()) return;
    record(repeats);
    if (mDevice.failed()) return;
  }
  mDevice.submit(mCommands.get());
  mLastRepeats = repeats;
}

std::vector<OpTiming> VulkanProgram::timings() {
  std::vector<OpTiming> result;
  if (!mTiming) return result;
  for (const auto& op : mOps) {
    const auto dispatches =
        std::count_if(op.commands.begin(), op.commands.end(), [](const Command& c) { return c.pipeline || c.custom; });
    result.push_back({op.label, 0.0, op.flops, static_cast<std::uint32_t>(dispatches), op.kind});
  }
  if (!mQueries || mLastRepeats == 0) return result;
  mDevice.wait();
  if (mDevice.failed()) return result;
  const std::uint32_t perRepeat = static_cast<std::uint32_t>(mOps.size()) + 1;
  std::vector<std::uint64_t> ticks(perRepeat * mLastRepeats);
  if (!mDevice.check(
          vkGetQueryPoolResults(mDevice.device(), mQueries.get(), 0, static_cast<std::uint32_t>(ticks.size()),
                                ticks.size() * sizeof(std::uint64_t), ticks.data(), sizeof(std::uint64_t),
                                VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
          "vkGetQueryPoolResults")) {
    return result;
  }
  const double nanosecondsPerTick = static_cast<double>(mDevice.context().properties().limits.timestampPeriod);
  for (std::uint32_t r = 0; r < mLastRepeats; ++r) {
    for (std::size_t i = 0; i < mOps.size(); ++i) {
      const std::uint64_t start = ticks[r * perRepeat + i], end = ticks[r * perRepeat + i + 1];
      const double elapsed = end > start ? static_cast<double>(end - start) : 0.0;
      result[i].microseconds += elapsed * nanosecondsPerTick * 1e-3 / static_cast<double>(mLastRepeats);
    }
  }
  return result;
}

}  // namespace nsb::compute::vulkan
