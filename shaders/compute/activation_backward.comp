#version 450
// dz = da * act'(z), with act' from a = act(z) for sigmoid and tanh when a is given (as the CPU does).
#include "nsb_math.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer DA { float da[]; };
layout(std430, binding = 1) readonly buffer Z { float z[]; };
layout(std430, binding = 2) readonly buffer Act { float a[]; };
layout(std430, binding = 3) buffer DZ { float dz[]; };
layout(push_constant) uniform Push { uint daOffset, zOffset, aOffset, dzOffset, count, activation, haveA; } p;

void main() {
  for (uint e = gl_GlobalInvocationID.x; e < p.count; e += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    const float av = p.haveA != 0u ? a[p.aOffset + e] : 0.0;
    const float d = activationDerivative(p.activation, z[p.zOffset + e], av, p.haveA != 0u);
    dz[p.dzOffset + e] = da[p.daOffset + e] * d;
  }
}
