// libFuzzer target for the lesson loader: any bytes as a lesson JSON file give a lesson or an error
// message, never a crash; a lesson's pages give their commands and markup without one either.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "lesson/Lesson.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)nsb::lesson::parseMarkup(text);
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return 0;
  auto lesson = nsb::lesson::Lesson::fromJson(json, "fuzz");
  if (lesson.ok()) {
    for (const auto& page : lesson->pages)
      (void)nsb::lesson::pageCommands(page.settings, {.hidden = {8, 8, 8}, .points = 100});
  } else if (lesson.message().empty()) {
    __builtin_trap();  // every error must say what is wrong
  }
  return 0;
}
