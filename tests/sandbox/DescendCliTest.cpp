// `descend` as a user runs it (the --json line, --path, divergence, one-line errors with exit 2), and the
// optimizer flags --momentum, --beta1, --beta2, --rho, --eps and --weight-decay of `train`: range errors,
// the values in the saved checkpoint, an effect on training, the note when they override a checkpoint.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "CliRun.h"
#include "nn/Checkpoint.h"

namespace {

using nsb::sandbox::testing::CliRun;
using nsb::sandbox::testing::lastJsonLine;
using nsb::sandbox::testing::lineCount;
using nsb::sandbox::testing::run;

std::string tempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("nsb-descend-" + std::to_string(::getpid()) + "-" + name)).string();
}

TEST(DescendCli, JsonHasTheDocumentedFields) {
  const CliRun r = run("descend --surface rosenbrock --optimizer adam --lr 0.01 --start=-1.5,2 --steps 5000 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto j = lastJsonLine(r.out);
  EXPECT_EQ(j.size(), 7u) << j.dump();
  EXPECT_EQ(j["surface"], "rosenbrock");
  EXPECT_EQ(j["optimizer"], "adam");
  EXPECT_EQ(j["steps"], 5000);
  ASSERT_TRUE(j["final"].is_array());
  ASSERT_EQ(j["final"].size(), 2u);
  EXPECT_NEAR(j["final"][0].get<double>(), 1.0, 1e-3);
  EXPECT_NEAR(j["final"][1].get<double>(), 1.0, 1e-3);
  EXPECT_LT(j["f"].get<double>(), 1e-6);
  // Adam reaches (1, 1) within the default tolerance 1e-3 somewhere inside the 5,000 steps.
  ASSERT_TRUE(j["converged_step"].is_number_unsigned()) << j.dump();
  EXPECT_GT(j["converged_step"].get<int>(), 0);
  EXPECT_LT(j["converged_step"].get<int>(), 5000);
  EXPECT_TRUE(j["diverged_step"].is_null());
}

TEST(DescendCli, EveryOptimizerAndSurfaceRuns) {
  for (const char* surface : {"bowl", "rosenbrock", "beale", "himmelblau", "saddle", "camel", "noisy-bowl"}) {
    const CliRun r =
        run(std::string("descend --surface ") + surface + " --optimizer momentum --lr 0.001 --steps 50 --json");
    ASSERT_EQ(r.code, 0) << surface << ": " << r.err;
    EXPECT_EQ(lastJsonLine(r.out)["surface"], surface);
  }
  for (const char* optimizer : {"gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}) {
    const CliRun r =
        run(std::string("descend --surface bowl --optimizer ") + optimizer + " --lr 0.01 --steps 50 --json");
    ASSERT_EQ(r.code, 0) << optimizer << ": " << r.err;
    EXPECT_EQ(lastJsonLine(r.out)["optimizer"], optimizer);
  }
}

TEST(DescendCli, TheSaddleNeverConverges) {
  const CliRun r = run("descend --surface saddle --optimizer gd --lr 0.01 --start=0,0 --steps 100 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = lastJsonLine(r.out);
  EXPECT_TRUE(j["converged_step"].is_null());
  EXPECT_EQ(j["f"], 0.0);  // the saddle point itself: zero gradient, no motion
}

TEST(DescendCli, OptimizerFlagsChangeThePath) {
  const auto end = [](const std::string& flags) {
    const CliRun r = run("descend --surface rosenbrock --optimizer adam --lr 0.01 --steps 200 --json " + flags);
    EXPECT_EQ(r.code, 0) << flags << ": " << r.err;
    return lastJsonLine(r.out)["final"];
  };
  const auto plain = end("");
  EXPECT_NE(end("--beta1 0.5"), plain);
  EXPECT_NE(end("--beta2 0.9"), plain);
  EXPECT_NE(end("--eps 0.1"), plain);
  EXPECT_EQ(end("--weight-decay 0.5"), plain);  // adam: no decoupled decay
  EXPECT_NE(end("--l2 0.5"), plain);
  const auto momentum = [](const std::string& flags) {
    const CliRun r = run("descend --surface bowl --optimizer momentum --lr 0.01 --steps 20 --json " + flags);
    return lastJsonLine(r.out)["final"];
  };
  EXPECT_NE(momentum("--momentum 0.5"), momentum(""));
  const auto rmsprop = [](const std::string& flags) {
    const CliRun r = run("descend --surface bowl --optimizer rmsprop --lr 0.01 --steps 20 --json " + flags);
    return lastJsonLine(r.out)["final"];
  };
  EXPECT_NE(rmsprop("--rho 0.5"), rmsprop(""));
  const auto adamw = [](const std::string& flags) {
    const CliRun r = run("descend --surface bowl --optimizer adamw --lr 0.01 --steps 20 --json " + flags);
    return lastJsonLine(r.out)["final"];
  };
  EXPECT_NE(adamw("--weight-decay 0.5"), adamw(""));
}

TEST(DescendCli, DivergenceStopsWithOneLineAndExitsZero) {
  // gd at lr 1 on the bowl (k = 10) multiplies y by -9 a step: beyond float's range in about 40 steps.
  const CliRun r = run("descend --surface bowl --optimizer gd --lr 1 --start=1,1 --steps 1000 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("diverged at step"), std::string::npos) << r.err;
  const auto j = lastJsonLine(r.out);
  ASSERT_TRUE(j["diverged_step"].is_number_unsigned()) << j.dump();
  EXPECT_LT(j["diverged_step"].get<int>(), 60);
  EXPECT_EQ(j["steps"].get<int>() + 1, j["diverged_step"].get<int>());
  EXPECT_TRUE(j["f"].is_number());
  EXPECT_TRUE(j["converged_step"].is_null());
  EXPECT_NE(r.err.find(std::to_string(j["diverged_step"].get<int>())), std::string::npos);
}

TEST(DescendCli, PathIsWrittenAsCsv) {
  const std::string path = tempPath("path.csv");
  const CliRun r = run("descend --surface himmelblau --optimizer gd --lr 0.01 --start=0,0 --steps 30 --path " + path);
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "step,x,y,f");
  std::getline(in, line);
  EXPECT_EQ(line, "0,0,0,170");  // f(0, 0) = 121 + 49
  int rows = 1;
  std::string last;
  while (std::getline(in, line)) {
    ++rows;
    last = line;
  }
  EXPECT_EQ(rows, 31);
  EXPECT_EQ(last.rfind("30,", 0), 0u) << last;
  std::filesystem::remove(path);
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::temp_directory_path())) {
    EXPECT_EQ(entry.path().string().find(path + ".tmp"), std::string::npos) << "temporary file left behind";
  }
  // A folder that does not exist: one line, exit 2, nothing written.
  const std::string missing = tempPath("no-such-dir") + "/path.csv";
  const CliRun bad = run("descend --surface bowl --steps 5 --path " + missing);
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(lineCount(bad.err), 1) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST(DescendCli, BadInputIsOneLineAndExitTwo) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"descend --optimizer adam", "--surface"},
      {"descend --surface sphere", "--surface"},
      {"descend --surface bowl --optimizer lbfgs", "--optimizer"},
      {"descend --surface bowl --lr 0", "--lr"},
      {"descend --surface bowl --lr nan", "--lr"},
      {"descend --surface bowl --momentum 1", "--momentum"},
      {"descend --surface bowl --beta1 -0.1", "--beta1"},
      {"descend --surface bowl --beta2 1.5", "--beta2"},
      {"descend --surface bowl --rho 2", "--rho"},
      {"descend --surface bowl --eps 0", "--eps"},
      {"descend --surface bowl --weight-decay 3", "--weight-decay"},
      {"descend --surface bowl --start=1", "--start"},
      {"descend --surface bowl --start=1,y", "--start"},
      {"descend --surface bowl --start=1,inf", "--start"},
      {"descend --surface bowl --steps 20000000", "--steps"},
      {"descend --surface bowl --steps -3", "--steps"},
      {"descend --surface bowl --tolerance 0", "--tolerance"},
      {"descend --surface bowl --condition 0.5", "--condition"},
      {"descend --surface noisy-bowl --sigma -1", "--sigma"},
  };
  for (const auto& [args, flag] : cases) {
    const CliRun r = run(args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.err;
    EXPECT_EQ(lineCount(r.err), 1) << args << ": " << r.err;
    EXPECT_NE(r.err.find(flag), std::string::npos) << args << ": " << r.err;
    EXPECT_EQ(r.out, "") << args;
  }
}

TEST(DescendCli, HelpNamesEverySurfaceAndFlag) {
  const CliRun r = run("descend --help");
  ASSERT_EQ(r.code, 0);
  for (const char* word :
       {"--surface", "--optimizer", "--lr", "--momentum", "--beta1", "--beta2", "--rho", "--eps", "--weight-decay",
        "--start", "--steps", "--seed", "--path", "--tolerance", "--json", "noisy-bowl", "camel", "himmelblau"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  }
}

TEST(DescendCli, TopLevelHelpListsIt) {
  const CliRun r = run("--help");
  ASSERT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("descend"), std::string::npos);
}

TEST(TrainOptimizerFlags, ReachTheSavedHyperparameters) {
  const std::string path = tempPath("flags.safetensors");
  const CliRun r =
      run("train --preset xor --backend cpu --epochs 1 --optimizer adamw --momentum 0.5 --beta1 0.8 --beta2 0.99 "
          "--rho 0.7 --eps 1e-6 --weight-decay 0.05 --save " +
          path);
  ASSERT_EQ(r.code, 0) << r.err;
  auto loaded = nsb::nn::loadCheckpoint(path);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  const auto& h = loaded.value().hyperparams;
  EXPECT_EQ(h["momentum"].get<float>(), 0.5f);
  EXPECT_EQ(h["beta1"].get<float>(), 0.8f);
  EXPECT_EQ(h["beta2"].get<float>(), 0.99f);
  EXPECT_EQ(h["rho"].get<float>(), 0.7f);
  EXPECT_EQ(h["epsilon"].get<float>(), 1e-6f);
  EXPECT_EQ(h["weight_decay"].get<float>(), 0.05f);
  // Resuming with a flag that changes a saved value says so on stderr, as for --lr.
  const CliRun resumed = run("train --resume " + path + " --backend cpu --epochs 2 --momentum 0.6 --beta1 0.8");
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("--momentum 0.6 overrides the checkpoint's 0.5"), std::string::npos) << resumed.err;
  EXPECT_EQ(resumed.err.find("--beta1"), std::string::npos) << resumed.err;  // unchanged: no note
  std::filesystem::remove(path);
}

TEST(TrainOptimizerFlags, ChangeTraining) {
  // Through the live hyperparameter buffer: a different beta1 gives a different loss after the same steps.
  const auto loss = [](const std::string& flags) {
    const CliRun r = run("train --preset xor --backend cpu --epochs 3 --optimizer adam --seed 5 --json " + flags);
    EXPECT_EQ(r.code, 0) << r.err;
    return lastJsonLine(r.out)["train_loss"].get<double>();
  };
  EXPECT_NE(loss("--beta1 0.5"), loss(""));
  EXPECT_EQ(loss("--beta1 0.9"), loss(""));  // the default, spelt out: the same run
}

TEST(TrainOptimizerFlags, OutOfRangeIsOneLineAndExitTwo) {
  for (const std::string flag :
       {"--momentum 1", "--beta1 1", "--beta2 -1", "--rho 1.5", "--eps 2", "--weight-decay -0.1"}) {
    const CliRun r = run("train --preset xor --backend cpu --epochs 1 " + flag);
    EXPECT_EQ(r.code, 2) << flag << ": " << r.err;
    EXPECT_EQ(lineCount(r.err), 1) << flag << ": " << r.err;
    EXPECT_NE(r.err.find(flag.substr(0, flag.find(' '))), std::string::npos) << r.err;
  }
}

}  // namespace
