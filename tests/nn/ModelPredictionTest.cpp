// Model::addPrediction (the probes' graph) gives the same head output as the forward pass followed by
// the loss op, for each head, on every backend there is.
#include <gtest/gtest.h>

#include <cmath>

#include "compute/Graph.h"
#include "compute/Registry.h"
#include "core/Rng.h"
#include "nn/Init.h"
#include "nn/Model.h"

namespace nsb::nn {
namespace {

using compute::Head;
using compute::LossKind;

struct HeadCase {
  Head head;
  LossKind loss;
  std::size_t outputs;
};

std::vector<float> headOutput(compute::Backend& backend, const ModelSpec& spec, const std::vector<float>& params,
                              const std::vector<float>& x, std::size_t rows, bool prediction) {
  Model model(backend, spec);
  model.write(model.params(), params);
  Workspace ws = model.makeWorkspace(rows, spec.head == Head::Softmax);
  backend.write(ws.input, std::span<const float>(x));
  compute::Graph graph;
  if (prediction) {
    model.addPrediction(graph, ws);
  } else {
    model.addForward(graph, ws);
    graph.add(model.lossOp(ws), "loss");
  }
  backend.compile(graph)->submit(1);
  backend.synchronize();
  return backend.read<float>(ws.output);
}

class Prediction : public ::testing::TestWithParam<std::string> {};

TEST_P(Prediction, MatchesTheLossOpsHeadForEveryHead) {
  auto backend = compute::createBackend(GetParam(), {});
  if (!backend) GTEST_SKIP() << GetParam() << ": " << backend.message();
  const HeadCase cases[] = {{Head::Sigmoid, LossKind::BinaryCrossEntropy, 1},
                            {Head::Linear, LossKind::Mse, 2},
                            {Head::Softmax, LossKind::CrossEntropy, 3}};
  for (const HeadCase& c : cases) {
    ModelSpec spec;
    spec.inputs = 4;
    spec.hidden = {{7, compute::Activation::Tanh}, {5, compute::Activation::Relu}};
    spec.outputs = c.outputs;
    spec.head = c.head;
    spec.loss = c.loss;
    const auto params = initialParameters(spec, InitKind::Xavier, 3);
    constexpr std::size_t ROWS = 33;
    core::Rng rng(5);
    std::vector<float> x(ROWS * spec.inputs);
    for (float& v : x) v = rng.uniform(-3.0f, 3.0f);
    const auto expected = headOutput(*backend.value(), spec, params, x, ROWS, false);
    const auto got = headOutput(*backend.value(), spec, params, x, ROWS, true);
    ASSERT_EQ(got.size(), ROWS * spec.outputs);
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_NEAR(got[i], expected[i], 1e-6f) << "head " << static_cast<int>(c.head) << ", element " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Prediction, ::testing::ValuesIn(compute::availableBackends()),
                         [](const auto& param) { return param.param; });

}  // namespace
}  // namespace nsb::nn
