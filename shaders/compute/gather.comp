#version 450
// Batch gather: dst[i, :] = src[index[cursor * rows + i], :] * scale with the cursor read from the
// counters buffer on the device. U8 sources are read as words (no 8-bit storage extension needed).
// A row outside the index or the source yields zeros (the CPU reference aborts there instead).
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint SRC_TYPE = 0;  // 0 u8, 1 f32, 2 i32

layout(std430, binding = 0) readonly buffer Src { uint src[]; };
layout(std430, binding = 1) readonly buffer Index { int index[]; };
layout(std430, binding = 2) readonly buffer Counters { int counters[]; };
layout(std430, binding = 3) writeonly buffer Dst { uint dst[]; };
layout(push_constant) uniform Push {
  uint srcOffset, indexOffset, indexCount, countersOffset, dstOffset, rows, cols, srcRows;
  float scale;
} p;

void main() {
  const uint total = p.rows * p.cols;
  const int cursor = counters[p.countersOffset + 1u];
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
