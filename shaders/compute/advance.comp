#version 450
// The end of a training step on the device: step += 1, cursor += 1 (see compute/OptimizerMath.h).
layout(local_size_x = 1) in;
layout(std430, binding = 0) buffer Counters { int counters[]; };
layout(push_constant) uniform Push { uint offset; } p;

void main() {
  counters[p.offset] += 1;
  counters[p.offset + 1u] += 1;
}
