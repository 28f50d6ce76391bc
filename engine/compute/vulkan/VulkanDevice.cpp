// VulkanDevice: buffers by id (suballocated, zero-filled), uploads and downloads, and the single fence
// every submit of the backend uses. Where device memory is host-visible and coherent (lavapipe,
// integrated GPUs, resizable BAR) a buffer is read and written through its mapping once the last
// submit is done: a copy through the staging buffer is a submit of its own, and on a queue shared
// with the renderer it waits behind the frame being drawn (on lavapipe beside other work, 80 ms a
// copy, and a Reset made 8 of them). Elsewhere through one mapped staging buffer in fixed-size chunks.
#include "compute/vulkan/VulkanDevice.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/Log.h"
#include "gpu/VkCheck.h"

namespace nsb::compute::vulkan {
namespace {

constexpr VkDeviceSize STAGING_BYTES = VkDeviceSize{8} << 20;
constexpr VkBufferUsageFlags BUFFER_USAGE = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                                            VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
                                            VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;

// Makes everything earlier on the queue (kernels, copies) visible to transfers and kernels after it.
void fullBarrier(VkCommandBuffer commands) {
  VkMemoryBarrier barrier{};
  barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  barrier.srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT;
  vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, 0, 1, &barrier,
                       0, nullptr, 0, nullptr);
}

GemmVariant chooseGemm(const gpu::VulkanContext& context, const VulkanOptions& options) {
  if (options.gemm) return *options.gemm;
  return context.properties().deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? GemmVariant::Texel : GemmVariant::Tiled;
}

}  // namespace

VulkanOptions vulkanOptionsFromEnvironment(bool timing) {
  VulkanOptions options;
  options.timing = timing;
  const char* noFusion = std::getenv("NSB_VULKAN_NO_FUSION");
  options.fusion = noFusion == nullptr;
  const char* staging = std::getenv("NSB_VULKAN_STAGING");
  options.mapped = !(staging && std::string_view(staging) == "1");
  const char* forced = std::getenv("NSB_VULKAN_GEMM");
  if (forced && std::string_view(forced) == "texel") {
    options.gemm = GemmVariant::Texel;
  } else if (forced && std::string_view(forced) == "tiled") {
    options.gemm = GemmVariant::Tiled;
  } else if (forced && *forced) {
    core::log().warn("NSB_VULKAN_GEMM={}: expected texel or tiled; choosing by device", forced);
  }
  return options;
}

VulkanDevice::VulkanDevice(std::shared_ptr<gpu::VulkanContext> context, const VulkanOptions& options)
    : mContext(std::move(context)),
      mAllocator(mContext),
      mShaders(mContext),
      mTiming(options.timing),
      mFusion(options.fusion),
      mMapped(options.mapped) {
  mGemmVariant = chooseGemm(*mContext, options);
  const VkDevice device = mContext->device();
  VkCommandPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  poolInfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  poolInfo.queueFamilyIndex = mContext->queueFamily();
  VkCommandPool pool = VK_NULL_HANDLE;
  if (!check(vkCreateCommandPool(device, &poolInfo, nullptr, &pool), "vkCreateCommandPool")) return;
  mPool = gpu::Handle<VkCommandPool>(device, pool, vkDestroyCommandPool);

  VkCommandBufferAllocateInfo allocateInfo{};
  allocateInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  allocateInfo.commandPool = pool;
  allocateInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  allocateInfo.commandBufferCount = 1;
  if (!check(vkAllocateCommandBuffers(device, &allocateInfo, &mTransfer), "vkAllocateCommandBuffers")) return;

  VkFenceCreateInfo fenceInfo{};
  fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  VkFence fence = VK_NULL_HANDLE;
  if (!check(vkCreateFence(device, &fenceInfo, nullptr, &fence), "vkCreateFence")) return;
  mFence = gpu::Handle<VkFence>(device, fence, vkDestroyFence);

  auto staging = gpu::GpuBuffer::create(mAllocator, device, STAGING_BYTES,
                                        VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                        gpu::MemoryUsage::Staging);
  if (!staging) {
    fail("no staging buffer: " + staging.message());
    return;
  }
  mStaging = std::move(*staging);
  // Staging memory is asked for host-visible; a driver that gives other memory is a bug in the allocator.
  NSB_CHECK(mStaging.mapped()) << "vulkan backend: the staging buffer is not host-visible";
}

bool VulkanDevice::check(VkResult result, const char* call) {
  if (result == VK_SUCCESS) return true;
  fail(std::string(call) + " returned " + gpu::vkResultName(result), result == VK_ERROR_DEVICE_LOST);
  return false;
}

void VulkanDevice::fail(const std::string& why, bool lost) {
  mLost = mLost || lost;
  if (mFailure) return;
  // Not logged: whoever asks status() reports it (the command line prints it as its one line).
  mFailure = core::runtimeError("vulkan backend: " + why + (lost ? " (the device is lost)" : ""));
}

std::shared_ptr<const gpu::ComputePipeline> VulkanDevice::pipeline(const gpu::PipelineDesc& desc) {
  if (failed()) return nullptr;
  auto made = mShaders.pipeline(desc);
  if (!made) {
    fail(made.message());
    return nullptr;
  }
  return made.value();
}

VulkanDevice::~VulkanDevice() {
  wait();
  mShared.clear();  // before the buffers: a VkFFT plan frees its scratch buffer
  mBuffers.clear();
}

void VulkanDevice::wait() {
  if (!mInFlight) return;
  mInFlight = false;
  const VkFence fence = mFence.get();
  VkResult result = vkWaitForFences(mContext->device(), 1, &fence, VK_TRUE, UINT64_MAX);
  // An injected lost device waits for real first, so that nothing is freed while the queue uses it.
  if (result == VK_SUCCESS) result = mContext->faults().lost();
  check(result, "vkWaitForFences");
}

void VulkanDevice::submit(VkCommandBuffer commands) {
  wait();
  if (failed()) return;
  const VkFence fence = mFence.get();
  if (!check(vkResetFences(mContext->device(), 1, &fence), "vkResetFences")) return;
  VkSubmitInfo info{};
  info.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  info.commandBufferCount = 1;
  info.pCommandBuffers = &commands;
  if (!check(mContext->submitCompute(info, fence, mTimelineValue), "vkQueueSubmit")) return;
  mInFlight = true;
}

void VulkanDevice::hostReadBarrier(VkCommandBuffer commands) {
  // A fence makes device writes available, not visible to the host: this barrier does (the mapped
  // reads of download() depend on it).
  VkMemoryBarrier barrier{};
  barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  barrier.srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0,
                       nullptr, 0, nullptr);
}

template <typename F>
void VulkanDevice::runNow(F record) {
  wait();
  if (failed()) return;
  if (!check(vkResetCommandBuffer(mTransfer, 0), "vkResetCommandBuffer")) return;
  VkCommandBufferBeginInfo begin{};
  begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  if (!check(vkBeginCommandBuffer(mTransfer, &begin), "vkBeginCommandBuffer")) return;
  fullBarrier(mTransfer);
  record(mTransfer);
  fullBarrier(mTransfer);
  hostReadBarrier(mTransfer);
  if (!check(vkEndCommandBuffer(mTransfer), "vkEndCommandBuffer")) return;
  submit(mTransfer);
  wait();
}

BufferId VulkanDevice::create(std::size_t bytes) {
  // Rounded to whole vec4 so that a texel view covers every element.
  const BufferId id{mNextId++};
  Entry entry;
  entry.bytes = bytes;
  // After a failure the id still names a buffer (a placeholder without memory): callers go on to the
  // point where they ask status() and stop.
  if (!failed()) {
    auto made = gpu::GpuBuffer::create(mAllocator, mContext->device(), (bytes + 15) / 16 * 16, BUFFER_USAGE,
                                       gpu::MemoryUsage::DeviceLocal);
    if (made) {
      entry.buffer = std::move(*made);
    } else {
      fail(made.message());
    }
  }
  const VkBuffer buffer = entry.buffer.buffer();
  std::byte* mapped = mMapped ? entry.buffer.mapped() : nullptr;
  const std::size_t size = entry.buffer.size();
  mBuffers.emplace(id.value, std::move(entry));
  if (mapped) {
    std::memset(mapped, 0, size);  // new memory: no submit can be using it
  } else if (buffer != VK_NULL_HANDLE) {
    runNow([&](VkCommandBuffer commands) { vkCmdFillBuffer(commands, buffer, 0, VK_WHOLE_SIZE, 0); });
  }
  return id;
}

void VulkanDevice::destroy(BufferId id) {
  wait();
  mBuffers.erase(id.value);
}

std::size_t VulkanDevice::bytes(BufferId id) const {
  const auto found = mBuffers.find(id.value);
  NSB_CHECK(found != mBuffers.end()) << "vulkan backend: buffer " << id.value << " does not exist";
  return found->second.bytes;
}

VkBuffer VulkanDevice::buffer(BufferId id) const {
  const auto found = mBuffers.find(id.value);
  NSB_CHECK(found != mBuffers.end()) << "vulkan backend: buffer " << id.value << " does not exist";
  return found->second.buffer.buffer();
}

VkBufferView VulkanDevice::texelView(BufferId id, bool scalar) {
  auto found = mBuffers.find(id.value);
  NSB_CHECK(found != mBuffers.end()) << "vulkan backend: buffer " << id.value << " does not exist";
  Entry& entry = found->second;
  gpu::Handle<VkBufferView>& view = scalar ? entry.scalarView : entry.view;
  if (view) return view.get();
  if (failed()) return VK_NULL_HANDLE;
  const VkDeviceSize texelBytes = scalar ? 4 : 16;
  const VkDeviceSize texels = entry.buffer.size() / texelBytes;
  if (texels == 0 || texels > mContext->properties().limits.maxTexelBufferElements) return VK_NULL_HANDLE;
  VkBufferViewCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO;
  info.buffer = entry.buffer.buffer();
  info.format = scalar ? VK_FORMAT_R32_SFLOAT : VK_FORMAT_R32G32B32A32_SFLOAT;
  info.offset = 0;
  info.range = texels * texelBytes;
  VkBufferView made = VK_NULL_HANDLE;
  if (!check(vkCreateBufferView(mContext->device(), &info, nullptr, &made), "vkCreateBufferView"))
    return VK_NULL_HANDLE;
  view = gpu::Handle<VkBufferView>(mContext->device(), made, vkDestroyBufferView);
  return made;
}

double VulkanDevice::peakGflops() {
  if (mPeakGflops >= 0.0) return mPeakGflops;
  const std::uint32_t localSize = gemmVariant() == GemmVariant::Texel ? 8 : 64;  // see peak.comp
  const std::uint32_t firstGroups = 16384 / localSize;
  constexpr std::uint32_t ITERATIONS = 512, FLOPS_PER_ITERATION = 8 * 12 * 2;
  const auto made = pipeline({"compute/peak.comp", 1, 0, {localSize}});
  if (!made) return 0.0;
  const gpu::ComputePipeline& pipeline = *made;
  const BufferId out = create(std::size_t{65535} * localSize * sizeof(float));
  VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1};
  VkDescriptorPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  poolInfo.maxSets = 1;
  poolInfo.poolSizeCount = 1;
  poolInfo.pPoolSizes = &size;
  VkDescriptorPool rawPool = VK_NULL_HANDLE;
  if (!check(vkCreateDescriptorPool(device(), &poolInfo, nullptr, &rawPool), "vkCreateDescriptorPool")) return 0.0;
  const gpu::Handle<VkDescriptorPool> pool(device(), rawPool, vkDestroyDescriptorPool);
  VkDescriptorSetLayout layout = pipeline.setLayout.get();
  VkDescriptorSetAllocateInfo allocateInfo{};
  allocateInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
  allocateInfo.descriptorPool = rawPool;
  allocateInfo.descriptorSetCount = 1;
  allocateInfo.pSetLayouts = &layout;
  VkDescriptorSet set = VK_NULL_HANDLE;
  if (failed() || !check(vkAllocateDescriptorSets(device(), &allocateInfo, &set), "vkAllocateDescriptorSets")) {
    destroy(out);
    return 0.0;
  }
  const VkDescriptorBufferInfo bufferInfo{buffer(out), 0, VK_WHOLE_SIZE};
  VkWriteDescriptorSet write{};
  write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
  write.dstSet = set;
  write.descriptorCount = 1;
  write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  write.pBufferInfo = &bufferInfo;
  vkUpdateDescriptorSets(device(), 1, &write, 0, nullptr);
  const struct {
    std::uint32_t iterations;
    float a, b;
  } push{ITERATIONS, 0.999f, 0.001f};
  auto run = [&](std::uint32_t groups) {
    runNow([&](VkCommandBuffer commands) {
      vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.pipeline.get());
      vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout.get(), 0, 1, &set, 0, nullptr);
      vkCmdPushConstants(commands, pipeline.layout.get(), VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof push, &push);
      vkCmdDispatch(commands, groups, 1, 1);
    });
  };
  auto seconds = [&](std::uint32_t groups) {
    const auto start = std::chrono::steady_clock::now();
    run(groups);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  // Host time around a run of ~20 ms: the submit's own cost (tens of microseconds) is noise. A fast
  // GPU gets more workgroups (up to the dispatch limit) to get there.
  std::uint32_t groups = firstGroups;
  const double first = seconds(groups);  // also lets the driver compile lazily
  if (first < 0.01) groups = static_cast<std::uint32_t>(std::min(65535.0, groups * 0.02 / std::max(first, 1e-6)));
  std::vector<double> gflops;
  for (int r = 0; r < 9; ++r) {
    gflops.push_back(double{1.0} * groups * localSize * ITERATIONS * FLOPS_PER_ITERATION / seconds(groups) * 1e-9);
  }
  destroy(out);
  if (failed()) return 0.0;
  // The best run: on a shared machine other work only ever slows a run down, and a peak is what the
  // device reaches undisturbed.
  mPeakGflops = *std::max_element(gflops.begin(), gflops.end());
  return mPeakGflops;
}

void VulkanDevice::upload(BufferId id, std::size_t offset, const std::byte* data, std::size_t size) {
  NSB_CHECK(offset + size <= bytes(id)) << "vulkan backend: upload of " << size << " bytes at " << offset
                                        << " overruns buffer " << id.value << " of " << bytes(id) << " bytes";
  if (std::byte* mapped = mMapped ? mBuffers.at(id.value).buffer.mapped() : nullptr) {
    wait();  // the last submit may still read this buffer
    if (!failed()) std::memcpy(mapped + offset, data, size);
    return;
  }
  const VkBuffer target = buffer(id);
  for (std::size_t done = 0; done < size;) {
    const std::size_t chunk = std::min<std::size_t>(size - done, STAGING_BYTES);
    wait();
    if (failed()) return;
    std::memcpy(mStaging.mapped(), data + done, chunk);
    runNow([&](VkCommandBuffer commands) {
      const VkBufferCopy region{0, offset + done, chunk};
      vkCmdCopyBuffer(commands, mStaging.buffer(), target, 1, &region);
    });
    done += chunk;
  }
}

void VulkanDevice::download(BufferId id, std::size_t offset, std::byte* data, std::size_t size) {
  NSB_CHECK(offset + size <= bytes(id)) << "vulkan backend: download of " << size << " bytes at " << offset
                                        << " overruns buffer " << id.value << " of " << bytes(id) << " bytes";
  if (const std::byte* mapped = mMapped ? mBuffers.at(id.value).buffer.mapped() : nullptr) {
    wait();  // its commands ended with hostReadBarrier(): their writes are visible here
    if (failed()) {
      std::memset(data, 0, size);  // as the staging path reads after a failure
    } else {
      std::memcpy(data, mapped + offset, size);
    }
    return;
  }
  const VkBuffer source = buffer(id);
  for (std::size_t done = 0; done < size;) {
    const std::size_t chunk = std::min<std::size_t>(size - done, STAGING_BYTES);
    // runNow's commands end with hostReadBarrier(): the copy is visible to the host after the wait.
    runNow([&](VkCommandBuffer commands) {
      const VkBufferCopy region{offset + done, 0, chunk};
      vkCmdCopyBuffer(commands, source, mStaging.buffer(), 1, &region);
    });
    if (failed()) {
      std::memset(data + done, 0, size - done);
      return;
    }
    std::memcpy(data + done, mStaging.mapped(), chunk);
    done += chunk;
  }
}

}  // namespace nsb::compute::vulkan
