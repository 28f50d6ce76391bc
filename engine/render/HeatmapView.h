#pragma once
// HeatmapView: per-neuron heatmaps (64x64 tiles) and the output view (256x256) drawn inside ImGui
// windows through ImDrawList callbacks with our own pipelines. Values come from one of two places: a
// host-side atlas of floats (each frame slot has its own device atlas, brought up to date before the
// render pass, so a frame never samples an image the next frame is writing), or, zero copy, a storage
// buffer that compute wrote on the same device (setBuffer; each frame slot holds the buffer's owner
// until the slot's fence has been waited). The colour map is render/Colormap.h's. UI thread only.
#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/Result.h"
#include "gpu/Handle.h"
#include "render/GpuImage.h"
#include "render/Renderer.h"

struct ImDrawList;
struct ImDrawCmd;
struct ImVec2;

namespace nsb::render {

inline constexpr std::uint32_t TILE_SIZE = 64;     // a neuron's heatmap
inline constexpr std::uint32_t OUTPUT_SIZE = 256;  // the output view
inline constexpr std::uint32_t ATLAS_SIZE = 1024;  // 16 x 16 tiles; the output takes the first 4 x 4

// Where a heatmap lies in the atlas: a neuron tile, or the output region.
struct HeatmapRef {
  std::uint32_t x = 0, y = 0, size = 0;  // texels
  explicit operator bool() const { return size > 0; }
};

// A heatmap inside a storage buffer: pixel (x, y) is buffer[offset + (y * size + x) * stride + column]
// (floats), i.e. one column of a row-major [size * size, stride] matrix.
struct BufferHeatmap {
  std::uint32_t offset = 0, stride = 1, column = 0, size = 0;
};

struct HeatmapStyle {
  float low = -1.0f, high = 1.0f;  // values shown as full orange and full blue
  bool discretize = false;
  float alpha = 1.0f;
  bool nearest = false;  // each texel a flat block (images), not the filtered grid of a function
};

class HeatmapView {
 public:
  static core::Result<std::unique_ptr<HeatmapView>> create(Renderer& renderer);
  ~HeatmapView();
  HeatmapView(const HeatmapView&) = delete;
  HeatmapView& operator=(const HeatmapView&) = delete;

  // The number of neuron tiles the atlas holds, and a tile's place (empty beyond capacity).
  static std::uint32_t tileCapacity();
  static HeatmapRef tile(std::uint32_t index);
  static HeatmapRef output();

  // Writes `values` (size x size, row-major, top row first) into the atlas at `ref`.
  void write(HeatmapRef ref, std::span<const float> values);
  // Adds a callback to `list` that draws `ref` into [min, max] (screen pixels), then ImGui's reset.
  void draw(ImDrawList* list, HeatmapRef ref, const ImVec2& min, const ImVec2& max, const HeatmapStyle& style);

  // The storage buffer that drawBuffer() reads this frame (set again every frame; newFrame() forgets
  // it): `buffer` a VkBuffer of `bytes` on `device`, written by compute submits that the frame waits
  // for (the compute timeline reaching `ready`, see Renderer::waitForCompute), not written again
  // while `owner` is alive. Returns false (and keeps nothing) when
  // the buffer is on another device.
  bool setBuffer(std::uint64_t device, std::uint64_t buffer, std::size_t bytes, std::uint64_t ready,
                 std::shared_ptr<const void> owner);
  // Like draw(), from the buffer of setBuffer() (nothing when there is none or `source` lies outside it).
  void drawBuffer(ImDrawList* list, const BufferHeatmap& source, const ImVec2& min, const ImVec2& max,
                  const HeatmapStyle& style);

  // Frame hooks, called by the owner: newFrame() before the UI is built (drops the last frame's draw
  // records), upload() between Renderer::beginFrame and endFrame (outside the render pass).
  void newFrame() {
    mItems.clear();
    mBuffer = VK_NULL_HANDLE;
    mBufferBytes = 0;
    mBufferReady = 0;
    mBufferOwner.reset();
  }
  void upload();
  // Bytes copied host -> device for the atlases so far (tests bound the per-frame traffic).
  std::uint64_t uploadedBytes() const { return mUploadedBytes; }

 private:
  explicit HeatmapView(Renderer& renderer) : mRenderer(renderer) {}
  core::Status initialise();
  static void onDraw(const ImDrawList* list, const ImDrawCmd* cmd);

  struct DrawItem {
    HeatmapView* view = nullptr;
    HeatmapRef ref;
    std::optional<BufferHeatmap> source;  // set: drawn from the storage buffer
    HeatmapStyle style;
    float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  };
  struct Slot {
    GpuImage atlas;
    HostBuffer staging;
    VkDescriptorSet set = VK_NULL_HANDLE;
    VkDescriptorSet bufferSet = VK_NULL_HANDLE;
    std::shared_ptr<const void> bufferOwner;  // what the slot's last frame read
    std::uint64_t version = 0;
    bool initialised = false;
  };

  Renderer& mRenderer;
  gpu::Handle<VkDescriptorSetLayout> mSetLayout;
  gpu::Handle<VkPipelineLayout> mLayout;
  gpu::Handle<VkPipeline> mPipeline;
  gpu::Handle<VkDescriptorSetLayout> mBufferSetLayout;
  gpu::Handle<VkPipelineLayout> mBufferLayout;
  gpu::Handle<VkPipeline> mBufferPipeline;
  VkBuffer mBuffer = VK_NULL_HANDLE;
  std::size_t mBufferBytes = 0;
  std::uint64_t mBufferReady = 0;
  std::shared_ptr<const void> mBufferOwner;
  gpu::Handle<VkSampler> mSampler;
  gpu::Handle<VkDescriptorPool> mPool;
  std::array<Slot, FRAMES_IN_FLIGHT> mSlots;
  std::vector<float> mAtlas;
  std::uint32_t mUsedRows = 0;  // texel rows of the atlas written so far
  std::uint64_t mVersion = 1;
  std::uint64_t mUploadedBytes = 0;
  std::deque<DrawItem> mItems;  // stable addresses: ImGui keeps pointers to them until the frame is drawn
};

}  // namespace nsb::render
