// Heatmap quad: four vertices of a triangle strip from gl_VertexIndex, no vertex buffer. The push
// constants place the quad (in normalized device coordinates) and its window into the atlas.
#version 450

layout(push_constant) uniform Push {
  vec4 rect;  // x0, y0, x1, y1 in NDC
  vec4 uv;    // u0, v0, u1, v1 in the atlas
  vec2 range; // value shown as full orange, value shown as full blue
  int discretize;
  float alpha;
} pc;

layout(location = 0) out vec2 outUv;

void main() {
  const vec2 corner = vec2(float(gl_VertexIndex & 1), float((gl_VertexIndex >> 1) & 1));
  outUv = mix(pc.uv.xy, pc.uv.zw, corner);
  gl_Position = vec4(mix(pc.rect.xy, pc.rect.zw, corner), 0.0, 1.0);
}
