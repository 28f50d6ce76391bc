// libFuzzer target for the checkpoint loader: any bytes must give a Checkpoint or an error, never a
// crash, a hang, a sanitizer report or an allocation beyond the input's size.
#include <cstddef>
#include <cstdint>
#include <span>

#include "nn/Checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto result = nsb::nn::parseCheckpoint(std::span<const std::uint8_t>(data, size), "fuzz");
  if (result.ok()) {
    // A file that loads must describe itself consistently.
    NSB_CHECK(result->parameters.size() == result->spec.parameterCount()) << "parameter count";
  }
  return 0;
}
