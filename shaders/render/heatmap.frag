// Heatmap colours: a value from the atlas mapped onto TensorFlow Playground's diverging map (orange
// for the low end, a dark grey in the middle, blue for the high end). render/Colormap.h is the same
// map on the host; keep the two in step.
#version 450

layout(set = 0, binding = 0) uniform sampler2D atlas;

layout(push_constant) uniform Push {
  vec4 rect;
  vec4 uv;
  vec2 range;
  int discretize;
  float alpha;
} pc;

layout(location = 0) in vec2 inUv;
layout(location = 0) out vec4 outColor;

const vec3 LOW = vec3(0.961, 0.576, 0.133);
const vec3 MID = vec3(0.160, 0.168, 0.184);
const vec3 HIGH = vec3(0.031, 0.467, 0.741);

void main() {
  // Bit 1 of `discretize`: nearest sampling, the texel under the pixel (clamped to the image).
  vec2 uv = inUv;
  if ((pc.discretize & 2) != 0) {
    const vec2 size = vec2(textureSize(atlas, 0));
    uv = (clamp(floor(inUv * size), pc.uv.xy * size, pc.uv.zw * size - 1.0) + 0.5) / size;
  }
  const float value = texture(atlas, uv).r;
  float t = clamp((value - pc.range.x) / max(pc.range.y - pc.range.x, 1e-12), 0.0, 1.0) * 2.0 - 1.0;
  if ((pc.discretize & 1) != 0) t = t >= 0.0 ? 1.0 : -1.0;
  const vec3 color = t >= 0.0 ? mix(MID, HIGH, t) : mix(MID, LOW, -t);
  outColor = vec4(color, pc.alpha);
}
