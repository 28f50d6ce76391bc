#pragma once
// compute::Backend: the only door to a device. Backends are made by createBackend() (Registry.h);
// nothing outside compute/ names a backend's types. All calls come from one thread (the Session's
// training thread, or a test's), unless a backend says otherwise.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "compute/Graph.h"
#include "compute/MemoryBudget.h"
#include "core/Result.h"

namespace nsb::compute {

// GPU or CPU time spent in one op of a Program's last submit.
struct OpTiming {
  std::string label;
  double microseconds = 0.0;     // per replay (averaged over the repeats of the last submit)
  double flops = 0.0;            // per replay
  std::uint32_t dispatches = 0;  // kernel launches per replay (0: fused into an earlier op, or unknown)
  OpKind kind = OP_KIND_COUNT;   // the op's kind (OP_KIND_COUNT: unknown)
};

// A Graph compiled for one backend: recorded once, replayed by submit().
class Program {
 public:
  virtual ~Program() = default;
  // Runs the graph `repeats` times in order; may return before the device has finished
  // (Backend::synchronize() waits).
  virtual void submit(std::uint32_t repeats = 1) = 0;
  // Per-op times of the last submit (empty if the backend was created without timing).
  virtual std::vector<OpTiming> timings() = 0;
  // How many times the backend recorded this program's commands (1 unless rebuilt).
  virtual std::uint32_t recordings() const { return 1; }
};

class Backend;

// Where a buffer lives on a device that others can read directly (the renderer, on the same VkDevice):
// opaque handles, so that nothing outside compute/ names a backend's types.
struct NativeBuffer {
  std::uint64_t device = 0;  // the VkDevice
  std::uint64_t buffer = 0;  // the VkBuffer (a storage buffer)
  std::size_t offset = 0, bytes = 0;
  // The device's compute timeline semaphore (gpu::VulkanContext::computeTimeline) reaches this value
  // once every write submitted so far is done; 0: no timeline, wait for synchronize() instead.
  std::uint64_t ready = 0;
};

// Owns a backend buffer; move-only.
class Buffer {
 public:
  Buffer() = default;
  Buffer(Backend* backend, BufferId id, std::size_t bytes) : mBackend(backend), mId(id), mBytes(bytes) {}
  Buffer(Buffer&& other) noexcept { *this = std::move(other); }
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { reset(); }

  void reset();
  BufferId id() const { return mId; }
  std::size_t bytes() const { return mBytes; }
  explicit operator bool() const { return static_cast<bool>(mId); }
  // A tensor view into this buffer.
  Tensor tensor(std::vector<std::size_t> shape, DType dtype = DType::F32, std::size_t offset = 0) const {
    return Tensor{mId, offset, std::move(shape), dtype};
  }

 private:
  Backend* mBackend = nullptr;
  BufferId mId;
  std::size_t mBytes = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;        // "cpu", "vulkan", "cuda"
  virtual std::string deviceName() const = 0;  // what runs it, for reports
  virtual bool supports(OpKind kind) const = 0;
  // Threads the backend computes with (the CPU backend's own threads), for reports.
  virtual int threads() const { return 1; }
  // (optional) FP32 GFLOP/s the device reaches with the backend's own peak kernel, measured on the
  // first call (may take a fraction of a second); 0 when unknown.
  virtual double peakGflops() { return 0.0; }

  // A zero-filled buffer of `bytes`. Ask memoryBudget() first: a device that cannot make it fails
  // (status()) and hands out a placeholder.
  Buffer allocate(std::size_t bytes) {
    Buffer buffer(this, allocateId(bytes), bytes);
    mBytesAllocated += bytes;
    return buffer;
  }
  // Bytes of the buffers alive now, as allocate() was asked for them.
  std::uint64_t bytesAllocated() const { return mBytesAllocated; }
  // What may still be allocated here (MemoryBudget.h): the device's own budget, or with
  // BackendOptions::memoryBudget that total less bytesAllocated().
  MemoryBudget memoryBudget() const {
    return mBudgetOverride ? withOverride(deviceBudget(), *mBudgetOverride, mBytesAllocated) : deviceBudget();
  }
  // Set by createBackend from BackendOptions::memoryBudget.
  void setMemoryBudget(std::optional<std::uint64_t> total) { mBudgetOverride = total; }
  // Copies between host and a buffer. Waits for submitted work first.
  virtual void upload(BufferId buffer, std::size_t byteOffset, std::span<const std::byte> data) = 0;
  virtual void download(BufferId buffer, std::size_t byteOffset, std::span<std::byte> data) = 0;

  virtual std::unique_ptr<Program> compile(const Graph& graph) = 0;
  virtual void synchronize() = 0;
  // (optional) The device location of a buffer, for readers on the same device; nullopt where the
  // backend's memory is not shared (CPU, CUDA). Valid until the buffer is released; reads must come
  // after synchronize() and must finish before the buffer is written again.
  virtual std::optional<NativeBuffer> native(BufferId) const { return std::nullopt; }

  // (optional) Ok, or the first device error (out of memory, a failed submit or pipeline, a lost
  // device): one line a user can read. Once failed, a backend does no more work (uploads and submits
  // are dropped, downloads read zeros) and stays failed; its owner stops using it or makes another.
  // Backends whose calls cannot fail (the CPU's) are always Ok.
  virtual core::Status status() const { return core::Ok{}; }
  // (optional) Whether the failure is a lost device (VK_ERROR_DEVICE_LOST): what is on it is gone.
  virtual bool deviceLost() const { return false; }

  // Bytes moved by upload/download since creation (the editor's zero-copy test counts them).
  std::uint64_t bytesTransferred() const { return mBytesTransferred; }

  // Typed helpers over upload/download.
  template <typename T>
  void write(const Tensor& tensor, std::span<const T> values) {
    upload(tensor.buffer, tensor.byteOffset(), std::as_bytes(values));
  }
  template <typename T>
  std::vector<T> read(const Tensor& tensor) {
    std::vector<T> values(tensor.bytes() / sizeof(T));
    download(tensor.buffer, tensor.byteOffset(), std::as_writable_bytes(std::span<T>(values)));
    return values;
  }

 protected:
  virtual BufferId allocateId(std::size_t bytes) = 0;
  virtual void release(BufferId buffer) = 0;
  // (optional) The device's free memory less MEMORY_MARGIN and its largest buffer; unknown (unlimited)
  // unless the backend measures it.
  virtual MemoryBudget deviceBudget() const { return {.source = "not measured by the " + name() + " backend"}; }
  std::uint64_t mBytesTransferred = 0;

 private:
  std::uint64_t mBytesAllocated = 0;
  std::optional<std::uint64_t> mBudgetOverride;

  friend class Buffer;
};

inline Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    reset();
    mBackend = other.mBackend;
    mId = other.mId;
    mBytes = other.mBytes;
    other.mBackend = nullptr;
    other.mId = {};
    other.mBytes = 0;
  }
  return *this;
}

inline void Buffer::reset() {
  if (mBackend && mId) {
    mBackend->mBytesAllocated -= mBytes;
    mBackend->release(mId);
  }
  mBackend = nullptr;
  mId = {};
  mBytes = 0;
}

}  // namespace nsb::compute
