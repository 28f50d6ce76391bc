#version 450
// GEMM for CPU devices (lavapipe): A and B read through uniform texel buffers (a straight gather
// there, where storage-buffer and shared-memory loads become per-lane loops), an 8x8 block of C per
// invocation in 16 vec4 accumulators, no shared memory, workgroups of 8 invocations along N (one SIMD
// program on lavapipe), the K loop unrolled UNROLL_K times. An operand whose row length and offset
// are multiples of 4 floats is read through its RGBA32F view, any other through its R32F view
// (VEC_A/VEC_B false). The K tail and the M/N edges are handled here (reads clamped, stores masked),
// and the epilogues of nsb_gemm_epilogue.glsl fuse the op that follows.
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x_id = 0, local_size_y = 1) in;
layout(constant_id = 1) const bool TRANS_A = false;
layout(constant_id = 2) const bool TRANS_B = false;
layout(constant_id = 3) const bool VEC_A = true;
layout(constant_id = 7) const bool VEC_B = true;
layout(constant_id = 4) const uint EPILOGUE = 0;
layout(constant_id = 5) const bool BIAS_GRAD = false;
layout(constant_id = 6) const uint UNROLL_K = 1;  // steps of 4 per main-loop iteration

layout(std430, binding = 0) buffer C { float c[]; };
layout(std430, binding = 1) buffer E0 { float e0[]; };
layout(std430, binding = 2) buffer E1 { float e1[]; };
layout(std430, binding = 3) buffer E2 { float e2[]; };
layout(binding = 4) uniform samplerBuffer A;
layout(binding = 5) uniform samplerBuffer B;
layout(push_constant) uniform Push {
  uint M, N, K, aOffset, bOffset, cOffset;  // aOffset and bOffset in texels of the view that is read
  float alpha, beta;
  uint lda, ldb;  // stored row lengths of A and B in texels of the view that is read
  uint activation, e0Offset, e1Offset, e2Offset, haveA;
} p;

#include "nsb_gemm_epilogue.glsl"

// Lanes of a workgroup along N; the others take further 8-row blocks of C. Narrow outputs (an output
// layer of 1 or 10, a hidden layer of 16) would otherwise leave most lanes idle and need one
// workgroup per 8 rows, and a lavapipe workgroup costs microseconds to start.
layout(constant_id = 9) const uint COL_LANES = 8;
// N and every offset of C and the epilogue's tensors multiples of 4: C and the fused outputs are
// stored four at a time (a quarter of lavapipe's per-lane store loops, which dominate thin GEMMs).
layout(constant_id = 8) const bool STORE_VEC4 = false;
layout(std430, binding = 0) buffer C4 { vec4 c4[]; };
layout(std430, binding = 1) buffer E04 { vec4 e04[]; };
layout(std430, binding = 2) buffer E14 { vec4 e14[]; };
layout(std430, binding = 3) buffer E24 { vec4 e24[]; };

// storeC (nsb_gemm_epilogue.glsl) for C[m, n .. n + 3], in the same order of writes.
void storeC4(uint m, uint n, vec4 sum) {
  const uint e = m * p.N + n;
  const uint at = (p.cOffset + e) / 4u;
  vec4 v = p.alpha * sum;
  if (p.beta != 0.0) v += p.beta * c4[at];
  if (EPILOGUE == EPILOGUE_BIAS_ACT) v += e04[(p.e0Offset + n) / 4u];
  c4[at] = v;
  if (EPILOGUE == EPILOGUE_BIAS_ACT) {
    vec4 a;
    [[unroll]] for (uint q = 0u; q < 4u; ++q) a[q] = activate(p.activation, v[q]);
    e14[(p.e1Offset + e) / 4u] = a;
  } else if (EPILOGUE == EPILOGUE_ACT_GRAD) {
    const vec4 z = e04[(p.e0Offset + e) / 4u];
    const vec4 av = p.haveA != 0u ? e14[(p.e1Offset + e) / 4u] : vec4(0.0);
    vec4 d;
    [[unroll]] for (uint q = 0u; q < 4u; ++q) d[q] = v[q] * activationDerivative(p.activation, z[q], av[q], p.haveA != 0u);
    e24[(p.e2Offset + e) / 4u] = d;
  }
}

vec4 acc[16];  // acc[i * 2 + h][q] = C[m0 + i, n0 + 4h + q]
float rowSum[8];

// ra[i][kk] = op(A)[m0 + i, k + kk]; rows past M are clamped (never stored), k past K reads zero.
void loadA(uint m0, uint k, bool tail, out vec4 ra[8]) {
  if (!TRANS_A) {
    [[unroll]] for (uint i = 0u; i < 8u; ++i) {
      const uint base = p.aOffset + min(m0 + i, p.M - 1u) * p.lda;
      if (VEC_A) {
        ra[i] = texelFetch(A, int(base + k / 4u));
      } else {
        [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) {
          const uint kc = tail ? min(k + kk, p.K - 1u) : k + kk;
          ra[i][kk] = texelFetch(A, int(base + kc)).x;
          if (tail && k + kk >= p.K) ra[i][kk] = 0.0;
        }
      }
    }
  } else {
    [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) {
      const uint base = p.aOffset + (tail ? min(k + kk, p.K - 1u) : k + kk) * p.lda;
      vec4 lo, hi;
      if (VEC_A) {
        lo = texelFetch(A, int(base + min(m0 / 4u, p.lda - 1u)));
        hi = texelFetch(A, int(base + min(m0 / 4u + 1u, p.lda - 1u)));
      } else {
        [[unroll]] for (uint q = 0u; q < 4u; ++q) {
          lo[q] = texelFetch(A, int(base + min(m0 + q, p.M - 1u))).x;
          hi[q] = texelFetch(A, int(base + min(m0 + 4u + q, p.M - 1u))).x;
        }
      }
      if (tail && k + kk >= p.K) {
        lo = vec4(0.0);
        hi = vec4(0.0);
      }
      ra[0][kk] = lo.x; ra[1][kk] = lo.y; ra[2][kk] = lo.z; ra[3][kk] = lo.w;
      ra[4][kk] = hi.x; ra[5][kk] = hi.y; ra[6][kk] = hi.z; ra[7][kk] = hi.w;
    }
  }
}

// rb[kk * 2 + h] = op(B)[k + kk, n0 + 4h .. n0 + 4h + 3].
void loadB(uint n0, uint k, bool tail, out vec4 rb[8]) {
  if (!TRANS_B) {
    [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) {
      const uint row = tail ? min(k + kk, p.K - 1u) : k + kk;
      const float mask = tail && k + kk >= p.K ? 0.0 : 1.0;
      const uint base = p.bOffset + row * p.ldb;
      if (VEC_B) {
        rb[kk * 2u] = texelFetch(B, int(base + min(n0 / 4u, p.ldb - 1u)));
        rb[kk * 2u + 1u] = texelFetch(B, int(base + min(n0 / 4u + 1u, p.ldb - 1u)));
      } else {
        [[unroll]] for (uint q = 0u; q < 4u; ++q) {
          rb[kk * 2u][q] = texelFetch(B, int(base + min(n0 + q, p.N - 1u))).x;
          rb[kk * 2u + 1u][q] = texelFetch(B, int(base + min(n0 + 4u + q, p.N - 1u))).x;
        }
      }
      if (tail) {
        rb[kk * 2u] *= mask;
        rb[kk * 2u + 1u] *= mask;
      }
    }
  } else {
    vec4 bt[8];  // bt[j][kk] = B[n0 + j, k + kk] as stored
    [[unroll]] for (uint j = 0u; j < 8u; ++j) {
      const uint row = min(n0 + j, p.N - 1u);
      if (VEC_B) {
        bt[j] = texelFetch(B, int(p.bOffset + row * p.ldb + k / 4u));
      } else {
        const uint base = p.bOffset + row * p.ldb;
        [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) {
          const uint kc = tail ? min(k + kk, p.K - 1u) : k + kk;
          bt[j][kk] = texelFetch(B, int(base + kc)).x;
        }
        if (tail) {
          [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) bt[j][kk] = k + kk < p.K ? bt[j][kk] : 0.0;
        }
      }
    }
    [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) {
      rb[kk * 2u] = vec4(bt[0][kk], bt[1][kk], bt[2][kk], bt[3][kk]);
      rb[kk * 2u + 1u] = vec4(bt[4][kk], bt[5][kk], bt[6][kk], bt[7][kk]);
    }
  }
}

void step(uint m0, uint n0, uint k, bool tail) {
  vec4 ra[8];
  vec4 rb[8];
  loadA(m0, k, tail, ra);
  loadB(n0, k, tail, rb);
  // Each accumulator takes its four products in a row: it is loaded and stored once per step when
  // the 16 of them do not fit the host's registers.
  [[unroll]] for (uint i = 0u; i < 8u; ++i) {
    [[unroll]] for (uint h = 0u; h < 2u; ++h) {
      vec4 sum = acc[i * 2u + h];
      [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) sum += ra[i][kk] * rb[kk * 2u + h];
      acc[i * 2u + h] = sum;
    }
  }
  if (BIAS_GRAD && n0 == 0u) {
    // Row sums of op(A), added in k order as the CPU's bias gradient does.
    [[unroll]] for (uint i = 0u; i < 8u; ++i) {
      [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) rowSum[i] += ra[i][kk];
    }
  }
}

void main() {
  // No early return for invocations past the edge (their reads are clamped, their stores masked): a
  // lavapipe SIMD program with inactive lanes takes slower paths.
  const uint lane = gl_LocalInvocationID.x;
  const uint m0 = (gl_WorkGroupID.y * (gl_WorkGroupSize.x / COL_LANES) + lane / COL_LANES) * 8u;
  const uint n0 = (gl_WorkGroupID.x * COL_LANES + lane % COL_LANES) * 8u;

  [[unroll]] for (uint i = 0u; i < 16u; ++i) acc[i] = vec4(0.0);
  [[unroll]] for (uint i = 0u; i < 8u; ++i) rowSum[i] = 0.0;
  const uint kUnrolled = p.K / (4u * UNROLL_K) * (4u * UNROLL_K);
  for (uint k = 0u; k < kUnrolled; k += 4u * UNROLL_K) {
    [[unroll]] for (uint u = 0u; u < UNROLL_K; ++u) step(m0, n0, k + 4u * u, false);
  }
  const uint kMain = p.K & ~3u;
  for (uint k = kUnrolled; k < kMain; k += 4u) step(m0, n0, k, false);
  if (kMain < p.K) step(m0, n0, kMain, true);

  [[unroll]] for (uint i = 0u; i < 8u; ++i) {
    const uint gm = m0 + i;
    if (BIAS_GRAD && n0 == 0u && gm < p.M) e2[p.e2Offset + gm] = rowSum[i];
    if (STORE_VEC4) {
      [[unroll]] for (uint h = 0u; h < 2u; ++h) {
        if (gm < p.M && n0 + 4u * h < p.N) storeC4(gm, n0 + 4u * h, acc[i * 2u + h]);
      }
    } else {
      [[unroll]] for (uint j = 0u; j < 8u; ++j) {
        const uint gn = n0 + j;
        if (gm < p.M && gn < p.N) storeC(gm, gn, acc[i * 2u + j / 4u][j % 4u]);
      }
    }
  }
}
