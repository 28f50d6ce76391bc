#pragma once
// Graph: an ordered list of ops over tensors. A model builds it; a backend compiles it once into a
// Program and replays that Program (several steps per submit where the backend can).
#include <string>
#include <vector>

#include "compute/Op.h"

namespace nsb::compute {

struct Graph {
  std::vector<Op> ops;
  // Optional label per op for timings ("layers.0.forward"); empty means opName.
  std::vector<std::string> labels;

  void add(Op op, std::string label = {}) {
    ops.push_back(std::move(op));
    labels.push_back(std::move(label));
  }
  std::string label(std::size_t i) const;
};

}  // namespace nsb::compute
