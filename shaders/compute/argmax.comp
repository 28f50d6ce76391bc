#version 450
// predictions[i] = the first index of the row's maximum; one column: 1 if z > 0.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer Z { float z[]; };
layout(std430, binding = 1) writeonly buffer Pred { int predictions[]; };
layout(push_constant) uniform Push { uint zOffset, predOffset, rows, n; } p;

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.rows; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    const uint row = p.zOffset + i * p.n;
    if (p.n == 1u) {
      predictions[p.predOffset + i] = z[row] > 0.0 ? 1 : 0;
      continue;
    }
    uint best = 0u;
    for (uint j = 1u; j < p.n; ++j) {
      if (z[row + j] > z[row + best]) best = j;
    }
    predictions[p.predOffset + i] = int(best);
  }
}
