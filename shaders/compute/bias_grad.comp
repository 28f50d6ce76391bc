#version 450
// db[j] = sum over rows of dz[i, j]: one invocation per column, rows summed in order (deterministic,
// and the same order as the CPU reference).
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer DZ { float dz[]; };
layout(std430, binding = 1) writeonly buffer DB { float db[]; };
layout(push_constant) uniform Push { uint dzOffset, dbOffset, rows, n; } p;

void main() {
  const uint j = gl_GlobalInvocationID.x;
  if (j >= p.n) return;
  float sum = 0.0;
  for (uint i = 0u; i < p.rows; ++i) sum += dz[p.dzOffset + i * p.n + j];
  db[p.dbOffset + j] = sum;
}
