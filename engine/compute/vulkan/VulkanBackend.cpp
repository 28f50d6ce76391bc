// VulkanBackend: compute::Backend over a VulkanContext of its own (the renderer will later pass a
// shared one). Buffers, transfers and the fence live in VulkanDevice; compile() makes a VulkanProgram.
#include "compute/vulkan/VulkanBackend.h"

#include "compute/vulkan/VulkanDevice.h"
#include "compute/vulkan/VulkanProgram.h"
#include "compute/vulkan/VulkanSpectrum.h"
#include "gpu/VulkanContext.h"

namespace nsb::compute::vulkan {

MemoryBudget vulkanBudget(const gpu::MemoryLimits& limits, std::uint64_t allocated) {
  MemoryBudget budget;
  std::uint64_t free = 0;
  if (limits.budgetExtension) {
    free = limits.heapBudget > limits.heapUsage ? limits.heapBudget - limits.heapUsage : 0;
    budget.source = "VK_EXT_memory_budget's heap budget - usage less a 10% margin";
  } else {
    // Without the extension only the heap's size is known: what this backend holds comes off it.
    free = limits.heapSize > allocated ? limits.heapSize - allocated : 0;
    budget.source = "the device heap's size less a 10% margin";
    if (allocated > 0) budget.source += " and the " + formatBytes(allocated) + " held";
  }
  budget.available = static_cast<std::uint64_t>(static_cast<double>(free) * (1.0 - MEMORY_MARGIN));
  // Buffers are made in whole vec4 (VulkanDevice::create) and bound whole as storage buffers.
  const std::pair<std::uint64_t, const char*> perBuffer[] = {
      {limits.maxStorageBufferRange / 16 * 16, "maxStorageBufferRange"},
      {limits.maxMemoryAllocationSize, "maxMemoryAllocationSize"},
      {limits.maxBufferSize, "maxBufferSize"}};
  for (const auto& [bytes, name] : perBuffer) {
    if (bytes > 0 && bytes < budget.largestBuffer) {
      budget.largestBuffer = bytes;
      budget.bufferLimit = name;
    }
  }
  return budget;
}

namespace {

class VulkanBackend final : public Backend {
 public:
  VulkanBackend(std::shared_ptr<gpu::VulkanContext> context, const BackendOptions& options)
      : mDevice(std::move(context), vulkanOptionsFromEnvironment(options.timing)) {}
  ~VulkanBackend() override { mDevice.wait(); }

  std::string name() const override { return "vulkan"; }
  std::string deviceName() const override {
    const auto& info = mDevice.context().info();
    return info.name + " (" + info.type + ", Vulkan " + info.apiVersion + ")";
  }
  bool supports(OpKind kind) const override {
    if (kind == Op(SpectrumOp{}).index()) return spectrumAvailable();
    return kind < OP_KIND_COUNT;
  }

  double peakGflops() override { return mDevice.peakGflops(); }

  void upload(BufferId buffer, std::size_t byteOffset, std::span<const std::byte> data) override {
    mDevice.upload(buffer, byteOffset, data.data(), data.size());
    mBytesTransferred += data.size();
  }
  void download(BufferId buffer, std::size_t byteOffset, std::span<std::byte> data) override {
    mDevice.download(buffer, byteOffset, data.data(), data.size());
    mBytesTransferred += data.size();
  }

  std::unique_ptr<Program> compile(const Graph& graph) override {
    return std::make_unique<VulkanProgram>(mDevice, graph);
  }
  void synchronize() override { mDevice.wait(); }
  core::Status status() const override {
    if (mDevice.failed()) return *mDevice.failure();
    return core::Ok{};
  }
  bool deviceLost() const override { return mDevice.lost(); }
  std::optional<NativeBuffer> native(BufferId buffer) const override {
    if (mDevice.failed()) return std::nullopt;  // placeholders have no memory to read
    return NativeBuffer{reinterpret_cast<std::uint64_t>(mDevice.device()),
                        reinterpret_cast<std::uint64_t>(mDevice.buffer(buffer)), 0, mDevice.bytes(buffer),
                        mDevice.timelineValue()};
  }

 protected:
  BufferId allocateId(std::size_t bytes) override { return mDevice.create(bytes); }
  void release(BufferId buffer) override { mDevice.destroy(buffer); }
  MemoryBudget deviceBudget() const override {
    return vulkanBudget(mDevice.context().memoryLimits(), bytesAllocated());
  }

 private:
  VulkanDevice mDevice;
};

}  // namespace

namespace {

// A backend whose device failed while it was being made is an error, not a backend.
core::Result<std::unique_ptr<Backend>> checked(std::unique_ptr<Backend> backend) {
  if (auto status = backend->status(); !status) return status.error();
  return backend;
}

}  // namespace

core::Result<std::unique_ptr<Backend>> createVulkanBackend(const BackendOptions& options) {
  if (options.context) return checked(std::make_unique<VulkanBackend>(options.context, options));
  gpu::ContextOptions contextOptions;
  contextOptions.device = options.device;
  contextOptions.validation = options.validation;
  auto context = gpu::VulkanContext::create(contextOptions);
  if (!context) {
    if (context.error().kind == core::ErrorKind::BadInput) return context.error();
    return core::runtimeError("--backend vulkan: no Vulkan device (" + context.message() + ")");
  }
  return checked(std::make_unique<VulkanBackend>(std::move(*context), options));
}

}  // namespace nsb::compute::vulkan
