#include "train/Hyperparams.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/Format.h"

namespace nsb::train {

using nlohmann::json;

std::array<float, compute::HYPER_COUNT> Hyperparams::deviceValues() const {
  std::array<float, compute::HYPER_COUNT> v{};
  v[compute::HYPER_LR] = learningRate;
  v[compute::HYPER_MOMENTUM] = momentum;
  v[compute::HYPER_BETA1] = beta1;
  v[compute::HYPER_BETA2] = beta2;
  v[compute::HYPER_RHO] = rho;
  v[compute::HYPER_EPSILON] = epsilon;
  v[compute::HYPER_L1] = l1;
  v[compute::HYPER_L2] = l2;
  v[compute::HYPER_WEIGHT_DECAY] = weightDecay;
  v[compute::HYPER_SCHEDULE] = static_cast<float>(schedule);
  v[compute::HYPER_STEP_EVERY] = static_cast<float>(stepEvery);
  v[compute::HYPER_STEP_GAMMA] = stepGamma;
  v[compute::HYPER_TOTAL_STEPS] = static_cast<float>(totalSteps);
  v[compute::HYPER_MIN_FACTOR] = minFactor;
  return v;
}

core::Status Hyperparams::validate() const {
  auto inRange = [](float x, float lo, float hi) { return std::isfinite(x) && x >= lo && x <= hi; };
  if (!inRange(learningRate, 0.0f, 10.0f) || learningRate <= 0.0f) return core::badInput("--lr: must be in (0, 10]");
  if (!inRange(momentum, 0.0f, 0.9999f)) return core::badInput("--momentum: must be in [0, 1)");
  if (!inRange(beta1, 0.0f, 0.9999f)) return core::badInput("--beta1: must be in [0, 1)");
  if (!inRange(beta2, 0.0f, 0.999999f)) return core::badInput("--beta2: must be in [0, 1)");
  if (!inRange(rho, 0.0f, 0.9999f)) return core::badInput("--rho: must be in [0, 1)");
  if (!inRange(epsilon, 1e-12f, 1.0f)) return core::badInput("--eps: must be in [1e-12, 1]");
  if (!inRange(l1, 0.0f, 1.0f)) return core::badInput("--l1: must be in [0, 1]");
  if (!inRange(l2, 0.0f, 1.0f)) return core::badInput("--l2: must be in [0, 1]");
  if (!inRange(weightDecay, 0.0f, 1.0f)) return core::badInput("--weight-decay: must be in [0, 1]");
  if (stepEvery <= 0) return core::badInput("step_every: must be positive");
  if (!inRange(stepGamma, 0.0f, 1.0f) || stepGamma <= 0.0f) return core::badInput("step_gamma: must be in (0, 1]");
  if (totalSteps < 0) return core::badInput("total_steps: must not be negative");
  if (!inRange(minFactor, 0.0f, 1.0f)) return core::badInput("min_factor: must be in [0, 1]");
  if (batchSize > (1u << 20)) return core::badInput("--batch: at most 1048576");
  return core::Ok{};
}

std::size_t effectiveBatch(const Hyperparams& h, std::size_t trainCount) {
  if (h.optimizer == compute::OptimizerKind::Gd || h.batchSize == 0) return trainCount;
  return std::min(h.batchSize, trainCount);
}

std::size_t stepsPerEpoch(const Hyperparams& h, std::size_t trainCount) {
  const std::size_t batch = effectiveBatch(h, trainCount);
  return batch == 0 ? 1 : std::max<std::size_t>(trainCount / batch, 1);
}

namespace {
constexpr const char* SCHEDULES[] = {"constant", "step", "cosine"};
}

const char* scheduleName(Schedule schedule) { return SCHEDULES[static_cast<int>(schedule)]; }

bool parseSchedule(std::string_view name, Schedule& out) {
  for (int i = 0; i < 3; ++i) {
    if (name == SCHEDULES[i]) {
      out = static_cast<Schedule>(i);
      return true;
    }
  }
  return false;
}

json Hyperparams::toJson() const {
  // Floats go through their shortest decimal, so that files say 0.9 and not 0.8999999761581421.
  auto number = [](float v) { return core::decimalValue(v); };
  return {{"optimizer", compute::optimizerName(optimizer)},
          {"lr", number(learningRate)},
          {"momentum", number(momentum)},
          {"beta1", number(beta1)},
          {"beta2", number(beta2)},
          {"rho", number(rho)},
          {"epsilon", number(epsilon)},
          {"l1", number(l1)},
          {"l2", number(l2)},
          {"weight_decay", number(weightDecay)},
          {"schedule", scheduleName(schedule)},
          {"step_every", stepEvery},
          {"step_gamma", number(stepGamma)},
          {"total_steps", totalSteps},
          {"min_factor", number(minFactor)},
          {"batch", batchSize},
          {"init", nn::initName(init)}};
}

core::Status Hyperparams::update(const json& j) {
  if (!j.is_object()) return core::badInput("training: expected a JSON object");
  Hyperparams h = *this;
  for (const auto& item : j.items()) {
    // Named copies, not structured bindings: clang 14 cannot capture bindings in the lambdas below.
    const std::string& key = item.key();
    const json& value = item.value();
    auto number = [&](float& out) -> core::Status {
      if (!value.is_number()) return core::badInput("training: '" + key + "' must be a number");
      out = value.get<float>();
      return core::Ok{};
    };
    auto integer = [&](int& out) -> core::Status {
      if (!value.is_number_integer()) return core::badInput("training: '" + key + "' must be an integer");
      const auto v = value.get<long long>();
      if (v < 0 || v > (1ll << 30)) return core::badInput("training: '" + key + "' is out of range");
      out = static_cast<int>(v);
      return core::Ok{};
    };
    auto name = [&](auto parse, auto& out) -> core::Status {
      if (!value.is_string() || !parse(value.get<std::string>(), out)) {
        return core::badInput("training: unknown " + key + " " + value.dump());
      }
      return core::Ok{};
    };
    if (key == "optimizer")
      NSB_TRY(name(compute::parseOptimizer, h.optimizer));
    else if (key == "lr")
      NSB_TRY(number(h.learningRate));
    else if (key == "momentum")
      NSB_TRY(number(h.momentum));
    else if (key == "beta1")
      NSB_TRY(number(h.beta1));
    else if (key == "beta2")
      NSB_TRY(number(h.beta2));
    else if (key == "rho")
      NSB_TRY(number(h.rho));
    else if (key == "epsilon")
      NSB_TRY(number(h.epsilon));
    else if (key == "l1")
      NSB_TRY(number(h.l1));
    else if (key == "l2")
      NSB_TRY(number(h.l2));
    else if (key == "weight_decay")
      NSB_TRY(number(h.weightDecay));
    else if (key == "schedule")
      NSB_TRY(name(parseSchedule, h.schedule));
    else if (key == "step_every")
      NSB_TRY(integer(h.stepEvery));
    else if (key == "step_gamma")
      NSB_TRY(number(h.stepGamma));
    else if (key == "total_steps")
      NSB_TRY(integer(h.totalSteps));
    else if (key == "min_factor")
      NSB_TRY(number(h.minFactor));
    else if (key == "init")
      NSB_TRY(name(nn::parseInit, h.init));
    else if (key == "batch") {
      int batch = 0;
      NSB_TRY(integer(batch));
      h.batchSize = static_cast<std::size_t>(batch);
    } else if (key == "epochs" || key == "stop_at_loss" || key == "stop_at_accuracy" || key == "seed") {
      continue;  // run settings, read by the trainer
    } else {
      return core::badInput("training: unknown key '" + key + "'");
    }
  }
  NSB_TRY(h.validate());
  *this = h;
  return core::Ok{};
}

}  // namespace nsb::train
