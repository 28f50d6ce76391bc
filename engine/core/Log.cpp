#include "core/Log.h"

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace nsb::core {
namespace {

constexpr std::size_t RECENT_LINES = 200;

struct Logger {
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> recent;
  std::shared_ptr<spdlog::logger> logger;
};

// Both sinks are in place before any thread can log: the sink vector is never changed afterwards
// (spdlog does not lock it, so changing it while another thread logs is a data race).
const Logger& instance() {
  static const Logger created = [] {
    auto stderrSink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto recent = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(RECENT_LINES);
    auto logger = std::make_shared<spdlog::logger>("nsb", spdlog::sinks_init_list{stderrSink, recent});
    spdlog::initialize_logger(logger);  // registered as "nsb", with the registry's defaults
    stderrSink->set_pattern("[%L] %v");
    recent->set_pattern("[%H:%M:%S] %l: %v");
    logger->set_level(spdlog::level::warn);
    return Logger{std::move(recent), std::move(logger)};
  }();
  return created;
}

}  // namespace

spdlog::logger& log() { return *instance().logger; }

std::vector<std::string> recentLogLines() { return instance().recent->last_formatted(); }

}  // namespace nsb::core
