#version 450
// Fills a float buffer with a constant: the smallest compute shader, used to test the shader embedding.
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { uint count; float value; } pc;
void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i < pc.count) dst[i] = pc.value;
}
