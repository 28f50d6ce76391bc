// The watched parameter (WatchParameter, the network's Step panel): the trainer records the last
// step's update of one weight from its own buffers - the value before and after it, the gradient and
// the optimizer state - and the session publishes it. The record matches a run without a watch (the
// last step on its own submit changes nothing), its numbers obey the optimizer's rule, and the
// session's before and after are the weights it published around that step.
#include <gtest/gtest.h>

#include <cmath>

#include "TrainTestSupport.h"
#include "descent/SurfaceLab.h"
#include "train/LocalSession.h"

namespace nsb::train::testing {
namespace {

using compute::OptimizerKind;

Loaded spiralWith(OptimizerKind optimizer) {
  Loaded l = loadPreset("spiral");
  l.config.stepsPerSubmit = 4;
  l.config.hyperparams.optimizer = optimizer;
  l.config.hyperparams.learningRate = 0.01f;
  l.config.hyperparams.l1 = 0.0f;
  l.config.hyperparams.l2 = 0.0f;
  return l;
}

// The update the optimizer's rule gives from the record's gradient and state, in double.
double ruleUpdate(const WatchedStep& w) {
  const Hyperparams& h = w.hyperparams;
  const double lr = w.learningRate, g = w.gradient;
  switch (h.optimizer) {
    case OptimizerKind::Momentum:
      return lr * w.state1;
    case OptimizerKind::Adam: {
      const double t = static_cast<double>(w.step);
      const double mHat = w.state1 / (1.0 - std::pow(static_cast<double>(h.beta1), t));
      const double vHat = w.state2 / (1.0 - std::pow(static_cast<double>(h.beta2), t));
      return lr * mHat / (std::sqrt(vHat) + h.epsilon);
    }
    default:
      return lr * g;
  }
}

class WatchedStepRule : public ::testing::TestWithParam<OptimizerKind> {};

TEST_P(WatchedStepRule, TheLastUpdateOfAWatchedWeightIsTheTrainersOwn) {
  const Loaded l = spiralWith(GetParam());
  const std::size_t index = l.config.spec.weightOffset(1) + 3;
  // Without a watch: the weight after 5 and after 6 steps.
  auto plain = makeTrainer(l);
  ASSERT_TRUE(plain);
  plain->run(5);
  const float theta5 = plain->parameters()[index];
  plain->run(1);
  const float theta6 = plain->parameters()[index];
  EXPECT_FALSE(plain->watchedStep()) << "nothing watched";

  auto watched = makeTrainer(l);
  ASSERT_TRUE(watched);
  watched->watch(index);
  ASSERT_EQ(watched->run(6), 6u);  // 4 + 1 + 1: the last step on its own
  const auto w = watched->watchedStep();
  ASSERT_TRUE(w);
  EXPECT_EQ(w->index, index);
  EXPECT_EQ(w->step, 6u);
  EXPECT_TRUE(w->regularized) << "a weight, not a bias";
  EXPECT_EQ(w->before, theta5);
  EXPECT_EQ(w->after, theta6);
  EXPECT_EQ(watched->parameters()[index], theta6) << "the watch does not change the training";
  EXPECT_NE(w->gradient, 0.0f);
  // The shown update is theta before - theta after, and the optimizer's rule on the recorded
  // gradient and state gives it (float arithmetic on the device: relative 1e-4).
  const double update = static_cast<double>(w->before) - static_cast<double>(w->after);
  EXPECT_NEAR(ruleUpdate(*w), update, 1e-4 * std::fabs(update) + 1e-9);
  if (GetParam() == OptimizerKind::Adam) {
    const double b1 = w->hyperparams.beta1;
    EXPECT_NEAR(w->state1, b1 * w->state1Before + (1.0 - b1) * w->gradient, 1e-6);
  }
  // The Step panel's lines end with the result.
  const auto lines = descent::weightEquations(*w);
  ASSERT_FALSE(lines.empty());
  const std::string result = "= " + descent::equationNumber(w->after);
  EXPECT_EQ(lines.back().substr(lines.back().size() - result.size()), result) << lines.back();

  ASSERT_TRUE(watched->apply(Reset{}).ok());
  EXPECT_FALSE(watched->watchedStep()) << "a reset: the record describes weights that are gone";
}

INSTANTIATE_TEST_SUITE_P(Optimizers, WatchedStepRule,
                         ::testing::Values(OptimizerKind::Sgd, OptimizerKind::Momentum, OptimizerKind::Adam));

TEST(WatchedStep, TheSessionPublishesTheUpdateBetweenItsOwnWeights) {
  const Loaded l = spiralWith(OptimizerKind::Adam);
  auto created = LocalSession::create(l.config, l.dataset, false);
  ASSERT_TRUE(created.ok());
  auto& s = *created.value();
  const std::size_t index = l.config.spec.weightOffset(0) + 1;
  // A small probe makes the snapshots carry the parameters (ProbeSet::parameters).
  SetProbes probes;
  probes.inputs.push_back(std::vector<float>(4 * l.config.spec.inputs, 0.5f));
  s.submit(probes);
  s.submit(WatchParameter{index});
  s.submit(Step{5});
  s.sync();
  const auto before = s.latest();
  ASSERT_TRUE(before->probes);
  ASSERT_TRUE(before->watched);
  EXPECT_EQ(before->watched->step, 5u);
  s.submit(Step{1});
  s.sync();
  const auto after = s.latest();
  ASSERT_TRUE(after->probes && after->watched);
  EXPECT_EQ(after->watched->step, 6u);
  EXPECT_EQ(after->watched->before, before->probes->parameters[index]);
  EXPECT_EQ(after->watched->after, after->probes->parameters[index]);
  EXPECT_EQ(after->watched->before - after->watched->after,
            before->probes->parameters[index] - after->probes->parameters[index]);
  s.submit(WatchParameter{});
  s.submit(Step{1});
  s.sync();
  EXPECT_FALSE(s.latest()->watched) << "no longer watched";
}

}  // namespace
}  // namespace nsb::train::testing
