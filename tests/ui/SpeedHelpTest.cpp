// The speed control's help (ui/panels/PanelSupport.h): a solo run's steps, or a race's, whose step
// trains every replica on the same batch.
#include <gtest/gtest.h>

#include "ui/panels/PanelSupport.h"

namespace nsb::ui::panels {
namespace {

TEST(SpeedHelp, ASoloRunCountsTrainingSteps) {
  EXPECT_EQ(speedHelp(true, 0), "Training steps per drawn frame.");
  EXPECT_EQ(speedHelp(false, 0).rfind("Training steps a second", 0), 0u);
}

TEST(SpeedHelp, ARaceCountsRaceStepsOfEveryReplica) {
  for (const bool lockstep : {true, false}) {
    const std::string help = speedHelp(lockstep, 4);
    EXPECT_EQ(help.rfind("Race steps", 0), 0u) << help;
    EXPECT_NE(help.find("each of the 4 replicas one step on the same batch"), std::string::npos) << help;
    EXPECT_NE(help.find("4 times the samples of a solo step"), std::string::npos) << help;
    EXPECT_EQ(help.find("Training steps"), std::string::npos) << help;
  }
}

}  // namespace
}  // namespace nsb::ui::panels
