#pragma once
// VulkanFusion: which op after a GEMM the GEMM can do in its store (an epilogue), so that a training
// step's matmul + bias_activation, input_grad + activation_backward and weight_grad + bias_grad run as
// one dispatch each. Ops arrive checked (compute::validate); this only decides what may be fused.
#include <cstdint>

#include "compute/Op.h"

namespace nsb::compute::vulkan {

// The epilogue kinds, as shaders/common/nsb_gemm_epilogue.glsl numbers them.
constexpr std::uint32_t EPILOGUE_NONE = 0, EPILOGUE_BIAS_ACT = 1, EPILOGUE_ACT_GRAD = 2;

// What of the next op a GEMM does in its store (see shaders/common/nsb_gemm_epilogue.glsl).
struct Epilogue {
  std::uint32_t kind = EPILOGUE_NONE;
  bool biasGrad = false;  // e2[m] = sum_k op(A)[m, k]
  Tensor e0, e1, e2;
  std::uint32_t activation = 0, haveA = 0;
  Tensor output;  // what the fused op writes; invalid when nothing is fused
};

// The epilogue that does `next` (the op after `gemm`; null: none) inside `gemm`, when `next` only touches
// C element by element (or sums op(A)'s rows) and writes nothing the GEMM reads; else no epilogue.
Epilogue fuseIntoGemm(const GemmOp& gemm, const Op* next);

}  // namespace nsb::compute::vulkan
