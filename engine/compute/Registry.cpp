#include "compute/Registry.h"

#include "compute/cpu/CpuBackend.h"
#include "core/Log.h"

namespace nsb::compute {

std::vector<std::string> availableBackends() { return {"cpu"}; }

core::Result<std::unique_ptr<Backend>> createBackend(const std::string& kind, const BackendOptions& options) {
  if (kind == "cpu" || kind == "auto") return createCpuBackend(options);
  if (kind == "vulkan" || kind == "cuda") {
    return core::runtimeError("--backend " + kind + ": this build has no " + kind + " backend");
  }
  return core::badInput("--backend: unknown backend '" + kind + "' (expected auto, cpu, vulkan or cuda)");
}

}  // namespace nsb::compute
