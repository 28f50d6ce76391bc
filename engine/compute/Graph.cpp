#include "compute/Graph.h"

namespace nsb::compute {

std::string Graph::label(std::size_t i) const {
  if (i < labels.size() && !labels[i].empty()) return labels[i];
  return std::string(opName(ops[i]));
}

}  // namespace nsb::compute
