#version 450
// out[s] = sum over segment s of (x - y)^2 (or x^2): one workgroup per segment, strided partial sums
// and a fixed-shape tree in shared memory, so the result is the same on every run (no float atomics).
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Y { float y[]; };
layout(std430, binding = 2) writeonly buffer Out { float outSums[]; };
layout(std430, binding = 3) readonly buffer Segments { uint segments[]; };  // begin, end pairs
layout(push_constant) uniform Push { uint xOffset, yOffset, outOffset, haveY; } p;

shared float partial[256];

void main() {
  const uint s = gl_WorkGroupID.x;
  const uint t = gl_LocalInvocationID.x;
  const uint begin = segments[2u * s], end = segments[2u * s + 1u];
  float sum = 0.0;
  for (uint e = begin + t; e < end; e += 256u) {
    const float d = p.haveY != 0u ? x[p.xOffset + e] - y[p.yOffset + e] : x[p.xOffset + e];
    sum += d * d;
  }
  partial[t] = sum;
  barrier();
  for (uint width = 128u; width > 0u; width >>= 1u) {
    if (t < width) partial[t] += partial[t + width];
    barrier();
  }
  if (t == 0u) outSums[p.outOffset + s] = partial[0];
}
