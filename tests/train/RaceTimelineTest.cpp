// A race put back to its replicas' timeline states (Race::restoreTimeline, `train --race --branch-at`)
// goes on exactly as it went the first time: the same weights and the same curve after that step, bit
// for bit on the CPU backend, the train loss summed since the last metric point included.
#include <gtest/gtest.h>

#include "TrainTestSupport.h"
#include "train/Race.h"
#include "train/RaceSpec.h"

namespace nsb::train {
namespace {

TEST(RaceTimeline, ARestoredRaceGoesOnExactlyAsItWent) {
  const auto l = testing::loadPreset("spiral");  // 30 steps an epoch: a metric point every 30 steps
  auto replicas = parseRace("sgd:0.1,adam:0.01", l.config.hyperparams);
  ASSERT_TRUE(replicas.ok());
  auto created = Race::create({.base = l.config, .replicas = replicas.value()}, l.dataset);
  ASSERT_TRUE(created.ok()) << created.message();
  Race& race = *created.value();
  ASSERT_EQ(race.run(50), 50u);  // between two metric points: a train loss half summed
  const std::vector<TimelineState> kept = race.timelineStates();
  ASSERT_EQ(race.run(100), 100u);
  const std::vector<MetricPoint> first = race.history(1);
  const std::vector<float> weights0 = race.parameters(0), weights1 = race.parameters(1);

  ASSERT_TRUE(race.restoreTimeline({&kept[0], &kept[1]}).ok());
  EXPECT_EQ(race.step(), 50u);
  EXPECT_EQ(race.history(1).back().step, 30u);  // the curve keeps its points up to step 50
  ASSERT_EQ(race.run(100), 100u);
  EXPECT_EQ(race.parameters(0), weights0);
  EXPECT_EQ(race.parameters(1), weights1);
  ASSERT_EQ(race.history(1).size(), first.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(race.history(1)[i].step, first[i].step);
    EXPECT_EQ(race.history(1)[i].trainLoss, first[i].trainLoss) << "point " << i;
    EXPECT_EQ(race.history(1)[i].test.loss, first[i].test.loss) << "point " << i;
  }
  // States of two steps, or too few, are refused with one line.
  TimelineState other = kept[1];
  other.step = 60;
  EXPECT_FALSE(race.restoreTimeline({&kept[0], &other}).ok());
  EXPECT_FALSE(race.restoreTimeline({&kept[0]}).ok());
}

}  // namespace
}  // namespace nsb::train
