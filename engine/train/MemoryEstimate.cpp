// MemoryEstimate: the sizes below mirror Model's constructor and makeWorkspace, Trainer's
// allocateDeviceState, uploadDataset and buildPrograms, and the probes' workspaces and slots; a test
// compares them with the bytes a real Trainer allocates.
#include "train/MemoryEstimate.h"

#include <algorithm>

#include "compute/OptimizerMath.h"
#include "train/TrainingGraphs.h"

namespace nsb::train {
namespace {

constexpr std::uint64_t FLOAT = sizeof(float);

// Model::makeWorkspace: input, four tensors per layer, output, loss, predictions, target.
std::uint64_t workspaceBytes(const nn::ModelSpec& spec, std::uint64_t rows, bool classTargets) {
  std::uint64_t floats = rows * spec.inputs;
  for (std::size_t l = 0; l < spec.layerCount(); ++l) floats += 4 * rows * spec.layerOutputs(l);
  floats += rows * spec.outputs + 1 + rows + rows * (classTargets ? 1 : spec.outputs);
  return floats * FLOAT;
}

void add(MemoryNeed::Part& part, std::uint64_t bytes) {
  part.bytes += bytes;
  part.largestBuffer = std::max(part.largestBuffer, bytes);
}

const char* partName(MemoryPart part) {
  switch (part) {
    case MemoryPart::Model:
      return "parameters and optimizer state";
    case MemoryPart::Batches:
      return "batch activations";
    case MemoryPart::Probes:
      return "probes";
    case MemoryPart::Data:
      return "dataset";
    case MemoryPart::Small:
      return "small state";
    case MemoryPart::Host:
      return "host copies";
    case MemoryPart::COUNT:
      break;
  }
  return "?";
}

// "model 1.0 GiB, batch activations 2.0 MiB, ..." for the parts that are not empty.
std::string breakdown(const MemoryNeed& need, bool withHost) {
  std::string text;
  for (std::size_t i = 0; i < need.parts.size(); ++i) {
    const auto part = static_cast<MemoryPart>(i);
    if (need.parts[i].bytes == 0 || (part == MemoryPart::Host && !withHost)) continue;
    if (!text.empty()) text += ", ";
    text += std::string(partName(part)) + " " + compute::formatBytes(need.parts[i].bytes);
  }
  return text;
}

}  // namespace

std::uint64_t MemoryNeed::device() const {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (static_cast<MemoryPart>(i) != MemoryPart::Host) total += parts[i].bytes;
  }
  return total;
}

MemoryNeed MemoryNeed::only(std::initializer_list<MemoryPart> kept) const {
  MemoryNeed need;
  for (const MemoryPart part : kept) need[part] = (*this)[part];
  return need;
}

MemoryNeed estimateMemory(const MemoryPlan& plan) {
  const nn::ModelSpec& spec = plan.spec;
  const data::Dataset& d = plan.dataset;
  const bool classes = d.task == data::Task::Classification;
  MemoryNeed need;

  const std::uint64_t params = static_cast<std::uint64_t>(spec.parameterCount()) * FLOAT;
  const EvalChunks chunks = evalChunks(d.test.count, plan.evalChunk);
  // A race's replicas one after another in shared buffers (nn::ModelStorage): all but the last padded.
  auto slot = [&](std::uint64_t bytes, std::size_t r) {
    return r + 1 < plan.replicas ? nn::slotStride(bytes / FLOAT, plan.replicas) * FLOAT : bytes;
  };
  for (std::size_t r = 0; r < plan.replicas; ++r) {
    for (int copy = 0; copy < 5; ++copy) add(need[MemoryPart::Model], slot(params, r));
    add(need[MemoryPart::Batches], slot(workspaceBytes(spec, plan.batch, classes), r));
    add(need[MemoryPart::Batches], slot(workspaceBytes(spec, chunks.chunk, classes), r));
    add(need[MemoryPart::Small], compute::HYPER_COUNT * FLOAT);
    add(need[MemoryPart::Small], 3 * spec.layerCount() * FLOAT);
  }

  std::uint64_t layerFloats = 0;
  for (std::size_t l = 0; l < spec.layerCount(); ++l) layerFloats += spec.layerOutputs(l);
  std::uint64_t slotFloats = 0;
  for (const std::size_t rows : plan.probeRows) {
    add(need[MemoryPart::Probes], workspaceBytes(spec, rows, classes));
    slotFloats += rows * layerFloats;
  }
  for (std::size_t s = 0; s < plan.probeSlots; ++s)
    add(need[MemoryPart::Probes], std::max<std::uint64_t>(slotFloats, 1) * FLOAT);

  const std::uint64_t yCols = classes ? 1 : d.outputs;
  for (const data::Split* split : {&d.train, &d.test}) {
    const std::uint64_t rows = std::max<std::size_t>(split->count, 1);
    add(need[MemoryPart::Data], rows * d.features * (d.u8 ? 1 : FLOAT));
    add(need[MemoryPart::Data], rows * yCols * FLOAT);
  }
  add(need[MemoryPart::Data], d.train.count * sizeof(std::int32_t));
  add(need[MemoryPart::Data], chunks.padded * sizeof(std::int32_t));

  add(need[MemoryPart::Small], 2 * compute::COUNTER_COUNT * sizeof(std::int32_t));
  const std::uint64_t h = d.imageHeight, w = d.imageWidth;
  if (plan.replicas == 1 && h > 0 && w > 0 && spec.inputs == h * w)  // a race draws no weight spectrum
    add(need[MemoryPart::Small], spec.layerOutputs(0) * h * (w / 2 + 1) * FLOAT);

  if (plan.replicas == 1) {
    // The last good state (Trainer::keepGoodState: parameters and both optimizer states), and as much
    // again while a copy is made beside it (initial weights, a checkpoint, an edit's host state).
    add(need[MemoryPart::Host], 6 * params);
  } else {
    // A race keeps no good state: the initial weights, and each replica's when read back.
    add(need[MemoryPart::Host], (plan.replicas + 1) * params);
  }
  return need;
}

core::Status checkMemory(const MemoryNeed& need, const compute::Backend& backend, const std::string& what) {
  const compute::MemoryBudget budget = backend.memoryBudget();
  const std::string on = " on " + backend.name();
  std::size_t largest = 0;
  for (std::size_t i = 0; i < need.parts.size(); ++i) {
    if (static_cast<MemoryPart>(i) == MemoryPart::Host) continue;
    if (need.parts[i].largestBuffer > need.parts[largest].largestBuffer) largest = i;
  }
  if (need.parts[largest].largestBuffer > budget.largestBuffer) {
    return core::badInput("memory: " + what + " needs a buffer of " +
                          compute::formatBytes(need.parts[largest].largestBuffer) + " (" +
                          partName(static_cast<MemoryPart>(largest)) + ")" + on + ", more than the device's " +
                          compute::formatBytes(budget.largestBuffer) + " per buffer (" + budget.bufferLimit + ")");
  }
  const std::uint64_t total = need.device() + (budget.host ? need.host() : 0);
  if (total > budget.available) {
    return core::badInput("memory: " + what + " needs " + compute::formatBytes(total) + on + " (" +
                          breakdown(need, budget.host) + "), more than the " + compute::formatBytes(budget.available) +
                          " available (" + budget.source + ")");
  }
  if (!budget.host && need.host() > 0) {
    const compute::MemoryBudget host = compute::hostMemoryBudget();
    if (need.host() > host.available) {
      return core::badInput("memory: " + what + " needs " + compute::formatBytes(need.host()) +
                            " of host memory for its copies of the weights, more than the " +
                            compute::formatBytes(host.available) + " available (" + host.source + ")");
    }
  }
  return core::Ok{};
}

std::string describeShape(const nn::ModelSpec& spec) {
  std::string text = std::to_string(spec.inputs);
  for (const auto& layer : spec.hidden) {
    text += '-';
    text += std::to_string(layer.width);
  }
  text += '-';
  text += std::to_string(spec.outputs);
  return text;
}

}  // namespace nsb::train
