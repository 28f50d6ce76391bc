// `train --branch-at` on the command line: a branch with nothing changed ends where the run ended (the
// same weights, train and test loss; CPU backend), one with --branch takes its optimizer and learning
// rate, the timeline's memory is reported, and every bad combination is one line with exit 2.
#include <gtest/gtest.h>

#include "CliProcess.h"
#include "CliRun.h"

namespace nsb::sandbox {
namespace {

using testing::lastJsonLine;
using testing::lineCount;
using testing::run;
using testing::runCli;

TEST(TimelineCli, ABranchWithNothingChangedEndsWhereTheRunEnded) {
  // spiral: 30 steps an epoch; 8 epochs = 240 steps, a state every 40, the branch from step 120.
  const auto r = run("train --preset spiral --backend cpu --epochs 8 --timeline-every 40 --branch-at 120 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = lastJsonLine(r.out);
  ASSERT_TRUE(j.contains("branch")) << j.dump();
  const auto& b = j["branch"];
  EXPECT_EQ(b["step"], 120);
  EXPECT_EQ(b["steps"], 240);
  EXPECT_EQ(b["optimizer"], "adam");
  EXPECT_EQ(b["largest_weight_difference"], 0.0) << j.dump();
  for (const char* key : {"train_loss", "test_loss", "test_accuracy"}) EXPECT_EQ(b[key], j[key]) << key;
  EXPECT_EQ(j["timeline"]["every"], 40);
  EXPECT_EQ(j["timeline"]["kept"], 7);  // 0, 40, ..., 240
  EXPECT_LE(j["timeline"]["bytes"].get<std::uint64_t>(), j["timeline"]["budget"].get<std::uint64_t>());
  EXPECT_NE(r.err.find("branch from step 120"), std::string::npos) << r.err;
}

TEST(TimelineCli, ABranchTakesItsOwnOptimizer) {
  const auto r = run("train --preset spiral --backend cpu --epochs 4 --branch-at 100 --branch sgd:0.1 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto b = lastJsonLine(r.out)["branch"];
  EXPECT_EQ(b["optimizer"], "sgd");
  EXPECT_FLOAT_EQ(b["lr"].get<float>(), 0.1f);
  EXPECT_GT(b["largest_weight_difference"].get<double>(), 0.0);
}

TEST(TimelineCli, BadBranchesAreOneLineAndExit2) {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"--branch-at", "30"}, "neural-sandbox: --branch-at 30: not a multiple of --timeline-every 100"},
      {{"--branch-at", "500"}, "neural-sandbox: --branch-at 500: past the run's last step 30"},
      {{"--branch", "sgd:0.1"}, "neural-sandbox: --branch: needs --branch-at STEP"},
      {{"--branch-at", "0", "--branch", "adam"}, "neural-sandbox: --branch 'adam': expected optimizer:lr"},
      {{"--timeline-every", "10", "--timeline-mib", "0"}, "neural-sandbox: timeline: 0 bytes does not hold two"},
  };
  for (const auto& [flags, message] : cases) {
    std::vector<std::string> args = {"train", "--preset", "spiral", "--backend", "cpu", "--epochs", "1"};
    args.insert(args.end(), flags.begin(), flags.end());
    const auto r = runCli(args);
    EXPECT_TRUE(r.exited) << r.err;
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(lineCount(r.err), 1) << r.err;
    EXPECT_EQ(r.err.rfind(message, 0), 0u) << r.err;
  }
}

}  // namespace
}  // namespace nsb::sandbox
