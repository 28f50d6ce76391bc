#pragma once
// Logging through spdlog. One logger, "nsb", with its sinks fixed at creation: stderr and a ring of the
// recent lines that the editor's Log panel reads (no sink is added or removed while threads log).
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

namespace nsb::core {

// The project's logger (created on first use; writes to stderr and keeps the recent lines).
spdlog::logger& log();

// The last lines logged (at most 200, oldest first, "[12:00:00] warning: ..."); any thread.
std::vector<std::string> recentLogLines();

}  // namespace nsb::core
