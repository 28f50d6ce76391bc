#pragma once
// Hyperparameters of training. The live ones (learning rate, momentum, betas, L1/L2, schedule) are
// written into the backend's hyperparameter buffer, so that changing them needs no re-recording.
#include <array>
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "compute/Op.h"
#include "compute/OptimizerMath.h"
#include "core/Result.h"
#include "nn/ModelSpec.h"

namespace nsb::train {

enum class Schedule { Constant, Step, Cosine };

struct Hyperparams {
  compute::OptimizerKind optimizer = compute::OptimizerKind::Adam;
  float learningRate = 1e-3f;
  float momentum = 0.9f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float rho = 0.9f;
  float epsilon = 1e-7f;
  float l1 = 0.0f;
  float l2 = 0.0f;
  float weightDecay = 0.01f;
  Schedule schedule = Schedule::Constant;
  int stepEvery = 1000;
  float stepGamma = 0.5f;
  int totalSteps = 0;  // cosine length; 0 = the whole run (set by the trainer from epochs)
  float minFactor = 0.0f;
  std::size_t batchSize = 32;  // 0 = full batch (gd)
  nn::InitKind init = nn::InitKind::Xavier;

  bool operator==(const Hyperparams&) const = default;

  std::array<float, compute::HYPER_COUNT> deviceValues() const;
  core::Status validate() const;
  nlohmann::json toJson() const;
  // Reads the keys present in `json` over the current values.
  core::Status update(const nlohmann::json& json);
};

// The batch a step trains on: the whole training set for gd or batch 0, else the batch size capped
// at the training set. Never 0 for a non-empty training set.
std::size_t effectiveBatch(const Hyperparams& hyperparams, std::size_t trainCount);
// Optimizer steps per epoch at that batch (at least 1).
std::size_t stepsPerEpoch(const Hyperparams& hyperparams, std::size_t trainCount);

const char* scheduleName(Schedule schedule);
bool parseSchedule(std::string_view name, Schedule& out);

}  // namespace nsb::train
