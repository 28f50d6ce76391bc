#version 450
// FP32 peak probe (vkpeak-style): independent multiply-add chains per invocation, nothing read, one
// store at the end so that the work is kept. Each chain step is a multiply and an add: 2 FLOPs, with
// or without FMA (lavapipe emits separate instructions). x converges to 1, so no overflow or denormals.
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 64) in;
layout(std430, binding = 0) writeonly buffer Out { float o[]; };
layout(push_constant) uniform Push { uint iterations; float a, b; } p;

const uint CHAINS = 4u;  // vec4 chains: 16 independent multiply-add chains per invocation
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
