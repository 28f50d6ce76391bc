#pragma once
// The op set: every operation of training, the same on every backend. Each op is a plain struct of
// tensors and settings; a Graph is an ordered list of them. The CPU backend is the reference.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "compute/Tensor.h"

namespace nsb::compute {

enum class Activation : std::uint8_t { Linear, Sigmoid, Tanh, Relu, LeakyRelu, Gelu };
enum class Head : std::uint8_t { Linear, Sigmoid, Softmax };
enum class LossKind : std::uint8_t { Mse, BinaryCrossEntropy, CrossEntropy };
enum class OptimizerKind : std::uint8_t { Gd, Sgd, Momentum, Nesterov, AdaGrad, RmsProp, Adam, AdamW };

constexpr float LEAKY_RELU_SLOPE = 0.01f;

// dst[i, :] = src[index[cursor * rows + i], :] * scale, rows = dst.rows(), cursor = counters[COUNTER_CURSOR].
// src is U8 (scaled to F32) or F32 (-> F32) or I32 (-> I32, scale ignored). index is I32.
struct GatherOp {
  Tensor src, index, counters, dst;
  float scale = 1.0f;
};

// c = alpha * op(a) * op(b) + beta * c, op(x) = x or x^T. Shapes: op(a) [M, K], op(b) [K, N], c [M, N].
struct GemmOp {
  Tensor a, b, c;
  bool transA = false, transB = false;
  float alpha = 1.0f, beta = 0.0f;
};

// z[i, j] += bias[j] (in place), then a = act(z). z, a: [rows, n]; bias: [n].
struct BiasActivationOp {
  Tensor z, bias, a;
  Activation activation = Activation::Linear;
};

// dz = da * act'(z) (act' may be computed from z or from a = act(z)).
struct ActivationBackwardOp {
  Tensor da, z, a, dz;
  Activation activation = Activation::Linear;
};

// db[j] = sum over rows i of dz[i, j], summed in row order (deterministic).
struct BiasGradOp {
  Tensor dz, db;
};

// Head + loss on logits z [rows, n] against target (I32 class index [rows] for classification, F32
// [rows, n] for regression). Writes the batch-mean loss to loss[0], the head's output to output
// (probabilities or values, [rows, n]) and d(mean loss)/dz to dz. MSE and BCE average over every
// element (rows * n), cross-entropy over rows. With class targets, MSE and BCE compare against the
// one-hot vector (n > 1) or the label itself (n == 1).
struct LossOp {
  Tensor z, target, output, loss, dz;
  Head head = Head::Softmax;
  LossKind loss_kind = LossKind::CrossEntropy;
};

// predictions[i] = argmax_j z[i, j] as I32; with one column, 1 if z[i, 0] > 0 else 0.
struct ArgmaxOp {
  Tensor z, predictions;
};

// One optimizer step over flat parameters (every layer's weights first, then the biases). The first
// `regularized` elements get L1/L2 (and AdamW's decay). Hyperparameters are read from `hyper` (see
// OptimizerMath.h) and the step from counters[COUNTER_STEP], so a live edit needs no re-recording.
struct OptimizerOp {
  Tensor params, grads, state1, state2, hyper, counters;
  OptimizerKind kind = OptimizerKind::Adam;
  std::size_t regularized = 0;
};

// counters[COUNTER_STEP] += 1, counters[COUNTER_CURSOR] += 1: the end of one training step.
struct AdvanceOp {
  Tensor counters;
};

// dst = src (same element count and dtype).
struct CopyOp {
  Tensor src, dst;
};

// out[s] = sum over segment s of (x - y)^2, or of x^2 when y is not valid. Segments are
// [begin, end) element ranges of x; out is F32 [segments]. Summed in element order.
struct SumSquaresOp {
  Tensor x, y, out;
  std::vector<std::pair<std::size_t, std::size_t>> segments;
};

// Magnitude of the 2D DFT of each of `count` real images [count, height, width] -> [count, height,
// width / 2 + 1] (the non-redundant half), |sum x[r,c] e^(-2 pi i (u r / H + v c / W))|.
struct SpectrumOp {
  Tensor images, magnitude;
  std::size_t height = 0, width = 0;
};

using Op = std::variant<GatherOp, GemmOp, BiasActivationOp, ActivationBackwardOp, BiasGradOp, LossOp, ArgmaxOp,
                        OptimizerOp, AdvanceOp, CopyOp, SumSquaresOp, SpectrumOp>;

// The op kind is the variant index.
using OpKind = std::size_t;
constexpr OpKind OP_KIND_COUNT = std::variant_size_v<Op>;
std::string_view opName(OpKind kind);
inline std::string_view opName(const Op& op) { return opName(op.index()); }

std::string_view activationName(Activation activation);
std::string_view headName(Head head);
std::string_view lossName(LossKind loss);
std::string_view optimizerName(OptimizerKind kind);

// Parse the command-line / preset names; false if unknown.
bool parseActivation(std::string_view name, Activation& out);
bool parseHead(std::string_view name, Head& out);
bool parseLoss(std::string_view name, LossKind& out);
bool parseOptimizer(std::string_view name, OptimizerKind& out);

// Floating-point operations of an op (for GFLOP/s in bench); 0 for pure data movement.
double opFlops(const Op& op);

// Which state tensors an optimizer reads and writes (0, 1 or 2).
int optimizerStateCount(OptimizerKind kind);

// Whether a loss op's head goes with its loss: softmax with CE or MSE, sigmoid with BCE or MSE, linear with MSE.
bool lossSupported(Head head, LossKind kind);

// The size in bytes of each of a backend's buffers; nullopt for an id the backend does not have.
using BufferSizes = std::function<std::optional<std::size_t>(BufferId)>;

// The checks every backend's compile() runs on every op, written once: the tensors are set, have the
// dtypes and shapes the op's comment above gives and lie inside their buffers; a GEMM is not empty and
// fits BLAS's int range; outputs overlap no input except where the op allows in place (the very same
// range). Returns "" for a valid op, else a one-line reason naming the tensor. A backend refuses an op
// that fails (a graph builder's bug) with NSB_CHECK, naming the op.
std::string validate(const Op& op, const BufferSizes& sizes);

}  // namespace nsb::compute
