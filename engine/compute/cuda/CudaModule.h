#pragma once
// The door between the executable and libnsb_cuda.so, the CUDA backend built as a module of its own and
// loaded at run time (dlopen), so that neural-sandbox starts on machines without the NVIDIA driver or the
// CUDA libraries. The module is built from this repository by the same compiler in the same build, so the
// table below may pass C++ types; MODULE_VERSION guards against a stale module beside a newer executable.
#include <memory>
#include <string>
#include <vector>

#include "compute/Backend.h"
#include "compute/Registry.h"
#include "core/Result.h"

namespace nsb::compute::cuda {

constexpr int MODULE_VERSION = 1;
constexpr const char* MODULE_ENTRY = "nsbCudaModule";  // extern "C" const ModuleApi* nsbCudaModule()

struct ModuleApi {
  int version = MODULE_VERSION;
  // Ok when the driver loads and at least one CUDA device is present, else one line saying what is missing.
  core::Status (*usable)() = nullptr;
  // A backend on options.device (-1: device 0), or one line saying why not.
  core::Result<std::unique_ptr<Backend>> (*create)(const BackendOptions& options) = nullptr;
  // The CUDA devices (none where the driver or a device is missing).
  std::vector<DeviceDescription> (*devices)() = nullptr;
};

// The module, loaded once (later calls return the first answer): NSB_CUDA_MODULE when set (a path; tests
// name a missing one), else libnsb_cuda.so beside the executable, else the build tree's. One line naming
// the file or library that is missing when it cannot be loaded.
core::Result<const ModuleApi*> loadModule();

// The module file that loadModule() would load, or the one line saying why there is none (no file is opened).
core::Result<std::string> modulePath();

// Whether the NVIDIA driver's library (libcuda.so.1) loads; asked before the module is, since loading the
// module maps cuBLAS and cuFFT (0.15 s and 200 MB of mappings per process), for nothing without a driver.
core::Status driverLoads();

// Whether this build made the module (NSB_CUDA found nvcc); the module may still be missing at run time.
bool moduleBuilt();

}  // namespace nsb::compute::cuda
