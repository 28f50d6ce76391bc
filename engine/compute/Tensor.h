#pragma once
// Tensor: a typed, shaped view into a backend buffer (a buffer may hold many tensors: a network's
// parameters are one flat buffer and each layer's weight is a view into it). Row-major.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace nsb::compute {

enum class DType : std::uint8_t { F32, I32, U8 };

constexpr std::size_t dtypeSize(DType type) { return type == DType::U8 ? 1 : 4; }
const char* dtypeName(DType type);

// A handle to a buffer owned by a backend; 0 is "none".
struct BufferId {
  std::uint32_t value = 0;
  explicit operator bool() const { return value != 0; }
  bool operator==(const BufferId&) const = default;
};

struct Tensor {
  BufferId buffer;
  std::size_t offset = 0;  // in elements of dtype
  std::vector<std::size_t> shape;
  DType dtype = DType::F32;

  bool valid() const { return static_cast<bool>(buffer); }
  std::size_t elements() const;
  std::size_t bytes() const { return elements() * dtypeSize(dtype); }
  std::size_t byteOffset() const { return offset * dtypeSize(dtype); }
  std::size_t rows() const { return shape.empty() ? 1 : shape.front(); }
  // Elements per row: the product of every dimension after the first.
  std::size_t cols() const;
  std::string describe() const;
};

}  // namespace nsb::compute
