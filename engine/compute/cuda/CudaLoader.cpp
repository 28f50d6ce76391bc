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

core::Result<const ModuleApi*> load() {
  const std::vector<std::string> paths = candidates();
  std::string path;
  for (const auto& p : paths) {
    std::error_code ignored;
    if (std::filesystem::exists(p, ignored)) {
      path = p;
      break;
    }
  }
  if (path.empty()) {
    if (!moduleBuilt() && !std::getenv("NSB_CUDA_MODULE"))
      return core::runtimeError("this build has no CUDA backend (nvcc was not found when it was configured)");
    return core::runtimeError("the CUDA module " + (paths.empty() ? std::string(MODULE_FILE) : paths.front()) +
                              " is missing");
  }
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
