// Finite-difference checks of the backward ops on every backend: each activation's derivative (through
// BiasActivation + ActivationBackward), every valid head + loss pair's dz, and dW / db of a hand-built
// two-layer MLP against central differences of its loss. Differences are taken in double of float outputs.
#include <gtest/gtest.h>

#include <cmath>

#include "OpTestSupport.h"
#include "TinyMlp.h"

namespace nsb::compute::test {
namespace {

class GradientCheck : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    NSB_SKIP_UNLESS_USABLE(GetParam());
    mBackend = makeBackend(GetParam());
    ASSERT_TRUE(mBackend);
  }
  std::unique_ptr<Backend> mBackend;
};

constexpr Activation ACTIVATIONS[] = {Activation::Linear, Activation::Sigmoid,   Activation::Tanh,
                                      Activation::Relu,   Activation::LeakyRelu, Activation::Gelu};

// Central differences with h = 1e-2 on float ops: truncation h^2/6 |f'''| <= 4e-5 for these functions,
// and float rounding of outputs near 4 gives ~5e-7 / 2h = 3e-5; 2e-4 leaves room and still fails a
// wrong derivative (errors of 1e-2 or more).
constexpr float H = 1e-2f;
constexpr double TOLERANCE = 2e-4;

TEST_P(GradientCheck, ActivationBackwardMatchesFiniteDifferences) {
  Backend& backend = *mBackend;
  const std::size_t rows = 4, n = 9, count = rows * n;
  for (Activation activation : ACTIVATIONS) {
    SCOPED_TRACE(std::string(activationName(activation)));
    core::Rng rng(7);
    std::vector<float> z0(count), bias(n, 0.0f), r(count);
    for (float& b : bias) b = rng.uniform(-0.5f, 0.5f);
    for (std::size_t i = 0; i < count; ++i) {
      // Keep z + bias away from the kinks of relu and leaky relu by more than h.
      float v = rng.uniform(-3.0f, 3.0f);
      if (std::fabs(v + bias[i % n]) < 0.05f) v += 0.1f;
      z0[i] = v;
      r[i] = rng.uniform(-1.0f, 1.0f);
    }
    Buffer z = backend.allocate(count * 4), b = backend.allocate(n * 4), a = backend.allocate(count * 4),
           da = backend.allocate(count * 4), dz = backend.allocate(count * 4);
    const Tensor zt = z.tensor({rows, n}), at = a.tensor({rows, n});
    backend.write<float>(b.tensor({n}), bias);
    backend.write<float>(da.tensor({count}), r);
    Graph forward;
    forward.add(BiasActivationOp{zt, b.tensor({n}), at, activation});
    Graph both = forward;
    both.add(ActivationBackwardOp{da.tensor({rows, n}), zt, at, dz.tensor({rows, n}), activation});
    auto forwardProgram = backend.compile(forward);
    auto bothProgram = backend.compile(both);

    backend.write<float>(zt, z0);
    bothProgram->submit();
    const auto analytic = backend.read<float>(dz.tensor({count}));

    // Element-wise ops have a diagonal Jacobian, so shifting every element at once is a per-element FD.
    std::vector<float> plus(count), minus(count);
    for (std::size_t i = 0; i < count; ++i) {
      plus[i] = z0[i] + H;
      minus[i] = z0[i] - H;
    }
    backend.write<float>(zt, plus);
    forwardProgram->submit();
    const auto aPlus = backend.read<float>(at);
    backend.write<float>(zt, minus);
    forwardProgram->submit();
    const auto aMinus = backend.read<float>(at);
    for (std::size_t i = 0; i < count; ++i) {
      const double step = static_cast<double>(plus[i]) - static_cast<double>(minus[i]);
      const double fd =
          static_cast<double>(r[i]) * (static_cast<double>(aPlus[i]) - static_cast<double>(aMinus[i])) / step;
      EXPECT_NEAR(static_cast<double>(analytic[i]), fd, TOLERANCE)
          << "element " << i << ", z = " << z0[i] + bias[i % n];
    }
  }
}

TEST_P(GradientCheck, LossGradientMatchesFiniteDifferences) {
  Backend& backend = *mBackend;
  struct Combo {
    Head head;
    LossKind loss;
    std::size_t n;
  };
  const Combo combos[] = {{Head::Softmax, LossKind::CrossEntropy, 4},
                          {Head::Softmax, LossKind::Mse, 4},
                          {Head::Sigmoid, LossKind::BinaryCrossEntropy, 4},
                          {Head::Sigmoid, LossKind::BinaryCrossEntropy, 1},
                          {Head::Sigmoid, LossKind::Mse, 4},
                          {Head::Sigmoid, LossKind::Mse, 1},
                          {Head::Linear, LossKind::Mse, 4},
                          {Head::Linear, LossKind::Mse, 1}};
  const std::size_t rows = 5;
  for (const Combo& combo : combos) {
    for (bool classTargets : {true, false}) {
      SCOPED_TRACE(std::string(headName(combo.head)) + "+" + std::string(lossName(combo.loss)) +
                   " n=" + std::to_string(combo.n) + (classTargets ? " class targets" : " value targets"));
      const std::size_t n = combo.n, count = rows * n;
      core::Rng rng(11);
      std::vector<float> z0(count);
      for (float& v : z0) v = rng.uniform(-2.0f, 2.0f);
      Buffer z = backend.allocate(count * 4), out = backend.allocate(count * 4), loss = backend.allocate(4),
             dz = backend.allocate(count * 4);
      Buffer target = backend.allocate(count * 4);
      Tensor targetTensor;
      if (classTargets) {
        targetTensor = target.tensor({rows}, DType::I32);
        std::vector<std::int32_t> t(rows);
        for (auto& v : t) v = static_cast<std::int32_t>(rng.below(n == 1 ? 2u : static_cast<std::uint32_t>(n)));
        backend.write<std::int32_t>(targetTensor, t);
      } else {
        targetTensor = target.tensor({rows, n});
        std::vector<float> t(count);
        for (float& v : t) v = rng.uniform(0.0f, 1.0f);
        backend.write<float>(targetTensor, t);
      }
      Graph graph;
      graph.add(LossOp{z.tensor({rows, n}), targetTensor, out.tensor({rows, n}), loss.tensor({1}), dz.tensor({rows, n}),
                       combo.head, combo.loss});
      auto program = backend.compile(graph);
      backend.write<float>(z.tensor({count}), z0);
      program->submit();
      const auto analytic = backend.read<float>(dz.tensor({count}));
      for (std::size_t k = 0; k < count; ++k) {
        std::vector<float> shifted = z0;
        shifted[k] = z0[k] + H;
        backend.write<float>(z.tensor({count}), shifted);
        program->submit();
        const double lossPlus = static_cast<double>(backend.read<float>(loss.tensor({1}))[0]);
        const float up = shifted[k];
        shifted[k] = z0[k] - H;
        backend.write<float>(z.tensor({count}), shifted);
        program->submit();
        const double lossMinus = static_cast<double>(backend.read<float>(loss.tensor({1}))[0]);
        const double fd = (lossPlus - lossMinus) / (static_cast<double>(up) - static_cast<double>(shifted[k]));
        // The loss is ~1, so its float rounding contributes ~1e-7 / 2h = 5e-6; truncation stays below 1e-5.
        EXPECT_NEAR(static_cast<double>(analytic[k]), fd, 5e-5) << "element " << k;
      }
    }
  }
}

struct MlpCase {
  Activation hidden;
  Head head;
  LossKind loss;
  bool classTargets;
};

TEST_P(GradientCheck, TwoLayerMlpParameterGradientsMatchFiniteDifferences) {
  Backend& backend = *mBackend;
  // Smooth hidden activations only: a relu kink within h of a pre-activation would break the FD itself.
  const MlpCase cases[] = {{Activation::Tanh, Head::Softmax, LossKind::CrossEntropy, true},
                           {Activation::Sigmoid, Head::Sigmoid, LossKind::BinaryCrossEntropy, false},
                           {Activation::Gelu, Head::Linear, LossKind::Mse, false}};
  for (const MlpCase& c : cases) {
    SCOPED_TRACE(std::string(activationName(c.hidden)) + " " + std::string(headName(c.head)) + "+" +
                 std::string(lossName(c.loss)));
    MlpConfig config;
    config.sizes = {5, 3, 2};
    config.hidden = c.hidden;
    config.head = c.head;
    config.loss = c.loss;
    config.batch = 4;
    config.classTargets = c.classTargets;
    TinyMlp mlp(backend, config, 99);
    auto training = backend.compile(mlp.forwardBackward());
    auto forward = backend.compile(mlp.forward());
    training->submit();
    const auto analytic = mlp.read(mlp.grads);
    const auto p0 = mlp.read(mlp.params);
    ASSERT_EQ(p0.size(), 5u * 3 + 3 * 2 + 3 + 2);
    for (std::size_t k = 0; k < p0.size(); ++k) {
      std::vector<float> p = p0;
      p[k] = p0[k] + H;
      mlp.writeParams(p);
      forward->submit();
      const double lossPlus = static_cast<double>(mlp.loss());
      const float up = p[k];
      p[k] = p0[k] - H;
      mlp.writeParams(p);
      forward->submit();
      const double lossMinus = static_cast<double>(mlp.loss());
      const double fd = (lossPlus - lossMinus) / (static_cast<double>(up) - static_cast<double>(p[k]));
      // Same budget as the loss check, plus the float rounding of two layers' products (~1e-6): 1e-4.
      EXPECT_NEAR(static_cast<double>(analytic[k]), fd, 1e-4)
          << "parameter " << k << (k < 21 ? " (weight)" : " (bias)");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, GradientCheck, ::testing::ValuesIn(testedBackends()),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

}  // namespace
}  // namespace nsb::compute::test
