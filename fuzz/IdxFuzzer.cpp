// libFuzzer target for parseIdx: any bytes must give an array whose size matches its dims, or an error;
// never a crash, a huge allocation or an out-of-bounds read.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "data/Idx.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto array = nsb::data::parseIdx(std::span<const std::uint8_t>(data, size), "fuzz.idx");
  if (array.ok()) {
    std::size_t product = 1;
    for (std::uint32_t d : array->dims) product *= d;
    if (array->dims.empty() || array->dims.size() > 4 || product != array->data.size()) std::abort();
  } else if (array.message().empty()) {
    std::abort();
  }
  return 0;
}
