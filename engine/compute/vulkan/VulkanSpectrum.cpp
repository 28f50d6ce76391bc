// SpectrumOp through VkFFT 1.2.26 (the only file that includes vkFFT.h: it takes ~18 s to compile).
// Pack rows to the in-place R2C layout, one batched 2D R2C FFT over every image, then |F|. Shapes that
// VkFFT does not plan (a side of 1, or a failed plan) use a direct-DFT kernel instead.
#include "compute/vulkan/VulkanSpectrum.h"

#include <vkFFT.h>

#include <clocale>
#include <mutex>
#include <string>

#include "compute/vulkan/VulkanOps.h"
#include "core/Check.h"
#include "core/Log.h"
#include "gpu/VkCheck.h"

namespace nsb::compute::vulkan {
namespace {

// One VkFFT plan and the objects it points at (VkFFT keeps the pointers, so they live here, on the heap).
struct SpectrumPlan final : OpResources {
  VkFFTApplication app{};
  bool planned = false;
  VkPhysicalDevice physicalDevice = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  gpu::Handle<VkCommandPool> pool;
  gpu::Handle<VkFence> fence;
  VkCommandPool rawPool = VK_NULL_HANDLE;
  VkFence rawFence = VK_NULL_HANDLE;
  VulkanDevice* owner = nullptr;
  BufferId scratch;  // the padded images, transformed in place; shared by the programs using this plan
  VkBuffer buffer = VK_NULL_HANDLE;
  std::uint64_t bufferSize = 0;

  ~SpectrumPlan() override {
    if (planned) deleteVkFFT(&app);
    if (owner && scratch) owner->destroy(scratch);
  }
};

// glslang's process-wide state, made once and kept (VkFFT would otherwise make and finalize it per plan).
void initializeGlslang() {
  static std::once_flag once;
  std::call_once(once, [] { NSB_CHECK(glslang_initialize_process()) << "glslang_initialize_process failed"; });
}

// The plan for `count` images of height x width over `scratch`, or null when VkFFT cannot make one.
std::shared_ptr<SpectrumPlan> makePlan(VulkanDevice& device, std::size_t count, std::size_t height, std::size_t width) {
  if (device.failed()) return nullptr;
  auto plan = std::make_shared<SpectrumPlan>();
  plan->owner = &device;
  plan->scratch = device.create(count * height * 2 * (width / 2 + 1) * sizeof(float));
  if (device.failed()) return nullptr;
  gpu::VulkanContext& context = device.context();
  plan->physicalDevice = context.physicalDevice();
  plan->device = context.device();
  plan->queue = context.queue();
  VkCommandPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  poolInfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  poolInfo.queueFamilyIndex = context.queueFamily();
  if (!device.check(vkCreateCommandPool(plan->device, &poolInfo, nullptr, &plan->rawPool), "vkCreateCommandPool")) {
    return nullptr;
  }
  plan->pool = gpu::Handle<VkCommandPool>(plan->device, plan->rawPool, vkDestroyCommandPool);
  VkFenceCreateInfo fenceInfo{};
  fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  if (!device.check(vkCreateFence(plan->device, &fenceInfo, nullptr, &plan->rawFence), "vkCreateFence")) return nullptr;
  plan->fence = gpu::Handle<VkFence>(plan->device, plan->rawFence, vkDestroyFence);
  plan->buffer = device.buffer(plan->scratch);
  plan->bufferSize = count * height * 2 * (width / 2 + 1) * sizeof(float);

  VkFFTConfiguration configuration{};
  configuration.FFTdim = 2;
  configuration.size[0] = width;
  configuration.size[1] = height;
  configuration.numberBatches = count;
  configuration.performR2C = 1;
  configuration.physicalDevice = &plan->physicalDevice;
  configuration.device = &plan->device;
  configuration.queue = &plan->queue;
  configuration.commandPool = &plan->rawPool;
  configuration.fence = &plan->rawFence;
  configuration.isCompilerInitialized = 1;
  configuration.buffer = &plan->buffer;
  configuration.bufferSize = &plan->bufferSize;
  initializeGlslang();
  VkFFTResult result = VKFFT_SUCCESS;
  {
    // Plan building submits uploads (twiddle tables) on the shared queue.
    device.wait();
    auto lock = context.lockQueue();
    // VkFFT 1.2.26 keeps the pointer setlocale(LC_ALL, NULL) returns, sets "C", and restores the kept
    // pointer, which that second call freed whenever the locale was not "C" (GLFW sets LC_CTYPE from
    // the environment): ThreadSanitizer reported the use after free. Entered in "C", its calls free
    // nothing; the caller's locale comes back from a copy.
    const std::string locale = setlocale(LC_ALL, nullptr);
    setlocale(LC_ALL, "C");
    result = initializeVkFFT(&plan->app, configuration);
    setlocale(LC_ALL, locale.c_str());
  }
  if (result != VKFFT_SUCCESS) {
    core::log().warn("VkFFT cannot plan a {}x{} R2C transform (error {}); using the direct DFT kernel", height, width,
                     static_cast<int>(result));
    return nullptr;
  }
  plan->planned = true;
  return plan;
}

}  // namespace

bool spectrumAvailable() { return true; }

void compileSpectrum(VulkanDevice& device, const SpectrumOp& op, std::size_t count, CompiledOp& out,
                     std::vector<BufferId>&, std::vector<std::shared_ptr<OpResources>>& resources) {
  const std::size_t height = op.height, width = op.width, halfWidth = width / 2 + 1;
  auto dispatch = [&](const char* shader, std::uint32_t storage, std::vector<BufferId> buffers) -> Command& {
    Command command;
    command.pipeline = device.pipeline({shader, storage, 0, {}});  // null when the device failed
    for (const BufferId id : buffers) command.bindings.push_back({id, false});
    command.reads = buffers;
    out.commands.push_back(std::move(command));
    return out.commands.back();
  };

  std::shared_ptr<SpectrumPlan> plan;
  if (height > 1 && width > 1) {
    // One plan per shape and backend; a failed plan is remembered as null so it is not retried.
    const std::string key =
        "vkfft:" + std::to_string(count) + "x" + std::to_string(height) + "x" + std::to_string(width);
    std::shared_ptr<OpResources>& cached = device.shared(key);
    if (!cached) {
      cached = makePlan(device, count, height, width);
      if (!cached) cached = std::make_shared<OpResources>();
    }
    plan = std::dynamic_pointer_cast<SpectrumPlan>(cached);
  }
  if (!plan) {
    Command& dft = dispatch("compute/spectrum_dft.comp", 2, {op.images.buffer, op.magnitude.buffer});
    dft.push = {u32(op.images.offset), u32(op.magnitude.offset), u32(count), u32(height), u32(width)};
    dft.pushWords = 5;
    dft.groups[0] = groupsFor(count * height * halfWidth, 64);
    dft.writes = {op.magnitude.buffer};
    return;
  }

  const BufferId scratch = plan->scratch;
  Command& pack = dispatch("compute/spectrum_pack.comp", 2, {op.images.buffer, scratch});
  pack.push = {u32(op.images.offset), u32(count * height), u32(width), u32(2 * halfWidth)};
  pack.pushWords = 4;
  pack.groups[0] = groupsFor(count * height * 2 * halfWidth, 256);
  pack.writes = {scratch};

  Command fft;
  SpectrumPlan* raw = plan.get();
  fft.custom = [raw](VkCommandBuffer commands) {
    VkFFTLaunchParams launch{};
    launch.commandBuffer = &commands;
    launch.buffer = &raw->buffer;
    const VkFFTResult result = VkFFTAppend(&raw->app, -1, &launch);
    NSB_CHECK(result == VKFFT_SUCCESS) << "VkFFTAppend failed with error " << static_cast<int>(result);
  };
  fft.reads = {scratch};
  fft.writes = {scratch};
  out.commands.push_back(std::move(fft));

  Command& magnitude = dispatch("compute/spectrum_magnitude.comp", 2, {scratch, op.magnitude.buffer});
  magnitude.push = {u32(op.magnitude.offset), u32(count * height * halfWidth)};
  magnitude.pushWords = 2;
  magnitude.groups[0] = groupsFor(count * height * halfWidth, 256);
  magnitude.writes = {op.magnitude.buffer};
  resources.push_back(plan);
}

}  // namespace nsb::compute::vulkan
