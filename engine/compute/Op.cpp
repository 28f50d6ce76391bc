#include "compute/Op.h"

#include <array>
#include <cmath>

namespace nsb::compute {
namespace {

template <typename Enum, std::size_t N>
bool parseName(std::string_view name, const std::array<std::string_view, N>& names, Enum& out) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) {
      out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

constexpr std::array<std::string_view, 6> ACTIVATIONS = {"linear", "sigmoid", "tanh", "relu", "leaky-relu", "gelu"};
constexpr std::array<std::string_view, 3> HEADS = {"linear", "sigmoid", "softmax"};
constexpr std::array<std::string_view, 3> LOSSES = {"mse", "bce", "ce"};
constexpr std::array<std::string_view, 8> OPTIMIZERS = {"gd",      "sgd",     "momentum", "nesterov",
                                                         "adagrad", "rmsprop", "adam",     "adamw"};
constexpr std::array<std::string_view, OP_KIND_COUNT> OPS = {
    "gather", "gemm", "bias_activation", "activation_backward", "bias_grad", "loss",
    "argmax", "optimizer", "advance", "copy", "sum_squares", "spectrum"};

}  // namespace

std::string_view opName(OpKind kind) { return kind < OPS.size() ? OPS[kind] : "?"; }
std::string_view activationName(Activation a) { return ACTIVATIONS[static_cast<std::size_t>(a)]; }
std::string_view headName(Head h) { return HEADS[static_cast<std::size_t>(h)]; }
std::string_view lossName(LossKind l) { return LOSSES[static_cast<std::size_t>(l)]; }
std::string_view optimizerName(OptimizerKind k) { return OPTIMIZERS[static_cast<std::size_t>(k)]; }

bool parseActivation(std::string_view name, Activation& out) { return parseName(name, ACTIVATIONS, out); }
bool parseHead(std::string_view name, Head& out) { return parseName(name, HEADS, out); }
bool parseLoss(std::string_view name, LossKind& out) { return parseName(name, LOSSES, out); }
bool parseOptimizer(std::string_view name, OptimizerKind& out) { return parseName(name, OPTIMIZERS, out); }

double opFlops(const Op& op) {
  if (const auto* gemm = std::get_if<GemmOp>(&op)) {
    const double m = static_cast<double>(gemm->transA ? gemm->a.cols() : gemm->a.rows());
    const double k = static_cast<double>(gemm->transA ? gemm->a.rows() : gemm->a.cols());
    const double n = static_cast<double>(gemm->transB ? gemm->b.rows() : gemm->b.cols());
    return 2.0 * m * n * k;
  }
  if (const auto* spectrum = std::get_if<SpectrumOp>(&op)) {
    const double points = static_cast<double>(spectrum->height * spectrum->width);
    const double count = static_cast<double>(spectrum->images.elements()) / (points > 0 ? points : 1.0);
    return count * 2.5 * points * std::log2(points > 1 ? points : 2.0);
  }
  return 0.0;
}

}  // namespace nsb::compute
