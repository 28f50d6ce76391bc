#version 450
// One optimizer step, one invocation per parameter. The learning rate and every other hyperparameter
// come from the hyper buffer and the step from the counters buffer (layout and schedule mirror
// compute/OptimizerMath.h and the CPU reference), so a live edit needs no re-recording.
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint KIND = 6;  // compute::OptimizerKind
// Four parameters per invocation through vec4 views of the same buffers (offsets multiples of 4; the
// last count % 4 one by one): lavapipe turns each storage-buffer access into a per-lane loop, so a
// quarter of the loops.
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

// The hyperparameters of this step, read once per invocation: lavapipe turns every storage-buffer
// load into a per-lane loop, so reading them per parameter cost more than the update itself.
struct Step {
  float lr, eps, correction1, correction2, b1, b2, mu, rho, l1, l2, decay;
};

// One parameter: w and the optimizer state updated in place.
void update(uint i, inout float wv, float g, inout float m1, inout float m2, Step st) {
  const bool regularized = i < p.regularized;
  if (KIND == ADAMW && regularized) wv -= st.lr * st.decay * wv;
  if (regularized) g += st.l2 * wv + st.l1 * sign(wv);
  if (KIND == GD || KIND == SGD) {
    wv -= st.lr * g;
  } else if (KIND == MOMENTUM || KIND == NESTEROV) {
    const float v = st.mu * m1 + g;
    m1 = v;
    wv -= KIND == MOMENTUM ? st.lr * v : st.lr * (g + st.mu * v);
  } else if (KIND == ADAGRAD || KIND == RMSPROP) {
    const float s = KIND == ADAGRAD ? m1 + g * g : st.rho * m1 + (1.0 - st.rho) * g * g;
    m1 = s;
    wv -= st.lr * g / (sqrt(s) + st.eps);
  } else {
    const float m = st.b1 * m1 + (1.0 - st.b1) * g;
    const float v = st.b2 * m2 + (1.0 - st.b2) * g * g;
    m1 = m;
    m2 = v;
    wv -= st.lr * (m / st.correction1) / (sqrt(v / st.correction2) + st.eps);
  }
}

void main() {
  const int step = counters[p.countersOffset];
  const bool adam = KIND == ADAM || KIND == ADAMW;
  Step st;
  st.lr = scheduledLearningRate(step);
  st.eps = h(H_EPSILON);
  st.b1 = h(H_BETA1);
  st.b2 = h(H_BETA2);
  st.correction1 = adam ? 1.0 - powInt(st.b1, step + 1) : 1.0;
  st.correction2 = adam ? 1.0 - powInt(st.b2, step + 1) : 1.0;
  st.mu = h(H_MOMENTUM);
  st.rho = h(H_RHO);
  st.l1 = h(H_L1);
  st.l2 = KIND == ADAMW ? 0.0 : h(H_L2);
  st.decay = h(H_WEIGHT_DECAY);
  const bool one = KIND == MOMENTUM || KIND == NESTEROV || KIND == ADAGRAD || KIND == RMSPROP || adam;
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  uint scalarFrom = 0u;
  if (VEC4) {
    const uint quads = p.count / 4u;
    for (uint q = gl_GlobalInvocationID.x; q < quads; q += stride) {
      vec4 wv = w4[p.paramsOffset / 4u + q];
      const vec4 g = grads4[p.gradsOffset / 4u + q];
      vec4 m1 = one ? s14[p.state1Offset / 4u + q] : vec4(0.0);
      vec4 m2 = adam ? s24[p.state2Offset / 4u + q] : vec4(0.0);
      [[unroll]] for (uint c = 0u; c < 4u; ++c) update(q * 4u + c, wv[c], g[c], m1[c], m2[c], st);
      w4[p.paramsOffset / 4u + q] = wv;
      if (one) s14[p.state1Offset / 4u + q] = m1;
      if (adam) s24[p.state2Offset / 4u + q] = m2;
    }
    scalarFrom = quads * 4u;  // the last count % 4 parameters
  }
  for (uint i = scalarFrom + gl_GlobalInvocationID.x; i < p.count; i += stride) {
    float wv = w[p.paramsOffset + i];
    float m1 = one ? s1[p.state1Offset + i] : 0.0;
    float m2 = adam ? s2[p.state2Offset + i] : 0.0;
    update(i, wv, grads[p.gradsOffset + i], m1, m2, st);
    w[p.paramsOffset + i] = wv;
    if (one) s1[p.state1Offset + i] = m1;
    if (adam) s2[p.state2Offset + i] = m2;
  }
}
