#version 450
// Pads each image row of width W to VkFFT's in-place R2C layout: 2 * (W / 2 + 1) floats, zeros after W.
layout(local_size_x = 256) in;
layout(std430, binding = 0) readonly buffer Images { float images[]; };
layout(std430, binding = 1) writeonly buffer Packed { float packed[]; };
layout(push_constant) uniform Push { uint imagesOffset, rows, width, paddedWidth; } p;

void main() {
  const uint total = p.rows * p.paddedWidth;
  for (uint e = gl_GlobalInvocationID.x; e < total; e += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    const uint row = e / p.paddedWidth;
    const uint col = e - row * p.paddedWidth;
    packed[e] = col < p.width ? images[p.imagesOffset + row * p.width + col] : 0.0;
  }
}
