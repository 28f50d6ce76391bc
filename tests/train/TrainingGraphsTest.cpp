// The training graphs checked by the ops they produce: a 2-layer net's step, metrics and evaluation
// graphs on the CPU backend (the builders are backend-independent).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "compute/OptimizerMath.h"
#include "compute/Registry.h"
#include "train/TrainingGraphs.h"

namespace nsb::train {
namespace {

using compute::DType;

struct TwoLayerNet {
  std::unique_ptr<compute::Backend> backend;
  std::unique_ptr<nn::Model> model;
  nn::Workspace ws;
  compute::Buffer x, y, index, counters, hyper, norms;
  SplitTensors split;

  TwoLayerNet() {
    auto created = compute::createBackend("cpu", {});
    EXPECT_TRUE(created.ok());
    backend = std::move(created.value());
    nn::ModelSpec spec;
    spec.inputs = 2;
    spec.hidden = {{4, compute::Activation::Tanh}};
    spec.outputs = 2;
    model = std::make_unique<nn::Model>(*backend, spec);
    ws = model->makeWorkspace(8, true);
    x = backend->allocate(16 * 2 * sizeof(float));
    y = backend->allocate(16 * sizeof(std::int32_t));
    index = backend->allocate(16 * sizeof(std::int32_t));
    counters = backend->allocate(compute::COUNTER_COUNT * sizeof(std::int32_t));
    hyper = backend->allocate(compute::HYPER_COUNT * sizeof(float));
    norms = backend->allocate(3 * spec.layerCount() * sizeof(float));
    split = {.x = x.tensor({16, 2}),
             .y = y.tensor({16}, DType::I32),
             .index = index.tensor({16}, DType::I32),
             .counters = counters.tensor({compute::COUNTER_COUNT}, DType::I32)};
  }
  compute::Tensor hyperTensor() const { return hyper.tensor({compute::HYPER_COUNT}); }
};

// "kind label" per op, in order.
std::vector<std::string> opsOf(const compute::Graph& g) {
  std::vector<std::string> ops;
  for (std::size_t i = 0; i < g.ops.size(); ++i)
    ops.push_back(std::string(compute::opName(g.ops[i])) + " " + g.label(i));
  return ops;
}

std::ptrdiff_t position(const std::vector<std::string>& ops, const std::string& op) {
  const auto it = std::find(ops.begin(), ops.end(), op);
  EXPECT_NE(it, ops.end()) << op;
  return it - ops.begin();
}

TEST(TrainingGraphs, StepGraphOfATwoLayerNetHasTheOpsInOrder) {
  TwoLayerNet net;
  const auto ops = opsOf(stepGraph(*net.model, net.ws, net.split, compute::OptimizerKind::Sgd, net.hyperTensor()));
  const std::vector<std::string> expected = {"gather gather.inputs",
                                             "gather gather.targets",
                                             "gemm layers.0.matmul",
                                             "bias_activation layers.0.bias_activation",
                                             "gemm layers.1.matmul",
                                             "bias_activation layers.1.bias_activation",
                                             "loss loss",
                                             "gemm layers.1.weight_grad",
                                             "bias_grad layers.1.bias_grad",
                                             "gemm layers.1.input_grad",
                                             "activation_backward layers.0.activation_grad",
                                             "gemm layers.0.weight_grad",
                                             "bias_grad layers.0.bias_grad",
                                             "optimizer optimizer",
                                             "advance advance"};
  EXPECT_EQ(ops, expected);
}

// The metrics step measures the gradient and keeps the weights before the optimizer, the update and
// the weights after it, and still advances last.
TEST(TrainingGraphs, MetricsStepMeasuresAroundTheOptimizer) {
  TwoLayerNet net;
  const auto step = opsOf(stepGraph(*net.model, net.ws, net.split, compute::OptimizerKind::Adam, net.hyperTensor()));
  const auto ops = opsOf(
      metricsStepGraph(*net.model, net.ws, net.split, compute::OptimizerKind::Adam, net.hyperTensor(), net.norms));
  ASSERT_EQ(ops.size(), step.size() + 4);
  const auto optimizer = position(ops, "optimizer optimizer");
  EXPECT_LT(position(ops, "sum_squares metrics.gradient_norm"), optimizer);
  EXPECT_LT(position(ops, "copy metrics.keep_weights"), optimizer);
  EXPECT_GT(position(ops, "sum_squares metrics.update_norm"), optimizer);
  EXPECT_GT(position(ops, "sum_squares metrics.weight_norm"), optimizer);
  EXPECT_EQ(ops.back(), "advance advance");
}

TEST(TrainingGraphs, EvalGraphScoresAndAdvances) {
  TwoLayerNet net;
  const auto ops = opsOf(evalGraph(*net.model, net.ws, net.split));
  ASSERT_GE(ops.size(), 5u);
  EXPECT_EQ(ops[0], "gather gather.inputs");
  EXPECT_EQ(ops[1], "gather gather.targets");
  EXPECT_EQ(std::vector<std::string>(ops.end() - 3, ops.end()),
            (std::vector<std::string>{"loss loss", "argmax argmax", "advance advance"}));
}

TEST(TrainingGraphs, TestSetIsPaddedToWholeChunks) {
  const EvalChunks some = evalChunks(2500, 2000);
  EXPECT_EQ(some.rows, 2500u);
  EXPECT_EQ(some.chunk, 2000u);
  EXPECT_EQ(some.padded, 4000u);
  const EvalChunks few = evalChunks(300, 2000);
  EXPECT_EQ(few.chunk, 300u);
  EXPECT_EQ(few.padded, 300u);
  const EvalChunks none = evalChunks(0, 2000);
  EXPECT_EQ(none.rows, 1u);
  EXPECT_EQ(none.padded, 1u);
}

}  // namespace
}  // namespace nsb::train
