// A race's live edits (train/RaceEdits.cpp): a replica added mid-race starts from its source's
// weights and then trains on the same batches; removing a replica leaves the others' bits unchanged;
// an edited replica is the solo run with the same edit at the same step (bit for bit on the CPU
// backend); a refused edit changes nothing.
#include <gtest/gtest.h>

#include "TrainTestSupport.h"
#include "train/Race.h"
#include "train/RaceSpec.h"

namespace nsb::train {
namespace {

using testing::Loaded;
using testing::loadPreset;

std::unique_ptr<Race> makeRace(const Loaded& l, const std::string& spec) {
  auto replicas = parseRace(spec, l.config.hyperparams);
  EXPECT_TRUE(replicas.ok()) << (replicas.ok() ? "" : replicas.message());
  if (!replicas.ok()) return nullptr;
  auto race = Race::create({.base = l.config, .replicas = replicas.value()}, l.dataset);
  EXPECT_TRUE(race.ok()) << (race.ok() ? "" : race.message());
  return race.ok() ? std::move(race.value()) : nullptr;
}

Hyperparams replica(const Loaded& l, const std::string& text) {
  auto h = parseReplica(text, l.config.hyperparams);
  EXPECT_TRUE(h.ok()) << (h.ok() ? "" : h.message());
  return h.ok() ? h.value() : l.config.hyperparams;
}

// 30 steps, an edit, 45 more: across a metric point and an epoch's end on spiral (30 steps an epoch).
constexpr std::uint64_t BEFORE = 30, AFTER = 45;

TEST(RaceEdit, AnAddedReplicaStartsFromItsSourceAndTrainsOnTheSameBatches) {
  Loaded l = loadPreset("spiral");
  auto race = makeRace(l, "sgd:0.1,adam:0.01");
  ASSERT_TRUE(race);
  race->run(BEFORE);
  // sgd keeps no optimizer state: a copy of replica 1 with sgd stays replica 1, bit for bit.
  ASSERT_TRUE(race->addReplica(replica(l, "sgd:0.1"), 0).ok());
  ASSERT_EQ(race->size(), 3u);
  EXPECT_EQ(race->id(2), 2u);
  EXPECT_EQ(race->startStep(2), BEFORE);
  EXPECT_EQ(race->parameters(2), race->parameters(0));
  race->run(AFTER);
  EXPECT_EQ(race->parameters(2), race->parameters(0));
  EXPECT_NE(race->parameters(2), race->parameters(1));
  ASSERT_FALSE(race->history(2).empty());
  EXPECT_GT(race->history(2).front().step, BEFORE);
  EXPECT_EQ(race->history(2).back().test.loss, race->history(0).back().test.loss);
}

TEST(RaceEdit, RemovingAReplicaLeavesTheOthersUnchanged) {
  Loaded l = loadPreset("spiral");
  auto race = makeRace(l, "sgd:0.1,momentum:0.05,adam:0.01");
  auto reference = makeRace(l, "sgd:0.1,adam:0.01");
  ASSERT_TRUE(race && reference);
  race->run(BEFORE);
  reference->run(BEFORE);
  ASSERT_TRUE(race->removeReplica(1).ok());
  ASSERT_EQ(race->size(), 2u);
  EXPECT_EQ(race->id(0), 0u);
  EXPECT_EQ(race->id(1), 2u);  // a replica keeps its id (its colour)
  race->run(AFTER);
  reference->run(AFTER);
  EXPECT_EQ(race->parameters(0), reference->parameters(0));
  EXPECT_EQ(race->parameters(1), reference->parameters(1));
  EXPECT_EQ(race->history(1).back().test.loss, reference->history(1).back().test.loss);
}

TEST(RaceEdit, AnEditedReplicaIsTheSoloRunWithTheSameEdit) {
  Loaded l = loadPreset("spiral");
  auto race = makeRace(l, "momentum:0.05,adam:0.01");
  ASSERT_TRUE(race);
  Loaded solo = l;
  solo.config.hyperparams = race->hyperparams(0);
  auto trainer = testing::makeTrainer(solo);
  ASSERT_TRUE(trainer);
  race->run(BEFORE);
  trainer->run(BEFORE);
  // A new rate and momentum (same optimizer: its state carries over), then a new optimizer (fresh state).
  const Hyperparams edited = replica(l, "momentum:0.02:momentum=0.5");
  ASSERT_TRUE(race->setHyperparams(0, edited).ok());
  ASSERT_TRUE(trainer->apply(SetHyperparams{edited}).ok());
  race->run(AFTER);
  trainer->run(AFTER);
  EXPECT_EQ(race->parameters(0), trainer->parameters());
  const Hyperparams other = replica(l, "rmsprop:0.005");
  ASSERT_TRUE(race->setHyperparams(0, other).ok());
  ASSERT_TRUE(trainer->apply(SetHyperparams{other}).ok());
  race->run(AFTER);
  trainer->run(AFTER);
  EXPECT_EQ(race->parameters(0), trainer->parameters());
  EXPECT_EQ(race->history(0).back().test.loss, trainer->history().back().test.loss);
  EXPECT_EQ(race->hyperparams(0).optimizer, compute::OptimizerKind::RmsProp);
}

TEST(RaceEdit, RefusesWhatARaceCannotTake) {
  Loaded l = loadPreset("spiral");
  auto race = makeRace(l, "sgd:0.1,adam:0.01");
  ASSERT_TRUE(race);
  race->run(5);
  const auto before = race->parameters(1);
  EXPECT_FALSE(race->removeReplica(0).ok());  // a race keeps two
  EXPECT_FALSE(race->removeReplica(5).ok());
  EXPECT_FALSE(race->addReplica(replica(l, "sgd:0.1"), 7).ok());
  Hyperparams otherBatch = replica(l, "sgd:0.1");
  otherBatch.batchSize = l.config.hyperparams.batchSize * 2;
  EXPECT_FALSE(race->addReplica(otherBatch, 0).ok());
  EXPECT_FALSE(race->setHyperparams(1, otherBatch).ok());
  Hyperparams bad = replica(l, "sgd:0.1");
  bad.learningRate = -1.0f;
  EXPECT_FALSE(race->setHyperparams(1, bad).ok());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(race->addReplica(replica(l, "sgd:0.1"), 0).ok()) << i;
  EXPECT_EQ(race->size(), MAX_REPLICAS);
  EXPECT_FALSE(race->addReplica(replica(l, "sgd:0.1"), 0).ok());
  EXPECT_EQ(race->parameters(1), before);
  EXPECT_EQ(race->hyperparams(1).optimizer, compute::OptimizerKind::Adam);
}

TEST(RaceEdit, ResetStartsEveryReplicaAgainFromTheSeed) {
  Loaded l = loadPreset("spiral");
  auto race = makeRace(l, "sgd:0.1,adam:0.01");
  auto fresh = makeRace(l, "sgd:0.1,adam:0.01");
  ASSERT_TRUE(race && fresh);
  race->run(BEFORE + 7);
  race->reset(std::nullopt);
  EXPECT_EQ(race->step(), 0u);
  EXPECT_TRUE(race->history(0).empty());
  race->run(AFTER);
  fresh->run(AFTER);
  EXPECT_EQ(race->parameters(0), fresh->parameters(0));
  EXPECT_EQ(race->parameters(1), fresh->parameters(1));
}

}  // namespace
}  // namespace nsb::train
