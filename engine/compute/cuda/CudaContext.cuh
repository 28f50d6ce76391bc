#pragma once
// CudaContext: what a CUDA backend and its programs share — the device, one stream, the cuBLAS handle with
// its workspace, the buffer table and the first error. Every CUDA, cuBLAS and cuFFT call goes through a
// check() that turns a failure into one line (the backend's status()) instead of an abort; once failed,
// nothing more is sent to the device.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cufft.h>

#include <cstddef>
#include <string>
#include <vector>

#include "compute/Tensor.h"
#include "compute/cuda/CudaKernels.cuh"

namespace nsb::compute::cuda {

class CudaContext {
 public:
  // Fails (failure() non-empty) where the device, stream or cuBLAS cannot be made.
  explicit CudaContext(int device);
  ~CudaContext();
  CudaContext(const CudaContext&) = delete;
  CudaContext& operator=(const CudaContext&) = delete;

  int device() const { return mDevice; }
  cudaStream_t stream() const { return mStream; }
  cublasHandle_t blas() const { return mBlas; }
  ErrorWord* errorWord() const { return mErrorDevice; }
  const cudaDeviceProp& properties() const { return mProperties; }

  // False (and the backend failed, naming `what`) when the call failed.
  bool check(cudaError_t result, const char* what);
  bool check(cublasStatus_t result, const char* what);
  bool check(cufftResult result, const char* what);
  bool failed() const { return !mFailure.empty(); }
  const std::string& failure() const { return mFailure; }
  bool lost() const { return mLost; }
  // Records a failure found outside a call (a bad index found by a kernel).
  void fail(std::string line);
  // Forgets a failure that left the device usable (a graph capture that a library refused).
  void forgive() { mFailure.clear(); }

  // Makes the device current on the calling thread: the backend may be made on one thread and used on
  // another (the Session's training thread), and CUDA's current device is per thread.
  void makeCurrent() const { cudaSetDevice(mDevice); }

  // Waits for the stream and reads the error word the kernels write.
  void synchronize();

  BufferId allocate(std::size_t bytes);
  void release(BufferId id);
  bool contains(BufferId id) const {
    return id.value >= 1 && id.value <= mBuffers.size() && mBuffers[id.value - 1].live;
  }
  std::size_t bytes(BufferId id) const { return contains(id) ? mBuffers[id.value - 1].bytes : 0; }
  // The device address of a buffer byte; null for a placeholder (a failed allocation).
  std::byte* data(BufferId id) const;
  template <typename T>
  T* at(const Tensor& tensor) const {
    std::byte* base = data(tensor.buffer);
    return base ? reinterpret_cast<T*>(base + tensor.byteOffset()) : nullptr;
  }

 private:
  struct Slot {
    void* data = nullptr;
    std::size_t bytes = 0;
    bool live = false;
  };
  int mDevice = 0;
  cudaDeviceProp mProperties{};
  cudaStream_t mStream = nullptr;
  cublasHandle_t mBlas = nullptr;
  void* mWorkspace = nullptr;
  ErrorWord* mErrorHost = nullptr;    // pinned, mapped
  ErrorWord* mErrorDevice = nullptr;  // the same memory as the device sees it
  std::vector<Slot> mBuffers;         // mBuffers[id - 1]; ids are never reused
  std::string mFailure;
  bool mLost = false;
};

}  // namespace nsb::compute::cuda
