#version 450
// Fused forward: z[i, j] += bias[j] (in place), a = act(z). z and a may be the same range.
#include "nsb_math.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Z { float z[]; };
layout(std430, binding = 1) readonly buffer Bias { float bias[]; };
layout(std430, binding = 2) buffer Act { float a[]; };
// zZ, zBias, zA: offset strides of a batched dispatch (VulkanBatch.h), one op per workgroup layer z.
layout(push_constant) uniform Push { uint zOffset, biasOffset, aOffset, rows, n, activation, zZ, zBias, zA; } p;

void main() {
  const uint total = p.rows * p.n;
  const uint layer = gl_WorkGroupID.z;
  const uint zOffset = p.zOffset + layer * p.zZ, biasOffset = p.biasOffset + layer * p.zBias;
  const uint aOffset = p.aOffset + layer * p.zA;
  for (uint e = gl_GlobalInvocationID.x; e < total; e += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    const float v = z[zOffset + e] + bias[biasOffset + e % p.n];
    z[zOffset + e] = v;
    a[aOffset + e] = activate(p.activation, v);
  }
}
