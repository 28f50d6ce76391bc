// The optimizers' first three updates of a 3-element parameter (elements 0 and 1 regularized, 2 not)
// under fixed gradients, against arithmetic written out here (literals for gd/sgd/momentum, explicit
// per-optimizer double loops for the rest), plus the step and cosine learning-rate schedules.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "OpTestSupport.h"
#include "compute/OptimizerMath.h"

namespace nsb::compute::test {
namespace {

using Params = std::array<double, 3>;

// Float inputs as the backend sees them, so that double arithmetic here differs only by rounding.
const double LR = 0.1f, MU = 0.9f, B1 = 0.9f, B2 = 0.999f, RHO = 0.9f, EPS = 1e-8f, L1 = 0.01f, L2 = 0.02f, WD = 0.1f;
constexpr Params W0 = {0.5, -0.25, 1.0};
constexpr Params G = {0.1, -0.2, 0.3};
// Three float steps of products and quotients near 1: rounding stays below 1e-6.
constexpr double TOLERANCE = 2e-6;

double sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }

struct StepRun {
  std::vector<Params> params;  // after each step
  std::vector<float> state1;   // after the last step
};

std::vector<float> defaultHyper() {
  std::vector<float> h(HYPER_COUNT, 0.0f);
  h[HYPER_LR] = 0.1f;
  h[HYPER_MOMENTUM] = 0.9f;
  h[HYPER_BETA1] = 0.9f;
  h[HYPER_BETA2] = 0.999f;
  h[HYPER_RHO] = 0.9f;
  h[HYPER_EPSILON] = 1e-8f;
  h[HYPER_L1] = 0.01f;
  h[HYPER_L2] = 0.02f;
  h[HYPER_WEIGHT_DECAY] = 0.1f;
  return h;
}

StepRun runSteps(OptimizerKind kind, const std::vector<float>& hyperValues) {
  auto backend = makeBackend("cpu");
  Buffer params = backend->allocate(12), grads = backend->allocate(12), s1 = backend->allocate(12),
         s2 = backend->allocate(12), hyper = backend->allocate(HYPER_COUNT * 4), counters = backend->allocate(8);
  backend->write<float>(params.tensor({3}), std::vector<float>{0.5f, -0.25f, 1.0f});
  backend->write<float>(grads.tensor({3}), std::vector<float>{0.1f, -0.2f, 0.3f});
  backend->write<float>(hyper.tensor({HYPER_COUNT}), hyperValues);
  Graph graph;
  graph.add(OptimizerOp{params.tensor({3}), grads.tensor({3}), s1.tensor({3}), s2.tensor({3}),
                        hyper.tensor({HYPER_COUNT}), counters.tensor({COUNTER_COUNT}, DType::I32), kind, 2});
  graph.add(AdvanceOp{counters.tensor({COUNTER_COUNT}, DType::I32)});
  auto program = backend->compile(graph);
  StepRun run;
  for (int step = 0; step < 3; ++step) {
    program->submit();
    const auto w = backend->read<float>(params.tensor({3}));
    run.params.push_back({w[0], w[1], w[2]});
  }
  run.state1 = backend->read<float>(s1.tensor({3}));
  return run;
}

void expectSteps(const StepRun& run, const std::vector<Params>& expected) {
  ASSERT_EQ(run.params.size(), expected.size());
  for (std::size_t s = 0; s < expected.size(); ++s) {
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_NEAR(run.params[s][i], expected[s][i], TOLERANCE) << "step " << s + 1 << ", element " << i;
    }
  }
}

// g' for the regularized elements 0 and 1: g + l2 w + l1 sign(w); element 2 gets g.
double regularized(std::size_t i, double w) { return i < 2 ? G[i] + L2 * w + L1 * sign(w) : G[i]; }

// By hand. Step 1: g'0 = 0.1 + 0.02*0.5 + 0.01 = 0.12, g'1 = -0.2 - 0.005 - 0.01 = -0.215, g'2 = 0.3;
// w = (0.5 - 0.012, -0.25 + 0.0215, 1 - 0.03). Step 2: g'0 = 0.1 + 0.00976 + 0.01 = 0.11976,
// g'1 = -0.2 - 0.00457 - 0.01 = -0.21457. Step 3: g'0 = 0.1 + 0.00952048 + 0.01 = 0.11952048,
// g'1 = -0.2 - 0.00414086 - 0.01 = -0.21414086.
const std::vector<Params> SGD_STEPS = {
    {0.488, -0.2285, 0.97}, {0.476024, -0.207043, 0.94}, {0.464071952, -0.185628914, 0.91}};

TEST(Optimizer, GdTakesPlainGradientSteps) { expectSteps(runSteps(OptimizerKind::Gd, defaultHyper()), SGD_STEPS); }

TEST(Optimizer, SgdTakesPlainGradientSteps) { expectSteps(runSteps(OptimizerKind::Sgd, defaultHyper()), SGD_STEPS); }

TEST(Optimizer, MomentumAccumulatesVelocity) {
  // v1 = g'; step 2: v0 = 0.9*0.12 + 0.11976 = 0.22776, v1 = 0.9*(-0.215) - 0.21457 = -0.40807, v2 = 0.57;
  // step 3: g'0 = 0.1 + 0.02*0.465224 + 0.01 = 0.11930448, v0 = 0.204984 + 0.11930448 = 0.32428848;
  // g'1 = -0.2 + 0.02*(-0.187693) - 0.01 = -0.21375386, v1 = -0.367263 - 0.21375386 = -0.58101686; v2 = 0.813.
  const StepRun run = runSteps(OptimizerKind::Momentum, defaultHyper());
  expectSteps(run, {{0.488, -0.2285, 0.97}, {0.465224, -0.187693, 0.913}, {0.432795152, -0.129591314, 0.8317}});
  EXPECT_NEAR(run.state1[0], 0.32428848, TOLERANCE);
  EXPECT_NEAR(run.state1[1], -0.58101686, TOLERANCE);
  EXPECT_NEAR(run.state1[2], 0.813, TOLERANCE);
}

TEST(Optimizer, NesterovLooksAhead) {
  Params w = W0, v = {0, 0, 0};
  std::vector<Params> expected;
  for (int step = 0; step < 3; ++step) {
    for (std::size_t i = 0; i < 3; ++i) {
      const double g = regularized(i, w[i]);
      v[i] = MU * v[i] + g;
      w[i] = w[i] - LR * (g + MU * v[i]);
    }
    expected.push_back(w);
  }
  // Step 1 by hand for element 2: v = 0.3, w = 1 - 0.1 * (0.3 + 0.27) = 0.943.
  EXPECT_NEAR(expected[0][2], 0.943, 1e-6);
  expectSteps(runSteps(OptimizerKind::Nesterov, defaultHyper()), expected);
}

TEST(Optimizer, AdaGradDividesBySummedSquares) {
  Params w = W0, s = {0, 0, 0};
  std::vector<Params> expected;
  for (int step = 0; step < 3; ++step) {
    for (std::size_t i = 0; i < 3; ++i) {
      const double g = regularized(i, w[i]);
      s[i] = s[i] + g * g;
      w[i] = w[i] - LR * g / (std::sqrt(s[i]) + EPS);
    }
    expected.push_back(w);
  }
  // Step 1 moves every element by lr * sign(g'): element 2 to 0.9; step 2 by lr / sqrt(2).
  EXPECT_NEAR(expected[0][2], 0.9, 1e-6);
  EXPECT_NEAR(expected[1][2], 0.9 - 0.1 / std::sqrt(2.0), 1e-6);
  expectSteps(runSteps(OptimizerKind::AdaGrad, defaultHyper()), expected);
}

TEST(Optimizer, RmsPropDividesByDecayedSquares) {
  Params w = W0, s = {0, 0, 0};
  std::vector<Params> expected;
  for (int step = 0; step < 3; ++step) {
    for (std::size_t i = 0; i < 3; ++i) {
      const double g = regularized(i, w[i]);
      s[i] = RHO * s[i] + (1 - RHO) * g * g;
      w[i] = w[i] - LR * g / (std::sqrt(s[i]) + EPS);
    }
    expected.push_back(w);
  }
  // Step 1 for element 2: s = 0.1 * 0.09 = 0.009, w = 1 - 0.1 * 0.3 / 0.0948683 = 0.6837722.
  EXPECT_NEAR(expected[0][2], 0.6837722, 1e-6);
  expectSteps(runSteps(OptimizerKind::RmsProp, defaultHyper()), expected);
}

TEST(Optimizer, AdamCorrectsBias) {
  Params w = W0, m = {0, 0, 0}, v = {0, 0, 0};
  std::vector<Params> expected;
  for (int step = 0; step < 3; ++step) {
    const double t = step + 1;
    for (std::size_t i = 0; i < 3; ++i) {
      const double g = regularized(i, w[i]);
      m[i] = B1 * m[i] + (1 - B1) * g;
      v[i] = B2 * v[i] + (1 - B2) * g * g;
      const double mHat = m[i] / (1 - std::pow(B1, t));
      const double vHat = v[i] / (1 - std::pow(B2, t));
      w[i] = w[i] - LR * mHat / (std::sqrt(vHat) + EPS);
    }
    expected.push_back(w);
  }
  // With a constant gradient every bias-corrected step is lr * sign(g): element 2 goes 0.9, 0.8, 0.7.
  EXPECT_NEAR(expected[2][2], 0.7, 1e-6);
  expectSteps(runSteps(OptimizerKind::Adam, defaultHyper()), expected);
}

TEST(Optimizer, AdamWDecaysRegularizedWeightsInsteadOfL2) {
  Params w = W0, m = {0, 0, 0}, v = {0, 0, 0};
  std::vector<Params> expected;
  for (int step = 0; step < 3; ++step) {
    const double t = step + 1;
    for (std::size_t i = 0; i < 3; ++i) {
      if (i < 2) w[i] = w[i] - LR * WD * w[i];
      const double g = i < 2 ? G[i] + L1 * sign(w[i]) : G[i];  // no L2 term
      m[i] = B1 * m[i] + (1 - B1) * g;
      v[i] = B2 * v[i] + (1 - B2) * g * g;
      w[i] = w[i] - LR * (m[i] / (1 - std::pow(B1, t))) / (std::sqrt(v[i] / (1 - std::pow(B2, t))) + EPS);
    }
    expected.push_back(w);
  }
  // Step 1, element 0: 0.5 * (1 - 0.01) = 0.495, then minus lr: 0.395. Element 2 is not decayed: 0.9.
  EXPECT_NEAR(expected[0][0], 0.395, 1e-6);
  EXPECT_NEAR(expected[0][2], 0.9, 1e-6);
  expectSteps(runSteps(OptimizerKind::AdamW, defaultHyper()), expected);
}

TEST(Optimizer, StepScheduleHalvesTheRateEveryTwoSteps) {
  std::vector<float> h = defaultHyper();
  h[HYPER_L1] = h[HYPER_L2] = 0.0f;
  h[HYPER_SCHEDULE] = 1;
  h[HYPER_STEP_EVERY] = 2;
  h[HYPER_STEP_GAMMA] = 0.5f;
  // lr = 0.1, 0.1, 0.05: element 2 (g = 0.3) goes 0.97, 0.94, 0.925; element 0 (g = 0.1) 0.49, 0.48, 0.475.
  expectSteps(runSteps(OptimizerKind::Sgd, h), {{0.49, -0.23, 0.97}, {0.48, -0.21, 0.94}, {0.475, -0.2, 0.925}});
}

TEST(Optimizer, CosineScheduleFallsToItsFloor) {
  std::vector<float> h = defaultHyper();
  h[HYPER_L1] = h[HYPER_L2] = 0.0f;
  h[HYPER_SCHEDULE] = 2;
  h[HYPER_TOTAL_STEPS] = 4;
  h[HYPER_MIN_FACTOR] = 0.1f;
  // lr(s) = 0.01 + 0.045 (1 + cos(pi s / 4)): 0.1, 0.0868198, 0.055.
  const double lr1 = 0.01 + 0.045 * (1 + std::cos(std::acos(-1.0) / 4));
  EXPECT_NEAR(lr1, 0.0868198, 1e-6);
  const double e1 = 1.0 - 0.1 * 0.3, e2 = e1 - lr1 * 0.3, e3 = e2 - 0.055 * 0.3;
  const double f1 = 0.5 - 0.1 * 0.1, f2 = f1 - lr1 * 0.1, f3 = f2 - 0.055 * 0.1;
  const double g1 = -0.25 + 0.1 * 0.2, g2 = g1 + lr1 * 0.2, g3 = g2 + 0.055 * 0.2;
  expectSteps(runSteps(OptimizerKind::Sgd, h), {{f1, g1, e1}, {f2, g2, e2}, {f3, g3, e3}});
  // Past the end the rate stays at the floor.
  EXPECT_NEAR(scheduledLearningRate(h.data(), 100), 0.01f, 1e-7f);
}

}  // namespace
}  // namespace nsb::compute::test
