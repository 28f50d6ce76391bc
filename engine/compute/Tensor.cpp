#include "compute/Tensor.h"

namespace nsb::compute {

const char* dtypeName(DType type) {
  switch (type) {
    case DType::F32:
      return "f32";
    case DType::I32:
      return "i32";
    case DType::U8:
      return "u8";
  }
  return "?";
}

std::size_t Tensor::elements() const {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

std::size_t Tensor::cols() const {
  std::size_t n = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}

std::string Tensor::describe() const {
  std::string s = dtypeName(dtype);
  s += "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += "x";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace nsb::compute
