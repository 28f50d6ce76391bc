// `train --race` on the command line: the result line of --json with every replica, a preset that
// defines a race, a race saved (one checkpoint and one metric file per replica) and resumed exactly,
// and one line with exit 2 for every bad race.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "CliProcess.h"
#include "CliRun.h"

namespace nsb::sandbox {
namespace {

using testing::lastJsonLine;
using testing::lineCount;
using testing::run;
using testing::runCli;

TEST(RaceCli, JsonHasEveryReplicaAndSamplesOverAllOfThem) {
  const auto r = run("train --preset spiral --backend cpu --epochs 2 --race \"sgd:0.1,momentum:0.1,adam:0.01\" --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = lastJsonLine(r.out);
  ASSERT_TRUE(j.contains("replicas")) << j.dump();
  ASSERT_EQ(j["replicas"].size(), 3u) << j.dump();
  const char* optimizers[] = {"sgd", "momentum", "adam"};
  const double rates[] = {0.1, 0.1, 0.01};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& replica = j["replicas"][i];
    EXPECT_EQ(replica["optimizer"], optimizers[i]);
    EXPECT_DOUBLE_EQ(replica["lr"].get<double>(), rates[i]);
    for (const char* key : {"train_loss", "test_loss", "test_accuracy"}) {
      EXPECT_TRUE(replica[key].is_number()) << key << " of " << replica.dump();
    }
    EXPECT_TRUE(replica["test_mse"].is_null()) << replica.dump();  // spiral is a classification
  }
  // spiral: 300 training points at batch 10 -> 30 steps an epoch.
  EXPECT_EQ(j["steps"], 60);
  EXPECT_DOUBLE_EQ(j["epochs"].get<double>(), 2.0);
  EXPECT_EQ(j["backend"], "cpu");
  EXPECT_TRUE(j["device"].is_string());
  const double seconds = j["seconds"].get<double>();
  ASSERT_GT(seconds, 0.0);
  EXPECT_NEAR(j["samples_per_sec"].get<double>(), 60.0 * 10 * 3 / seconds, 1e-6 * 60 * 10 * 3 / seconds);
  // --max-steps ends it early, as it ends a solo run.
  const auto cut =
      run("train --preset spiral --backend cpu --epochs 2 --max-steps 7 --race \"sgd:0.1,adam:0.01\" --json");
  ASSERT_EQ(cut.code, 0) << cut.err;
  EXPECT_EQ(lastJsonLine(cut.out)["steps"], 7);
}

TEST(RaceCli, EachReplicaMatchesItsSoloRun) {
  const auto race = run("train --preset spiral --backend cpu --epochs 1 --race \"sgd:0.1,adam:0.01:beta1=0.8\" --json");
  ASSERT_EQ(race.code, 0) << race.err;
  const auto solo = run("train --preset spiral --backend cpu --epochs 1 --optimizer adam --lr 0.01 --beta1 0.8 --json");
  ASSERT_EQ(solo.code, 0) << solo.err;
  const auto r = lastJsonLine(race.out)["replicas"][1], s = lastJsonLine(solo.out);
  for (const char* key : {"train_loss", "test_loss", "test_accuracy"}) EXPECT_EQ(r[key], s[key]) << key;
}

TEST(RaceCli, APresetMayDefineARace) {
  const auto path = std::filesystem::temp_directory_path() / ("nsb-race-" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(path);
    out << R"({"name": "race-xor", "dataset": {"name": "xor", "points": 200},
               "model": {"hidden": [{"width": 4, "activation": "tanh"}]},
               "training": {"batch": 10, "epochs": 1}, "race": "sgd:0.1,adam:0.01:eps=1e-6"})";
  }
  const auto r = run("train --preset " + path.string() + " --backend cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = lastJsonLine(r.out);
  ASSERT_EQ(j["replicas"].size(), 2u) << j.dump();
  EXPECT_EQ(j["replicas"][1]["optimizer"], "adam");
  // --race on the command line wins over the preset's.
  const auto flag = run("train --preset " + path.string() + " --backend cpu --race \"sgd:0.1,sgd:0.2,sgd:0.3\" --json");
  ASSERT_EQ(flag.code, 0) << flag.err;
  EXPECT_EQ(lastJsonLine(flag.out)["replicas"].size(), 3u);
  // A bad race in a preset names the preset.
  {
    std::ofstream out(path);
    out << R"({"dataset": {"name": "xor"}, "race": "sgd:0.1"})";
  }
  const auto bad = runCli({"train", "--preset", path.string(), "--backend", "cpu"});
  EXPECT_EQ(bad.code, 2) << bad.err;
  EXPECT_EQ(lineCount(bad.err), 1) << bad.err;
  EXPECT_NE(bad.err.find(path.string() + ": race: 1 replica"), std::string::npos) << bad.err;
  std::filesystem::remove(path);
}

TEST(RaceCli, ASavedRaceResumesExactlyAndEachReplicaFileIsASoloCheckpoint) {
  const auto dir = std::filesystem::temp_directory_path() / ("nsb-race-save-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string race = " --preset spiral --backend cpu --epochs 2 --race \"sgd:0.1,adam:0.01:beta1=0.8\" --json";
  const auto full = run("train" + race + " --save " + (dir / "full.safetensors").string() + " --metrics " +
                        (dir / "full.csv").string());
  ASSERT_EQ(full.code, 0) << full.err;
  for (const char* name : {"full-1.safetensors", "full-2.safetensors", "full-1.csv", "full-2.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / name)) << name;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "full.safetensors"));
  {
    std::ifstream csv(dir / "full-2.csv");
    std::string header;
    std::getline(csv, header);
    EXPECT_EQ(header.rfind("step,epoch,train_loss,test_loss,test_accuracy", 0), 0u) << header;
    int lines = 0;
    for (std::string line; std::getline(csv, line);) ++lines;
    EXPECT_EQ(lines, 2);  // a metric point per epoch
  }
  // Cut mid-epoch (spiral: 30 steps an epoch), saved, resumed: the same results as without the cut.
  const auto half = run("train" + race + " --max-steps 37 --save " + (dir / "half.safetensors").string());
  ASSERT_EQ(half.code, 0) << half.err;
  const auto resumed = run("train" + race + " --resume " + (dir / "half.safetensors").string());
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  const auto a = lastJsonLine(full.out), b = lastJsonLine(resumed.out);
  EXPECT_EQ(b["steps"], 60);
  for (std::size_t i = 0; i < 2; ++i) {
    // (train_loss is the mean over the steps since the last metric point that this run made, as solo.)
    for (const char* key : {"test_loss", "test_accuracy"}) {
      EXPECT_EQ(a["replicas"][i][key], b["replicas"][i][key]) << "replica " << i + 1 << " " << key;
    }
  }
  // One replica's file alone continues as a solo run with its settings: the race's replica, exactly.
  const auto solo =
      run("train --preset spiral --backend cpu --epochs 2 --json --resume " + (dir / "half-2.safetensors").string());
  ASSERT_EQ(solo.code, 0) << solo.err;
  EXPECT_EQ(lastJsonLine(solo.out)["test_loss"], a["replicas"][1]["test_loss"]);
  std::filesystem::remove_all(dir);
}

// A replica's checkpoint records the race's data (other points and noise than the preset's): eval
// rebuilds it and gives that replica's test figures.
TEST(RaceCli, AReplicasCheckpointEvaluatesOnTheRacesData) {
  const auto dir = std::filesystem::temp_directory_path() / ("nsb-race-data-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto race =
      run("train --preset spiral --backend cpu --epochs 1 --points 200 --noise 0.2 --race "
          "\"sgd:0.1,adam:0.01\" --json --save " +
          (dir / "r.safetensors").string());
  ASSERT_EQ(race.code, 0) << race.err;
  const auto evaluated = run("eval --checkpoint " + (dir / "r-2.safetensors").string() + " --backend cpu --json");
  ASSERT_EQ(evaluated.code, 0) << evaluated.err;
  const auto e = lastJsonLine(evaluated.out), r = lastJsonLine(race.out)["replicas"][1];
  EXPECT_EQ(e["samples"], 100);  // half of the 200 points
  EXPECT_EQ(e["test_loss"], r["test_loss"]);
  EXPECT_EQ(e["test_accuracy"], r["test_accuracy"]);
  std::filesystem::remove_all(dir);
}

// --branch-at in a race goes back with every replica: with nothing changed the branch ends where the
// race ended (bit for bit on the CPU backend: weights, losses); --branch gives each replica new settings.
TEST(RaceCli, ABranchOfTheWholeRaceWithNothingChangedEndsWhereTheRaceEnded) {
  const std::string race = "train --preset spiral --backend cpu --epochs 10 --race \"sgd:0.1,adam:0.01\" --json";
  const auto same = run(race + " --timeline-every 50 --branch-at 100");
  ASSERT_EQ(same.code, 0) << same.err;
  const auto j = lastJsonLine(same.out);
  EXPECT_EQ(j["steps"], 300);
  EXPECT_EQ(j["timeline"]["every"], 50);
  EXPECT_EQ(j["timeline"]["kept"], 7);  // 0, 50, ..., 300: the branch keeps its own after 100
  const auto& b = j["branch"];
  EXPECT_EQ(b["step"], 100);
  EXPECT_EQ(b["steps"], 300);
  ASSERT_EQ(b["replicas"].size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(b["replicas"][i]["largest_weight_difference"], 0.0) << "replica " << i;
    for (const char* key : {"optimizer", "lr", "train_loss", "test_loss", "test_accuracy"})
      EXPECT_EQ(b["replicas"][i][key], j["replicas"][i][key]) << key << " of replica " << i;
  }
  EXPECT_NE(same.err.find("branch from step 100: sgd:0.1, adam:0.01"), std::string::npos) << same.err;

  const auto changed = run(race + " --branch-at 100 --branch \"sgd:0.1,adam:0.02\"");
  ASSERT_EQ(changed.code, 0) << changed.err;
  const auto c = lastJsonLine(changed.out);
  EXPECT_EQ(c["replicas"], j["replicas"]);  // the race's own results, before the branch
  EXPECT_EQ(c["branch"]["replicas"][0]["largest_weight_difference"], 0.0);
  EXPECT_EQ(c["branch"]["replicas"][1]["lr"], 0.02);
  EXPECT_GT(c["branch"]["replicas"][1]["largest_weight_difference"].get<double>(), 0.0);
  EXPECT_NE(c["branch"]["replicas"][1]["test_loss"], j["replicas"][1]["test_loss"]);
}

TEST(RaceCli, BadRacesAreOneLineAndExit2) {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"--race", "sgd:0.1"}, "neural-sandbox: --race: 1 replica; a race takes 2 to 8"},
      {{"--race", "sgd:0.1,foo:1"}, "neural-sandbox: --race: replica 2 'foo:1': unknown optimizer 'foo'"},
      {{"--race", "sgd:0.1,adam:0.01:gamma=1"}, "neural-sandbox: --race: replica 2 'adam:0.01:gamma=1': unknown key"},
      {{"--race", "sgd:0.1,adam"}, "neural-sandbox: --race: replica 2 'adam': expected optimizer:lr"},
      {{"--race", "sgd:0.1,adam:0.01", "--resume", "/nonexistent/x.safetensors"}, "neural-sandbox: "},
      {{"--race", "sgd:0.1,adam:0.01", "--branch-at", "0", "--branch", "sgd:0.1,adam:0.01,sgd:0.2"},
       "neural-sandbox: --branch: 3 replicas for a race of 2 (one for each, in order)"},
      {{"--race", "sgd:0.1,adam:0.01", "--branch-at", "0", "--branch", "sgd:0.1,adam"},
       "neural-sandbox: --branch: replica 2 'adam': expected optimizer:lr"},
      {{"--race", "sgd:0.1,adam:0.01", "--branch-at", "30"},
       "neural-sandbox: --branch-at 30: not a multiple of --timeline-every 100"},
      {{"--race", "sgd:0.1,adam:0.01", "--timeline-every", "10", "--timeline-mib", "0"},
       "neural-sandbox: --timeline-mib: a race of 2 replicas shares it: timeline: 0 bytes does not hold two"},
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

TEST(RaceCli, TheMemoryOfEveryReplicaIsCheckedFirst) {
  // Room for one 256-256 spiral network (about 5.5 MB with its evaluation chunk and host copies; four take about 17 MB)
  // but not for four.
  const auto one = runCli({"train", "--preset", "spiral", "--backend", "cpu", "--hidden", "256,256", "--epochs", "1"},
                          {{"NSB_MEMORY_BUDGET", "8000000"}});
  EXPECT_EQ(one.code, 0) << one.err;
  const auto four = runCli({"train", "--preset", "spiral", "--backend", "cpu", "--hidden", "256,256", "--epochs", "1",
                            "--race", "sgd:0.1,sgd:0.2,adam:0.01,adam:0.001"},
                           {{"NSB_MEMORY_BUDGET", "8000000"}});
  EXPECT_EQ(four.code, 2) << four.err;
  EXPECT_EQ(lineCount(four.err), 1) << four.err;
  EXPECT_EQ(four.err.rfind("neural-sandbox: memory: a race of 4 replicas of the network 4-256-256-1", 0), 0u)
      << four.err;
}

}  // namespace
}  // namespace nsb::sandbox
