#version 450
// FP32 peak probe (vkpeak-style): independent multiply-add chains per invocation, nothing read, one
// store at the end so that the work is kept. Each chain step is a multiply and an add: 2 FLOPs, with
// or without FMA (lavapipe emits separate instructions). x converges to 1, so no overflow or denormals.
#extension GL_EXT_control_flow_attributes : require
// 8 on CPU devices (one SIMD program on lavapipe; 256-wide groups measured 86-89 GFLOP/s), 64 on GPUs.
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Push { uint iterations; float a, b; } p;

// vec4 chains: 12 independent multiply-add chains per invocation. On lavapipe (8 lanes of AVX2) that is
// 12 of the 16 vector registers: enough chains to cover the multiply and add latencies, no spills (4 vec4
// chains measured 70-80 GFLOP/s, 3 chains 87-101).
const uint CHAINS = 3u;
const uint UNROLL = 8u;

void main() {
  vec4 x[CHAINS];
  [[unroll]] for (uint c = 0u; c < CHAINS; ++c) x[c] = vec4(float(gl_GlobalInvocationID.x % 7u + c)) * 0.01;
  const vec4 a = vec4(p.a), b = vec4(p.b);
  for (uint i = 0u; i < p.iterations; ++i) {
    [[unroll]] for (uint u = 0u; u < UNROLL; ++u) {
      [[unroll]] for (uint c = 0u; c < CHAINS; ++c) x[c] = x[c] * a + b;
    }
  }
  vec4 sum = vec4(0.0);
  [[unroll]] for (uint c = 0u; c < CHAINS; ++c) sum += x[c];
  o[gl_GlobalInvocationID.x] = sum.x + sum.y + sum.z + sum.w;
}
