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

// A race's replicas (Graph::lanes): in each block of consecutive ops with lanes > 0, the lanes' ops taken
// in turn - every lane's first op, then every lane's second, ... (an op with the fused ops after it as
// one) - which keeps each lane's order, all that a block promises, and puts the replicas' like ops next
// to each other for batchDispatches. `lanes` holds each op's lane (empty: all lane 0).
void interleaveLanes(std::vector<CompiledOp>& ops, const std::vector<std::uint32_t>& lanes);

}  // namespace nsb::compute::vulkan
