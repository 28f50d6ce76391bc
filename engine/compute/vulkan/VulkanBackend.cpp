// VulkanBackend: compute::Backend over a VulkanContext of its own (the renderer will later pass a
// shared one). Buffers, transfers and the fence live in VulkanDevice; compile() makes a VulkanProgram.
#include "compute/vulkan/VulkanBackend.h"

#include "compute/vulkan/VulkanDevice.h"
#include "compute/vulkan/VulkanProgram.h"
#include "compute/vulkan/VulkanSpectrum.h"
#include "gpu/VulkanContext.h"

namespace nsb::compute::vulkan {
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
  std::optional<NativeBuffer> native(BufferId buffer) const override {
    return NativeBuffer{reinterpret_cast<std::uint64_t>(mDevice.device()),
                        reinterpret_cast<std::uint64_t>(mDevice.buffer(buffer)), 0, mDevice.bytes(buffer),
                        mDevice.timelineValue()};
  }

 protected:
  BufferId allocateId(std::size_t bytes) override { return mDevice.create(bytes); }
  void release(BufferId buffer) override { mDevice.destroy(buffer); }

 private:
  VulkanDevice mDevice;
};

}  // namespace

core::Result<std::unique_ptr<Backend>> createVulkanBackend(const BackendOptions& options) {
  if (options.context) return std::unique_ptr<Backend>(std::make_unique<VulkanBackend>(options.context, options));
  gpu::ContextOptions contextOptions;
  contextOptions.device = options.device;
  contextOptions.validation = options.validation;
  auto context = gpu::VulkanContext::create(contextOptions);
  if (!context) {
    if (context.error().kind == core::ErrorKind::BadInput) return context.error();
    return core::runtimeError("--backend vulkan: no Vulkan device (" + context.message() + ")");
  }
  return std::unique_ptr<Backend>(std::make_unique<VulkanBackend>(std::move(*context), options));
}

}  // namespace nsb::compute::vulkan
