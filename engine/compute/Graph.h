#pragma once
// Graph: an ordered list of ops over tensors. A model builds it; a backend compiles it once into a
// Program and replays that Program (several steps per submit where the backend can).
#include <cstdint>
#include <string>
#include <vector>

#include "compute/Op.h"

namespace nsb::compute {

struct Graph {
  std::vector<Op> ops;
  // Optional label per op for timings ("layers.0.forward"); empty means opName.
  std::vector<std::string> labels;
  // Optional lane per op: 0 (the default) orders the op after everything before it and before
  // everything after it. Consecutive ops with lanes > 0 form a block in which the ops of one lane stay
  // in order but different lanes touch none of the same written data (a race's replicas), so that a
  // backend may run the lanes of a block at the same time.
  std::vector<std::uint32_t> lanes;

  void add(Op op, std::string label = {}, std::uint32_t lane = 0) {
    ops.push_back(std::move(op));
    labels.push_back(std::move(label));
    lanes.push_back(lane);
  }
  std::string label(std::size_t i) const;
  std::uint32_t lane(std::size_t i) const { return i < lanes.size() ? lanes[i] : 0; }
};

}  // namespace nsb::compute
