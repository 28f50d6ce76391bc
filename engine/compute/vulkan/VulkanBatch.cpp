// VulkanBatch: consecutive dispatches merged into one batched dispatch (see VulkanBatch.h).
#include "compute/vulkan/VulkanBatch.h"

#include <cstdint>

#include "compute/TensorOverlap.h"
#include "compute/vulkan/VulkanOps.h"

namespace nsb::compute::vulkan {
namespace {

bool sameBindings(const Command& a, const Command& b) {
  if (a.bindings.size() != b.bindings.size()) return false;
  for (std::size_t i = 0; i < a.bindings.size(); ++i) {
    const Binding &x = a.bindings[i], &y = b.bindings[i];
    if (x.buffer != y.buffer || x.texel != y.texel || x.scalar != y.scalar) return false;
  }
  return true;
}

// The op's command when it is a lone batchable dispatch.
Command* batchable(CompiledOp& op) {
  if (op.commands.size() != 1) return nullptr;
  Command& c = op.commands.front();
  if (!c.pipeline || c.custom || c.offsetWords.empty() || c.groups[2] != 1) return nullptr;
  return &c;
}

// `next` is `previous` at other offsets: the same dispatch but for the offset words.
bool alike(const Command& previous, const Command& next) {
  if (next.pipeline != previous.pipeline || next.pushWords != previous.pushWords || next.groups != previous.groups ||
      next.offsetWords != previous.offsetWords || next.strideWord != previous.strideWord ||
      next.reads != previous.reads || next.writes != previous.writes || !sameBindings(previous, next)) {
    return false;
  }
  for (std::uint32_t w = 0; w < next.pushWords; ++w) {
    bool offset = false;
    for (const std::uint8_t o : next.offsetWords) offset = offset || o == w;
    if (!offset && next.push[w] != previous.push[w]) return false;
  }
  return true;
}

// No range `c` writes is read or written by a command of the run, nor the other way round.
bool independent(const Command& c, const std::vector<const Command*>& run) {
  for (const Command* other : run) {
    for (const Tensor& w : c.writeRanges) {
      for (const Tensor& t : other->readRanges) {
        if (overlaps(w, t)) return false;
      }
      for (const Tensor& t : other->writeRanges) {
        if (overlaps(w, t)) return false;
      }
    }
    for (const Tensor& r : c.readRanges) {
      for (const Tensor& t : other->writeRanges) {
        if (overlaps(r, t)) return false;
      }
    }
  }
  return true;
}

}  // namespace

void batchDispatches(std::vector<CompiledOp>& ops) {
  std::size_t i = 0;
  while (i < ops.size()) {
    Command* first = batchable(ops[i]);
    if (!first) {
      ++i;
      continue;
    }
    std::vector<const Command*> run = {first};
    std::vector<std::size_t> members = {i};
    std::vector<std::int64_t> strides;  // per offset word, set by the run's second command
    std::size_t j = i + 1;
    for (; j < ops.size() && run.size() < MAX_GROUPS; ++j) {
      if (ops[j].fused && ops[j].commands.empty()) continue;
      const Command* next = batchable(ops[j]);
      const Command& previous = *run.back();
      if (!next || !alike(previous, *next)) break;
      std::vector<std::int64_t> step;
      for (const std::uint8_t w : next->offsetWords) {
        step.push_back(static_cast<std::int64_t>(next->push[w]) - static_cast<std::int64_t>(previous.push[w]));
      }
      bool forward = true;
      for (const std::int64_t s : step) forward = forward && s >= 0;
      if (!forward || (!strides.empty() && step != strides) || !independent(*next, run)) break;
      strides = std::move(step);
      run.push_back(next);
      members.push_back(j);
    }
    if (run.size() >= 2) {
      first->groups[2] = u32(run.size());
      for (std::size_t q = 0; q < strides.size(); ++q) first->push[first->strideWord + q] = u32(strides[q]);
      for (std::size_t k = 1; k < members.size(); ++k) ops[members[k]].commands.clear();
    }
    i = members.back() + 1;
  }
}

void interleaveLanes(std::vector<CompiledOp>& ops, const std::vector<std::uint32_t>& lanes) {
  auto lane = [&](std::size_t i) { return i < lanes.size() ? lanes[i] : 0u; };
  std::vector<CompiledOp> ordered;
  ordered.reserve(ops.size());
  std::size_t i = 0;
  while (i < ops.size()) {
    if (lane(i) == 0) {
      ordered.push_back(std::move(ops[i++]));
      continue;
    }
    // The block: each lane's units (an op and the fused ops after it), in order.
    std::vector<std::uint32_t> names;
    std::vector<std::vector<std::vector<std::size_t>>> units;
    std::size_t end = i;
    for (; end < ops.size() && lane(end) != 0; ++end) {
      std::size_t k = 0;
      while (k < names.size() && names[k] != lane(end)) ++k;
      if (k == names.size()) {
        names.push_back(lane(end));
        units.emplace_back();
      }
      if (ops[end].fused && !units[k].empty()) {
        units[k].back().push_back(end);
      } else {
        units[k].push_back({end});
      }
    }
    for (std::size_t position = 0;; ++position) {
      bool any = false;
      for (const auto& laneUnits : units) {
        if (position >= laneUnits.size()) continue;
        any = true;
        for (const std::size_t op : laneUnits[position]) ordered.push_back(std::move(ops[op]));
      }
      if (!any) break;
    }
    i = end;
  }
  ops = std::move(ordered);
}

}  // namespace nsb::compute::vulkan
