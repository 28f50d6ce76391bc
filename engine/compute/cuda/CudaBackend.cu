// The CUDA backend: CudaContext (device, stream, cuBLAS, buffers, errors), the Backend over it, the device
// list and the module's entry point (CudaModule.h). cudart is linked statically, so the module needs only
// the driver (libcuda.so.1), cuBLAS and cuFFT at run time.
#include <dlfcn.h>

#include <cstring>

#include "compute/MemoryBudget.h"
#include "compute/cuda/CudaContext.cuh"
#include "compute/cuda/CudaModule.h"
#include "compute/cuda/CudaProgram.cuh"
#include "core/Check.h"

namespace nsb::compute::cuda {

// ---- CudaContext ---------------------------------------------------------------------------------------

CudaContext::CudaContext(int device) : mDevice(device) {
  if (!check(cudaSetDevice(device), "cudaSetDevice")) return;
  if (!check(cudaGetDeviceProperties(&mProperties, device), "cudaGetDeviceProperties")) return;
  if (!check(cudaStreamCreateWithFlags(&mStream, cudaStreamNonBlocking), "cudaStreamCreate")) return;
  void* host = nullptr;
  if (!check(cudaHostAlloc(&host, sizeof(ErrorWord), cudaHostAllocMapped), "cudaHostAlloc")) return;
  mErrorHost = static_cast<ErrorWord*>(host);
  *mErrorHost = ErrorWord{};
  void* deviceView = nullptr;
  if (!check(cudaHostGetDevicePointer(&deviceView, host, 0), "cudaHostGetDevicePointer")) return;
  mErrorDevice = static_cast<ErrorWord*>(deviceView);
  if (!check(cublasCreate(&mBlas), "cublasCreate")) return;
  // The default math mode: FP32 GEMMs stay FP32 (no TF32), for parity with the CPU backend.
  if (!check(cublasSetMathMode(mBlas, CUBLAS_DEFAULT_MATH), "cublasSetMathMode")) return;
  if (!check(cublasSetStream(mBlas, mStream), "cublasSetStream")) return;
  const std::size_t workspace = cublasWorkspaceBytes(mProperties.major);
  if (!check(cudaMalloc(&mWorkspace, workspace), "cudaMalloc (cuBLAS workspace)")) return;
  check(cublasSetWorkspace(mBlas, mWorkspace, workspace), "cublasSetWorkspace");
}

CudaContext::~CudaContext() {
  makeCurrent();
  if (mStream) cudaStreamSynchronize(mStream);
  for (Slot& slot : mBuffers) {
    if (slot.live && slot.data) cudaFree(slot.data);
  }
  if (mBlas) cublasDestroy(mBlas);
  if (mWorkspace) cudaFree(mWorkspace);
  if (mErrorHost) cudaFreeHost(mErrorHost);
  if (mStream) cudaStreamDestroy(mStream);
}

void CudaContext::fail(std::string line) {
  if (mFailure.empty()) mFailure = std::move(line);
}

bool CudaContext::check(cudaError_t result, const char* what) {
  if (result == cudaSuccess) return true;
  // Errors that leave the context unusable: what was on the device is gone.
  if (result == cudaErrorIllegalAddress || result == cudaErrorLaunchFailure || result == cudaErrorECCUncorrectable ||
      result == cudaErrorHardwareStackError || result == cudaErrorIllegalInstruction ||
      result == cudaErrorMisalignedAddress || result == cudaErrorDevicesUnavailable)
    mLost = true;
  fail(std::string("cuda backend: ") + what + " failed: " + cudaGetErrorString(result));
  return false;
}

bool CudaContext::check(cublasStatus_t result, const char* what) {
  if (result == CUBLAS_STATUS_SUCCESS) return true;
  fail(std::string("cuda backend: ") + what + " failed: " + cublasGetStatusString(result));
  return false;
}

bool CudaContext::check(cufftResult result, const char* what) {
  if (result == CUFFT_SUCCESS) return true;
  fail(std::string("cuda backend: ") + what + " failed: cuFFT error " + std::to_string(static_cast<int>(result)));
  return false;
}

void CudaContext::synchronize() {
  if (failed()) return;
  makeCurrent();
  if (!check(cudaStreamSynchronize(mStream), "cudaStreamSynchronize")) return;
  const ErrorWord word = *mErrorHost;
  switch (word.code) {
    case DEVICE_OK:
      return;
    case GATHER_CURSOR:
      fail("cuda backend: gather: batch " + std::to_string(word.a) + " of " + std::to_string(word.b) +
           " rows runs past the index of " + std::to_string(word.c));
      return;
    case GATHER_INDEX:
      fail("cuda backend: gather: index[" + std::to_string(word.a) + "] = " + std::to_string(word.b) +
           " is outside the source's " + std::to_string(word.c) + " rows");
      return;
    case CLASS_TARGET:
      fail("cuda backend: loss: class target[" + std::to_string(word.a) + "] = " + std::to_string(word.b) +
           " is outside [0, " + std::to_string(word.c) + ")");
      return;
    default:
      fail("cuda backend: a kernel reported error " + std::to_string(word.code));
  }
}

BufferId CudaContext::allocate(std::size_t bytes) {
  Slot slot{nullptr, bytes, true};
  if (!failed()) {
    makeCurrent();
    void* memory = nullptr;
    const std::string what = "cudaMalloc of " + formatBytes(bytes);
    if (check(cudaMalloc(&memory, std::max<std::size_t>(bytes, 1)), what.c_str())) {
      slot.data = memory;
      check(cudaMemsetAsync(memory, 0, bytes, mStream), "cudaMemsetAsync");
    }
  }
  mBuffers.push_back(slot);
  return BufferId{static_cast<std::uint32_t>(mBuffers.size())};
}

void CudaContext::release(BufferId id) {
  NSB_CHECK(contains(id)) << "cuda backend: release of unknown buffer " << id.value;
  Slot& slot = mBuffers[id.value - 1];
  if (slot.data) {
    makeCurrent();
    if (mStream) cudaStreamSynchronize(mStream);  // a submitted program may still read it
    cudaFree(slot.data);
  }
  slot = Slot{};
}

std::byte* CudaContext::data(BufferId id) const {
  NSB_CHECK(contains(id)) << "cuda backend: unknown buffer " << id.value;
  return static_cast<std::byte*>(mBuffers[id.value - 1].data);
}

// ---- the backend -------------------------------------------------------------------------------------

namespace {

std::string describe(const cudaDeviceProp& p) {
  int driver = 0;
  cudaDriverGetVersion(&driver);
  return std::string(p.name) + " (compute " + std::to_string(p.major) + "." + std::to_string(p.minor) +
         ", driver CUDA " + std::to_string(driver / 1000) + "." + std::to_string(driver % 1000 / 10) + ")";
}

class CudaBackend final : public Backend {
 public:
  CudaBackend(int device, bool timing) : mContext(device), mTiming(timing) {
    if (!mContext.failed()) mDeviceName = describe(mContext.properties());
  }

  std::string name() const override { return "cuda"; }
  std::string deviceName() const override { return mDeviceName; }
  bool supports(OpKind kind) const override { return kind < OP_KIND_COUNT; }
  core::Status status() const override {
    if (mContext.failed()) return core::runtimeError(mContext.failure());
    return core::Ok{};
  }
  bool deviceLost() const override { return mContext.lost(); }

  void upload(BufferId buffer, std::size_t byteOffset, std::span<const std::byte> data) override {
    NSB_CHECK(byteOffset + data.size() <= mContext.bytes(buffer))
        << "cuda backend: upload of " << data.size() << " bytes at " << byteOffset << " overruns buffer "
        << buffer.value;
    mContext.synchronize();
    std::byte* target = mContext.data(buffer);
    if (mContext.failed() || !target || data.empty()) return;
    mContext.check(cudaMemcpy(target + byteOffset, data.data(), data.size(), cudaMemcpyHostToDevice),
                   "cudaMemcpy (upload)");
    mBytesTransferred += data.size();
  }

  void download(BufferId buffer, std::size_t byteOffset, std::span<std::byte> data) override {
    NSB_CHECK(byteOffset + data.size() <= mContext.bytes(buffer))
        << "cuda backend: download of " << data.size() << " bytes at " << byteOffset << " overruns buffer "
        << buffer.value;
    mContext.synchronize();
    const std::byte* source = mContext.data(buffer);
    if (mContext.failed() || !source || data.empty() ||
        !mContext.check(cudaMemcpy(data.data(), source + byteOffset, data.size(), cudaMemcpyDeviceToHost),
                        "cudaMemcpy (download)")) {
      std::memset(data.data(), 0, data.size());  // a failed backend reads zeros
      return;
    }
    mBytesTransferred += data.size();
  }

  std::unique_ptr<Program> compile(const Graph& graph) override {
    mContext.makeCurrent();
    return std::make_unique<CudaProgram>(mContext, graph, mTiming);
  }

  void synchronize() override { mContext.synchronize(); }

 protected:
  BufferId allocateId(std::size_t bytes) override { return mContext.allocate(bytes); }
  void release(BufferId buffer) override { mContext.release(buffer); }

  // cudaMemGetInfo's free memory less MEMORY_MARGIN; CUDA has no per-buffer limit below that.
  MemoryBudget deviceBudget() const override {
    std::size_t free = 0, total = 0;
    mContext.makeCurrent();
    if (cudaMemGetInfo(&free, &total) != cudaSuccess) {
      cudaGetLastError();
      return {.source = "cudaMemGetInfo failed"};
    }
    const auto available = static_cast<std::uint64_t>(static_cast<double>(free) * (1.0 - MEMORY_MARGIN));
    return {.available = available,
            .largestBuffer = available,
            .source = "cudaMemGetInfo",
            .bufferLimit = "the device's free memory"};
  }

 private:
  CudaContext mContext;
  bool mTiming = false;
  std::string mDeviceName;
};

// Ok when the driver library loads and a device is there; else the one line saying which is missing.
core::Status usable() {
  // cudart (static) loads libcuda.so.1 itself; asking first gives the message a name the user can act on.
  if (!dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {
    const char* reason = dlerror();
    return core::runtimeError(std::string("the NVIDIA driver library libcuda.so.1 cannot be loaded (") +
                              (reason ? reason : "not found") + ")");
  }
  int count = 0;
  const cudaError_t result = cudaGetDeviceCount(&count);
  if (result != cudaSuccess) {
    cudaGetLastError();
    return core::runtimeError(std::string("no CUDA device: ") + cudaGetErrorString(result));
  }
  if (count == 0) return core::runtimeError("no CUDA device: the driver sees none");
  return core::Ok{};
}

core::Result<std::unique_ptr<Backend>> create(const BackendOptions& options) {
  if (auto ok = usable(); !ok) return ok.error();
  int count = 0;
  cudaGetDeviceCount(&count);
  const int device = std::max(options.device, 0);
  if (device >= count)
    return core::badInput("--device " + std::to_string(device) + ": there " + (count == 1 ? "is " : "are ") +
                          std::to_string(count) + " CUDA device" + (count == 1 ? "" : "s"));
  auto backend = std::make_unique<CudaBackend>(device, options.timing);
  if (auto ok = backend->status(); !ok) return ok.error();
  return std::unique_ptr<Backend>(std::move(backend));
}

std::vector<DeviceDescription> devices() {
  std::vector<DeviceDescription> list;
  if (!usable()) return list;
  int count = 0;
  cudaGetDeviceCount(&count);
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
    list.push_back({"cuda",
                    i,
                    p.name,
                    {{"compute capability", std::to_string(p.major) + "." + std::to_string(p.minor)},
                     {"memory", formatBytes(p.totalGlobalMem)},
                     {"multiprocessors", std::to_string(p.multiProcessorCount)},
                     {"max shared memory per block", std::to_string(p.sharedMemPerBlockOptin) + " bytes"},
                     {"driver", describe(p)}},
                    false});
  }
  return list;
}

}  // namespace
}  // namespace nsb::compute::cuda

extern "C" __attribute__((visibility("default"))) const nsb::compute::cuda::ModuleApi* nsbCudaModule() {
  static const nsb::compute::cuda::ModuleApi api{nsb::compute::cuda::MODULE_VERSION, &nsb::compute::cuda::usable,
                                                 &nsb::compute::cuda::create, &nsb::compute::cuda::devices};
  return &api;
}
