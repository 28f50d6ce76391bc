// HeatmapView: the atlas upload (only the rows written so far, only when a slot is behind) and the
// ImDrawList callback that draws one heatmap quad with our pipeline. ImGui 1.86's Vulkan backend
// gives the callback no command buffer and sets no scissor: both come from the Renderer and the
// command's ClipRect, and draw() always queues ImDrawCallback_ResetRenderState after the callback.
#include "render/HeatmapView.h"

#include <imgui.h>

#include <algorithm>
#include <cstring>

#include "core/Shaders.h"
#include "gpu/ShaderLibrary.h"
#include "gpu/VkCheck.h"

namespace nsb::render {
namespace {

// The stages that read the push constants.
constexpr VkShaderStageFlags STAGES = VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT;

constexpr std::uint32_t OUTPUT_TILES = OUTPUT_SIZE / TILE_SIZE;  // the output's side, in tiles
constexpr std::uint32_t TILES_PER_ROW = ATLAS_SIZE / TILE_SIZE;

struct Push {
  float rect[4];
  float uv[4];
  float range[2];
  std::int32_t discretize;
  float alpha;
};
static_assert(sizeof(Push) == 48);

struct BufferPush {
  Push base;
  std::uint32_t source[4];  // offset, stride, column, size
};
static_assert(sizeof(BufferPush) == 64);

core::Status vkStatus(VkResult result, const char* call) { return gpu::vkStatus(result, "heatmaps", call); }

// `to` = what was made, or the reason it was not.
template <typename T>
core::Status assign(T& to, core::Result<T> made) {
  if (!made) return made.error();
  to = std::move(made.value());
  return core::Ok{};
}

core::Result<gpu::Handle<VkShaderModule>> shaderModule(VkDevice device, const char* name) {
  const auto words = shaders::spirv(name);
  NSB_CHECK(!words.empty()) << "shader " << name << " is not embedded";
  VkShaderModuleCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  info.codeSize = words.size_bytes();
  info.pCode = words.data();
  VkShaderModule module = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkCreateShaderModule(device, &info, nullptr, &module), "vkCreateShaderModule"));
  return gpu::Handle<VkShaderModule>(device, module, vkDestroyShaderModule);
}

core::Result<gpu::Handle<VkDescriptorSetLayout>> makeSetLayout(VkDevice device, VkDescriptorType type) {
  VkDescriptorSetLayoutBinding binding{};
  binding.binding = 0;
  binding.descriptorType = type;
  binding.descriptorCount = 1;
  binding.stageFlags = VK_SHADER_STAGE_FRAGMENT_BIT;
  VkDescriptorSetLayoutCreateInfo setInfo{};
  setInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  setInfo.bindingCount = 1;
  setInfo.pBindings = &binding;
  VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkCreateDescriptorSetLayout(device, &setInfo, nullptr, &setLayout), "vkCreateDescriptorSetLayout"));
  return gpu::Handle<VkDescriptorSetLayout>(device, setLayout, vkDestroyDescriptorSetLayout);
}

core::Result<gpu::Handle<VkPipeline>> makePipeline(VkDevice device, VkRenderPass renderPass, VkPipelineLayout layout,
                                                   VkShaderModule vert, VkShaderModule frag) {
  std::array<VkPipelineShaderStageCreateInfo, 2> stages{};
  stages[0].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  stages[0].stage = VK_SHADER_STAGE_VERTEX_BIT;
  stages[0].module = vert;
  stages[0].pName = "main";
  stages[1].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  stages[1].stage = VK_SHADER_STAGE_FRAGMENT_BIT;
  stages[1].module = frag;
  stages[1].pName = "main";
  VkPipelineVertexInputStateCreateInfo vertexInput{};
  vertexInput.sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO;
  VkPipelineInputAssemblyStateCreateInfo assembly{};
  assembly.sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO;
  assembly.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP;
  VkPipelineViewportStateCreateInfo viewport{};
  viewport.sType = VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO;
  viewport.viewportCount = 1;
  viewport.scissorCount = 1;
  VkPipelineRasterizationStateCreateInfo raster{};
  raster.sType = VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO;
  raster.polygonMode = VK_POLYGON_MODE_FILL;
  raster.cullMode = VK_CULL_MODE_NONE;
  raster.frontFace = VK_FRONT_FACE_COUNTER_CLOCKWISE;
  raster.lineWidth = 1.0f;
  VkPipelineMultisampleStateCreateInfo multisample{};
  multisample.sType = VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO;
  multisample.rasterizationSamples = VK_SAMPLE_COUNT_1_BIT;
  VkPipelineColorBlendAttachmentState blendAttachment{};
  blendAttachment.blendEnable = VK_TRUE;
  blendAttachment.srcColorBlendFactor = VK_BLEND_FACTOR_SRC_ALPHA;
  blendAttachment.dstColorBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA;
  blendAttachment.colorBlendOp = VK_BLEND_OP_ADD;
  blendAttachment.srcAlphaBlendFactor = VK_BLEND_FACTOR_ONE;
  blendAttachment.dstAlphaBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA;
  blendAttachment.alphaBlendOp = VK_BLEND_OP_ADD;
  blendAttachment.colorWriteMask =
      VK_COLOR_COMPONENT_R_BIT | VK_COLOR_COMPONENT_G_BIT | VK_COLOR_COMPONENT_B_BIT | VK_COLOR_COMPONENT_A_BIT;
  VkPipelineColorBlendStateCreateInfo blend{};
  blend.sType = VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO;
  blend.attachmentCount = 1;
  blend.pAttachments = &blendAttachment;
  VkPipelineDepthStencilStateCreateInfo depth{};
  depth.sType = VK_STRUCTURE_TYPE_PIPELINE_DEPTH_STENCIL_STATE_CREATE_INFO;
  const std::array<VkDynamicState, 2> dynamicStates{VK_DYNAMIC_STATE_VIEWPORT, VK_DYNAMIC_STATE_SCISSOR};
  VkPipelineDynamicStateCreateInfo dynamic{};
  dynamic.sType = VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO;
  dynamic.dynamicStateCount = static_cast<std::uint32_t>(dynamicStates.size());
  dynamic.pDynamicStates = dynamicStates.data();
  VkGraphicsPipelineCreateInfo pipelineInfo{};
  pipelineInfo.sType = VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO;
  pipelineInfo.stageCount = static_cast<std::uint32_t>(stages.size());
  pipelineInfo.pStages = stages.data();
  pipelineInfo.pVertexInputState = &vertexInput;
  pipelineInfo.pInputAssemblyState = &assembly;
  pipelineInfo.pViewportState = &viewport;
  pipelineInfo.pRasterizationState = &raster;
  pipelineInfo.pMultisampleState = &multisample;
  pipelineInfo.pDepthStencilState = &depth;
  pipelineInfo.pColorBlendState = &blend;
  pipelineInfo.pDynamicState = &dynamic;
  pipelineInfo.layout = layout;
  pipelineInfo.renderPass = renderPass;
  pipelineInfo.subpass = 0;
  VkPipeline pipeline = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkCreateGraphicsPipelines(device, VK_NULL_HANDLE, 1, &pipelineInfo, nullptr, &pipeline),
                   "vkCreateGraphicsPipelines"));
  return gpu::Handle<VkPipeline>(device, pipeline, vkDestroyPipeline);
}

}  // namespace

std::uint32_t HeatmapView::tileCapacity() { return TILES_PER_ROW * TILES_PER_ROW - OUTPUT_TILES * OUTPUT_TILES; }

HeatmapRef HeatmapView::tile(std::uint32_t index) {
  // Tile slots in row-major order, skipping the output's block in the top-left corner.
  for (std::uint32_t row = 0; row < TILES_PER_ROW; ++row) {
    const std::uint32_t first = row < OUTPUT_TILES ? OUTPUT_TILES : 0;
    const std::uint32_t free = TILES_PER_ROW - first;
    if (index < free) return {(first + index) * TILE_SIZE, row * TILE_SIZE, TILE_SIZE};
    index -= free;
  }
  return {};
}

HeatmapRef HeatmapView::output() { return {0, 0, OUTPUT_SIZE}; }

core::Result<std::unique_ptr<HeatmapView>> HeatmapView::create(Renderer& renderer) {
  std::unique_ptr<HeatmapView> view(new HeatmapView(renderer));
  NSB_TRY(view->initialise());
  return view;
}

HeatmapView::~HeatmapView() { mRenderer.waitIdle(); }

core::Status HeatmapView::initialise() {
  const gpu::VulkanContext& context = *mRenderer.context();
  const VkDevice device = context.device();
  mAtlas.assign(std::size_t{ATLAS_SIZE} * ATLAS_SIZE, 0.0f);

  NSB_TRY(assign(mSetLayout, makeSetLayout(device, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER)));
  NSB_TRY(assign(mLayout, gpu::makePipelineLayout(device, mSetLayout.get(), STAGES, sizeof(Push))));
  NSB_TRY(assign(mBufferSetLayout, makeSetLayout(device, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER)));
  NSB_TRY(assign(mBufferLayout, gpu::makePipelineLayout(device, mBufferSetLayout.get(), STAGES, sizeof(BufferPush))));
  gpu::Handle<VkShaderModule> vert, frag, bufferFrag;
  NSB_TRY(assign(vert, shaderModule(device, "render/heatmap.vert")));
  NSB_TRY(assign(frag, shaderModule(device, "render/heatmap.frag")));
  NSB_TRY(assign(bufferFrag, shaderModule(device, "render/heatmap_buffer.frag")));
  NSB_TRY(assign(mPipeline, makePipeline(device, mRenderer.renderPass(), mLayout.get(), vert.get(), frag.get())));
  NSB_TRY(assign(mBufferPipeline,
                 makePipeline(device, mRenderer.renderPass(), mBufferLayout.get(), vert.get(), bufferFrag.get())));
  const VkDescriptorSetLayout setLayout = mSetLayout.get(), bufferSetLayout = mBufferSetLayout.get();

  VkFormatProperties formatProperties{};
  vkGetPhysicalDeviceFormatProperties(context.physicalDevice(), VK_FORMAT_R32_SFLOAT, &formatProperties);
  const bool linear = formatProperties.optimalTilingFeatures & VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT;
  VkSamplerCreateInfo samplerInfo{};
  samplerInfo.sType = VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO;
  samplerInfo.magFilter = linear ? VK_FILTER_LINEAR : VK_FILTER_NEAREST;
  samplerInfo.minFilter = samplerInfo.magFilter;
  samplerInfo.mipmapMode = VK_SAMPLER_MIPMAP_MODE_NEAREST;
  samplerInfo.addressModeU = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  samplerInfo.addressModeV = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  samplerInfo.addressModeW = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
  samplerInfo.maxLod = 0.0f;
  VkSampler sampler = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkCreateSampler(device, &samplerInfo, nullptr, &sampler), "vkCreateSampler"));
  mSampler = gpu::Handle<VkSampler>(device, sampler, vkDestroySampler);

  const std::array<VkDescriptorPoolSize, 2> poolSizes{
      VkDescriptorPoolSize{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, FRAMES_IN_FLIGHT},
      VkDescriptorPoolSize{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, FRAMES_IN_FLIGHT}};
  VkDescriptorPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  poolInfo.maxSets = 2 * FRAMES_IN_FLIGHT;
  poolInfo.poolSizeCount = static_cast<std::uint32_t>(poolSizes.size());
  poolInfo.pPoolSizes = poolSizes.data();
  VkDescriptorPool pool = VK_NULL_HANDLE;
  NSB_TRY(vkStatus(vkCreateDescriptorPool(device, &poolInfo, nullptr, &pool), "vkCreateDescriptorPool"));
  mPool = gpu::Handle<VkDescriptorPool>(device, pool, vkDestroyDescriptorPool);

  for (Slot& slot : mSlots) {
    auto atlas = createImage(context, ATLAS_SIZE, ATLAS_SIZE, VK_FORMAT_R32_SFLOAT,
                             VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT);
    if (!atlas) return atlas.error();
    slot.atlas = std::move(atlas.value());
    auto staging = createHostBuffer(context, mAtlas.size() * sizeof(float), VK_BUFFER_USAGE_TRANSFER_SRC_BIT);
    if (!staging) return staging.error();
    slot.staging = std::move(staging.value());
    VkDescriptorSetAllocateInfo allocInfo{};
    allocInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
    allocInfo.descriptorPool = pool;
    allocInfo.descriptorSetCount = 1;
    allocInfo.pSetLayouts = &setLayout;
    NSB_TRY(vkStatus(vkAllocateDescriptorSets(device, &allocInfo, &slot.set), "vkAllocateDescriptorSets"));
    allocInfo.pSetLayouts = &bufferSetLayout;
    NSB_TRY(vkStatus(vkAllocateDescriptorSets(device, &allocInfo, &slot.bufferSet), "vkAllocateDescriptorSets"));
    VkDescriptorImageInfo imageInfo{sampler, slot.atlas.view.get(), VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};
    VkWriteDescriptorSet write{};
    write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    write.dstSet = slot.set;
    write.dstBinding = 0;
    write.descriptorCount = 1;
    write.descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
    write.pImageInfo = &imageInfo;
    vkUpdateDescriptorSets(device, 1, &write, 0, nullptr);
  }
  return core::Ok{};
}

void HeatmapView::write(HeatmapRef ref, std::span<const float> values) {
  if (!ref) return;
  NSB_CHECK(values.size() == std::size_t{ref.size} * ref.size) << values.size() << " heatmap values";
  for (std::uint32_t row = 0; row < ref.size; ++row) {
    std::memcpy(&mAtlas[std::size_t{ref.y + row} * ATLAS_SIZE + ref.x], &values[std::size_t{row} * ref.size],
                ref.size * sizeof(float));
  }
  mUsedRows = std::max(mUsedRows, ref.y + ref.size);
  ++mVersion;
}

bool HeatmapView::setBuffer(std::uint64_t device, std::uint64_t buffer, std::size_t bytes, std::uint64_t ready,
                            std::shared_ptr<const void> owner) {
  if (device != reinterpret_cast<std::uint64_t>(mRenderer.context()->device()) || buffer == 0 || bytes == 0) {
    return false;
  }
  mBuffer = reinterpret_cast<VkBuffer>(buffer);
  mBufferBytes = bytes;
  mBufferReady = ready;
  mBufferOwner = std::move(owner);
  return true;
}

void HeatmapView::upload() {
  Slot& slot = mSlots[mRenderer.frameSlot()];
  const VkCommandBuffer cmd = mRenderer.commandBuffer();
  // beginFrame waited for this slot's last frame: what it read may go, its descriptor set may change.
  slot.bufferOwner = mBufferOwner;
  if (mBuffer != VK_NULL_HANDLE) {
    // Written every frame that reads a buffer: a buffer handle may be reused after its owner went.
    VkDescriptorBufferInfo bufferInfo{mBuffer, 0, VK_WHOLE_SIZE};
    VkWriteDescriptorSet write{};
    write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    write.dstSet = slot.bufferSet;
    write.dstBinding = 0;
    write.descriptorCount = 1;
    write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    write.pBufferInfo = &bufferInfo;
    vkUpdateDescriptorSets(mRenderer.context()->device(), 1, &write, 0, nullptr);
    // The hand-over: this frame's submit waits on the compute timeline for the submit that wrote the
    // buffer (earlier on the same queue). The barrier keeps the order explicit where the device has no
    // timeline semaphores (then the trainer's fence wait before publishing is the only hand-over).
    mRenderer.waitForCompute(mBufferReady);
    VkMemoryBarrier barrier{};
    barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, 0, 1, &barrier, 0, nullptr, 0, nullptr);
  }
  if (slot.version == mVersion) return;
  const VkImageLayout from = slot.initialised ? VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL : VK_IMAGE_LAYOUT_UNDEFINED;
  transitionImage(cmd, slot.atlas.image.get(), from, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                  VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_TRANSFER_WRITE_BIT);
  if (mUsedRows > 0) {
    const std::size_t bytes = std::size_t{mUsedRows} * ATLAS_SIZE * sizeof(float);
    std::memcpy(slot.staging.mapped, mAtlas.data(), bytes);
    VkBufferImageCopy region{};
    region.bufferRowLength = ATLAS_SIZE;
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = {ATLAS_SIZE, mUsedRows, 1};
    vkCmdCopyBufferToImage(cmd, slot.staging.buffer.get(), slot.atlas.image.get(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                           1, &region);
    mUploadedBytes += bytes;
  }
  transitionImage(cmd, slot.atlas.image.get(), VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                  VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT,
                  VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
  slot.initialised = true;
  slot.version = mVersion;
}

void HeatmapView::draw(ImDrawList* list, HeatmapRef ref, const ImVec2& min, const ImVec2& max,
                       const HeatmapStyle& style) {
  if (!ref) return;
  mItems.push_back({this, ref, std::nullopt, style, min.x, min.y, max.x, max.y});
  list->AddCallback(&HeatmapView::onDraw, &mItems.back());
  list->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
}

void HeatmapView::drawBuffer(ImDrawList* list, const BufferHeatmap& source, const ImVec2& min, const ImVec2& max,
                             const HeatmapStyle& style) {
  if (mBuffer == VK_NULL_HANDLE || source.size == 0 || source.column >= source.stride) return;
  const std::size_t end = std::size_t{source.offset} + std::size_t{source.size} * source.size * source.stride;
  if (end * sizeof(float) > mBufferBytes) return;
  mItems.push_back({this, {}, source, style, min.x, min.y, max.x, max.y});
  list->AddCallback(&HeatmapView::onDraw, &mItems.back());
  list->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
}

void HeatmapView::onDraw(const ImDrawList*, const ImDrawCmd* cmd) {
  const DrawItem& item = *static_cast<const DrawItem*>(cmd->UserCallbackData);
  HeatmapView& view = *item.view;
  const ImDrawData* data = ImGui::GetDrawData();
  const VkExtent2D extent = view.mRenderer.extent();
  const float width = static_cast<float>(extent.width), height = static_cast<float>(extent.height);
  const ImVec2 origin = data->DisplayPos;
  const ImVec2 scale = data->FramebufferScale;

  // Scissor from the command's clip rectangle, in framebuffer pixels, clamped to the framebuffer.
  const float cx0 = std::clamp((cmd->ClipRect.x - origin.x) * scale.x, 0.0f, width);
  const float cy0 = std::clamp((cmd->ClipRect.y - origin.y) * scale.y, 0.0f, height);
  const float cx1 = std::clamp((cmd->ClipRect.z - origin.x) * scale.x, 0.0f, width);
  const float cy1 = std::clamp((cmd->ClipRect.w - origin.y) * scale.y, 0.0f, height);
  if (cx1 <= cx0 || cy1 <= cy0) return;
  const VkCommandBuffer commandBuffer = view.mRenderer.commandBuffer();
  VkRect2D scissor{{static_cast<std::int32_t>(cx0), static_cast<std::int32_t>(cy0)},
                   {static_cast<std::uint32_t>(cx1 - static_cast<float>(static_cast<std::int32_t>(cx0))),
                    static_cast<std::uint32_t>(cy1 - static_cast<float>(static_cast<std::int32_t>(cy0)))}};
  VkViewport viewport{0.0f, 0.0f, width, height, 0.0f, 1.0f};
  vkCmdSetViewport(commandBuffer, 0, 1, &viewport);
  vkCmdSetScissor(commandBuffer, 0, 1, &scissor);

  auto ndcX = [&](float x) { return (x - origin.x) * scale.x / width * 2.0f - 1.0f; };
  auto ndcY = [&](float y) { return (y - origin.y) * scale.y / height * 2.0f - 1.0f; };
  constexpr float TEXEL = 1.0f / static_cast<float>(ATLAS_SIZE);
  BufferPush push{};
  push.base.rect[0] = ndcX(item.x0);
  push.base.rect[1] = ndcY(item.y0);
  push.base.rect[2] = ndcX(item.x1);
  push.base.rect[3] = ndcY(item.y1);
  if (item.source) {
    // Texel coordinates: the quad's edges are the first and last texel centres, as with the atlas.
    const auto last = static_cast<float>(item.source->size - 1);
    push.base.uv[0] = push.base.uv[1] = 0.0f;
    push.base.uv[2] = push.base.uv[3] = last;
    push.source[0] = item.source->offset;
    push.source[1] = item.source->stride;
    push.source[2] = item.source->column;
    push.source[3] = item.source->size;
  } else if (item.style.nearest) {
    // Texel edges at the quad's edges; the shader snaps to the texel's centre (within the image).
    push.base.uv[0] = static_cast<float>(item.ref.x) * TEXEL;
    push.base.uv[1] = static_cast<float>(item.ref.y) * TEXEL;
    push.base.uv[2] = static_cast<float>(item.ref.x + item.ref.size) * TEXEL;
    push.base.uv[3] = static_cast<float>(item.ref.y + item.ref.size) * TEXEL;
  } else {
    // Texel centres at the edges, so that linear filtering never reads a neighbouring tile.
    push.base.uv[0] = (static_cast<float>(item.ref.x) + 0.5f) * TEXEL;
    push.base.uv[1] = (static_cast<float>(item.ref.y) + 0.5f) * TEXEL;
    push.base.uv[2] = (static_cast<float>(item.ref.x + item.ref.size) - 0.5f) * TEXEL;
    push.base.uv[3] = (static_cast<float>(item.ref.y + item.ref.size) - 0.5f) * TEXEL;
  }
  push.base.range[0] = item.style.low;
  push.base.range[1] = item.style.high;
  push.base.discretize = (item.style.discretize ? 1 : 0) | (item.style.nearest && !item.source ? 2 : 0);
  push.base.alpha = item.style.alpha;
  const Slot& slot = view.mSlots[view.mRenderer.frameSlot()];
  const VkPipelineLayout layout = item.source ? view.mBufferLayout.get() : view.mLayout.get();
  const VkDescriptorSet set = item.source ? slot.bufferSet : slot.set;
  vkCmdBindPipeline(commandBuffer, VK_PIPELINE_BIND_POINT_GRAPHICS,
                    item.source ? view.mBufferPipeline.get() : view.mPipeline.get());
  vkCmdBindDescriptorSets(commandBuffer, VK_PIPELINE_BIND_POINT_GRAPHICS, layout, 0, 1, &set, 0, nullptr);
  vkCmdPushConstants(commandBuffer, layout, STAGES, 0, item.source ? sizeof(BufferPush) : sizeof(Push), &push);
  vkCmdDraw(commandBuffer, 4, 1, 0, 0);
}

}  // namespace nsb::render
