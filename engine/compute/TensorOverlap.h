#pragma once
// Whether two tensors share any byte of one buffer: the ops' validation and the Vulkan backend's
// batching and fusion all ask it.
#include <cstddef>

#include "compute/Tensor.h"

namespace nsb::compute {

inline bool overlaps(const Tensor& a, const Tensor& b) {
  if (a.buffer != b.buffer) return false;
  const std::size_t aBegin = a.byteOffset(), aEnd = aBegin + a.bytes();
  const std::size_t bBegin = b.byteOffset(), bEnd = bBegin + b.bytes();
  return aBegin < bEnd && bBegin < aEnd;
}

}  // namespace nsb::compute
