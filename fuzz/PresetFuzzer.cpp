// libFuzzer target for the preset loader: any bytes as a preset JSON file give a preset or a
// one-line error, never a crash.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "train/Preset.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return 0;
  auto preset = nsb::train::Preset::fromJson(json, "fuzz");
  if (preset.ok()) {
    (void)preset->toJson().dump();
  } else if (preset.message().empty()) {
    __builtin_trap();  // every error must say what is wrong
  }
  return 0;
}
