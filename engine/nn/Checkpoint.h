#pragma once
// Checkpoints in the safetensors format (8-byte little-endian header length N, N bytes of JSON header
// padded with spaces to a multiple of 8, then raw little-endian F32 data), readable by any safetensors
// reader. Loading trusts nothing in the file; saving replaces the file atomically or not at all.
//
// Tensors (shapes as in torch.nn.Linear):
//   layers.N.weight [out, in], layers.N.bias [out]            the parameters
//   optimizer.layers.N.weight.m / .bias.m                      state1, only when non-empty
//   optimizer.layers.N.weight.v / .bias.v                      state2, only when non-empty
// What the optimizer keeps in m (state1) and v (state2):
//   momentum, nesterov: m = momentum (velocity) buffer, no v
//   adagrad: m = running sum of squared gradients, no v
//   rmsprop: m = exponential average of squared gradients, no v
//   adam, adamw: m = first moment, v = second moment (both uncorrected)
//   gd, sgd: neither
// __metadata__ (every value a JSON-encoded string): "format" ("neural-sandbox/1"), "model"
// (ModelSpec::toJson), "hyperparams" (train::Hyperparams::toJson), "normalisation" ({"scale", "mean",
// "stddev"}), "step", "seed", "optimizer" (its name), "extra" (an object: dataset, features, epoch...).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "compute/Op.h"
#include "core/Result.h"
#include "data/Dataset.h"
#include "nn/ModelSpec.h"

namespace nsb::nn {

constexpr const char* CHECKPOINT_FORMAT = "neural-sandbox/1";
// Larger headers are rejected before parsing, as the reference safetensors reader does.
constexpr std::uint64_t CHECKPOINT_MAX_HEADER = 100ull * 1000 * 1000;

struct Checkpoint {
  ModelSpec spec;
  nlohmann::json hyperparams;  // train::Hyperparams::toJson()
  data::Normalisation normalisation;
  std::uint64_t step = 0, seed = 0;
  compute::OptimizerKind optimizer = compute::OptimizerKind::Adam;
  std::vector<float> parameters;                    // the flat layout of ModelSpec
  std::vector<float> state1, state2;                // optimizer state in the same layout, or empty
  nlohmann::json extra = nlohmann::json::object();  // dataset, features, epoch, ...
};

// Writes PATH.tmp-<pid> beside PATH, syncs it, renames it over PATH and syncs the folder. On failure
// the temp file is removed, an existing PATH is untouched and the error names the path.
core::Status saveCheckpoint(const std::string& path, const Checkpoint& checkpoint);

// The bytes saveCheckpoint writes (exposed for tests and the fuzzer's seed corpus).
core::Result<std::vector<std::uint8_t>> serializeCheckpoint(const Checkpoint& checkpoint);

core::Result<Checkpoint> loadCheckpoint(const std::string& path);

// Validates everything (lengths, JSON, dtypes, shapes against the model in the metadata, offsets,
// metadata values) before trusting it; errors read "NAME: what is wrong".
core::Result<Checkpoint> parseCheckpoint(std::span<const std::uint8_t> bytes, const std::string& nameForErrors);

}  // namespace nsb::nn
