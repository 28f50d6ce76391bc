#include "core/Log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace nsb::core {

spdlog::logger& log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto created = spdlog::stderr_color_mt("nsb");
    created->set_pattern("[%L] %v");
    created->set_level(spdlog::level::warn);
    return created;
  }();
  return *logger;
}

}  // namespace nsb::core
