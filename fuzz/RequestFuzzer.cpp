// libFuzzer target for the server's request parsers (engine/remote/JobSpec.h, Access.h, Uploads.h): any
// bytes as a request body give a job spec, a hyperparameter edit or a one-line error, never a crash; an
// accepted spec written back and parsed again gives the same spec. The same bytes as a token (file or
// Authorization header), an upload's part name and an id: a token accepted is only [0-9A-Za-z_-], a part
// name maps to a plain file name, an id accepted holds no path.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "remote/Access.h"
#include "remote/JobSpec.h"
#include "remote/Uploads.h"

namespace {
void checkError(const std::string& message) {
  if (message.empty() || message.find('\n') != std::string::npos) __builtin_trap();  // one line, never empty
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto token = nsb::remote::parseToken(body, "token"); token) {
    for (const char c : token.value()) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') __builtin_trap();
    }
    if (!nsb::remote::sameToken(token.value(), token.value())) __builtin_trap();
  } else {
    checkError(token.message());
  }
  const nsb::remote::Tokens tokens{std::string(40, 'a'), std::string(40, 'b')};
  if (tokens.roleOf(nsb::remote::bearerToken(body)) != nsb::remote::Role::None &&
      nsb::remote::bearerToken(body) != std::string(40, 'a') && nsb::remote::bearerToken(body) != std::string(40, 'b'))
    __builtin_trap();
  const std::string file = nsb::remote::uploadFileName(body);
  if (file.find('/') != std::string::npos || file.find("..") != std::string::npos) __builtin_trap();
  if ((nsb::remote::isDatasetId(body) || nsb::remote::isJobId(body)) &&
      (body.find('/') != std::string_view::npos || body.find('.') != std::string_view::npos))
    __builtin_trap();
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
