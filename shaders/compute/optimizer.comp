#version 450
// One optimizer step, one invocation per parameter. The learning rate and every other hyperparameter
// come from the hyper buffer and the step from the counters buffer (layout and schedule mirror
// compute/OptimizerMath.h and the CPU reference), so a live edit needs no re-recording.
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint KIND = 6;  // compute::OptimizerKind
// Four parameters per invocation through vec4 views of the same buffers (count and offsets multiples
// of 4): lavapipe turns each storage-buffer access into a per-lane loop, so a quarter of the loops.
layout(constant_id = 1) const bool VEC4 = false;

layout(std430, binding = 0) buffer Params { float w[]; };
layout(std430, binding = 1) readonly buffer Grads { float grads[]; };
layout(std430, binding = 2) buffer State1 { float s1[]; };
layout(std430, binding = 3) buffer State2 { float s2[]; };
layout(std430, binding = 4) readonly buffer Hyper { float hyper[]; };
layout(std430, binding = 5) readonly buffer Counters { int counters[]; };
layout(std430, binding = 0) buffer Params4 { vec4 w4[]; };
layout(std430, binding = 1) readonly buffer Grads4 { vec4 grads4[]; };
layout(std430, binding = 2) buffer State14 { vec4 s14[]; };
layout(std430, binding = 3) buffer State24 { vec4 s24[]; };
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

// One parameter: w and the optimizer state updated in place.
void update(uint i, inout float wv, float g, inout float m1, inout float m2, float lr, float eps, float correction1,
            float correction2) {
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
    const float v = mu * m1 + g;
    m1 = v;
    wv -= KIND == MOMENTUM ? lr * v : lr * (g + mu * v);
  } else if (KIND == ADAGRAD || KIND == RMSPROP) {
    const float rho = h(H_RHO);
    const float s = KIND == ADAGRAD ? m1 + g * g : rho * m1 + (1.0 - rho) * g * g;
    m1 = s;
    wv -= lr * g / (sqrt(s) + eps);
  } else {
    const float b1 = h(H_BETA1), b2 = h(H_BETA2);
    const float m = b1 * m1 + (1.0 - b1) * g;
    const float v = b2 * m2 + (1.0 - b2) * g * g;
    m1 = m;
    m2 = v;
    wv -= lr * (m / correction1) / (sqrt(v / correction2) + eps);
  }
}

void main() {
  const int step = counters[p.countersOffset];
  const float lr = scheduledLearningRate(step);
  const float eps = h(H_EPSILON);
  const bool adam = KIND == ADAM || KIND == ADAMW;
  const float correction1 = adam ? 1.0 - powInt(h(H_BETA1), step + 1) : 1.0;
  const float correction2 = adam ? 1.0 - powInt(h(H_BETA2), step + 1) : 1.0;
  const bool one = KIND == MOMENTUM || KIND == NESTEROV || KIND == ADAGRAD || KIND == RMSPROP || adam;
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  if (VEC4) {
    for (uint q = gl_GlobalInvocationID.x; q < p.count / 4u; q += stride) {
      vec4 wv = w4[p.paramsOffset / 4u + q];
      const vec4 g = grads4[p.gradsOffset / 4u + q];
      vec4 m1 = one ? s14[p.state1Offset / 4u + q] : vec4(0.0);
      vec4 m2 = adam ? s24[p.state2Offset / 4u + q] : vec4(0.0);
      [[unroll]] for (uint c = 0u; c < 4u; ++c) {
        update(q * 4u + c, wv[c], g[c], m1[c], m2[c], lr, eps, correction1, correction2);
      }
      w4[p.paramsOffset / 4u + q] = wv;
      if (one) s14[p.state1Offset / 4u + q] = m1;
      if (adam) s24[p.state2Offset / 4u + q] = m2;
    }
    return;
  }
  for (uint i = gl_GlobalInvocationID.x; i < p.count; i += stride) {
    float wv = w[p.paramsOffset + i];
    float m1 = one ? s1[p.state1Offset + i] : 0.0;
    float m2 = adam ? s2[p.state2Offset + i] : 0.0;
    update(i, wv, grads[p.gradsOffset + i], m1, m2, lr, eps, correction1, correction2);
    w[p.paramsOffset + i] = wv;
    if (one) s1[p.state1Offset + i] = m1;
    if (adam) s2[p.state2Offset + i] = m2;
  }
}
