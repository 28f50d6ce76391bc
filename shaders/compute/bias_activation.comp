#version 450
// Fused forward: z[i, j] += bias[j] (in place), a = act(z). z and a may be the same range.
#include "nsb_math.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Z { float z[]; };
layout(std430, binding = 1) readonly buffer Bias { float bias[]; };
layout(std430, binding = 2) buffer Act { float a[]; };
layout(push_constant) uniform Push { uint zOffset, biasOffset, aOffset, rows, n, activation; } p;

void main() {
  const uint total = p.rows * p.n;
  for (uint e = gl_GlobalInvocationID.x; e < total; e += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    const float v = z[p.zOffset + e] + bias[p.biasOffset + e % p.n];
    z[p.zOffset + e] = v;
    a[p.aOffset + e] = activate(p.activation, v);
  }
}
