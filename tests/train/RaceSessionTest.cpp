// RaceSession: the race commands through the Session interface (AddReplica, RemoveReplica,
// SetReplica, ShowReplica, and SetHyperparams on the shown replica), what its snapshots say of every
// replica, the views' probes of the shown replica (or the difference of two), and the commands a race
// refuses. A solo LocalSession refuses the race commands.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "TrainTestSupport.h"
#include "train/LocalSession.h"
#include "train/RaceSession.h"
#include "train/RaceSpec.h"

namespace nsb::train {
namespace {

using namespace std::chrono_literals;
using testing::Loaded;
using testing::loadPreset;

struct RaceFixture {
  Loaded l = loadPreset("spiral");
  std::unique_ptr<Session> session;

  explicit RaceFixture(const std::string& spec) {
    auto replicas = parseRace(spec, l.config.hyperparams);
    EXPECT_TRUE(replicas.ok());
    auto made = RaceSession::create({.base = l.config, .replicas = replicas.value()}, l.dataset, false);
    EXPECT_TRUE(made.ok()) << (made.ok() ? "" : made.message());
    if (made) session = std::move(made.value());
  }
  Hyperparams replica(const std::string& text) const { return parseReplica(text, l.config.hyperparams).value(); }
  // Sends the command, waits for it, returns its outcome.
  Outcome run(Command command) {
    const std::uint64_t sequence = session->submit(std::move(command));
    EXPECT_EQ(session->sync(30s), SyncStatus::Synced);
    const auto answered = session->latest();  // held: the outcome lives in this snapshot
    const Outcome* outcome = findOutcome(*answered, sequence);
    EXPECT_NE(outcome, nullptr);
    return outcome ? *outcome : Outcome{};
  }
  const RaceState& race() const { return *session->latest()->race; }
};

TEST(RaceSession, TrainsEveryReplicaInLockstepAndDescribesTheShownOne) {
  RaceFixture f("sgd:0.1,adam:0.01");
  ASSERT_TRUE(f.session);
  ASSERT_TRUE(f.run(Step{40}).ok);
  const auto snapshot = f.session->latest();
  ASSERT_TRUE(snapshot->race);
  EXPECT_EQ(snapshot->step, 40u);
  ASSERT_EQ(f.race().replicas.size(), 2u);
  EXPECT_EQ(f.race().replicas[1].id, 1u);
  EXPECT_FALSE(f.race().replicas[0].history.empty());
  EXPECT_NE(f.race().replicas[0].history.back().test.loss, f.race().replicas[1].history.back().test.loss);
  EXPECT_EQ(snapshot->hyperparams.optimizer, compute::OptimizerKind::Sgd);
  EXPECT_EQ(snapshot->history.back().test.loss, f.race().replicas[0].history.back().test.loss);
  // The views follow the replica shown.
  ASSERT_TRUE(f.run(ShowReplica{1, std::nullopt}).ok);
  EXPECT_EQ(f.race().shown, 1u);
  EXPECT_EQ(f.session->latest()->hyperparams.optimizer, compute::OptimizerKind::Adam);
  EXPECT_EQ(f.session->latest()->history.back().test.loss, f.race().replicas[1].history.back().test.loss);
}

// A Resume with an end step runs every replica to exactly that step and pauses the race there.
TEST(RaceSession, AResumeUntilAStepStopsTheRaceThere) {
  RaceFixture f("sgd:0.1,adam:0.01");
  ASSERT_TRUE(f.session);
  const std::uint64_t end = 301;  // not a multiple of a submit's steps
  f.session->submit(Resume{end});
  for (int i = 0; i < 3000 && (f.session->latest()->running || f.session->latest()->step == 0); ++i)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(f.session->sync(30s), SyncStatus::Synced);
  EXPECT_EQ(f.session->latest()->step, end);
  EXPECT_FALSE(f.session->latest()->running);
  f.session->submit(Resume{end});  // already there: stays paused
  ASSERT_EQ(f.session->sync(30s), SyncStatus::Synced);
  EXPECT_EQ(f.session->latest()->step, end);
  EXPECT_FALSE(f.session->latest()->running);
}

TEST(RaceSession, AddsRemovesAndEditsReplicasAsCommands) {
  RaceFixture f("sgd:0.1,adam:0.01");
  ASSERT_TRUE(f.session);
  ASSERT_TRUE(f.run(Step{10}).ok);
  ASSERT_TRUE(f.run(AddReplica{f.replica("rmsprop:0.005"), 1}).ok);
  ASSERT_EQ(f.race().replicas.size(), 3u);
  EXPECT_EQ(f.race().replicas[2].id, 2u);
  EXPECT_EQ(f.race().replicas[2].startStep, 10u);
  EXPECT_EQ(f.race().replicas[2].hyperparams.optimizer, compute::OptimizerKind::RmsProp);
  // SetHyperparams (the Details panel) edits the shown replica; SetReplica any one.
  ASSERT_TRUE(f.run(ShowReplica{2, std::nullopt}).ok);
  Hyperparams h = f.race().replicas[2].hyperparams;
  h.learningRate = 0.002f;
  ASSERT_TRUE(f.run(SetHyperparams{h}).ok);
  EXPECT_FLOAT_EQ(f.race().replicas[2].hyperparams.learningRate, 0.002f);
  EXPECT_FLOAT_EQ(f.race().replicas[0].hyperparams.learningRate, 0.1f);
  ASSERT_TRUE(f.run(SetReplica{0, f.replica("momentum:0.05:momentum=0.8")}).ok);
  EXPECT_EQ(f.race().replicas[0].hyperparams.optimizer, compute::OptimizerKind::Momentum);
  EXPECT_FLOAT_EQ(f.race().replicas[0].hyperparams.momentum, 0.8f);
  ASSERT_FALSE(f.session->latest()->events.empty());
  // Removing a replica before the shown one keeps showing the same replica.
  ASSERT_TRUE(f.run(RemoveReplica{0}).ok);
  ASSERT_EQ(f.race().replicas.size(), 2u);
  EXPECT_EQ(f.race().replicas[0].id, 1u);
  EXPECT_EQ(f.race().shown, 1u);
  EXPECT_EQ(f.race().replicas[f.race().shown].id, 2u);
  ASSERT_TRUE(f.run(Step{5}).ok);
  EXPECT_EQ(f.session->latest()->step, 15u);
}

TEST(RaceSession, RefusesWhatARaceDoesNotTake) {
  RaceFixture f("sgd:0.1,adam:0.01");
  ASSERT_TRUE(f.session);
  EXPECT_FALSE(f.run(RemoveReplica{0}).ok);  // at least two
  EXPECT_FALSE(f.run(RemoveReplica{4}).ok);
  EXPECT_FALSE(f.run(ShowReplica{2, std::nullopt}).ok);
  EXPECT_FALSE(f.run(ShowReplica{1, 1}).ok);
  EXPECT_FALSE(f.run(SetReplica{3, f.replica("sgd:0.1")}).ok);
  EXPECT_FALSE(f.run(AddLayer{0, 4}).ok);
  EXPECT_FALSE(f.run(SwitchBackend{"cpu", nullptr}).ok);
  const Outcome refused = f.run(SetActivation{0, compute::Activation::Tanh});
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.message.find("race"), std::string::npos) << refused.message;
  EXPECT_EQ(f.race().replicas.size(), 2u);
}

TEST(RaceSession, TheViewsShowTheShownReplicaOrTheDifferenceOfTwo) {
  RaceFixture f("sgd:0.1,adam:0.01");
  ASSERT_TRUE(f.session);
  const std::size_t inputs = f.session->latest()->spec.inputs;
  ASSERT_TRUE(f.run(SetProbes{{std::vector<float>(3 * inputs, 0.25f)}}).ok);
  ASSERT_TRUE(f.run(Step{20}).ok);
  const auto first = f.session->latest()->probes;
  ASSERT_TRUE(first);
  EXPECT_EQ(first->step, 20u);
  ASSERT_TRUE(f.run(ShowReplica{1, std::nullopt}).ok);
  const auto second = f.session->latest()->probes;
  ASSERT_TRUE(f.run(ShowReplica{1, 0}).ok);
  const auto difference = f.session->latest()->probes;
  ASSERT_TRUE(second && difference);
  ASSERT_EQ(first->parameters.size(), second->parameters.size());
  EXPECT_NE(first->parameters, second->parameters);
  for (std::size_t i = 0; i < first->parameters.size(); ++i) {
    ASSERT_EQ(difference->parameters[i], second->parameters[i] - first->parameters[i]) << i;
  }
  const auto& out1 = first->probes[0].layers.back();
  const auto& out2 = second->probes[0].layers.back();
  const auto& outD = difference->probes[0].layers.back();
  ASSERT_EQ(out1.size(), outD.size());
  for (std::size_t i = 0; i < out1.size(); ++i) EXPECT_EQ(outD[i], out2[i] - out1[i]) << i;
}

TEST(RaceSession, ASoloSessionRefusesTheRaceCommands) {
  Loaded l = loadPreset("spiral");
  auto made = LocalSession::create(l.config, l.dataset, false);
  ASSERT_TRUE(made.ok());
  Session& session = *made.value();
  const std::uint64_t sequence = session.submit(AddReplica{l.config.hyperparams, 0});
  ASSERT_EQ(session.sync(30s), SyncStatus::Synced);
  const auto answered = session.latest();  // held: the outcome lives in this snapshot
  const Outcome* outcome = findOutcome(*answered, sequence);
  ASSERT_NE(outcome, nullptr);
  EXPECT_FALSE(outcome->ok);
  EXPECT_FALSE(session.latest()->race);
}

}  // namespace
}  // namespace nsb::train
