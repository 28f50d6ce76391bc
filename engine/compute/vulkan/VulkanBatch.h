#pragma once
// VulkanBatch: runs of dispatches that differ only in their offsets, merged into one dispatch with one
// workgroup layer (gl_WorkGroupID.z) per op. On lavapipe each dispatch costs a fixed start and a wait
// for its slowest workgroup, which made the landscape's many small per-grid-point ops (four dispatches
// of 0.3-0.5 ms each per point under load, session 15) cost more than their arithmetic.
#include <vector>

#include "compute/vulkan/VulkanProgram.h"

namespace nsb::compute::vulkan {

// Merges each run of consecutive ops (fused ops, which hold no commands, in between) whose single
// command is batchable (VulkanOps marks it), with the same pipeline, bindings, workgroups and push words
// but for offsets that advance by the same stride from one op to the next, and where no op writes a
// range another op of the run reads or writes: they may then run in any order, so the merged dispatch
// computes exactly what they did one after another. The run's first op holds the merged command, the
// others none.
void batchDispatches(std::vector<CompiledOp>& ops);

}  // namespace nsb::compute::vulkan
