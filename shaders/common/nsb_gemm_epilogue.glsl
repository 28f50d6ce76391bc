// The GEMM's store with the op that follows it fused (both GEMM variants include this after declaring
// C, E0-E2, the push block with activation/e0Offset/e1Offset/e2Offset/haveA and EPILOGUE):
//   EPILOGUE_NONE:        C = alpha * acc + beta * C
//   EPILOGUE_BIAS_ACT:    z = C = alpha * acc + bias[n] (E0), a = act(z) (E1)  - GemmOp + BiasActivationOp
//   EPILOGUE_ACT_GRAD:    da = C = alpha * acc, dz = da * act'(z (E0), a (E1)) (E2)  - GemmOp + ActivationBackwardOp
// beta == 0 never reads C: it may hold NaN from an earlier use of the buffer.
// A batched dispatch (VulkanBatch.h) runs one product per workgroup layer z, every offset advanced by
// z times its stride (the push block's zA .. zE2, all 0 in a dispatch of one product): the shaders
// read the offsets from gOffsets, which gemmOffsets() sets at the start of main().
#ifndef NSB_GEMM_EPILOGUE_GLSL
#define NSB_GEMM_EPILOGUE_GLSL
#include "nsb_math.glsl"

const uint EPILOGUE_NONE = 0u;
const uint EPILOGUE_BIAS_ACT = 1u;
const uint EPILOGUE_ACT_GRAD = 2u;

struct GemmOffsets {
  uint a, b, c, e0, e1, e2;
};
GemmOffsets gOffsets;

void gemmOffsets() {
  const uint z = gl_WorkGroupID.z;
  gOffsets = GemmOffsets(p.aOffset + z * p.zA, p.bOffset + z * p.zB, p.cOffset + z * p.zC, p.e0Offset + z * p.zE0,
                         p.e1Offset + z * p.zE1, p.e2Offset + z * p.zE2);
}

void storeC(uint m, uint n, float sum) {
  const uint e = m * p.N + n;
  const uint at = gOffsets.c + e;
  float v = p.alpha * sum;
  if (p.beta != 0.0) v += p.beta * c[at];
  if (EPILOGUE == EPILOGUE_BIAS_ACT) v += e0[gOffsets.e0 + n];
  c[at] = v;  // before the fused op's output, which may be the same range (a = z for a linear layer)
  if (EPILOGUE == EPILOGUE_BIAS_ACT) {
    e1[gOffsets.e1 + e] = activate(p.activation, v);
  } else if (EPILOGUE == EPILOGUE_ACT_GRAD) {
    const float av = p.haveA != 0u ? e1[gOffsets.e1 + e] : 0.0;
    e2[gOffsets.e2 + e] = v * activationDerivative(p.activation, e0[gOffsets.e0 + e], av, p.haveA != 0u);
  }
}

#endif
