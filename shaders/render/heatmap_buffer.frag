// Heatmap colours straight from a compute buffer (zero copy on the Vulkan backend): pixel (x, y) of a
// size x size heatmap is values[offset + (y * size + x) * stride + column], a column of a probe's
// row-major [rows, stride] layer. The nearest value: one storage load per pixel instead of the four
// of a bilinear filter, which on lavapipe cost more than the rest of the frame; the grids are drawn
// at about their own size, where the two look alike. The colour map is heatmap.frag's (and
// render/Colormap.h's): keep the three in step.
#version 450

layout(set = 0, binding = 0, std430) readonly buffer Values {
  float values[];
};

layout(push_constant) uniform Push {
  vec4 rect;
  vec4 uv;  // in texels: 0 .. size - 1 across the quad
  vec2 range;
  int discretize;
  float alpha;
  uvec4 source;  // offset, stride, column, size
} pc;

layout(location = 0) in vec2 inUv;
layout(location = 0) out vec4 outColor;

const vec3 LOW = vec3(0.961, 0.576, 0.133);
const vec3 MID = vec3(0.160, 0.168, 0.184);
const vec3 HIGH = vec3(0.031, 0.467, 0.741);

float at(uint x, uint y) {
  return values[pc.source.x + (y * pc.source.w + x) * pc.source.y + pc.source.z];
}

void main() {
  const uint last = pc.source.w - 1u;
  const uvec2 nearest = uvec2(clamp(floor(inUv + 0.5), vec2(0.0), vec2(float(last))));
  const float value = at(nearest.x, nearest.y);
  float t = clamp((value - pc.range.x) / max(pc.range.y - pc.range.x, 1e-12), 0.0, 1.0) * 2.0 - 1.0;
  if (pc.discretize != 0) t = t >= 0.0 ? 1.0 : -1.0;
  const vec3 color = t >= 0.0 ? mix(MID, HIGH, t) : mix(MID, LOW, -t);
  outColor = vec4(color, pc.alpha);
}
