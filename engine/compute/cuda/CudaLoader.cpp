// Finds and loads libnsb_cuda.so (CudaModule.h). The handle is never closed: backends made by the
// module run its code until the process ends.
#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "compute/cuda/CudaModule.h"

namespace nsb::compute::cuda {
namespace {

constexpr const char* MODULE_FILE = "libnsb_cuda.so";

std::string executableFolder() {
  char path[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
  if (length <= 0) return {};
  return std::filesystem::path(std::string(path, static_cast<std::size_t>(length))).parent_path().string();
}

// Where to look, in order; the first file that exists is loaded.
std::vector<std::string> candidates() {
  if (const char* forced = std::getenv("NSB_CUDA_MODULE"); forced && *forced) return {forced};
  std::vector<std::string> paths;
  if (const std::string folder = executableFolder(); !folder.empty()) paths.push_back(folder + "/" + MODULE_FILE);
#ifdef NSB_CUDA_MODULE_PATH
  paths.push_back(NSB_CUDA_MODULE_PATH);
#endif
  return paths;
}

core::Result<std::string> findModule() {
  const std::vector<std::string> paths = candidates();
  for (const auto& p : paths) {
    std::error_code ignored;
    if (std::filesystem::exists(p, ignored)) return p;
  }
  if (!moduleBuilt() && !std::getenv("NSB_CUDA_MODULE"))
    return core::runtimeError("this build has no CUDA backend (nvcc was not found when it was configured)");
  if (paths.size() == 1) return core::runtimeError("the CUDA module " + paths.front() + " is missing");
  std::string places;
  for (const auto& p : paths) places += (places.empty() ? "" : " and ") + p;
  return core::runtimeError(std::string("the CUDA module ") + MODULE_FILE + " is missing (looked for " + places + ")");
}

core::Result<const ModuleApi*> load() {
  auto found = modulePath();
  if (!found) return found.error();
  const std::string path = found.value();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    // dlerror names the library that is missing ("libcublas.so.13: cannot open shared object file").
    const char* reason = dlerror();
    return core::runtimeError("cannot load the CUDA module " + path + ": " + (reason ? reason : "unknown error"));
  }
  using Entry = const ModuleApi* (*)();
  const auto entry = reinterpret_cast<Entry>(dlsym(handle, MODULE_ENTRY));
  if (!entry) return core::runtimeError("the CUDA module " + path + " has no " + MODULE_ENTRY);
  const ModuleApi* api = entry();
  if (!api || api->version != MODULE_VERSION)
    return core::runtimeError("the CUDA module " + path + " is from another build (version " +
                              std::to_string(api ? api->version : 0) + ", expected " + std::to_string(MODULE_VERSION) +
                              ")");
  return api;
}

}  // namespace

core::Result<std::string> modulePath() { return findModule(); }

core::Status driverLoads() {
  static const core::Status status = []() -> core::Status {
    if (dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) return core::Ok{};  // kept open: CUDA uses it
    const char* reason = dlerror();
    return core::runtimeError(std::string("the NVIDIA driver library libcuda.so.1 cannot be loaded (") +
                              (reason ? reason : "not found") + ")");
  }();
  return status;
}

bool moduleBuilt() {
#ifdef NSB_CUDA_MODULE_PATH
  return true;
#else
  return false;
#endif
}

core::Result<const ModuleApi*> loadModule() {
  static std::once_flag once;
  static core::Result<const ModuleApi*> module = core::runtimeError("not loaded");
  std::call_once(once, [] { module = load(); });
  return module;
}

}  // namespace nsb::compute::cuda
