// compute::validate: each of its checks refuses a bad op, with a reason naming what is wrong, and every
// backend's compile() refuses the same op (it aborts: a bad graph is its builder's bug).
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "OpTestSupport.h"
#include "compute/OptimizerMath.h"

namespace nsb::compute::test {
namespace {

constexpr std::size_t POOL = 4096;  // elements per pool buffer

// One F32 and one I32 buffer; the cases' tensors are views into them at chosen element offsets.
struct Pool {
  Buffer f, i;
  Tensor F(std::vector<std::size_t> shape, std::size_t offset = 0) const {
    return f.tensor(std::move(shape), DType::F32, offset);
  }
  Tensor I(std::vector<std::size_t> shape, std::size_t offset = 0) const {
    return i.tensor(std::move(shape), DType::I32, offset);
  }
};

struct BadOp {
  std::string name;
  std::string reason;  // a part of validate()'s reason (also a regex for the death test: no special characters)
  std::function<Op(const Pool&)> build;
};

// Valid ops to spoil, one flaw per case. Offsets keep every tensor apart unless the case overlaps them.
GatherOp gather(const Pool& p) { return {p.F({64, 8}, 0), p.I({32}, 0), p.I({2}, 100), p.F({4, 8}, 1000)}; }
GemmOp gemm(const Pool& p) { return {p.F({4, 3}, 0), p.F({3, 5}, 100), p.F({4, 5}, 200)}; }
BiasActivationOp biasAct(const Pool& p) { return {p.F({4, 5}, 0), p.F({5}, 100), p.F({4, 5}, 200), Activation::Relu}; }
ActivationBackwardOp actBack(const Pool& p) {
  return {p.F({4, 5}, 0), p.F({4, 5}, 100), p.F({4, 5}, 200), p.F({4, 5}, 300), Activation::Sigmoid};
}
LossOp loss(const Pool& p) {
  return {p.F({4, 3}, 0),   p.I({4}, 0),   p.F({4, 3}, 100),      p.F({1}, 200),
          p.F({4, 3}, 300), Head::Softmax, LossKind::CrossEntropy};
}
OptimizerOp adam(const Pool& p) {
  return {p.F({50}, 0),
          p.F({50}, 100),
          p.F({50}, 200),
          p.F({50}, 300),
          p.F({HYPER_COUNT}, 400),
          p.I({COUNTER_COUNT}, 0),
          OptimizerKind::Adam,
          40};
}
SumSquaresOp sumSquares(const Pool& p) { return {p.F({40}, 0), p.F({40}, 100), p.F({2}, 200), {{0, 20}, {20, 40}}}; }
SpectrumOp spectrum(const Pool& p) { return {p.F({2, 4, 4}, 0), p.F({2, 4, 3}, 100), 4, 4}; }

template <typename T>
std::function<Op(const Pool&)> spoil(T (*make)(const Pool&), std::function<void(T&, const Pool&)> flaw) {
  return [make, flaw](const Pool& p) {
    T op = make(p);
    flaw(op, p);
    return Op(op);
  };
}

const std::vector<BadOp>& badOps() {
  static const std::vector<BadOp> cases = {
      // Every tensor: set, of its dtype, in an existing buffer, inside it.
      {"TensorNotSet", "tensor 'b' is not set", spoil<GemmOp>(gemm, [](auto& op, auto&) { op.b = Tensor{}; })},
      {"WrongDtype", "tensor 'a' is i32",
       spoil<GemmOp>(gemm,
                     [](auto& op, auto& p) {
                       op.a = p.I({4, 3}, 0);
                     })},
      {"NoSuchBuffer", "which does not exist",
       spoil<GemmOp>(gemm, [](auto& op, auto&) { op.c.buffer = BufferId{99999}; })},
      {"OverrunsBuffer", "overruns its buffer",
       spoil<GemmOp>(gemm,
                     [](auto& op, auto& p) {
                       op.c = p.F({4, 5}, POOL - 10);
                     })},
      // gather
      {"GatherSrcNotSet", "tensor 'src' is not set",
       spoil<GatherOp>(gather, [](auto& op, auto&) { op.src = Tensor{}; })},
      {"GatherDstDtype", "tensor 'dst' is i32",
       spoil<GatherOp>(gather,
                       [](auto& op, auto& p) {
                         op.dst = p.I({4, 8}, 200);
                       })},
      {"GatherFewCounters", "counters needs",
       spoil<GatherOp>(gather, [](auto& op, auto& p) { op.counters = p.I({1}, 100); })},
      {"GatherRowLength", "src rows of 8 elements, dst rows of 7",
       spoil<GatherOp>(gather,
                       [](auto& op, auto& p) {
                         op.dst = p.F({4, 7}, 1000);
                       })},
      {"GatherBatchPastIndex", "a batch of 4 rows from an index of 3",
       spoil<GatherOp>(gather, [](auto& op, auto& p) { op.index = p.I({3}, 0); })},
      {"GatherOverlap", "src and dst overlap",
       spoil<GatherOp>(gather,
                       [](auto& op, auto& p) {
                         op.dst = p.F({4, 8}, 10);
                       })},
      // gemm
      {"GemmInnerSizes", "but op.b. is .4, 5.",
       spoil<GemmOp>(gemm,
                     [](auto& op, auto& p) {
                       op.b = p.F({4, 5}, 100);
                     })},
      {"GemmOutputShape", "c is f32.4x6.",
       spoil<GemmOp>(gemm,
                     [](auto& op, auto& p) {
                       op.c = p.F({4, 6}, 200);
                     })},
      {"GemmEmpty", "empty product",
       spoil<GemmOp>(gemm,
                     [](auto& op, auto& p) {
                       op.a = p.F({4, 0}, 0);
                       op.b = p.F({0, 5}, 100);
                     })},
      {"GemmOutputOverlapsInput", "c overlaps an input",
       spoil<GemmOp>(gemm,
                     [](auto& op, auto& p) {
                       op.c = p.F({4, 5}, 110);
                     })},
      // bias + activation
      {"BiasSize", "bias f32.4. for rows of 5",
       spoil<BiasActivationOp>(biasAct, [](auto& op, auto& p) { op.bias = p.F({4}, 100); })},
      {"BiasActOutputSize", "a f32.4x4. vs z",
       spoil<BiasActivationOp>(biasAct,
                               [](auto& op, auto& p) {
                                 op.a = p.F({4, 4}, 200);
                               })},
      {"BiasActPartlyInPlace", "a partly overlaps z",
       spoil<BiasActivationOp>(biasAct,
                               [](auto& op, auto& p) {
                                 op.a = p.F({4, 5}, 1);
                               })},
      {"BiasOverlaps", "bias overlaps z or a",
       spoil<BiasActivationOp>(biasAct, [](auto& op, auto& p) { op.bias = p.F({5}, 2); })},
      // activation backward
      {"ActGradSizes", "differ in size",
       spoil<ActivationBackwardOp>(actBack,
                                   [](auto& op, auto& p) {
                                     op.dz = p.F({4, 4}, 300);
                                   })},
      {"ActGradPartlyInPlace", "dz partly overlaps an input",
       spoil<ActivationBackwardOp>(actBack,
                                   [](auto& op, auto& p) {
                                     op.dz = p.F({4, 5}, 3);
                                   })},
      {"ActGradASize", "a f32.4x4. vs z",
       spoil<ActivationBackwardOp>(actBack,
                                   [](auto& op, auto& p) {
                                     op.a = p.F({4, 4}, 200);
                                   })},
      {"ActGradOverlapsA", "dz partly overlaps a",
       spoil<ActivationBackwardOp>(actBack,
                                   [](auto& op, auto& p) {
                                     op.dz = p.F({4, 5}, 205);
                                   })},
      // bias grad
      {"BiasGradSize", "db f32.4. for rows of 5",
       [](const Pool& p) { return Op(BiasGradOp{p.F({4, 5}, 0), p.F({4}, 100)}); }},
      {"BiasGradOverlap", "db overlaps dz", [](const Pool& p) { return Op(BiasGradOp{p.F({4, 5}, 0), p.F({5}, 1)}); }},
      // loss
      {"LossHeadMismatch", "the linear head does not go with the ce loss",
       spoil<LossOp>(loss, [](auto& op, auto&) { op.head = Head::Linear; })},
      {"LossTargetNotSet", "tensor 'target' is not set",
       spoil<LossOp>(loss, [](auto& op, auto&) { op.target = Tensor{}; })},
      {"LossEmpty", "empty logits",
       spoil<LossOp>(loss,
                     [](auto& op, auto& p) {
                       op.z = p.F({0, 3}, 0);
                       op.output = p.F({0, 3}, 100);
                       op.dz = p.F({0, 3}, 300);
                       op.target = p.I({0}, 0);
                     })},
      {"LossClassTargetSize", "class target i32.3. for 4 rows",
       spoil<LossOp>(loss, [](auto& op, auto& p) { op.target = p.I({3}, 0); })},
      {"LossValueTargetSize", "target f32.4x2. vs z",
       spoil<LossOp>(loss,
                     [](auto& op, auto& p) {
                       op.loss_kind = LossKind::Mse;
                       op.target = p.F({4, 2}, 500);
                     })},
      {"LossOutputSize", "must match z",
       spoil<LossOp>(loss,
                     [](auto& op, auto& p) {
                       op.output = p.F({4, 2}, 100);
                     })},
      {"LossEmptyLossTensor", "loss needs one element",
       spoil<LossOp>(loss, [](auto& op, auto& p) { op.loss = p.F({0}, 200); })},
      {"LossOutputOverlapsDz", "output and dz overlap",
       spoil<LossOp>(loss,
                     [](auto& op, auto& p) {
                       op.dz = p.F({4, 3}, 101);
                     })},
      {"LossPartlyInPlace", "output or dz partly overlaps z",
       spoil<LossOp>(loss,
                     [](auto& op, auto& p) {
                       op.output = p.F({4, 3}, 1);
                     })},
      {"LossOverlaps", "loss or target overlaps another tensor",
       spoil<LossOp>(loss, [](auto& op, auto& p) { op.loss = p.F({1}, 301); })},
      // argmax
      {"ArgmaxSize", "for 4 rows", [](const Pool& p) { return Op(ArgmaxOp{p.F({4, 3}, 0), p.I({3}, 0)}); }},
      {"ArgmaxEmptyRows", "empty rows", [](const Pool& p) { return Op(ArgmaxOp{p.F({4, 0}, 0), p.I({4}, 0)}); }},
      {"ArgmaxOverlap", "predictions overlap z",
       [](const Pool& p) { return Op(ArgmaxOp{p.F({4, 3}, 0), p.f.tensor({4}, DType::I32, 2)}); }},
      // optimizer
      {"OptimizerGradsSize", "grads f32.49. vs params",
       spoil<OptimizerOp>(adam, [](auto& op, auto& p) { op.grads = p.F({49}, 100); })},
      {"OptimizerRegularized", "51 regularized of 50 params",
       spoil<OptimizerOp>(adam, [](auto& op, auto&) { op.regularized = 51; })},
      {"OptimizerHyper", "hyper needs",
       spoil<OptimizerOp>(adam, [](auto& op, auto& p) { op.hyper = p.F({HYPER_COUNT - 1}, 400); })},
      {"OptimizerCounters", "counters needs",
       spoil<OptimizerOp>(adam, [](auto& op, auto& p) { op.counters = p.I({1}, 0); })},
      {"OptimizerParamsOverlapGrads", "params overlap grads",
       spoil<OptimizerOp>(adam, [](auto& op, auto& p) { op.grads = p.F({50}, 10); })},
      {"OptimizerStateNotSet", "tensor 'state2' is not set",
       spoil<OptimizerOp>(adam, [](auto& op, auto&) { op.state2 = Tensor{}; })},
      {"OptimizerStateSize", "state1 f32.49. must be as large as params",
       spoil<OptimizerOp>(adam, [](auto& op, auto& p) { op.state1 = p.F({49}, 200); })},
      {"OptimizerStateOverlapsParams", "state1 overlaps params or grads",
       spoil<OptimizerOp>(adam, [](auto& op, auto& p) { op.state1 = p.F({50}, 20); })},
      {"OptimizerStatesOverlap", "state1 overlaps state2",
       spoil<OptimizerOp>(adam, [](auto& op, auto& p) { op.state2 = p.F({50}, 210); })},
      // advance, copy
      {"AdvanceCounters", "counters needs", [](const Pool& p) { return Op(AdvanceOp{p.I({1}, 0)}); }},
      {"CopyDtype", "tensor 'dst' is i32", [](const Pool& p) { return Op(CopyOp{p.F({8}, 0), p.I({8}, 0)}); }},
      {"CopySize", "src f32.8. vs dst f32.7.", [](const Pool& p) { return Op(CopyOp{p.F({8}, 0), p.F({7}, 100)}); }},
      {"CopyPartlyInPlace", "src and dst partly overlap",
       [](const Pool& p) { return Op(CopyOp{p.F({8}, 0), p.F({8}, 4)}); }},
      // sum of squares
      {"SumSquaresYSize", "y f32.39. vs x",
       spoil<SumSquaresOp>(sumSquares, [](auto& op, auto& p) { op.y = p.F({39}, 100); })},
      {"SumSquaresOutSize", "for 2 segments",
       spoil<SumSquaresOp>(sumSquares, [](auto& op, auto& p) { op.out = p.F({3}, 200); })},
      {"SumSquaresSegment", "segment .20, 41. outside x",
       spoil<SumSquaresOp>(sumSquares, [](auto& op, auto&) { op.segments[1].second = 41; })},
      {"SumSquaresOverlap", "out overlaps an input",
       spoil<SumSquaresOp>(sumSquares, [](auto& op, auto& p) { op.out = p.F({2}, 110); })},
      // spectrum
      {"SpectrumPartialImage", "are not whole 4x4 images",
       spoil<SpectrumOp>(spectrum,
                         [](auto& op, auto& p) {
                           op.images = p.F({2, 4, 3}, 0);
                         })},
      {"SpectrumEmpty", "are not whole 0x4 images",
       spoil<SpectrumOp>(spectrum, [](auto& op, auto&) { op.height = 0; })},
      {"SpectrumMagnitudeSize", "expected 2x4x3",
       spoil<SpectrumOp>(spectrum,
                         [](auto& op, auto& p) {
                           op.magnitude = p.F({2, 4, 4}, 100);
                         })},
      {"SpectrumOverlap", "magnitude overlaps images",
       spoil<SpectrumOp>(spectrum,
                         [](auto& op, auto& p) {
                           op.magnitude = p.F({2, 4, 3}, 8);
                         })},
  };
  return cases;
}

std::vector<std::size_t> indices() {
  std::vector<std::size_t> all(badOps().size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

class OpValidation : public ::testing::TestWithParam<std::tuple<std::string, std::size_t>> {};

TEST_P(OpValidation, RefusesTheBadOp) {
  const auto& [backendName, index] = GetParam();
  const BadOp& bad = badOps()[index];
  auto backend = makeBackend(backendName);
  ASSERT_TRUE(backend);
  const Pool pool{backend->allocate(POOL * 4), backend->allocate(POOL * 4)};
  const Op op = bad.build(pool);
  const BufferSizes sizes = [&pool](BufferId id) -> std::optional<std::size_t> {
    if (id == pool.f.id()) return pool.f.bytes();
    if (id == pool.i.id()) return pool.i.bytes();
    return std::nullopt;
  };
  const std::string reason = validate(op, sizes);
  EXPECT_NE(reason, "") << "validate() let the op through";
  EXPECT_TRUE(::testing::internal::RE::PartialMatch(reason, ::testing::internal::RE(bad.reason)))
      << "reason: " << reason << "\nexpected to contain: " << bad.reason;
  Graph graph;
  graph.add(op, "bad." + bad.name);
  EXPECT_DEATH(backend->compile(graph), backendName + " backend: op 0 .bad\\." + bad.name + ".: .*" + bad.reason);
}

// The unspoilt ops pass, so each case above is refused for its one flaw.
TEST(OpValidation, TheOpsTheCasesSpoilAreValid) {
  auto backend = makeBackend("cpu");
  ASSERT_TRUE(backend);
  const Pool pool{backend->allocate(POOL * 4), backend->allocate(POOL * 4)};
  const BufferSizes sizes = [&pool](BufferId id) -> std::optional<std::size_t> {
    if (id == pool.f.id()) return pool.f.bytes();
    if (id == pool.i.id()) return pool.i.bytes();
    return std::nullopt;
  };
  for (const Op& op : {Op(gather(pool)), Op(gemm(pool)), Op(biasAct(pool)), Op(actBack(pool)), Op(loss(pool)),
                       Op(adam(pool)), Op(sumSquares(pool)), Op(spectrum(pool))}) {
    EXPECT_EQ(validate(op, sizes), "") << opName(op);
    Graph graph;
    graph.add(op);
    EXPECT_TRUE(backend->compile(graph)) << opName(op);
  }
}

std::string caseName(const ::testing::TestParamInfo<OpValidation::ParamType>& info) {
  return std::get<0>(info.param) + "_" + badOps()[std::get<1>(info.param)].name;
}

INSTANTIATE_TEST_SUITE_P(EveryCheck, OpValidation,
                         ::testing::Combine(::testing::ValuesIn(availableBackends()), ::testing::ValuesIn(indices())),
                         caseName);

}  // namespace
}  // namespace nsb::compute::test
