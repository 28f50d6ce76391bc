// Each race replica's path (the landscape's trajectory plane in a race): the weights every
// Timeline::DEFAULT_EVERY steps from the replica's start, as the race had them, a path for a replica
// added on the way from where it was added, none for a removed one, all started again by a reset.
#include <gtest/gtest.h>

#include <map>

#include "TrainTestSupport.h"
#include "train/Race.h"
#include "train/RacePaths.h"
#include "train/RaceSpec.h"

namespace nsb::train {
namespace {

constexpr std::uint64_t EVERY = Timeline::DEFAULT_EVERY;

struct Followed {
  std::unique_ptr<Race> race;
  RacePaths paths;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::vector<float>> seen;  // (id, step): the weights then

  // Trains to `target` as RaceSession does: each submit ends where a path is due, then follow().
  void runTo(std::uint64_t target) {
    while (race->step() < target) {
      std::uint64_t want = target - race->step();
      if (const std::uint64_t next = paths.stepsToNext(race->step()); next > 0) want = std::min(want, next);
      ASSERT_GT(race->run(want), 0u);
      paths.follow(*race);
      for (std::size_t i = 0; i < race->size(); ++i) seen[{race->id(i), race->step()}] = race->parameters(i);
    }
  }
  std::vector<std::uint64_t> steps(std::uint64_t id) const {
    const Timeline* path = paths.path(id);
    return path ? path->steps() : std::vector<std::uint64_t>{};
  }
};

TEST(RacePaths, EachReplicaKeepsItsWeightsEveryIntervalFromItsStart) {
  const auto l = testing::loadPreset("spiral");
  auto replicas = parseRace("sgd:0.1,adam:0.01", l.config.hyperparams);
  ASSERT_TRUE(replicas.ok());
  auto race = Race::create({.base = l.config, .replicas = replicas.value()}, l.dataset);
  ASSERT_TRUE(race.ok()) << race.message();
  Followed f{std::move(race.value()), {}, {}};
  f.paths.follow(*f.race);
  const std::vector<float> initial = f.race->parameters(0);
  f.runTo(2 * EVERY + 50);
  EXPECT_EQ(f.paths.error(), "");
  for (const std::uint64_t id : {0u, 1u}) {
    EXPECT_EQ(f.steps(id), (std::vector<std::uint64_t>{0, EVERY, 2 * EVERY})) << "replica " << id;
    EXPECT_EQ(f.paths.path(id)->find(0)->params, initial);
    EXPECT_EQ(f.paths.path(id)->find(EVERY)->params, (f.seen[{id, EVERY}]));
    EXPECT_EQ(f.paths.path(id)->find(2 * EVERY)->params, (f.seen[{id, 2 * EVERY}]));
  }
  EXPECT_NE(f.paths.path(0)->find(EVERY)->params, f.paths.path(1)->find(EVERY)->params);
  EXPECT_EQ(f.paths.bytes(), f.paths.path(0)->bytes() + f.paths.path(1)->bytes());
  EXPECT_LE(f.paths.bytes(), RacePaths::BUDGET_BYTES);

  // A replica added at 250 starts its path there; a removed one has none.
  ASSERT_TRUE(f.race->addReplica(parseReplica("rmsprop:0.005", l.config.hyperparams).value(), 1).ok());
  f.paths.follow(*f.race);
  f.runTo(3 * EVERY);
  EXPECT_EQ(f.steps(2), (std::vector<std::uint64_t>{2 * EVERY + 50, 3 * EVERY}));
  ASSERT_TRUE(f.race->removeReplica(0).ok());
  f.paths.follow(*f.race);
  EXPECT_EQ(f.paths.path(0), nullptr);
  EXPECT_EQ(f.steps(1).size(), 4u);

  // A reset: every path starts again at step 0.
  f.race->reset(std::nullopt);
  f.paths.follow(*f.race);
  EXPECT_EQ(f.steps(1), (std::vector<std::uint64_t>{0}));
  EXPECT_EQ(f.steps(2), (std::vector<std::uint64_t>{0}));
}

}  // namespace
}  // namespace nsb::train
