#version 450
// |F| of VkFFT's R2C output (interleaved complex, W / 2 + 1 per row) into the magnitude tensor.
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Spectrum { vec2 spectrum[]; };
layout(std430, binding = 1) writeonly buffer Magnitude { float magnitude[]; };
layout(push_constant) uniform Push { uint magnitudeOffset, count; } p;

void main() {
  for (uint e = gl_GlobalInvocationID.x; e < p.count; e += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    magnitude[p.magnitudeOffset + e] = length(spectrum[e]);
  }
}
