#version 450
// Batch gather: dst[i, :] = src[index[cursor * rows + i], :] * scale with the cursor read from the
// counters buffer on the device. U8 sources are read as words (no 8-bit storage extension needed).
// A row outside the index or the source yields zeros (the CPU reference aborts there instead).
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint SRC_TYPE = 0;  // 0 u8, 1 f32, 2 i32
// Four elements of a row per invocation through vec4 views (cols and offsets multiples of 4): lavapipe
// turns each storage-buffer access into a per-lane loop, so a quarter of the loops.
layout(constant_id = 1) const bool VEC4 = false;
// U8 sources, rows and offsets multiples of 16: sixteen bytes (one uvec4 load) per invocation, written
// as four vec4s, a quarter of the loads again.
layout(constant_id = 2) const bool U8X16 = false;

layout(std430, binding = 0) readonly buffer Src { uint src[]; };
layout(std430, binding = 1) readonly buffer Index { int index[]; };
layout(std430, binding = 2) readonly buffer Counters { int counters[]; };
layout(std430, binding = 3) writeonly buffer Dst { uint dst[]; };
layout(std430, binding = 0) readonly buffer Src4 { uvec4 src4[]; };
layout(std430, binding = 3) writeonly buffer Dst4 { uvec4 dst4[]; };
layout(push_constant) uniform Push {
  uint srcOffset, indexOffset, indexCount, countersOffset, dstOffset, rows, cols, srcRows;
  float scale;
} p;

vec4 bytesOf(uint word) { return vec4(word & 255u, (word >> 8u) & 255u, (word >> 16u) & 255u, word >> 24u); }

void main() {
  const uint total = p.rows * p.cols;
  const int cursor = counters[p.countersOffset + 1u];
  if (U8X16) {
    for (uint e16 = gl_GlobalInvocationID.x; e16 < total / 16u; e16 += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
      const uint e = e16 * 16u;
      const uint r = e / p.cols;
      const uint c = e - r * p.cols;
      const uint position = uint(cursor) * p.rows + r;
      const int row = (cursor >= 0 && position < p.indexCount) ? index[p.indexOffset + position] : -1;
      uvec4 words = uvec4(0u);
      if (row >= 0 && uint(row) < p.srcRows) words = src4[(p.srcOffset + uint(row) * p.cols + c) / 16u];
      const uint d = (p.dstOffset + e) / 4u;
      dst4[d] = floatBitsToUint(bytesOf(words.x) * p.scale);
      dst4[d + 1u] = floatBitsToUint(bytesOf(words.y) * p.scale);
      dst4[d + 2u] = floatBitsToUint(bytesOf(words.z) * p.scale);
      dst4[d + 3u] = floatBitsToUint(bytesOf(words.w) * p.scale);
    }
    return;
  }
  if (VEC4) {
    for (uint e4 = gl_GlobalInvocationID.x; e4 < total / 4u; e4 += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
      const uint e = e4 * 4u;
      const uint r = e / p.cols;
      const uint c = e - r * p.cols;
      const uint position = uint(cursor) * p.rows + r;
      const int row = (cursor >= 0 && position < p.indexCount) ? index[p.indexOffset + position] : -1;
      uvec4 value = uvec4(0u);
      if (row >= 0 && uint(row) < p.srcRows) {
        const uint s = p.srcOffset + uint(row) * p.cols + c;
        if (SRC_TYPE == 0u) {
          const uint word = src[s >> 2u];
          value = floatBitsToUint(bytesOf(word) * p.scale);
        } else if (SRC_TYPE == 1u) {
          value = floatBitsToUint(uintBitsToFloat(src4[s / 4u]) * p.scale);
        } else {
          value = src4[s / 4u];
        }
      }
      dst4[(p.dstOffset + e) / 4u] = value;
    }
    return;
  }
  for (uint e = gl_GlobalInvocationID.x; e < total; e += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    const uint r = e / p.cols;
    const uint c = e - r * p.cols;
    const uint position = uint(cursor) * p.rows + r;
    const int row = (cursor >= 0 && position < p.indexCount) ? index[p.indexOffset + position] : -1;
    uint value = 0u;
    if (row >= 0 && uint(row) < p.srcRows) {
      const uint s = p.srcOffset + uint(row) * p.cols + c;
      if (SRC_TYPE == 0u) {
        const uint byteValue = (src[s >> 2u] >> ((s & 3u) * 8u)) & 255u;
        value = floatBitsToUint(float(byteValue) * p.scale);
      } else if (SRC_TYPE == 1u) {
        value = floatBitsToUint(uintBitsToFloat(src[s]) * p.scale);
      } else {
        value = src[s];
      }
    }
    dst[p.dstOffset + e] = value;
  }
}
