// VulkanFusion: the three fusions the model's graphs need, each checked against the GEMM's operands so
// that the fused store reads and writes exactly what the two ops would apart.
#include "compute/vulkan/VulkanFusion.h"

#include <variant>

#include "compute/TensorOverlap.h"

namespace nsb::compute::vulkan {
namespace {

// The very same tensor: buffer, offset, size and dtype.
bool same(const Tensor& a, const Tensor& b) {
  return a.buffer == b.buffer && a.offset == b.offset && a.elements() == b.elements() && a.dtype == b.dtype;
}

}  // namespace

// The fusions that the model's graphs use: matmul + bias_activation (forward), input_grad +
// activation_backward, and weight_grad (op(A) = dz^T) + bias_grad. Anything else stays apart.
Epilogue fuseIntoGemm(const GemmOp& gemm, const Op* following) {
  Epilogue e;
  if (!following) return e;
  auto apart = [&](const Tensor& t) { return !overlaps(t, gemm.a) && !overlaps(t, gemm.b) && !overlaps(t, gemm.c); };
  if (const auto* forward = std::get_if<BiasActivationOp>(following)) {
    const BiasActivationOp* next = forward;
    if (same(next->z, gemm.c) && next->bias.elements() == gemm.c.cols() && next->a.elements() == gemm.c.elements() &&
        !overlaps(next->bias, gemm.c) && (same(next->a, gemm.c) || apart(next->a)) && !overlaps(next->a, gemm.a) &&
        !overlaps(next->a, gemm.b)) {
      e.kind = EPILOGUE_BIAS_ACT;
      e.e0 = next->bias;
      e.e1 = next->a;
      e.activation = static_cast<std::uint32_t>(next->activation);
      e.output = next->a;
    }
  } else if (const auto* backward = std::get_if<ActivationBackwardOp>(following)) {
    const ActivationBackwardOp* next = backward;
    const bool haveA = next->a.valid();
    if (same(next->da, gemm.c) && next->z.elements() == gemm.c.elements() && next->dz.elements() == gemm.c.elements() &&
        (!haveA || next->a.elements() == gemm.c.elements()) && apart(next->dz) && apart(next->z) &&
        (!haveA || apart(next->a)) && !overlaps(next->dz, next->z) && (!haveA || !overlaps(next->dz, next->a))) {
      e.kind = EPILOGUE_ACT_GRAD;
      e.e0 = next->z;
      e.e1 = haveA ? next->a : next->z;
      e.e2 = next->dz;
      e.activation = static_cast<std::uint32_t>(next->activation);
      e.haveA = haveA ? 1 : 0;
      e.output = next->dz;
    }
  } else if (const auto* bias = std::get_if<BiasGradOp>(following)) {
    const BiasGradOp* next = bias;
    const std::size_t m = gemm.transA ? gemm.a.cols() : gemm.a.rows();
    if (gemm.transA && same(next->dz, gemm.a) && next->db.elements() == m && apart(next->db)) {
      e.biasGrad = true;
      e.e2 = next->db;
      e.output = next->db;
    }
  }
  return e;
}

}  // namespace nsb::compute::vulkan
