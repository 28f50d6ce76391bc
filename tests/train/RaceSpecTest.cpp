// The race spec: replicas separated by commas, optimizer:lr and key=value parts over the run's
// settings, and one line naming --race for every kind of mistake.
#include <gtest/gtest.h>

#include "train/RaceSpec.h"

namespace nsb::train {
namespace {

TEST(RaceSpec, ParsesOptimizersRatesAndValuesOverTheBase) {
  Hyperparams base;
  base.batchSize = 17;
  base.l2 = 0.001f;
  auto race = parseRace("adam:0.01:beta1=0.8:eps=1e-8,sgd:0.1:momentum=0.9,adamw:3e-4:weight_decay=0.05", base);
  ASSERT_TRUE(race.ok()) << race.message();
  ASSERT_EQ(race->size(), 3u);
  const Hyperparams& adam = (*race)[0];
  EXPECT_EQ(adam.optimizer, compute::OptimizerKind::Adam);
  EXPECT_EQ(adam.learningRate, 0.01f);
  EXPECT_EQ(adam.beta1, 0.8f);
  EXPECT_EQ(adam.epsilon, 1e-8f);
  EXPECT_EQ(adam.beta2, base.beta2);
  EXPECT_EQ(adam.batchSize, 17u);  // shared settings come from the base
  EXPECT_EQ(adam.l2, 0.001f);
  EXPECT_EQ((*race)[1].optimizer, compute::OptimizerKind::Sgd);
  EXPECT_EQ((*race)[1].learningRate, 0.1f);
  EXPECT_EQ((*race)[1].momentum, 0.9f);
  EXPECT_EQ((*race)[2].optimizer, compute::OptimizerKind::AdamW);
  EXPECT_EQ((*race)[2].weightDecay, 0.05f);
}

TEST(RaceSpec, AcceptsEveryOptimizerKeyAndBothSpellingsOfWeightDecay) {
  auto race = parseRace(
      "rmsprop:0.01:rho=0.8:eps=1e-6:l1=0.001:l2=0.002,adamw:0.01:beta2=0.99:weight-decay=0.1,momentum:0.1:momentum=0."
      "5",
      Hyperparams{});
  ASSERT_TRUE(race.ok()) << race.message();
  EXPECT_EQ((*race)[0].rho, 0.8f);
  EXPECT_EQ((*race)[0].epsilon, 1e-6f);
  EXPECT_EQ((*race)[0].l1, 0.001f);
  EXPECT_EQ((*race)[0].l2, 0.002f);
  EXPECT_EQ((*race)[1].beta2, 0.99f);
  EXPECT_EQ((*race)[1].weightDecay, 0.1f);
  EXPECT_EQ((*race)[2].momentum, 0.5f);
}

TEST(RaceSpec, TakesTwoToEightReplicas) {
  EXPECT_TRUE(parseRace("sgd:0.1,sgd:0.2", Hyperparams{}).ok());
  EXPECT_TRUE(parseRace("sgd:0.1,sgd:0.2,sgd:0.3,sgd:0.4,sgd:0.5,sgd:0.6,sgd:0.7,sgd:0.8", Hyperparams{}).ok());
  auto one = parseRace("sgd:0.1", Hyperparams{});
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.message(), "--race: 1 replica; a race takes 2 to 8");
  auto nine = parseRace("sgd:0.1,sgd:0.2,sgd:0.3,sgd:0.4,sgd:0.5,sgd:0.6,sgd:0.7,sgd:0.8,sgd:0.9", Hyperparams{});
  ASSERT_FALSE(nine.ok());
  EXPECT_EQ(nine.message(), "--race: 9 replicas; a race takes 2 to 8");
}

TEST(RaceSpec, BadSpecsGiveOneLineNamingTheFlagAndTheProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "empty"},
      {"sgd:0.1,", "replica 2 '': expected optimizer:lr"},
      {"sgd,adam:0.01", "replica 1 'sgd': expected optimizer:lr"},
      {"foo:0.1,adam:0.01", "unknown optimizer 'foo'"},
      {"sgd:fast,adam:0.01", "the learning rate 'fast' is not a number"},
      {"sgd:0.1:momentum,adam:0.01", "expected key=value, got 'momentum'"},
      {"sgd:0.1:gamma=2,adam:0.01", "unknown key 'gamma'"},
      {"sgd:0.1:momentum=x,adam:0.01", "momentum: 'x' is not a number"},
      {"sgd:0.1:momentum=0.5:momentum=0.6,adam:0.01", "momentum is given twice"},
      {"sgd:0.1:momentum=1.5,adam:0.01", "replica 1 'sgd:0.1:momentum=1.5': momentum: must be in [0, 1)"},
      {"sgd:0.1,adam:20", "replica 2 'adam:20': lr: must be in (0, 10]"},
      {"sgd:0.1,adam:nan", "the learning rate 'nan' is not a number"},
      {"gd:0.1,sgd:0.1", "the replicas of a race share their batches"},
  };
  for (const auto& [spec, problem] : cases) {
    auto race = parseRace(spec, Hyperparams{});
    ASSERT_FALSE(race.ok()) << spec;
    EXPECT_EQ(race.error().kind, core::ErrorKind::BadInput) << spec;
    EXPECT_EQ(race.message().rfind("--race: ", 0), 0u) << race.message();
    EXPECT_NE(race.message().find(problem), std::string::npos) << spec << " -> " << race.message();
    EXPECT_EQ(race.message().find('\n'), std::string::npos) << race.message();
  }
  // Another source names itself.
  auto preset = parseRace("sgd:0.1", Hyperparams{}, "preset x: race");
  ASSERT_FALSE(preset.ok());
  EXPECT_EQ(preset.message().rfind("preset x: race: ", 0), 0u) << preset.message();
}

TEST(RaceSpec, FullBatchReplicasMayRaceEachOther) {
  auto race = parseRace("gd:0.1,gd:0.5", Hyperparams{});
  ASSERT_TRUE(race.ok()) << race.message();
  EXPECT_EQ((*race)[1].learningRate, 0.5f);
}

}  // namespace
}  // namespace nsb::train
