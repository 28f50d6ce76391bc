#pragma once
// MemoryEstimate: the bytes a Trainer allocates for a network on a backend, computed from the same
// sizes as Model, Trainer and the probes use, so that a network is checked against the backend's
// MemoryBudget before anything is allocated (Trainer::create, and every edit that makes buffers).
#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "compute/Backend.h"
#include "core/Result.h"
#include "data/Dataset.h"
#include "nn/ModelSpec.h"

namespace nsb::train {

enum class MemoryPart : std::uint8_t {
  Model,    // parameters, gradients, optimizer state (two) and the metrics' copy of the weights: 5 x P floats
  Batches,  // activations and gradients of the training batch and of the evaluation chunk
  Probes,   // the probes' activations and their device slots
  Data,     // the dataset's copy on the backend and its indices
  Small,    // hyperparameters, counters, norms, the weight spectrum
  Host,     // host copies: the last good weights and optimizer state, and as much again while one is made
  COUNT
};

struct MemoryNeed {
  struct Part {
    std::uint64_t bytes = 0;
    std::uint64_t largestBuffer = 0;
  };
  std::array<Part, static_cast<std::size_t>(MemoryPart::COUNT)> parts{};

  Part& operator[](MemoryPart p) { return parts[static_cast<std::size_t>(p)]; }
  const Part& operator[](MemoryPart p) const { return parts[static_cast<std::size_t>(p)]; }
  std::uint64_t device() const;  // every part but Host
  std::uint64_t host() const { return (*this)[MemoryPart::Host].bytes; }
  // Only these parts (an edit makes the model and batches again, but keeps the dataset).
  MemoryNeed only(std::initializer_list<MemoryPart> kept) const;
};

struct MemoryPlan {
  const nn::ModelSpec& spec;
  const data::Dataset& dataset;
  std::size_t batch = 1;                     // effectiveBatch()
  std::size_t evalChunk = 1;                 // TrainerConfig::evalChunk
  std::span<const std::size_t> probeRows{};  // rows of each probe
  std::size_t probeSlots = 0;                // device slots of the probes (Trainer::PROBE_SLOTS where deviceProbes())
  std::size_t replicas = 1;                  // a race's replicas (Race.h): each has its model, batches and state
};

MemoryNeed estimateMemory(const MemoryPlan& plan);

// Bad input, one line naming the need and the budget, when `need` does not fit `backend`'s
// memoryBudget() (its host copies against the host's budget on a device of its own); `what` names the
// network or the edit ("the network 2-64-64-2 at batch 32").
core::Status checkMemory(const MemoryNeed& need, const compute::Backend& backend, const std::string& what);

// "2-64-64-2": inputs, hidden widths, outputs.
std::string describeShape(const nn::ModelSpec& spec);

}  // namespace nsb::train
