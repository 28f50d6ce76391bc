// ShaderLibrary: descriptor-set layouts, pipeline layouts and pipelines for the embedded compute
// shaders, plus the on-disk VkPipelineCache (written to a temporary file and renamed: never half-written).
#include "gpu/ShaderLibrary.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <system_error>

#include "core/Log.h"
#include "core/Shaders.h"
#include "gpu/VkCheck.h"

namespace nsb::gpu {
namespace {

std::filesystem::path defaultCacheDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "neural-sandbox";
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".cache" / "neural-sandbox";
  }
  return {};
}

core::Error failed(const PipelineDesc& desc, const char* call, VkResult result) {
  return core::runtimeError(std::string("Vulkan: cannot make the pipeline of ") + desc.shader + " (" + call +
                            " returned " + vkResultName(result) + ")");
}

}  // namespace

core::Result<Handle<VkPipelineLayout>> makePipelineLayout(VkDevice device, VkDescriptorSetLayout setLayout,
                                                          VkShaderStageFlags stages, std::uint32_t pushBytes) {
  VkPushConstantRange push{stages, 0, pushBytes};
  VkPipelineLayoutCreateInfo layoutInfo{};
  layoutInfo.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  layoutInfo.setLayoutCount = 1;
  layoutInfo.pSetLayouts = &setLayout;
  layoutInfo.pushConstantRangeCount = 1;
  layoutInfo.pPushConstantRanges = &push;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkCreatePipelineLayout(device, &layoutInfo, nullptr, &layout), "pipeline layout",
                   "vkCreatePipelineLayout"));
  return Handle<VkPipelineLayout>(device, layout, vkDestroyPipelineLayout);
}

ShaderLibrary::ShaderLibrary(std::shared_ptr<VulkanContext> context, std::filesystem::path cacheDir,
                             std::size_t capacity)
    : mContext(std::move(context)), mCapacity(std::max<std::size_t>(capacity, 1)) {
  if (cacheDir.empty()) cacheDir = defaultCacheDir();
  const auto& properties = mContext->properties();
  if (!cacheDir.empty()) {
    mCacheFile = cacheDir / ("vulkan-pipelines-" + std::to_string(properties.vendorID) + "-" +
                             std::to_string(properties.deviceID) + ".bin");
  }
  std::vector<char> data;
  if (!mCacheFile.empty()) {
    std::ifstream in(mCacheFile, std::ios::binary);
    if (in) data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  VkPipelineCacheCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO;
  info.initialDataSize = data.size();
  info.pInitialData = data.empty() ? nullptr : data.data();
  VkPipelineCache cache = VK_NULL_HANDLE;
  if (vkCreatePipelineCache(mContext->device(), &info, nullptr, &cache) != VK_SUCCESS) {
    // The driver rejected the file (another driver version): start empty.
    info.initialDataSize = 0;
    info.pInitialData = nullptr;
    data.clear();
    // Without a cache (out of memory already) pipelines are still made, only slower.
    if (vkCreatePipelineCache(mContext->device(), &info, nullptr, &cache) != VK_SUCCESS) cache = VK_NULL_HANDLE;
  }
  mLoadedCacheBytes = data.size();
  mCache = Handle<VkPipelineCache>(mContext->device(), cache, vkDestroyPipelineCache);
}

ShaderLibrary::~ShaderLibrary() { saveCache(); }

void ShaderLibrary::saveCache() const {
  if (mCacheFile.empty() || !mCache) return;
  std::size_t size = 0;
  if (vkGetPipelineCacheData(mContext->device(), mCache.get(), &size, nullptr) != VK_SUCCESS || size == 0) return;
  std::vector<char> data(size);
  if (vkGetPipelineCacheData(mContext->device(), mCache.get(), &size, data.data()) != VK_SUCCESS) return;
  std::error_code error;
  std::filesystem::create_directories(mCacheFile.parent_path(), error);
  const auto temporary = mCacheFile.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out.write(data.data(), static_cast<std::streamsize>(size))) {
      core::log().warn("{}: cannot write the Vulkan pipeline cache", temporary);
      return;
    }
  }
  std::filesystem::rename(temporary, mCacheFile, error);
  if (error) core::log().warn("{}: cannot save the Vulkan pipeline cache ({})", mCacheFile.string(), error.message());
}

core::Result<std::shared_ptr<const ComputePipeline>> ShaderLibrary::pipeline(const PipelineDesc& desc) {
  if (auto found = mPipelines.find(desc); found != mPipelines.end()) {
    found->second.lastUse = ++mUses;
    return found->second.pipeline;
  }
  const auto words = shaders::spirv(desc.shader);
  NSB_CHECK(!words.empty()) << "shader " << desc.shader << " is not embedded in this build";
  const VkDevice device = mContext->device();
  auto made = std::make_unique<ComputePipeline>();
  made->storageBuffers = desc.storageBuffers;
  made->texelBuffers = desc.texelBuffers;

  std::vector<VkDescriptorSetLayoutBinding> bindings;
  for (std::uint32_t i = 0; i < desc.storageBuffers + desc.texelBuffers; ++i) {
    VkDescriptorSetLayoutBinding binding{};
    binding.binding = i;
    binding.descriptorType =
        i < desc.storageBuffers ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER : VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
    binding.descriptorCount = 1;
    binding.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    bindings.push_back(binding);
  }
  VkDescriptorSetLayoutCreateInfo setInfo{};
  setInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  setInfo.bindingCount = static_cast<std::uint32_t>(bindings.size());
  setInfo.pBindings = bindings.data();
  VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
  if (const VkResult r = vkCreateDescriptorSetLayout(device, &setInfo, nullptr, &setLayout); r != VK_SUCCESS) {
    return failed(desc, "vkCreateDescriptorSetLayout", r);
  }
  made->setLayout = Handle<VkDescriptorSetLayout>(device, setLayout, vkDestroyDescriptorSetLayout);

  VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, PUSH_CONSTANT_BYTES};
  VkPipelineLayoutCreateInfo layoutInfo{};
  layoutInfo.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  layoutInfo.setLayoutCount = 1;
  layoutInfo.pSetLayouts = &setLayout;
  layoutInfo.pushConstantRangeCount = 1;
  layoutInfo.pPushConstantRanges = &push;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  if (const VkResult r = vkCreatePipelineLayout(device, &layoutInfo, nullptr, &layout); r != VK_SUCCESS) {
    return failed(desc, "vkCreatePipelineLayout", r);
  }
  made->layout = Handle<VkPipelineLayout>(device, layout, vkDestroyPipelineLayout);

  VkShaderModuleCreateInfo moduleInfo{};

  moduleInfo.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  moduleInfo.codeSize = words.size() * sizeof(std::uint32_t);
  moduleInfo.pCode = words.data();
  VkShaderModule module = VK_NULL_HANDLE;
  if (const VkResult r = vkCreateShaderModule(device, &moduleInfo, nullptr, &module); r != VK_SUCCESS) {
    return failed(desc, "vkCreateShaderModule", r);
  }
  Handle<VkShaderModule> moduleOwner(device, module, vkDestroyShaderModule);

  std::vector<VkSpecializationMapEntry> entries;
  for (std::uint32_t i = 0; i < desc.specialization.size(); ++i) {
    entries.push_back({i, i * static_cast<std::uint32_t>(sizeof(std::uint32_t)), sizeof(std::uint32_t)});
  }
  VkSpecializationInfo specialization{};
  specialization.mapEntryCount = static_cast<std::uint32_t>(entries.size());
  specialization.pMapEntries = entries.data();
  specialization.dataSize = desc.specialization.size() * sizeof(std::uint32_t);
  specialization.pData = desc.specialization.data();

  VkComputePipelineCreateInfo pipelineInfo{};

  pipelineInfo.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  pipelineInfo.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  pipelineInfo.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pipelineInfo.stage.module = module;
  pipelineInfo.stage.pName = "main";
  pipelineInfo.stage.pSpecializationInfo = entries.empty() ? nullptr : &specialization;
  pipelineInfo.layout = made->layout.get();
  VkPipeline pipeline = VK_NULL_HANDLE;
  VkResult created = mContext->faults().hit(FaultPoint::Pipeline);
  if (created == VK_SUCCESS)
    created = vkCreateComputePipelines(device, mCache.get(), 1, &pipelineInfo, nullptr, &pipeline);
  // Not kept when it failed: the next compile tries again.
  if (created != VK_SUCCESS) return failed(desc, "vkCreateComputePipelines", created);
  made->pipeline = Handle<VkPipeline>(device, pipeline, vkDestroyPipeline);
  ++mCreated;
  std::shared_ptr<const ComputePipeline> shared = std::move(made);
  mPipelines.emplace(desc, Cached{shared, ++mUses});
  evict();
  return shared;
}

void ShaderLibrary::evict() {
  while (mPipelines.size() > mCapacity) {
    // The least recently used variant that no program holds; if every one is held, the least recently
    // used of all (its programs keep it alive; the cache lets go).
    auto oldest = mPipelines.end(), oldestHeld = mPipelines.end();
    for (auto it = mPipelines.begin(); it != mPipelines.end(); ++it) {
      auto& best = it->second.pipeline.use_count() == 1 ? oldest : oldestHeld;
      if (best == mPipelines.end() || it->second.lastUse < best->second.lastUse) best = it;
    }
    mPipelines.erase(oldest != mPipelines.end() ? oldest : oldestHeld);
  }
}

}  // namespace nsb::gpu
