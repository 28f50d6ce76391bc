#include "data/Dataset.h"

namespace nsb::data {

std::size_t Dataset::outputWidth() const {
  if (task == Task::Regression) return outputs;
  return classes == 2 ? 1 : classes;
}

std::string Dataset::className(std::size_t c) const {
  return c < classNames.size() ? classNames[c] : std::to_string(c);
}

}  // namespace nsb::data
