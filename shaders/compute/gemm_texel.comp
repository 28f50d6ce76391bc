#version 450
// GEMM for CPU devices (lavapipe): A and B read through uniform texel buffers (a straight gather
// there, where storage-buffer and shared-memory loads become per-lane loops), a ROWS x 4*CT block of C
// per invocation in vec4 accumulators, no shared memory, workgroups of 8 invocations (one SIMD
// program on lavapipe). An operand whose row length and offset are multiples of 4 floats is read
// through its RGBA32F view, any other through its R32F view (VEC_A/VEC_B false). The K tail and the
// M/N edges are handled here (reads clamped, stores masked), and the epilogues of
// nsb_gemm_epilogue.glsl fuse the op that follows.
//
// Where the 8 lanes of a workgroup all lie along N they share their rows of A: those texel fetches
// then have one address for all lanes (rowLane below is a constant), which lavapipe turns into a load
// and a broadcast instead of a gather; only B is gathered per lane (1024^3: median 28 GFLOP/s against
// 24 before, in runs that spread 19-30). A taller block (16 rows) measured faster still (36-38 GFLOP/s
// in a quiet hour) but took lavapipe three times as long to compile, and a network edit compiles new
// variants while the network trains.
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x_id = 0, local_size_y = 1) in;
layout(constant_id = 1) const bool TRANS_A = false;
layout(constant_id = 2) const bool TRANS_B = false;
layout(constant_id = 3) const bool VEC_A = true;
layout(constant_id = 6) const bool VEC_B = true;
layout(constant_id = 4) const uint EPILOGUE = 0;
layout(constant_id = 5) const bool BIAS_GRAD = false;
// Lanes of a workgroup along N; the others take further row blocks of C. Narrow outputs (an output
// layer of 1 or 10, a hidden layer of 16) would otherwise leave most lanes idle and need one
// workgroup per row block, and a lavapipe workgroup costs microseconds to start.
layout(constant_id = 8) const uint COL_LANES = 8;
// The block of C per invocation (the host's dispatch uses the same numbers): ROWS rows, a multiple of
// 4, and CT texels of 4 columns.
const uint ROWS = 8;
const uint CT = 2;
// N and every offset of C and the epilogue's tensors multiples of 4: C and the fused outputs are
// stored four at a time (a quarter of lavapipe's per-lane store loops, which dominate thin GEMMs).
layout(constant_id = 7) const bool STORE_VEC4 = false;

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
  uint zA, zB, zC, zE0, zE1, zE2;  // offset strides of a batched dispatch (nsb_gemm_epilogue.glsl)
} p;

#include "nsb_gemm_epilogue.glsl"

layout(std430, binding = 0) buffer C4 { vec4 c4[]; };
layout(std430, binding = 1) buffer E04 { vec4 e04[]; };
layout(std430, binding = 2) buffer E14 { vec4 e14[]; };
layout(std430, binding = 3) buffer E24 { vec4 e24[]; };

// storeC (nsb_gemm_epilogue.glsl) for C[m, n .. n + 3], in the same order of writes.
void storeC4(uint m, uint n, vec4 sum) {
  const uint e = m * p.N + n;
  const uint at = (gOffsets.c + e) / 4u;
  vec4 v = p.alpha * sum;
  if (p.beta != 0.0) v += p.beta * c4[at];
  if (EPILOGUE == EPILOGUE_BIAS_ACT) v += e04[(gOffsets.e0 + n) / 4u];
  c4[at] = v;
  if (EPILOGUE == EPILOGUE_BIAS_ACT) {
    vec4 a;
    [[unroll]] for (uint q = 0u; q < 4u; ++q) a[q] = activate(p.activation, v[q]);
    e14[(gOffsets.e1 + e) / 4u] = a;
  } else if (EPILOGUE == EPILOGUE_ACT_GRAD) {
    const vec4 z = e04[(gOffsets.e0 + e) / 4u];
    const vec4 av = p.haveA != 0u ? e14[(gOffsets.e1 + e) / 4u] : vec4(0.0);
    vec4 d;
    [[unroll]] for (uint q = 0u; q < 4u; ++q) d[q] = v[q] * activationDerivative(p.activation, z[q], av[q], p.haveA != 0u);
    e24[(gOffsets.e2 + e) / 4u] = d;
  }
}

vec4 acc[ROWS * CT];  // acc[i * CT + h][q] = C[m0 + i, n0 + 4h + q]
float rowSum[ROWS];
vec4 ra[ROWS];  // the step's operands: see loadA and loadB
vec4 rb[4u * CT];

// ra[i][kk] = op(A)[m0 + i, k + kk]; rows past M are clamped (never stored), k past K reads zero.
void loadA(uint m0, uint k, bool tail) {
  if (!TRANS_A) {
    [[unroll]] for (uint i = 0u; i < ROWS; ++i) {
      const uint base = gOffsets.a + min(m0 + i, p.M - 1u) * p.lda;
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
      const uint base = gOffsets.a + (tail ? min(k + kk, p.K - 1u) : k + kk) * p.lda;
      [[unroll]] for (uint t = 0u; t < ROWS / 4u; ++t) {
        vec4 v;
        if (VEC_A) {
          v = texelFetch(A, int(base + min(m0 / 4u + t, p.lda - 1u)));
        } else {
          [[unroll]] for (uint q = 0u; q < 4u; ++q) v[q] = texelFetch(A, int(base + min(m0 + 4u * t + q, p.M - 1u))).x;
        }
        if (tail && k + kk >= p.K) v = vec4(0.0);
        [[unroll]] for (uint q = 0u; q < 4u; ++q) ra[4u * t + q][kk] = v[q];
      }
    }
  }
}

// rb[kk * CT + h] = op(B)[k + kk, n0 + 4h .. n0 + 4h + 3].
void loadB(uint n0, uint k, bool tail) {
  if (!TRANS_B) {
    [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) {
      const uint row = tail ? min(k + kk, p.K - 1u) : k + kk;
      const float mask = tail && k + kk >= p.K ? 0.0 : 1.0;
      const uint base = gOffsets.b + row * p.ldb;
      if (VEC_B) {
        [[unroll]] for (uint h = 0u; h < CT; ++h) rb[kk * CT + h] = texelFetch(B, int(base + min(n0 / 4u + h, p.ldb - 1u)));
      } else {
        [[unroll]] for (uint h = 0u; h < CT; ++h) {
          [[unroll]] for (uint q = 0u; q < 4u; ++q) rb[kk * CT + h][q] = texelFetch(B, int(base + min(n0 + 4u * h + q, p.N - 1u))).x;
        }
      }
      if (tail) {
        [[unroll]] for (uint h = 0u; h < CT; ++h) rb[kk * CT + h] *= mask;
      }
    }
  } else {
    vec4 bt[4u * CT];  // bt[j][kk] = B[n0 + j, k + kk] as stored
    [[unroll]] for (uint j = 0u; j < 4u * CT; ++j) {
      const uint row = min(n0 + j, p.N - 1u);
      if (VEC_B) {
        bt[j] = texelFetch(B, int(gOffsets.b + row * p.ldb + k / 4u));
      } else {
        const uint base = gOffsets.b + row * p.ldb;
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
      [[unroll]] for (uint h = 0u; h < CT; ++h) rb[kk * CT + h] = vec4(bt[4u * h][kk], bt[4u * h + 1u][kk], bt[4u * h + 2u][kk], bt[4u * h + 3u][kk]);
    }
  }
}

void step(uint m0, uint n0, uint k, bool tail) {
  loadA(m0, k, tail);
  loadB(n0, k, tail);
  // Each accumulator takes its four products in a row: it is loaded and stored once per step when
  // they do not fit the host's registers.
  [[unroll]] for (uint i = 0u; i < ROWS; ++i) {
    [[unroll]] for (uint h = 0u; h < CT; ++h) {
      vec4 sum = acc[i * CT + h];
      [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) sum += ra[i][kk] * rb[kk * CT + h];
      acc[i * CT + h] = sum;
    }
  }
  if (BIAS_GRAD && n0 == 0u) {
    // Row sums of op(A), added in k order as the CPU's bias gradient does.
    [[unroll]] for (uint i = 0u; i < ROWS; ++i) {
      [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) rowSum[i] += ra[i][kk];
    }
  }
}

void main() {
  gemmOffsets();
  // No early return for invocations past the edge (their reads are clamped, their stores masked): a
  // lavapipe SIMD program with inactive lanes takes slower paths.
  const uint lane = gl_LocalInvocationID.x;
  const uint rowLane = COL_LANES == gl_WorkGroupSize.x ? 0u : lane / COL_LANES;
  const uint m0 = (gl_WorkGroupID.y * (gl_WorkGroupSize.x / COL_LANES) + rowLane) * ROWS;
  const uint n0 = (gl_WorkGroupID.x * COL_LANES + lane % COL_LANES) * (4u * CT);

  [[unroll]] for (uint i = 0u; i < ROWS * CT; ++i) acc[i] = vec4(0.0);
  [[unroll]] for (uint i = 0u; i < ROWS; ++i) rowSum[i] = 0.0;
  // Two copies of the step (a K tail decided at run time measured a third slower): lavapipe's compile
  // time grows with every copy of this unrolled body, and a network edit compiles new variants.
  const uint kMain = p.K & ~3u;
  for (uint k = 0u; k < kMain; k += 4u) step(m0, n0, k, false);
  // K is a multiple of 4 where an operand's rows along K are read four at a time: no tail to compile.
  bool kBy4 = VEC_A && !TRANS_A;  // not const: glslc's optimiser fails on this as a spec-constant op
  kBy4 = kBy4 || (VEC_B && TRANS_B);
  if (!kBy4 && kMain < p.K) step(m0, n0, kMain, true);

  [[unroll]] for (uint i = 0u; i < ROWS; ++i) {
    const uint gm = m0 + i;
    if (BIAS_GRAD && n0 == 0u && gm < p.M) e2[gOffsets.e2 + gm] = rowSum[i];
    if (STORE_VEC4) {
      [[unroll]] for (uint h = 0u; h < CT; ++h) {
        if (gm < p.M && n0 + 4u * h < p.N) storeC4(gm, n0 + 4u * h, acc[i * CT + h]);
      }
    } else {
      [[unroll]] for (uint j = 0u; j < 4u * CT; ++j) {
        const uint gn = n0 + j;
        if (gm < p.M && gn < p.N) storeC(gm, gn, acc[i * CT + j / 4u][j % 4u]);
      }
    }
  }
}
