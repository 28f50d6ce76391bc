// libFuzzer target for the server's request parsers (engine/remote/JobSpec.h): any bytes as a request
// body give a job spec, a hyperparameter edit or a one-line error, never a crash; an accepted spec
// written back and parsed again gives the same spec.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "remote/JobSpec.h"

namespace {
void checkError(const std::string& message) {
  if (message.empty() || message.find('\n') != std::string::npos) __builtin_trap();  // one line, never empty
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto json = nsb::remote::parseRequestJson(body);
  if (!json) {
    checkError(json.message());
    return 0;
  }
  auto spec = nsb::remote::parseJobSpec(json.value());
  if (spec) {
    auto again = nsb::remote::parseJobSpec(spec->toJson());
    if (!again || again->toJson() != spec->toJson()) __builtin_trap();
  } else {
    checkError(spec.message());
  }
  auto edit = nsb::remote::parseHyperparamEdit(json.value());
  if (!edit) checkError(edit.message());
  return 0;
}
