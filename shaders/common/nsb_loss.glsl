// The loss kernel's body, shared by loss.comp and loss_fp64.comp.
// Head + loss in one workgroup: each invocation takes rows t, t + 256, ..., writes the head's output and
// dz as the CPU reference does (same formulas and order within a row), and the per-row losses meet in a
// fixed-shape shared-memory tree (deterministic, no float atomics). Output and dz may alias z.
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Z { float z[]; };
layout(std430, binding = 1) readonly buffer Target { uint target[]; };
layout(std430, binding = 2) buffer Output { float outputs[]; };
layout(std430, binding = 3) buffer Loss { float loss[]; };
layout(std430, binding = 4) buffer DZ { float dz[]; };
layout(push_constant) uniform Push {
  uint zOffset, targetOffset, outOffset, lossOffset, dzOffset, rows, n;
  uint head;        // 0 linear, 1 sigmoid, 2 softmax
  uint kind;        // 0 mse, 1 bce, 2 cross-entropy
  uint classTarget; // 1: target is I32 [rows], 0: F32 [rows, n]
  uint zZ, zTarget, zOut, zLoss, zDz;  // offset strides of a batched dispatch (VulkanBatch.h)
} p;

// The offsets of this workgroup's op: a batched dispatch runs one op per workgroup layer z.
uint zOffset, targetOffset, outOffset, dzOffset;

shared float partial[256];

// The CPU's 1.0f / (1.0f + std::exp(-v)) bit for bit where the device has fp64: exp correctly rounded
// through a double polynomial, the division in double. The MSE gradient p (1 - p) cancels, so ulp-level
// differences in exp() would show as large relative errors against the CPU there.
float headSigmoid(float v) {
#ifdef NSB_FP64
  const double LN2 = 0.69314718055994530942LF;
  const double x = double(-v);
  if (x > 89.0LF) return 0.0;
  if (x < -104.0LF) return 1.0;
  const double k = floor(x / LN2 + 0.5LF);
  const double r = x - k * LN2;
  double poly = 1.0LF / 39916800.0LF;
  poly = poly * r + 1.0LF / 3628800.0LF;
  poly = poly * r + 1.0LF / 362880.0LF;
  poly = poly * r + 1.0LF / 40320.0LF;
  poly = poly * r + 1.0LF / 5040.0LF;
  poly = poly * r + 1.0LF / 720.0LF;
  poly = poly * r + 1.0LF / 120.0LF;
  poly = poly * r + 1.0LF / 24.0LF;
  poly = poly * r + 1.0LF / 6.0LF;
  poly = poly * r + 0.5LF;
  poly = poly * r + 1.0LF;
  poly = poly * r + 1.0LF;
  const float e = ldexp(float(poly), int(k));
  const float s = 1.0 + e;
  return float(1.0LF / double(s));
#else
  return 1.0 / (1.0 + exp(-v));
#endif
}

float targetAt(uint i, uint j) {
  if (p.classTarget == 0u) return uintBitsToFloat(target[targetOffset + i * p.n + j]);
  const int label = int(target[targetOffset + i]);
  if (p.n == 1u) return float(label);
  return uint(label) == j ? 1.0 : 0.0;
}

void main() {
  const uint layer = gl_WorkGroupID.z;
  zOffset = p.zOffset + layer * p.zZ;
  targetOffset = p.targetOffset + layer * p.zTarget;
  outOffset = p.outOffset + layer * p.zOut;
  dzOffset = p.dzOffset + layer * p.zDz;
  const uint t = gl_LocalInvocationID.x;
  const float count = float(p.rows * p.n);
  const float inverseCount = 1.0 / count;
  const float inverseRows = 1.0 / float(p.rows);
  float total = 0.0;
  for (uint i = t; i < p.rows; i += 256u) {
    const uint row = i * p.n;
    if (p.head == 2u) {
      float maxZ = z[zOffset + row];
      for (uint j = 1u; j < p.n; ++j) maxZ = max(maxZ, z[zOffset + row + j]);
      float sum = 0.0;
      for (uint j = 0u; j < p.n; ++j) sum += exp(z[zOffset + row + j] - maxZ);
      const float logSum = maxZ + log(sum);
      if (p.kind == 2u) {
        float targetSum = 0.0;
        for (uint j = 0u; j < p.n; ++j) targetSum += targetAt(i, j);
        for (uint j = 0u; j < p.n; ++j) {
          const float logP = z[zOffset + row + j] - logSum;
          const float tv = targetAt(i, j);
          const float prob = exp(logP);
          if (tv != 0.0) total -= tv * logP;
          outputs[outOffset + row + j] = prob;
          dz[dzOffset + row + j] = (prob * targetSum - tv) * inverseRows;
        }
      } else {
        for (uint j = 0u; j < p.n; ++j) outputs[outOffset + row + j] = exp(z[zOffset + row + j] - logSum);
        float dotGP = 0.0;
        for (uint j = 0u; j < p.n; ++j) {
          const float pj = outputs[outOffset + row + j];
          const float diff = pj - targetAt(i, j);
          total += diff * diff;
          dotGP += 2.0 * diff * inverseCount * pj;
        }
        for (uint j = 0u; j < p.n; ++j) {
          const float pj = outputs[outOffset + row + j];
          const float g = 2.0 * (pj - targetAt(i, j)) * inverseCount;
          dz[dzOffset + row + j] = pj * (g - dotGP);
        }
      }
      continue;
    }
    for (uint j = 0u; j < p.n; ++j) {
      const float v = z[zOffset + row + j];
      const float tv = targetAt(i, j);
      if (p.head == 0u) {
        const float diff = v - tv;
        total += diff * diff;
        outputs[outOffset + row + j] = v;
        dz[dzOffset + row + j] = 2.0 * diff * inverseCount;
      } else if (p.kind == 1u) {
        // softplus(v) - t v = BCE of sigmoid(v), finite for any v.
        const float softplus = max(v, 0.0) + log(1.0 + exp(-abs(v)));
        total += softplus - tv * v;
        const float prob = headSigmoid(v);
        outputs[outOffset + row + j] = prob;
        dz[dzOffset + row + j] = (prob - tv) * inverseCount;
      } else {
        const float prob = headSigmoid(v);
        const float diff = prob - tv;
        total += diff * diff;
        outputs[outOffset + row + j] = prob;
        dz[dzOffset + row + j] = 2.0 * diff * inverseCount * prob * (1.0 - prob);
      }
    }
  }
  partial[t] = total;
  barrier();
  for (uint width = 128u; width > 0u; width >>= 1u) {
    if (t < width) partial[t] += partial[t + width];
    barrier();
  }
  if (t == 0u) loss[p.lossOffset + layer * p.zLoss] = partial[0] / (p.head == 2u && p.kind == 2u ? float(p.rows) : count);
}
