#include "compute/Op.h"

#include <array>
#include <climits>
#include <cmath>
#include <sstream>

#include "compute/OptimizerMath.h"
#include "compute/TensorOverlap.h"

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
    "gather",    "gemm", "bias_activation", "activation_backward",
    "bias_grad", "loss", "argmax",          "optimizer",
    "advance",   "copy", "sum_squares",     "spectrum"};

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

int optimizerStateCount(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::Gd:
    case OptimizerKind::Sgd:
      return 0;
    case OptimizerKind::Momentum:
    case OptimizerKind::Nesterov:
    case OptimizerKind::AdaGrad:
    case OptimizerKind::RmsProp:
      return 1;
    case OptimizerKind::Adam:
    case OptimizerKind::AdamW:
      return 2;
  }
  return 0;
}

bool lossSupported(Head head, LossKind kind) {
  switch (head) {
    case Head::Softmax:
      return kind == LossKind::CrossEntropy || kind == LossKind::Mse;
    case Head::Sigmoid:
      return kind == LossKind::BinaryCrossEntropy || kind == LossKind::Mse;
    case Head::Linear:
      return kind == LossKind::Mse;
  }
  return false;
}

namespace {

bool sameRange(const Tensor& a, const Tensor& b) {
  return a.buffer == b.buffer && a.byteOffset() == b.byteOffset() && a.bytes() == b.bytes();
}

// In place (the very same range) or apart; a partial overlap would make the result order-dependent.
bool inPlaceOrApart(const Tensor& a, const Tensor& b) { return sameRange(a, b) || !overlaps(a, b); }

template <typename... Parts>
std::string say(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

// One validate per op kind; each returns at the first failed check. REQUIRE and CHECK keep that to a line.
#define NSB_OP_REQUIRE(tensor, dtype, what)                                 \
  if (std::string reason = require(tensor, dtype, what); !reason.empty()) { \
    return reason;                                                          \
  }
#define NSB_OP_CHECK(condition, ...) \
  if (!(condition)) {                \
    return say(__VA_ARGS__);         \
  }

class Validator {
 public:
  explicit Validator(const BufferSizes& sizes) : mSizes(sizes) {}

  std::string operator()(const GatherOp& op) const {
    NSB_OP_CHECK(op.src.valid(), "tensor 'src' is not set");
    NSB_OP_REQUIRE(op.src, op.src.dtype, "src");
    NSB_OP_REQUIRE(op.dst, op.src.dtype == DType::I32 ? DType::I32 : DType::F32, "dst");
    NSB_OP_REQUIRE(op.index, DType::I32, "index");
    NSB_OP_REQUIRE(op.counters, DType::I32, "counters");
    NSB_OP_CHECK(op.counters.elements() >= COUNTER_COUNT, "counters needs ", COUNTER_COUNT, " slots");
    NSB_OP_CHECK(op.src.cols() == op.dst.cols(), "src rows of ", op.src.cols(), " elements, dst rows of ",
                 op.dst.cols());
    NSB_OP_CHECK(op.dst.rows() <= op.index.elements(), "a batch of ", op.dst.rows(), " rows from an index of ",
                 op.index.elements());
    NSB_OP_CHECK(!overlaps(op.src, op.dst), "src and dst overlap");
    return {};
  }

  std::string operator()(const GemmOp& op) const {
    NSB_OP_REQUIRE(op.a, DType::F32, "a");
    NSB_OP_REQUIRE(op.b, DType::F32, "b");
    NSB_OP_REQUIRE(op.c, DType::F32, "c");
    const std::size_t m = op.transA ? op.a.cols() : op.a.rows();
    const std::size_t k = op.transA ? op.a.rows() : op.a.cols();
    const std::size_t kb = op.transB ? op.b.cols() : op.b.rows();
    const std::size_t n = op.transB ? op.b.rows() : op.b.cols();
    NSB_OP_CHECK(k == kb, "op(a) is [", m, ", ", k, "] but op(b) is [", kb, ", ", n, "]");
    NSB_OP_CHECK(op.c.rows() == m && op.c.cols() == n, "c is ", op.c.describe(), ", expected [", m, ", ", n, "]");
    NSB_OP_CHECK(m > 0 && n > 0 && k > 0, "empty product");
    constexpr auto INT_LIMIT = static_cast<std::size_t>(INT_MAX);
    NSB_OP_CHECK(
        m <= INT_LIMIT && n <= INT_LIMIT && k <= INT_LIMIT && op.a.cols() <= INT_LIMIT && op.b.cols() <= INT_LIMIT,
        "dimensions exceed BLAS's int range");
    NSB_OP_CHECK(!overlaps(op.c, op.a) && !overlaps(op.c, op.b), "c overlaps an input");
    return {};
  }

  std::string operator()(const BiasActivationOp& op) const {
    NSB_OP_REQUIRE(op.z, DType::F32, "z");
    NSB_OP_REQUIRE(op.bias, DType::F32, "bias");
    NSB_OP_REQUIRE(op.a, DType::F32, "a");
    NSB_OP_CHECK(op.bias.elements() == op.z.cols(), "bias ", op.bias.describe(), " for rows of ", op.z.cols());
    NSB_OP_CHECK(op.a.elements() == op.z.elements(), "a ", op.a.describe(), " vs z ", op.z.describe());
    NSB_OP_CHECK(inPlaceOrApart(op.a, op.z), "a partly overlaps z");
    NSB_OP_CHECK(!overlaps(op.bias, op.z) && !overlaps(op.bias, op.a), "bias overlaps z or a");
    return {};
  }

  std::string operator()(const ActivationBackwardOp& op) const {
    NSB_OP_REQUIRE(op.da, DType::F32, "da");
    NSB_OP_REQUIRE(op.z, DType::F32, "z");
    NSB_OP_REQUIRE(op.dz, DType::F32, "dz");
    NSB_OP_CHECK(op.da.elements() == op.z.elements() && op.dz.elements() == op.z.elements(), "da ", op.da.describe(),
                 ", z ", op.z.describe(), ", dz ", op.dz.describe(), " differ in size");
    NSB_OP_CHECK(inPlaceOrApart(op.dz, op.da) && inPlaceOrApart(op.dz, op.z), "dz partly overlaps an input");
    if (op.a.valid()) {
      NSB_OP_REQUIRE(op.a, DType::F32, "a");
      NSB_OP_CHECK(op.a.elements() == op.z.elements(), "a ", op.a.describe(), " vs z ", op.z.describe());
      NSB_OP_CHECK(inPlaceOrApart(op.dz, op.a), "dz partly overlaps a");
    }
    return {};
  }

  std::string operator()(const BiasGradOp& op) const {
    NSB_OP_REQUIRE(op.dz, DType::F32, "dz");
    NSB_OP_REQUIRE(op.db, DType::F32, "db");
    NSB_OP_CHECK(op.db.elements() == op.dz.cols(), "db ", op.db.describe(), " for rows of ", op.dz.cols());
    NSB_OP_CHECK(!overlaps(op.db, op.dz), "db overlaps dz");
    return {};
  }

  std::string operator()(const LossOp& op) const {
    NSB_OP_CHECK(lossSupported(op.head, op.loss_kind), "the ", headName(op.head), " head does not go with the ",
                 lossName(op.loss_kind), " loss");
    NSB_OP_REQUIRE(op.z, DType::F32, "z");
    NSB_OP_REQUIRE(op.output, DType::F32, "output");
    NSB_OP_REQUIRE(op.loss, DType::F32, "loss");
    NSB_OP_REQUIRE(op.dz, DType::F32, "dz");
    NSB_OP_CHECK(op.target.valid(), "tensor 'target' is not set");
    const std::size_t rows = op.z.rows(), n = op.z.cols();
    NSB_OP_CHECK(rows > 0 && n > 0, "empty logits");
    if (op.target.dtype == DType::I32) {
      NSB_OP_REQUIRE(op.target, DType::I32, "target");
      NSB_OP_CHECK(op.target.elements() == rows, "class target ", op.target.describe(), " for ", rows, " rows");
    } else {
      NSB_OP_REQUIRE(op.target, DType::F32, "target");
      NSB_OP_CHECK(op.target.elements() == rows * n, "target ", op.target.describe(), " vs z ", op.z.describe());
    }
    NSB_OP_CHECK(op.output.elements() == rows * n && op.dz.elements() == rows * n, "output ", op.output.describe(),
                 " and dz ", op.dz.describe(), " must match z ", op.z.describe());
    NSB_OP_CHECK(op.loss.elements() >= 1, "loss needs one element");
    NSB_OP_CHECK(!overlaps(op.output, op.dz), "output and dz overlap");
    NSB_OP_CHECK(inPlaceOrApart(op.output, op.z) && inPlaceOrApart(op.dz, op.z), "output or dz partly overlaps z");
    NSB_OP_CHECK(!overlaps(op.loss, op.z) && !overlaps(op.loss, op.output) && !overlaps(op.loss, op.dz) &&
                     !overlaps(op.target, op.output) && !overlaps(op.target, op.dz),
                 "loss or target overlaps another tensor");
    return {};
  }

  std::string operator()(const ArgmaxOp& op) const {
    NSB_OP_REQUIRE(op.z, DType::F32, "z");
    NSB_OP_REQUIRE(op.predictions, DType::I32, "predictions");
    NSB_OP_CHECK(op.predictions.elements() == op.z.rows(), "predictions ", op.predictions.describe(), " for ",
                 op.z.rows(), " rows");
    NSB_OP_CHECK(op.z.cols() > 0, "empty rows");
    NSB_OP_CHECK(!overlaps(op.predictions, op.z), "predictions overlap z");
    return {};
  }

  std::string operator()(const OptimizerOp& op) const {
    NSB_OP_REQUIRE(op.params, DType::F32, "params");
    NSB_OP_REQUIRE(op.grads, DType::F32, "grads");
    NSB_OP_REQUIRE(op.hyper, DType::F32, "hyper");
    NSB_OP_REQUIRE(op.counters, DType::I32, "counters");
    const std::size_t count = op.params.elements();
    NSB_OP_CHECK(op.grads.elements() == count, "grads ", op.grads.describe(), " vs params ", op.params.describe());
    NSB_OP_CHECK(op.regularized <= count, op.regularized, " regularized of ", count, " params");
    NSB_OP_CHECK(op.hyper.elements() >= HYPER_COUNT, "hyper needs ", HYPER_COUNT, " slots");
    NSB_OP_CHECK(op.counters.elements() >= COUNTER_COUNT, "counters needs ", COUNTER_COUNT, " slots");
    NSB_OP_CHECK(!overlaps(op.params, op.grads), "params overlap grads");
    const int states = optimizerStateCount(op.kind);
    const Tensor* state[2] = {&op.state1, &op.state2};
    const char* names[2] = {"state1", "state2"};
    for (int s = 0; s < states; ++s) {
      NSB_OP_REQUIRE(*state[s], DType::F32, names[s]);
      NSB_OP_CHECK(state[s]->elements() == count, names[s], " ", state[s]->describe(), " must be as large as params");
      NSB_OP_CHECK(!overlaps(*state[s], op.params) && !overlaps(*state[s], op.grads), names[s],
                   " overlaps params or grads");
    }
    NSB_OP_CHECK(states < 2 || !overlaps(op.state1, op.state2), "state1 overlaps state2");
    return {};
  }

  std::string operator()(const AdvanceOp& op) const {
    NSB_OP_REQUIRE(op.counters, DType::I32, "counters");
    NSB_OP_CHECK(op.counters.elements() >= COUNTER_COUNT, "counters needs ", COUNTER_COUNT, " slots");
    return {};
  }

  std::string operator()(const CopyOp& op) const {
    NSB_OP_CHECK(op.src.valid(), "tensor 'src' is not set");
    NSB_OP_REQUIRE(op.src, op.src.dtype, "src");
    NSB_OP_REQUIRE(op.dst, op.src.dtype, "dst");
    NSB_OP_CHECK(op.src.elements() == op.dst.elements(), "src ", op.src.describe(), " vs dst ", op.dst.describe());
    NSB_OP_CHECK(inPlaceOrApart(op.src, op.dst), "src and dst partly overlap");
    return {};
  }

  std::string operator()(const SumSquaresOp& op) const {
    NSB_OP_REQUIRE(op.x, DType::F32, "x");
    NSB_OP_REQUIRE(op.out, DType::F32, "out");
    if (op.y.valid()) {
      NSB_OP_REQUIRE(op.y, DType::F32, "y");
      NSB_OP_CHECK(op.y.elements() == op.x.elements(), "y ", op.y.describe(), " vs x ", op.x.describe());
    }
    NSB_OP_CHECK(op.out.elements() == op.segments.size(), "out ", op.out.describe(), " for ", op.segments.size(),
                 " segments");
    for (const auto& [begin, end] : op.segments) {
      NSB_OP_CHECK(begin <= end && end <= op.x.elements(), "segment [", begin, ", ", end, ") outside x ",
                   op.x.describe());
    }
    NSB_OP_CHECK(!overlaps(op.out, op.x) && (!op.y.valid() || !overlaps(op.out, op.y)), "out overlaps an input");
    return {};
  }

  std::string operator()(const SpectrumOp& op) const {
    NSB_OP_REQUIRE(op.images, DType::F32, "images");
    NSB_OP_REQUIRE(op.magnitude, DType::F32, "magnitude");
    const std::size_t points = op.height * op.width;
    NSB_OP_CHECK(points > 0 && op.images.elements() > 0 && op.images.elements() % points == 0, "images ",
                 op.images.describe(), " are not whole ", op.height, "x", op.width, " images");
    const std::size_t count = op.images.elements() / points;
    NSB_OP_CHECK(op.magnitude.elements() == count * op.height * (op.width / 2 + 1), "magnitude ",
                 op.magnitude.describe(), ", expected ", count, "x", op.height, "x", op.width / 2 + 1);
    NSB_OP_CHECK(!overlaps(op.images, op.magnitude), "magnitude overlaps images");
    return {};
  }

 private:
  // `tensor` is set, has `dtype` and lies inside its buffer; `what` names it in the reason.
  std::string require(const Tensor& tensor, DType dtype, const char* what) const {
    NSB_OP_CHECK(tensor.valid(), "tensor '", what, "' is not set");
    NSB_OP_CHECK(tensor.dtype == dtype, "tensor '", what, "' is ", tensor.describe(), ", expected ", dtypeName(dtype));
    const std::optional<std::size_t> bytes = mSizes(tensor.buffer);
    NSB_OP_CHECK(bytes.has_value(), "tensor '", what, "' names buffer ", tensor.buffer.value, ", which does not exist");
    NSB_OP_CHECK(tensor.byteOffset() + tensor.bytes() <= *bytes, "tensor '", what, "' ", tensor.describe(),
                 " at element ", tensor.offset, " overruns its buffer of ", *bytes, " bytes");
    return {};
  }

  const BufferSizes& mSizes;
};

#undef NSB_OP_REQUIRE
#undef NSB_OP_CHECK

}  // namespace

std::string validate(const Op& op, const BufferSizes& sizes) { return std::visit(Validator(sizes), op); }

}  // namespace nsb::compute
