#include "data/Dataset.h"

namespace nsb::data {

std::size_t Dataset::outputWidth() const {
  if (task == Task::Regression) return outputs;
  return classes == 2 ? 1 : classes;
}

}  // namespace nsb::data
