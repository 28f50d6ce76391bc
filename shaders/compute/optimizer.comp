#version 450
// One optimizer step, one invocation per parameter. The learning rate and every other hyperparameter
// come from the hyper buffer and the step from the counters buffer (layout and schedule mirror
// compute/OptimizerMath.h and the CPU reference), so a live edit needs no re-recording.
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint KIND = 6;  // compute::OptimizerKind

layout(std430, binding = 0) buffer Params { float w[]; };
layout(std430, binding = 1) readonly buffer Grads { float grads[]; };
layout(std430, binding = 2) buffer State1 { float s1[]; };
layout(std430, binding = 3) buffer State2 { float s2[]; };
layout(std430, binding = 4) readonly buffer Hyper { float hyper[]; };
layout(std430, binding = 5) readonly buffer Counters { int counters[]; };
layout(push_constant) uniform Push {
  uint paramsOffset, gradsOffset, state1Offset, state2Offset, hyperOffset, countersOffset, count, regularized;
} p;

const uint GD = 0, SGD = 1, MOMENTUM = 2, NESTEROV = 3, ADAGRAD = 4, RMSPROP = 5, ADAM = 6, ADAMW = 7;
const uint H_LR = 0, H_MOMENTUM = 1, H_BETA1 = 2, H_BETA2 = 3, H_RHO = 4, H_EPSILON = 5, H_L1 = 6, H_L2 = 7,
           H_WEIGHT_DECAY = 8, H_SCHEDULE = 9, H_STEP_EVERY = 10, H_STEP_GAMMA = 11, H_TOTAL_STEPS = 12,
           H_MIN_FACTOR = 13;

float h(uint slot) { return hyper[p.hyperOffset + slot]; }

// x^n for integer n >= 0 by squaring: exact for the small n of a schedule, and no pow(0, 0).
float powInt(float x, int n) {
  float result = 1.0;
  float base = x;
  while (n > 0) {
    if ((n & 1) != 0) result *= base;
    base *= base;
    n >>= 1;
  }
  return result;
}

float scheduledLearningRate(int step) {
  const float lr = h(H_LR);
  const int schedule = int(h(H_SCHEDULE));
  if (schedule == 1) {
    const int every = int(h(H_STEP_EVERY));
    if (every <= 0) return lr;
    return lr * powInt(h(H_STEP_GAMMA), step / every);
  }
  if (schedule == 2) {
    const float total = h(H_TOTAL_STEPS);
    if (total <= 0.0) return lr;  // no run length known: constant, as on the CPU
    const float progress = min(float(step) / total, 1.0);
    const float minLr = lr * h(H_MIN_FACTOR);
    return minLr + 0.5 * (lr - minLr) * (1.0 + cos(3.14159265358979 * progress));
  }
  return lr;
}

void main() {
  const int step = counters[p.countersOffset];
  const float lr = scheduledLearningRate(step);
  const float eps = h(H_EPSILON);
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    const uint wi = p.paramsOffset + i;
    float wv = w[wi];
    float g = grads[p.gradsOffset + i];
    const bool regularized = i < p.regularized;
    if (KIND == ADAMW && regularized) wv -= lr * h(H_WEIGHT_DECAY) * wv;
    if (regularized) {
      const float l2 = KIND == ADAMW ? 0.0 : h(H_L2);
      g += l2 * wv + h(H_L1) * sign(wv);
    }
    if (KIND == GD || KIND == SGD) {
      wv -= lr * g;
    } else if (KIND == MOMENTUM || KIND == NESTEROV) {
      const float mu = h(H_MOMENTUM);
      const float v = mu * s1[p.state1Offset + i] + g;
      s1[p.state1Offset + i] = v;
      wv -= KIND == MOMENTUM ? lr * v : lr * (g + mu * v);
    } else if (KIND == ADAGRAD || KIND == RMSPROP) {
      const float old = s1[p.state1Offset + i];
      const float rho = h(H_RHO);
      const float s = KIND == ADAGRAD ? old + g * g : rho * old + (1.0 - rho) * g * g;
      s1[p.state1Offset + i] = s;
      wv -= lr * g / (sqrt(s) + eps);
    } else {
      const float b1 = h(H_BETA1), b2 = h(H_BETA2);
      const float correction1 = 1.0 - powInt(b1, step + 1);
      const float correction2 = 1.0 - powInt(b2, step + 1);
      const float m = b1 * s1[p.state1Offset + i] + (1.0 - b1) * g;
      const float v = b2 * s2[p.state2Offset + i] + (1.0 - b2) * g * g;
      s1[p.state1Offset + i] = m;
      s2[p.state2Offset + i] = v;
      wv -= lr * (m / correction1) / (sqrt(v / correction2) + eps);
    }
    w[wi] = wv;
  }
}
