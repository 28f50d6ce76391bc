// engine/gpu under the validation layer: device choice and listing, the suballocator, buffers and
// the shader library (a real dispatch of compute/fill.comp), and the on-disk pipeline cache.
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include "GpuTestSupport.h"
#include "gpu/GpuBuffer.h"
#include "gpu/MemoryAllocator.h"
#include "gpu/ShaderLibrary.h"
#include "gpu/VkCheck.h"

namespace nsb::gpu::test {
namespace {

std::shared_ptr<VulkanContext> makeContext() {
  auto context = VulkanContext::create({});
  if (!context) return nullptr;
  return std::move(*context);
}

class VulkanContextTest : public GpuTest {};

TEST_F(VulkanContextTest, CreatesADeviceWithValidationOn) {
  auto context = makeContext();
  ASSERT_TRUE(context) << "no Vulkan device; lavapipe (mesa-vulkan-drivers) should always provide one";
  EXPECT_TRUE(context->validationEnabled()) << "the gpu suite runs under VK_LAYER_KHRONOS_validation";
  EXPECT_NE(context->device(), VK_NULL_HANDLE);
  EXPECT_NE(context->queue(), VK_NULL_HANDLE);
  EXPECT_FALSE(context->info().name.empty());
}

// Contexts share one instance per setting (NVIDIA's driver stops making instances after a couple of dozen
// create/destroy cycles in one process), each with its own device; 40 contexts in a row all work.
TEST_F(VulkanContextTest, ContextsShareOneInstanceAndMakeTheirOwnDevices) {
  auto first = makeContext();
  auto second = makeContext();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->instance(), second->instance());
  EXPECT_NE(first->device(), second->device());
  const VkInstance instance = first->instance();
  first.reset();
  second.reset();
  for (int i = 0; i < 40; ++i) {
    auto context = makeContext();
    ASSERT_TRUE(context) << "context " << i;
    EXPECT_EQ(context->instance(), instance) << "context " << i;
  }
}

TEST_F(VulkanContextTest, ListsDevicesWithTheirLimits) {
  const auto devices = listVulkanDevices();
  ASSERT_FALSE(devices.empty());
  for (std::size_t i = 0; i < devices.size(); ++i) {
    EXPECT_EQ(devices[i].index, static_cast<int>(i));
    EXPECT_FALSE(devices[i].name.empty());
    EXPECT_FALSE(devices[i].driver.empty());
    EXPECT_GT(devices[i].subgroupSize, 0u);
    EXPECT_GE(devices[i].maxSharedMemory, 16384u) << "Vulkan guarantees 16 KiB of shared memory";
    EXPECT_GE(devices[i].maxWorkgroupInvocations, 128u);
    EXPECT_GT(devices[i].timestampPeriod, 0.0f);
  }
}

TEST_F(VulkanContextTest, AnOutOfRangeDeviceIsBadInput) {
  auto context = VulkanContext::create({.device = 99});
  ASSERT_FALSE(context);
  EXPECT_EQ(context.error().kind, core::ErrorKind::BadInput);
  EXPECT_NE(context.message().find("--device 99"), std::string::npos) << context.message();
}

TEST_F(VulkanContextTest, SuballocatesManyBuffersFromOneBlock) {
  auto context = makeContext();
  ASSERT_TRUE(context);
  MemoryAllocator allocator(context);
  std::vector<GpuBuffer> buffers;
  for (int i = 0; i < 100; ++i) {
    auto buffer = GpuBuffer::create(allocator, context->device(), 1000 + static_cast<VkDeviceSize>(i),
                                    VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, MemoryUsage::DeviceLocal);
    ASSERT_TRUE(buffer) << buffer.message();
    buffers.push_back(std::move(*buffer));
  }
  EXPECT_EQ(allocator.blockCount(), 1u) << "a hundred small tensors must share one vkAllocateMemory";
  buffers.erase(buffers.begin(), buffers.begin() + 50);
  for (int i = 0; i < 50; ++i) {
    auto buffer = GpuBuffer::create(allocator, context->device(), 2000, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT,
                                    MemoryUsage::DeviceLocal);
    ASSERT_TRUE(buffer);
    buffers.push_back(std::move(*buffer));
  }
  EXPECT_EQ(allocator.blockCount(), 1u) << "freed ranges are reused";
  auto big = GpuBuffer::create(allocator, context->device(), MemoryAllocator::BLOCK_SIZE + 16,
                               VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, MemoryUsage::DeviceLocal);
  ASSERT_TRUE(big);
  EXPECT_EQ(allocator.blockCount(), 2u) << "a buffer larger than a block gets a block of its own";
  big->reset();
  EXPECT_EQ(allocator.blockCount(), 2u) << "one empty block stays as a spare";
  buffers.clear();
  EXPECT_EQ(allocator.blockCount(), 1u) << "a second empty block is given back";
  auto again = GpuBuffer::create(allocator, context->device(), MemoryAllocator::BLOCK_SIZE / 2,
                                 VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, MemoryUsage::DeviceLocal);
  ASSERT_TRUE(again);
  EXPECT_EQ(allocator.blockCount(), 1u) << "the spare is used again";
}

// Runs compute/fill.comp over a device-local buffer and reads it back through a staging buffer.
TEST_F(VulkanContextTest, ShaderLibraryPipelineFillsABuffer) {
  auto context = makeContext();
  ASSERT_TRUE(context);
  const VkDevice device = context->device();
  MemoryAllocator allocator(context);
  const auto cacheDir = std::filesystem::temp_directory_path() / ("nsb-gpu-test-" + std::to_string(getpid()));
  ShaderLibrary shaders(context, cacheDir);
  constexpr std::uint32_t COUNT = 1000;
  auto made = shaders.pipeline({"compute/fill.comp", 1, 0, {64}});
  ASSERT_TRUE(made) << made.message();
  const ComputePipeline& fill = *made.value();
  EXPECT_EQ(&fill, shaders.pipeline({"compute/fill.comp", 1, 0, {64}}).value().get()) << "pipelines are made once";

  auto target = GpuBuffer::create(allocator, device, COUNT * 4,
                                  VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT,
                                  MemoryUsage::DeviceLocal);
  auto staging =
      GpuBuffer::create(allocator, device, COUNT * 4, VK_BUFFER_USAGE_TRANSFER_DST_BIT, MemoryUsage::Staging);
  ASSERT_TRUE(target && staging);
  ASSERT_NE(staging->mapped(), nullptr);

  VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1};
  VkDescriptorPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  poolInfo.maxSets = 1;
  poolInfo.poolSizeCount = 1;
  poolInfo.pPoolSizes = &size;
  VkDescriptorPool rawPool = VK_NULL_HANDLE;
  NSB_VK_CHECK(vkCreateDescriptorPool(device, &poolInfo, nullptr, &rawPool));
  Handle<VkDescriptorPool> pool(device, rawPool, vkDestroyDescriptorPool);
  VkDescriptorSetLayout layout = fill.setLayout.get();
  VkDescriptorSetAllocateInfo setInfo{};
  setInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
  setInfo.descriptorPool = rawPool;
  setInfo.descriptorSetCount = 1;
  setInfo.pSetLayouts = &layout;
  VkDescriptorSet set = VK_NULL_HANDLE;
  NSB_VK_CHECK(vkAllocateDescriptorSets(device, &setInfo, &set));
  VkDescriptorBufferInfo bufferInfo{target->buffer(), 0, VK_WHOLE_SIZE};
  VkWriteDescriptorSet write{};
  write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
  write.dstSet = set;
  write.descriptorCount = 1;
  write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  write.pBufferInfo = &bufferInfo;
  vkUpdateDescriptorSets(device, 1, &write, 0, nullptr);

  VkCommandPoolCreateInfo commandPoolInfo{};
  commandPoolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  commandPoolInfo.queueFamilyIndex = context->queueFamily();
  VkCommandPool rawCommandPool = VK_NULL_HANDLE;
  NSB_VK_CHECK(vkCreateCommandPool(device, &commandPoolInfo, nullptr, &rawCommandPool));
  Handle<VkCommandPool> commandPool(device, rawCommandPool, vkDestroyCommandPool);
  VkCommandBufferAllocateInfo commandInfo{};
  commandInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  commandInfo.commandPool = rawCommandPool;
  commandInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  commandInfo.commandBufferCount = 1;
  VkCommandBuffer commands = VK_NULL_HANDLE;
  NSB_VK_CHECK(vkAllocateCommandBuffers(device, &commandInfo, &commands));
  VkCommandBufferBeginInfo begin{};
  begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  NSB_VK_CHECK(vkBeginCommandBuffer(commands, &begin));
  vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, fill.pipeline.get());
  vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, fill.layout.get(), 0, 1, &set, 0, nullptr);
  struct {
    std::uint32_t count;
    float value;
  } push{COUNT, 2.5f};
  vkCmdPushConstants(commands, fill.layout.get(), VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(push), &push);
  vkCmdDispatch(commands, (COUNT + 63) / 64, 1, 1);
  VkMemoryBarrier barrier{};
  barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
  vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &barrier,
                       0, nullptr, 0, nullptr);
  VkBufferCopy region{0, 0, COUNT * 4};
  vkCmdCopyBuffer(commands, target->buffer(), staging->buffer(), 1, &region);
  barrier.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, nullptr,
                       0, nullptr);
  NSB_VK_CHECK(vkEndCommandBuffer(commands));

  VkFenceCreateInfo fenceInfo{};
  fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  VkFence rawFence = VK_NULL_HANDLE;
  NSB_VK_CHECK(vkCreateFence(device, &fenceInfo, nullptr, &rawFence));
  Handle<VkFence> fence(device, rawFence, vkDestroyFence);
  VkSubmitInfo submit{};
  submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &commands;
  NSB_VK_CHECK(context->submit(submit, rawFence));
  NSB_VK_CHECK(vkWaitForFences(device, 1, &rawFence, VK_TRUE, UINT64_MAX));

  std::vector<float> values(COUNT);
  std::memcpy(values.data(), staging->mapped(), COUNT * 4);
  for (std::uint32_t i = 0; i < COUNT; ++i) ASSERT_EQ(values[i], 2.5f) << "element " << i;
  std::filesystem::remove_all(cacheDir);
}

TEST_F(VulkanContextTest, PipelineCacheIsSavedAndLoadedOnTheNextStart) {
  auto context = makeContext();
  ASSERT_TRUE(context);
  const auto cacheDir = std::filesystem::temp_directory_path() / ("nsb-cache-test-" + std::to_string(getpid()));
  std::filesystem::remove_all(cacheDir);
  {
    ShaderLibrary first(context, cacheDir);
    EXPECT_EQ(first.loadedCacheBytes(), 0u) << "a fresh cache folder has no cache";
    ASSERT_TRUE(first.pipeline({"compute/gemm_tiled.comp", 6, 0, {16, 16, 4, 4, 16, 0, 0}}));
  }
  ASSERT_TRUE(std::filesystem::exists(cacheDir)) << "the cache folder is made on save";
  ShaderLibrary second(context, cacheDir);
  EXPECT_GT(second.loadedCacheBytes(), 0u) << "the second start reads the first start's pipeline cache";
  std::filesystem::remove_all(cacheDir);
}

// The variant cache's bound (issue 15's soak): never more than the capacity, least recently used out
// first, a variant a program holds out after those none holds, and alive while held.
TEST_F(VulkanContextTest, ShaderLibraryKeepsAtMostItsCapacityOfVariants) {
  auto context = makeContext();
  ASSERT_TRUE(context);
  constexpr std::size_t CAPACITY = 4;
  ShaderLibrary shaders(context, std::filesystem::path{}, CAPACITY);
  EXPECT_EQ(shaders.capacity(), CAPACITY);
  auto variant = [](std::uint32_t localSize) { return PipelineDesc{"compute/fill.comp", 1, 0, {localSize}}; };
  // Held, as a program holds its pipelines: it must outlive its eviction from the cache.
  auto held = shaders.pipeline(variant(1));
  ASSERT_TRUE(held) << held.message();
  for (std::uint32_t size = 2; size <= 12; ++size) {
    ASSERT_TRUE(shaders.pipeline(variant(size)));
    EXPECT_LE(shaders.cachedPipelines(), CAPACITY) << "after variant " << size;
    if (size % 2 == 0) {
      ASSERT_TRUE(shaders.pipeline(variant(size - 1)));  // used again: stays longer
    }
  }
  EXPECT_EQ(shaders.cachedPipelines(), CAPACITY);
  // The held one was kept while variants no program held went out before it.
  std::size_t created = shaders.pipelinesCreated();
  auto again = shaders.pipeline(variant(1));
  ASSERT_TRUE(again);
  EXPECT_EQ(again.value().get(), held.value().get()) << "the held variant was evicted before unheld ones";
  EXPECT_EQ(shaders.pipelinesCreated(), created);
  // The most recently used are cached; an old unheld one is made again.
  ASSERT_TRUE(shaders.pipeline(variant(11)));
  EXPECT_EQ(shaders.pipelinesCreated(), created) << "a recently used variant was evicted";
  ASSERT_TRUE(shaders.pipeline(variant(2)));
  EXPECT_EQ(shaders.pipelinesCreated(), created + 1) << "the least recently used variant was not evicted";
  EXPECT_LE(shaders.cachedPipelines(), CAPACITY);
  // Every variant that is evicted while held still works: the handle is the program's.
  for (std::uint32_t size = 20; size < 30; ++size) ASSERT_TRUE(shaders.pipeline(variant(size)));
  EXPECT_LE(shaders.cachedPipelines(), CAPACITY);
  EXPECT_NE(held.value()->pipeline.get(), VK_NULL_HANDLE);
}

}  // namespace
}  // namespace nsb::gpu::test
