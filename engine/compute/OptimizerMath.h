#pragma once
// The layout of the live hyperparameter buffer (F32) and the counters buffer (I32) that the optimizer
// and gather ops read, and the learning-rate schedule. Shaders mirror these constants and formulas.
#include <cmath>
#include <cstddef>

namespace nsb::compute {

enum HyperSlot : std::size_t {
  HYPER_LR = 0,        // base learning rate
  HYPER_MOMENTUM,      // momentum / Nesterov coefficient
  HYPER_BETA1,         // Adam first-moment decay
  HYPER_BETA2,         // Adam second-moment decay
  HYPER_RHO,           // RMSProp's decay rate of the squared-gradient average
  HYPER_EPSILON,       // AdaGrad / RMSProp / Adam denominator term
  HYPER_L1,            // L1 strength: grad += l1 * sign(w)
  HYPER_L2,            // L2 strength: grad += l2 * w (loss + l2/2 |w|^2)
  HYPER_WEIGHT_DECAY,  // AdamW decoupled decay: w -= lr * wd * w
  HYPER_SCHEDULE,      // 0 constant, 1 step, 2 cosine
  HYPER_STEP_EVERY,    // step schedule: multiply by gamma every this many steps
  HYPER_STEP_GAMMA,    // step schedule factor
  HYPER_TOTAL_STEPS,   // cosine schedule length (lr reaches lr * min_factor there and stays)
  HYPER_MIN_FACTOR,    // cosine floor as a fraction of the base lr
  HYPER_COUNT
};

enum CounterSlot : std::size_t {
  COUNTER_STEP = 0,  // optimizer steps taken so far
  COUNTER_CURSOR,    // batch position within the current epoch's permutation
  COUNTER_COUNT
};

// Learning rate for the update that follows `step` completed steps.
inline float scheduledLearningRate(const float* hyper, int step) {
  const float lr = hyper[HYPER_LR];
  const int schedule = static_cast<int>(hyper[HYPER_SCHEDULE]);
  if (schedule == 1) {
    const int every = static_cast<int>(hyper[HYPER_STEP_EVERY]);
    if (every <= 0) return lr;
    return lr * std::pow(hyper[HYPER_STEP_GAMMA], static_cast<float>(step / every));
  }
  if (schedule == 2) {
    const float total = hyper[HYPER_TOTAL_STEPS];
    if (total <= 0.0f) return lr;  // no run length known: constant
    const float progress = std::fmin(static_cast<float>(step) / total, 1.0f);
    const float minLr = lr * hyper[HYPER_MIN_FACTOR];
    return minLr + 0.5f * (lr - minLr) * (1.0f + std::cos(3.14159265358979f * progress));
  }
  return lr;
}

}  // namespace nsb::compute
