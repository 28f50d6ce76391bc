#pragma once
// The CPU reference backend: OpenBLAS sgemm for matrix products, plain C++ for the rest, every
// reduction in a fixed order so that results are deterministic.
#include <memory>

#include "compute/Backend.h"
#include "compute/Registry.h"

namespace nsb::compute {

std::unique_ptr<Backend> createCpuBackend(const BackendOptions& options);

}  // namespace nsb::compute
