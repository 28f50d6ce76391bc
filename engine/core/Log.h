#pragma once
// Logging through spdlog. One logger, "nsb"; the editor adds a sink for its Log panel.
#include <spdlog/spdlog.h>

namespace nsb::core {

// The project's logger (created on first use; writes to stderr).
spdlog::logger& log();

}  // namespace nsb::core
