#version 450
// GEMM for CPU devices (lavapipe): A and B read through RGBA32F texel buffers, an 8x8 block of C per
// invocation in 16 vec4 accumulators, no shared memory. Needs every operand's row length and offset
// to be a multiple of 4 floats (the backend checks and uses gemm_tiled otherwise); edges are clamped
// on load and masked on store.
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x_id = 0, local_size_y_id = 1) in;
layout(constant_id = 2) const bool TRANS_A = false;
layout(constant_id = 3) const bool TRANS_B = false;

layout(std430, binding = 0) buffer C { float c[]; };
layout(binding = 1) uniform samplerBuffer A;
layout(binding = 2) uniform samplerBuffer B;
layout(push_constant) uniform Push {
  uint M, N, K, aOffset4, bOffset4, cOffset;
  float alpha, beta;
  uint lda4, ldb4;  // row lengths of A and B as stored, in vec4
} p;

void main() {
  const uint m0 = gl_GlobalInvocationID.y * 8u;
  const uint n0 = gl_GlobalInvocationID.x * 8u;
  if (m0 >= p.M || n0 >= p.N) return;

  vec4 acc[16];
  [[unroll]] for (uint i = 0u; i < 16u; ++i) acc[i] = vec4(0.0);

  for (uint k = 0u; k < p.K; k += 4u) {
    vec4 ra[8];  // ra[i][kk] = op(A)[m0 + i, k + kk]
    if (!TRANS_A) {
      [[unroll]] for (uint i = 0u; i < 8u; ++i) {
        const uint row = min(m0 + i, p.M - 1u);
        ra[i] = texelFetch(A, int(p.aOffset4 + row * p.lda4 + k / 4u));
      }
    } else {
      [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) {
        const uint row = min(k + kk, p.K - 1u);
        const float mask = k + kk < p.K ? 1.0 : 0.0;
        const vec4 lo = texelFetch(A, int(p.aOffset4 + row * p.lda4 + m0 / 4u)) * mask;
        const vec4 hi = texelFetch(A, int(p.aOffset4 + row * p.lda4 + min(m0 / 4u + 1u, p.lda4 - 1u))) * mask;
        ra[0][kk] = lo.x; ra[1][kk] = lo.y; ra[2][kk] = lo.z; ra[3][kk] = lo.w;
        ra[4][kk] = hi.x; ra[5][kk] = hi.y; ra[6][kk] = hi.z; ra[7][kk] = hi.w;
      }
    }
    vec4 rb[8];  // rb[kk * 2 + h] = op(B)[k + kk, n0 + 4h .. n0 + 4h + 3]
    if (!TRANS_B) {
      [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) {
        const uint row = min(k + kk, p.K - 1u);
        const float mask = k + kk < p.K ? 1.0 : 0.0;
        rb[kk * 2u] = texelFetch(B, int(p.bOffset4 + row * p.ldb4 + n0 / 4u)) * mask;
        rb[kk * 2u + 1u] = texelFetch(B, int(p.bOffset4 + row * p.ldb4 + min(n0 / 4u + 1u, p.ldb4 - 1u))) * mask;
      }
    } else {
      vec4 bt[8];  // bt[j] = B[n0 + j, k .. k + 3] as stored
      [[unroll]] for (uint j = 0u; j < 8u; ++j) {
        const uint row = min(n0 + j, p.N - 1u);
        bt[j] = texelFetch(B, int(p.bOffset4 + row * p.ldb4 + k / 4u));
      }
      [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) {
        rb[kk * 2u] = vec4(bt[0][kk], bt[1][kk], bt[2][kk], bt[3][kk]);
        rb[kk * 2u + 1u] = vec4(bt[4][kk], bt[5][kk], bt[6][kk], bt[7][kk]);
      }
    }
    [[unroll]] for (uint i = 0u; i < 8u; ++i) {
      [[unroll]] for (uint kk = 0u; kk < 4u; ++kk) {
        acc[i * 2u] += ra[i][kk] * rb[kk * 2u];
        acc[i * 2u + 1u] += ra[i][kk] * rb[kk * 2u + 1u];
      }
    }
  }

  [[unroll]] for (uint i = 0u; i < 8u; ++i) {
    const uint gm = m0 + i;
    if (gm >= p.M) break;
    [[unroll]] for (uint j = 0u; j < 8u; ++j) {
      const uint gn = n0 + j;
      if (gn >= p.N) break;
      const uint at = p.cOffset + gm * p.N + gn;
      const float v = p.alpha * acc[i * 2u + j / 4u][j % 4u];
      c[at] = p.beta == 0.0 ? v : v + p.beta * c[at];
    }
  }
}
