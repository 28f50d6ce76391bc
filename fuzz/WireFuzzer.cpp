// libFuzzer target for remote/Wire.h, what an attached editor and the server read from each other: any
// bytes as a snapshot frame or a dataset give the value or a one-line error naming the field, never a
// crash, and a value accepted is written back as the very same bytes (the formats have one encoding);
// the same bytes as a command's JSON give a command or a one-line error, and an accepted command written
// back and read again gives the same JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "remote/JobFrames.h"
#include "remote/JobSpec.h"
#include "remote/Wire.h"

namespace {
void checkError(const std::string& message) {
  if (message.empty() || message.find('\n') != std::string::npos) __builtin_trap();  // one line, never empty
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto snapshot = nsb::remote::decodeSnapshot(bytes); snapshot) {
    if (nsb::remote::encodeSnapshot(*snapshot.value()) != bytes) __builtin_trap();
  } else {
    checkError(snapshot.message());
  }
  // As an editor reads its job's frames (remote/JobFrames.h).
  if (auto frame = nsb::remote::decodeFrame(bytes, nullptr); !frame) checkError(frame.message());
  if (auto dataset = nsb::remote::decodeDataset(bytes); dataset) {
    if (nsb::remote::encodeDataset(*dataset.value()) != bytes) __builtin_trap();
  } else {
    checkError(dataset.message());
  }
  // As the server reads a command's body: depth and size bounded first.
  auto json = nsb::remote::parseRequestJson(bytes, nsb::remote::MAX_COMMAND_BYTES);
  if (!json) return 0;
  auto command = nsb::remote::commandFromJson(json.value());
  if (!command) {
    checkError(command.message());
    return 0;
  }
  auto written = nsb::remote::commandToJson(command.value());
  if (!written) __builtin_trap();  // a command read from the wire can go back on it
  auto again = nsb::remote::commandFromJson(written.value());
  if (!again || nsb::remote::commandToJson(again.value()).value() != written.value()) __builtin_trap();
  return 0;
}
