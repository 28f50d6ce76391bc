#version 450
// GEMM for GPUs: C = alpha op(A) op(B) + beta C with BM x BN tiles of A and B staged through shared
// memory (BK deep) and a TM x TN block of C per invocation, strided so that shared reads are conflict-free.
// Any M, N, K and offsets (edges zero-filled); tile sizes are specialisation constants. The epilogues
// of nsb_gemm_epilogue.glsl fuse the op that follows, as in gemm_texel.comp.
layout(local_size_x_id = 0, local_size_y_id = 1) in;
layout(constant_id = 2) const uint TM = 4;
layout(constant_id = 3) const uint TN = 4;
layout(constant_id = 4) const uint BK = 16;
layout(constant_id = 5) const bool TRANS_A = false;
layout(constant_id = 6) const bool TRANS_B = false;
layout(constant_id = 7) const uint EPILOGUE = 0;
layout(constant_id = 8) const bool BIAS_GRAD = false;  // also e2[m] = sum_k op(A)[m, k] (the bias gradient)

const uint TX = gl_WorkGroupSize.x;
const uint TY = gl_WorkGroupSize.y;
const uint BM = TY * TM;
const uint BN = TX * TN;
const uint THREADS = TX * TY;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) buffer C { float c[]; };
layout(std430, binding = 3) buffer E0 { float e0[]; };
layout(std430, binding = 4) buffer E1 { float e1[]; };
layout(std430, binding = 5) buffer E2 { float e2[]; };
layout(push_constant) uniform Push {
  uint M, N, K, aOffset, bOffset, cOffset;
  float alpha, beta;
  uint lda, ldb;  // unused here (operands are contiguous); the push layout is gemm_texel's
  uint activation, e0Offset, e1Offset, e2Offset, haveA;
  uint zA, zB, zC, zE0, zE1, zE2;  // offset strides of a batched dispatch (nsb_gemm_epilogue.glsl)
} p;

#include "nsb_gemm_epilogue.glsl"

shared float tileA[BK * BM];  // [k][m]
shared float tileB[BK * BN];  // [k][n]

void main() {
  gemmOffsets();
  const uint tx = gl_LocalInvocationID.x;
  const uint ty = gl_LocalInvocationID.y;
  const uint tid = ty * TX + tx;
  const uint m0 = gl_WorkGroupID.y * BM;
  const uint n0 = gl_WorkGroupID.x * BN;

  float acc[TM * TN];
  for (uint i = 0; i < TM * TN; ++i) acc[i] = 0.0;
  float rowSum[TM];
  for (uint i = 0; i < TM; ++i) rowSum[i] = 0.0;
  const bool sumRows = BIAS_GRAD && gl_WorkGroupID.x == 0 && tx == 0;

  for (uint k0 = 0; k0 < p.K; k0 += BK) {
    for (uint e = tid; e < BM * BK; e += THREADS) {
      // Consecutive invocations read consecutive addresses of A in either layout.
      const uint m = TRANS_A ? e % BM : e / BK;
      const uint k = TRANS_A ? e / BM : e % BK;
      const uint gm = m0 + m, gk = k0 + k;
      float v = 0.0;
      if (gm < p.M && gk < p.K) v = TRANS_A ? a[gOffsets.a + gk * p.M + gm] : a[gOffsets.a + gm * p.K + gk];
      tileA[k * BM + m] = v;
    }
    for (uint e = tid; e < BN * BK; e += THREADS) {
      const uint n = TRANS_B ? e / BK : e % BN;
      const uint k = TRANS_B ? e % BK : e / BN;
      const uint gn = n0 + n, gk = k0 + k;
      float v = 0.0;
      if (gn < p.N && gk < p.K) v = TRANS_B ? b[gOffsets.b + gn * p.K + gk] : b[gOffsets.b + gk * p.N + gn];
      tileB[k * BN + n] = v;
    }
    barrier();
    for (uint k = 0; k < BK; ++k) {
      float ra[TM];
      float rb[TN];
      for (uint i = 0; i < TM; ++i) ra[i] = tileA[k * BM + ty + i * TY];
      if (sumRows) {
        for (uint i = 0; i < TM; ++i) rowSum[i] += ra[i];  // in k order, as the CPU's bias gradient
      }
      for (uint j = 0; j < TN; ++j) rb[j] = tileB[k * BN + tx + j * TX];
      for (uint i = 0; i < TM; ++i) {
        for (uint j = 0; j < TN; ++j) acc[i * TN + j] += ra[i] * rb[j];
      }
    }
    barrier();
  }

  for (uint i = 0; i < TM; ++i) {
    const uint gm = m0 + ty + i * TY;
    if (gm >= p.M) continue;
    if (sumRows) e2[gOffsets.e2 + gm] = rowSum[i];
    for (uint j = 0; j < TN; ++j) {
      const uint gn = n0 + tx + j * TX;
      if (gn >= p.N) continue;
      storeC(gm, gn, acc[i * TN + j]);
    }
  }
}
