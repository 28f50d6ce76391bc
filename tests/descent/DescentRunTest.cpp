// DescentRun: every optimizer's first three steps on f = (a x^2 + b y^2) / 2 and its end point after
// 1,000 steps on Rosenbrock against torch.optim's rules written out here in double; the same bits as the
// CPU backend's optimizer op run through a compiled Graph on a two-element buffer; what a step exposes
// for the views; convergence, divergence, live edits and reset.
#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <vector>

#include "compute/Backend.h"
#include "compute/Graph.h"
#include "compute/Registry.h"
#include "descent/DescentRun.h"

namespace nsb::descent {
namespace {

using compute::OptimizerKind;

constexpr std::array<OptimizerKind, 8> OPTIMIZERS = {
    OptimizerKind::Gd,      OptimizerKind::Sgd,     OptimizerKind::Momentum, OptimizerKind::Nesterov,
    OptimizerKind::AdaGrad, OptimizerKind::RmsProp, OptimizerKind::Adam,     OptimizerKind::AdamW};

train::Hyperparams hyper(OptimizerKind kind, float lr) {
  train::Hyperparams h;
  h.optimizer = kind;
  h.learningRate = lr;
  h.momentum = 0.9f;
  h.beta1 = 0.9f;
  h.beta2 = 0.999f;
  h.rho = 0.9f;
  h.epsilon = 1e-7f;
  h.weightDecay = 0.1f;
  return h;
}

// torch.optim's update for one coordinate, in double, from the float hyperparameters widened (so that
// the float code differs only by its rounding). t counts from 1. No L1/L2 (the tests leave them 0).
struct Reference {
  OptimizerKind kind;
  double lr, mu, b1, b2, rho, eps, wd;
  explicit Reference(const train::Hyperparams& h)
      : kind(h.optimizer),
        lr(h.learningRate),
        mu(h.momentum),
        b1(h.beta1),
        b2(h.beta2),
        rho(h.rho),
        eps(h.epsilon),
        wd(h.weightDecay) {}

  void step(double& w, double& s1, double& s2, double g, int t) const {
    switch (kind) {
      case OptimizerKind::Gd:
      case OptimizerKind::Sgd:
        w -= lr * g;
        return;
      case OptimizerKind::Momentum:  // b_t = mu b_{t-1} + g (b_1 = g), w -= lr b
        s1 = t == 1 ? g : mu * s1 + g;
        w -= lr * s1;
        return;
      case OptimizerKind::Nesterov:  // the same b, w -= lr (g + mu b)
        s1 = t == 1 ? g : mu * s1 + g;
        w -= lr * (g + mu * s1);
        return;
      case OptimizerKind::AdaGrad:  // sum starts at 0; w -= lr g / (sqrt(sum) + eps)
        s1 += g * g;
        w -= lr * g / (std::sqrt(s1) + eps);
        return;
      case OptimizerKind::RmsProp:  // torch's alpha is our rho; no momentum, not centred
        s1 = rho * s1 + (1 - rho) * g * g;
        w -= lr * g / (std::sqrt(s1) + eps);
        return;
      case OptimizerKind::AdamW:
        w *= 1 - lr * wd;  // decoupled decay first, from the weight before this step
        [[fallthrough]];
      case OptimizerKind::Adam: {
        s1 = b1 * s1 + (1 - b1) * g;
        s2 = b2 * s2 + (1 - b2) * g * g;
        const double mHat = s1 / (1 - std::pow(b1, t));
        const double vHat = s2 / (1 - std::pow(b2, t));
        w -= lr * mHat / (std::sqrt(vHat) + eps);
        return;
      }
    }
  }
};

// The reference run on a surface: `steps` points after the start, gradients from the double point.
std::vector<Point> referencePath(const Surface& s, const train::Hyperparams& h, Point start, int steps) {
  const Reference r(h);
  Point w = start;
  std::array<double, 2> s1{}, s2{};
  std::vector<Point> path;
  for (int t = 1; t <= steps; ++t) {
    const Point g = s.gradient(w);
    r.step(w.x, s1[0], s2[0], g.x, t);
    r.step(w.y, s1[1], s2[1], g.y, t);
    path.push_back(w);
  }
  return path;
}

// f = (a x^2 + b y^2) / 2 with a = 1, b = 4: the bowl of condition number 4.
const Surface QUADRATIC(SurfaceKind::Bowl, {.condition = 4.0, .sigma = 0.0});
constexpr Point QUADRATIC_START{3.0, -2.0};
// Three float steps of a few products and quotients each: rounding stays near 1e-7 of each value.
constexpr double RELATIVE = 1e-6;

TEST(DescentRun, FirstThreeStepsOnAQuadraticAreTorchs) {
  for (OptimizerKind kind : OPTIMIZERS) {
    const train::Hyperparams h = hyper(kind, 0.05f);
    DescentRun run(QUADRATIC, h, QUADRATIC_START);
    run.run(3);
    const auto expected = referencePath(QUADRATIC, h, QUADRATIC_START, 3);
    ASSERT_EQ(run.path().size(), 4u);
    for (int s = 0; s < 3; ++s) {
      const Point got = run.path()[s + 1];
      EXPECT_NEAR(got.x, expected[s].x, RELATIVE * std::fabs(expected[s].x))
          << compute::optimizerName(kind) << " step " << s + 1;
      EXPECT_NEAR(got.y, expected[s].y, RELATIVE * std::fabs(expected[s].y))
          << compute::optimizerName(kind) << " step " << s + 1;
    }
  }
}

TEST(DescentRun, FirstStepsWorkedByHand) {
  // The double loop above, checked once against arithmetic done by hand. lr = 0.05, g0 = (3, -8).
  const double lr = 0.05f;
  auto first = [&](OptimizerKind kind) { return referencePath(QUADRATIC, hyper(kind, 0.05f), QUADRATIC_START, 3); };
  // gd: w1 = (3 - 0.15, -2 + 0.4) = (2.85, -1.6); g1 = (2.85, -6.4); w2 = (2.7075, -1.28).
  const auto gd = first(OptimizerKind::Gd);
  EXPECT_NEAR(gd[0].x, 3 - lr * 3, 1e-12);
  EXPECT_NEAR(gd[1].x, 2.7075, 1e-8);
  EXPECT_NEAR(gd[1].y, -1.28, 1e-8);
  // momentum: b1 = g0, w1 as gd; b2 = 0.9 g0 + g1 = (5.55, -13.6); w2 = (2.85 - 0.2775, -1.6 + 0.68).
  const auto momentum = first(OptimizerKind::Momentum);
  EXPECT_NEAR(momentum[1].x, 2.5725, 1e-8);
  EXPECT_NEAR(momentum[1].y, -0.92, 1e-8);
  // nesterov: b1 = g0, w1 = w0 - lr (g0 + 0.9 g0) = (3 - 0.285, -2 + 0.76).
  const auto nesterov = first(OptimizerKind::Nesterov);
  EXPECT_NEAR(nesterov[0].x, 2.715, 1e-8);
  EXPECT_NEAR(nesterov[0].y, -1.24, 1e-8);
  // adagrad and adam: the first step is lr * sign(g) (up to eps).
  EXPECT_NEAR(first(OptimizerKind::AdaGrad)[0].y, -1.95, 1e-7);
  EXPECT_NEAR(first(OptimizerKind::Adam)[0].x, 2.95, 1e-7);
  // rmsprop: s1 = 0.1 g^2, step lr g / (sqrt(0.1) |g|) = 0.05 / 0.316228 = 0.158114.
  EXPECT_NEAR(first(OptimizerKind::RmsProp)[0].x, 3 - 0.05 / std::sqrt(0.1), 1e-6);
  // adamw: 3 * (1 - 0.05 * 0.1) = 2.985, then lr * sign(g): 2.935.
  EXPECT_NEAR(first(OptimizerKind::AdamW)[0].x, 2.935, 1e-6);
}

TEST(DescentRun, ThousandRosenbrockStepsEndWhereTheDoubleRuleDoes) {
  // Rates at which each optimizer moves steadily down the valley from (-1.5, 2) without oscillating:
  // float rounding then stays small instead of being amplified (rmsprop at 1e-3 zigzags across the valley
  // and ends 1.5e-4 from the double rule). Tolerance: 5e-5 in each coordinate, five times the largest
  // difference measured (9.8e-6, momentum's y; the rest 3e-7 to 9.5e-6), all from float parameters,
  // gradients and state over 1,000 steps.
  constexpr double TOLERANCE = 5e-5;
  const Surface rosenbrock(SurfaceKind::Rosenbrock);
  const Point start{-1.5, 2.0};
  const std::array<std::pair<OptimizerKind, float>, 8> runs = {{{OptimizerKind::Gd, 1e-4f},
                                                                {OptimizerKind::Sgd, 1e-4f},
                                                                {OptimizerKind::Momentum, 1e-5f},
                                                                {OptimizerKind::Nesterov, 1e-5f},
                                                                {OptimizerKind::AdaGrad, 0.05f},
                                                                {OptimizerKind::RmsProp, 1e-4f},
                                                                {OptimizerKind::Adam, 1e-2f},
                                                                {OptimizerKind::AdamW, 1e-2f}}};
  for (const auto& [kind, lr] : runs) {
    const train::Hyperparams h = hyper(kind, lr);
    DescentRun run(rosenbrock, h, start);
    run.run(1000);
    ASSERT_EQ(run.steps(), 1000u) << compute::optimizerName(kind);
    const Point expected = referencePath(rosenbrock, h, start, 1000).back();
    EXPECT_NEAR(run.position().x, expected.x, TOLERANCE) << compute::optimizerName(kind);
    EXPECT_NEAR(run.position().y, expected.y, TOLERANCE) << compute::optimizerName(kind);
    // And it moved: the double rule's end is well away from the start.
    EXPECT_GT(std::hypot(expected.x - start.x, expected.y - start.y), 0.05) << compute::optimizerName(kind);
  }
}

// The CPU backend's optimizer op, compiled into a Graph as a network's step is (OptimizerOp then
// AdvanceOp), on two-element parameter, gradient and state buffers, fed the surface's gradient at the
// parameters it holds after each step.
std::vector<std::array<float, 2>> backendPath(const Surface& surface, const train::Hyperparams& h, Point start,
                                              int steps, std::uint64_t seed) {
  auto created = compute::createBackend("cpu");
  EXPECT_TRUE(created.ok());
  auto backend = std::move(created).value();
  compute::Buffer params = backend->allocate(8), grads = backend->allocate(8), s1 = backend->allocate(8),
                  s2 = backend->allocate(8), hyperBuffer = backend->allocate(compute::HYPER_COUNT * 4),
                  counters = backend->allocate(compute::COUNTER_COUNT * 4);
  const compute::Tensor p = params.tensor({2}), g = grads.tensor({2}), t1 = s1.tensor({2}), t2 = s2.tensor({2}),
                        hy = hyperBuffer.tensor({compute::HYPER_COUNT}),
                        c = counters.tensor({compute::COUNTER_COUNT}, compute::DType::I32);
  const std::array<float, 2> zeros{};
  const std::array<std::int32_t, compute::COUNTER_COUNT> zeroCounters{};
  backend->write<float>(p, std::array<float, 2>{static_cast<float>(start.x), static_cast<float>(start.y)});
  backend->write<float>(t1, zeros);
  backend->write<float>(t2, zeros);
  backend->write<std::int32_t>(c, zeroCounters);
  const auto values = h.deviceValues();
  backend->write<float>(hy, values);
  compute::Graph graph;
  graph.add(compute::OptimizerOp{p, g, t1, t2, hy, c, h.optimizer, 2});
  graph.add(compute::AdvanceOp{c});
  auto program = backend->compile(graph);
  core::Rng rng(seed);
  std::vector<std::array<float, 2>> path;
  std::vector<float> w = backend->read<float>(p);
  for (int step = 0; step < steps; ++step) {
    const Point gradient = surface.noisyGradient({w[0], w[1]}, rng);
    backend->write<float>(g, std::array<float, 2>{static_cast<float>(gradient.x), static_cast<float>(gradient.y)});
    program->submit();
    w = backend->read<float>(p);
    path.push_back({w[0], w[1]});
  }
  return path;
}

TEST(DescentRun, SameBitsAsTheCpuBackendsOptimizerOp) {
  struct Case {
    Surface surface;
    float lr, l1, l2;
  };
  const std::vector<Case> cases = {
      {Surface(SurfaceKind::Rosenbrock), 1e-3f, 0.0f, 0.0f},
      {Surface(SurfaceKind::Himmelblau), 1e-2f, 1e-3f, 1e-2f},  // the regularized kernels too
      {Surface(SurfaceKind::NoisyBowl, {.condition = 10.0, .sigma = 1.0}), 2e-2f, 0.0f, 0.0f},
  };
  for (const Case& c : cases) {
    for (OptimizerKind kind : OPTIMIZERS) {
      train::Hyperparams h = hyper(kind, c.lr);
      h.l1 = c.l1;
      h.l2 = c.l2;
      const Point start = c.surface.defaultStart();
      DescentRun run(c.surface, h, start, 9);
      run.run(300);
      ASSERT_EQ(run.steps(), 300u);
      const auto expected = backendPath(c.surface, h, start, 300, 9);
      for (int s = 0; s < 300; ++s) {
        const Point got = run.path()[s + 1];
        ASSERT_EQ(std::bit_cast<std::uint32_t>(static_cast<float>(got.x)), std::bit_cast<std::uint32_t>(expected[s][0]))
            << c.surface.name() << " " << compute::optimizerName(kind) << " step " << s + 1;
        ASSERT_EQ(std::bit_cast<std::uint32_t>(static_cast<float>(got.y)), std::bit_cast<std::uint32_t>(expected[s][1]))
            << c.surface.name() << " " << compute::optimizerName(kind) << " step " << s + 1;
      }
    }
  }
}

TEST(DescentRun, StepDetailHoldsWhatTheViewsDraw) {
  for (OptimizerKind kind : OPTIMIZERS) {
    DescentRun run(QUADRATIC, hyper(kind, 0.05f), QUADRATIC_START);
    run.run(2);
    const StepDetail& d = run.last();
    const std::string name(compute::optimizerName(kind));
    EXPECT_EQ(d.before.x, run.path()[1].x) << name;
    EXPECT_EQ(d.after.x, run.path()[2].x) << name;
    EXPECT_EQ(d.taken.x, d.after.x - d.before.x) << name;
    EXPECT_EQ(d.taken.y, d.after.y - d.before.y) << name;
    EXPECT_EQ(d.gradient.x, static_cast<float>(d.before.x)) << name;  // a = 1
    EXPECT_EQ(d.gradient.y, static_cast<float>(4.0 * d.before.y)) << name;
    EXPECT_FLOAT_EQ(d.learningRate, 0.05f);
    const bool velocity = kind == OptimizerKind::Momentum || kind == OptimizerKind::Nesterov ||
                          kind == OptimizerKind::Adam || kind == OptimizerKind::AdamW;
    const bool scale = kind == OptimizerKind::AdaGrad || kind == OptimizerKind::RmsProp ||
                       kind == OptimizerKind::Adam || kind == OptimizerKind::AdamW;
    EXPECT_EQ(d.hasVelocity, velocity) << name;
    EXPECT_EQ(d.hasScale, scale) << name;
    if (velocity) {
      EXPECT_EQ(d.velocity.x, d.state1[0]) << name;
    }
    if (!scale) {
      EXPECT_EQ(d.scale.x, 1.0) << name;
    }
  }
  // Adam: the step taken is -lr m_hat / scale in each coordinate (scale = sqrt(v_hat) + eps).
  DescentRun adam(QUADRATIC, hyper(OptimizerKind::Adam, 0.05f), QUADRATIC_START);
  adam.run(3);
  const StepDetail& d = adam.last();
  const double mHat = d.velocity.y / (1 - std::pow(static_cast<double>(0.9f), 3));
  EXPECT_NEAR(d.taken.y, -0.05 * mHat / d.scale.y, 1e-6);
  // AdaGrad: scale = sqrt(sum of squared gradients) + eps, and step = -lr g / scale.
  DescentRun adagrad(QUADRATIC, hyper(OptimizerKind::AdaGrad, 0.05f), QUADRATIC_START);
  adagrad.run(2);
  EXPECT_NEAR(adagrad.last().taken.x, -0.05 * adagrad.last().gradient.x / adagrad.last().scale.x, 1e-6);
}

TEST(DescentRun, ConvergedStepIsTheFirstWithinTolerance) {
  // gd on x^2/2 + y^2/2 with lr 0.1: each step multiplies the point by 0.9 exactly in real arithmetic.
  const Surface round(SurfaceKind::Bowl, {.condition = 1.0, .sigma = 0.0});
  DescentRun run(round, hyper(OptimizerKind::Gd, 0.1f), {-4.0, 2.0});
  run.run(200);
  std::uint64_t expected = 0;
  double radius = std::hypot(4.0, 2.0);
  while (radius > 1e-3) {
    radius *= 1.0 - static_cast<double>(0.1f);
    ++expected;
  }
  ASSERT_TRUE(run.convergedStep().has_value());
  EXPECT_EQ(*run.convergedStep(), expected);  // 80
  EXPECT_LE(run.distanceToMinimum(), 1e-3);
  EXPECT_LE(std::hypot(run.path()[expected].x, run.path()[expected].y), 1e-3);
  EXPECT_GT(std::hypot(run.path()[expected - 1].x, run.path()[expected - 1].y), 1e-3);
  // A looser tolerance set later is answered from the path already walked.
  run.setTolerance(0.5);
  EXPECT_LT(*run.convergedStep(), expected);
  EXPECT_FALSE(run.divergedStep().has_value());
  // The saddle has no minimum: never converged.
  DescentRun saddle(Surface(SurfaceKind::Saddle), hyper(OptimizerKind::Gd, 0.01f), {0.0, 0.0});
  saddle.run(10);
  EXPECT_FALSE(saddle.convergedStep().has_value());
}

TEST(DescentRun, DivergenceStopsAtTheLastFinitePoint) {
  // gd at lr 1 on the bowl with k = 10 multiplies y by -9 each step: past float's range in ~40 steps.
  DescentRun run(Surface(SurfaceKind::Bowl), hyper(OptimizerKind::Gd, 1.0f), {1.0, 1.0});
  run.run(1000);
  ASSERT_TRUE(run.divergedStep().has_value());
  EXPECT_LT(*run.divergedStep(), 60u);
  EXPECT_EQ(run.steps() + 1, *run.divergedStep());
  EXPECT_TRUE(std::isfinite(run.position().y));
  EXPECT_TRUE(std::isfinite(run.value()));
  EXPECT_EQ(run.path().size(), run.steps() + 1);
  const std::uint64_t stopped = run.steps();
  run.step();  // nothing more happens
  EXPECT_EQ(run.steps(), stopped);
  run.reset({1.0, 1.0});
  EXPECT_FALSE(run.divergedStep().has_value());
  EXPECT_EQ(run.steps(), 0u);
}

TEST(DescentRun, HyperparametersAreLiveAndResetStartsAgain) {
  DescentRun run(QUADRATIC, hyper(OptimizerKind::Gd, 0.05f), QUADRATIC_START);
  run.run(1);
  train::Hyperparams faster = hyper(OptimizerKind::Gd, 0.1f);
  run.setHyperparams(faster);
  const Point before = run.position();
  run.step();
  EXPECT_NEAR(run.position().x, before.x * (1 - 0.1), 1e-6);
  // Reset: the same start gives the same path, bit for bit, noise included.
  const Surface noisy(SurfaceKind::NoisyBowl, {.condition = 10.0, .sigma = 1.0});
  DescentRun sgd(noisy, hyper(OptimizerKind::Sgd, 0.02f), {-4.0, 2.0}, 5);
  sgd.run(50);
  const Point end = sgd.position();
  sgd.reset({-4.0, 2.0});
  sgd.run(50);
  EXPECT_EQ(sgd.position().x, end.x);
  EXPECT_EQ(sgd.position().y, end.y);
  DescentRun otherSeed(noisy, hyper(OptimizerKind::Sgd, 0.02f), {-4.0, 2.0}, 6);
  otherSeed.run(50);
  EXPECT_NE(otherSeed.position().x, end.x);
}

}  // namespace
}  // namespace nsb::descent
