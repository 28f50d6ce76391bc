#pragma once
// Creates backends by name. CPU is always there; Vulkan and CUDA when built and a device exists.
#include <memory>
#include <string>
#include <vector>

#include "compute/Backend.h"
#include "core/Result.h"

namespace nsb::compute {

struct BackendOptions {
  int device = -1;          // device index for GPU backends; -1 chooses the best
  int threads = 0;          // CPU threads; 0 chooses (1 on machines with up to 2 cores, else cores / 2)
  bool timing = false;      // record per-op times
  bool validation = false;  // Vulkan validation layer
};

// "cpu", "vulkan", "cuda" or "auto" (Vulkan when a device exists, else CPU with a one-line notice).
core::Result<std::unique_ptr<Backend>> createBackend(const std::string& kind, const BackendOptions& options = {});

// The backend kinds compiled into this build.
std::vector<std::string> availableBackends();

}  // namespace nsb::compute
