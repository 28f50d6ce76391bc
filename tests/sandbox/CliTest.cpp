// The command line as a user runs it: exit codes (0 ok, 2 bad input, 1 runtime failure), one line on
// stderr for errors, the --json line, --metrics and --save files, eval of a saved checkpoint, and
// resuming: flags over the checkpoint, --save-every / --max-steps, bit-identical ends, longer schedules.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CliRun.h"
#include "nn/Checkpoint.h"

extern char** environ;

namespace {

using nsb::sandbox::testing::CliRun;
using nsb::sandbox::testing::lastJsonLine;
using nsb::sandbox::testing::lineCount;
using nsb::sandbox::testing::run;

std::string tempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("nsb-cli-" + std::to_string(::getpid()) + "-" + name)).string();
}

TEST(Cli, TrainJsonHasTheDocumentedFields) {
  const CliRun r = run("train --preset xor --backend cpu --epochs 20 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = lastJsonLine(r.out);
  for (const char* key : {"backend", "device", "steps", "epochs", "seconds", "samples_per_sec", "train_loss",
                          "test_loss", "test_accuracy", "test_mse"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["backend"], "cpu");
  EXPECT_TRUE(j["test_mse"].is_null());
  EXPECT_GT(j["test_accuracy"].get<double>(), 0.9);
  EXPECT_EQ(j["steps"].get<int>(), 20 * 25);  // 250 training points, batch 10
}

TEST(Cli, RegressionGivesTestMseAndNullAccuracy) {
  const CliRun r = run("train --preset reg-plane --backend cpu --epochs 5 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = lastJsonLine(r.out);
  EXPECT_TRUE(j["test_accuracy"].is_null());
  EXPECT_TRUE(j["test_mse"].is_number());
}

TEST(Cli, BadFlagsExitTwoWithOneLine) {
  for (const char* args : {"train --lr -1", "train --optimizer nope", "train --preset no-such-preset",
                           "train --dataset no-such-dataset", "train --hidden 8,x", "train --epochs 0",
                           "train --no-such-flag", "train --noise 0.9", "eval --checkpoint /nonexistent.safetensors"}) {
    const CliRun r = run(args);
    EXPECT_EQ(r.code, 2) << args << ": " << r.err;
    EXPECT_EQ(lineCount(r.err), 1) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("neural-sandbox: ", 0), 0u) << r.err;
  }
}

TEST(Cli, MissingBackendIsARuntimeFailure) {
  const CliRun r = run("train --preset xor --backend cuda --epochs 1");
  if (r.code == 0) GTEST_SKIP() << "this machine has a CUDA device";
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
}

TEST(Cli, MetricsSaveAndEval) {
  const std::string csv = tempPath("metrics.csv");
  const std::string jsonl = tempPath("metrics.jsonl");
  const std::string checkpoint = tempPath("xor.safetensors");
  CliRun r = run("train --preset xor --backend cpu --epochs 10 --metrics " + csv + " --save " + checkpoint + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto trained = lastJsonLine(r.out);
  std::ifstream in(csv);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header.rfind("step,epoch,train_loss,test_loss,test_accuracy", 0), 0u);
  int rows = 0;
  for (std::string line; std::getline(in, line);) ++rows;
  EXPECT_EQ(rows, 10) << "one metric point per epoch";

  r = run("train --preset xor --backend cpu --epochs 3 --metrics " + jsonl);
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream jin(jsonl);
  std::string first;
  std::getline(jin, first);
  EXPECT_TRUE(nlohmann::json::parse(first).contains("test_accuracy"));

  r = run("eval --checkpoint " + checkpoint + " --backend cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto evaluated = lastJsonLine(r.out);
  EXPECT_DOUBLE_EQ(evaluated["test_accuracy"].get<double>(), trained["test_accuracy"].get<double>());
  EXPECT_DOUBLE_EQ(evaluated["test_loss"].get<double>(), trained["test_loss"].get<double>());
  for (const auto& p : {csv, jsonl, checkpoint}) std::filesystem::remove(p);
}

// A checkpoint remembers how its data was made: eval and --resume of a run with --points and --noise
// use those points, not the preset's.
TEST(Cli, EvalAndResumeRebuildTheDataTheCheckpointWasTrainedOn) {
  const std::string data = " --preset spiral --backend cpu --threads 1 --points 1000 --noise 0.2";
  const std::string part = tempPath("data-part.safetensors");
  CliRun r = run("train" + data + " --epochs 3 --json --save " + part);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto trained = lastJsonLine(r.out);
  r = run("eval --checkpoint " + part + " --backend cpu --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto evaluated = lastJsonLine(r.out);
  EXPECT_EQ(evaluated["samples"], 500);  // half of the 1000 points
  EXPECT_EQ(evaluated["test_loss"].get<double>(), trained["test_loss"].get<double>());
  r = run("train" + data + " --epochs 6 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto straight = lastJsonLine(r.out);
  r = run("train --resume " + part + " --backend cpu --threads 1 --epochs 6 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto resumed = lastJsonLine(r.out);
  EXPECT_EQ(resumed["steps"], straight["steps"]);
  EXPECT_EQ(resumed["test_loss"].get<double>(), straight["test_loss"].get<double>());
  std::filesystem::remove(part);
}

TEST(Cli, UnwritableOutputsFailWithoutLeavingFiles) {
  const std::string dir = tempPath("missing-dir");
  const CliRun r = run("train --preset xor --backend cpu --epochs 1 --save " + dir + "/x.safetensors");
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(Cli, DatasetsListsEveryNamedDataset) {
  const CliRun r = run("datasets");
  ASSERT_EQ(r.code, 0);
  for (const char* name : {"spiral", "xor", "circle", "gauss", "moons", "checkerboard", "reg-plane", "reg-gauss",
                           "mnist", "fashion-mnist"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
}

TEST(Cli, BenchJsonComparesTheBackendsOnThePresetsData) {
  const CliRun r = run(
      "bench --preset xor --backends cpu,vulkan --batches 8,16 --steps 5 --repeats 1 --no-torch --no-kernels --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = lastJsonLine(r.out);
  EXPECT_EQ(j["dataset"], "xor") << "the preset's own data unless --dataset says otherwise";
  EXPECT_GT(j["peak_rss_mb"].get<double>(), 0.0);
  std::size_t cpu = 0;
  for (const auto& e : j["entries"]) {
    EXPECT_GT(e["samples_per_sec"].get<double>(), 0.0) << e["backend"];
    EXPECT_TRUE(e["all_ops_supported"].get<bool>()) << e["backend"];
    EXPECT_FALSE(e["ops"].empty()) << e["backend"];
    if (e["backend"] == "cpu") {
      ++cpu;
      EXPECT_EQ(e["loss_drift_vs_cpu"].get<double>(), 0.0);
    } else {
      // Vulkan against the CPU after the same 5 + warm-up steps on the same batches.
      EXPECT_LT(e["loss_drift_vs_cpu"].get<double>(), 1e-3) << e["backend"];
    }
  }
  EXPECT_EQ(cpu, 2u) << "one CPU entry per batch size";
  const CliRun bad = run("bench --backends cpu,tpu --no-torch");
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(lineCount(bad.err), 1) << bad.err;
  EXPECT_NE(bad.err.find("tpu"), std::string::npos) << bad.err;
}

TEST(Cli, HelpTellsEverySubcommand) {
  const CliRun r = run("--help");
  ASSERT_EQ(r.code, 0);
  for (const char* sub : {"train", "eval", "bench", "datasets", "devices"}) {
    EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
  }
}

TEST(Cli, ResumeContinuesTraining) {
  const std::string checkpoint = tempPath("resume.safetensors");
  CliRun r = run("train --preset spiral --backend cpu --epochs 5 --save " + checkpoint);
  ASSERT_EQ(r.code, 0) << r.err;
  r = run("train --resume " + checkpoint + " --backend cpu --epochs 10 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto resumed = lastJsonLine(r.out);
  r = run("train --preset spiral --backend cpu --epochs 10 --json");
  const auto straight = lastJsonLine(r.out);
  EXPECT_EQ(resumed["steps"], straight["steps"]);
  EXPECT_DOUBLE_EQ(resumed["test_loss"].get<double>(), straight["test_loss"].get<double>());
  std::filesystem::remove(checkpoint);
}

// A preset file: reg-plane with `schedule`, the step schedule halving the rate every 20 steps (a
// 4-epoch run is 100 steps), so that every schedule changes the rate within the run.
std::string schedulePreset(const std::string& schedule) {
  const std::string path = tempPath("reg-plane-" + schedule + ".json");
  std::ofstream(path) << R"({"name": "reg-plane-)" << schedule << R"(",
    "dataset": {"name": "reg-plane", "points": 500, "train_ratio": 0.5, "features": "x1,x2"},
    "model": {"hidden": [{"width": 4, "activation": "tanh"}], "head": "linear", "loss": "mse"},
    "training": {"optimizer": "adam", "lr": 0.01, "schedule": ")"
                      << schedule << R"(", "step_every": 20, "step_gamma": 0.5, "batch": 10, "epochs": 4}})";
  return path;
}

nsb::nn::Checkpoint loadCheckpoint(const std::string& path) {
  auto loaded = nsb::nn::loadCheckpoint(path);
  EXPECT_TRUE(loaded.ok()) << loaded.message();
  return loaded.ok() ? loaded.value() : nsb::nn::Checkpoint{};
}

// Same weights, optimizer state and step, bit for bit.
void expectSameState(const std::string& a, const std::string& b) {
  const auto x = loadCheckpoint(a), y = loadCheckpoint(b);
  EXPECT_EQ(x.step, y.step);
  EXPECT_EQ(x.parameters, y.parameters) << a << " and " << b << " have different weights";
  EXPECT_EQ(x.state1, y.state1);
  EXPECT_EQ(x.state2, y.state2);
}

TEST(Cli, AStoppedRunResumedEndsBitForBitWhereAnUninterruptedOneEnds) {
  const std::string cpu = " --backend cpu --threads 1 --epochs 4 --json";
  for (const char* schedule : {"constant", "step", "cosine"}) {
    SCOPED_TRACE(schedule);
    const std::string preset = schedulePreset(schedule);
    const std::string straight = tempPath("straight.safetensors"), part = tempPath("part.safetensors"),
                      resumed = tempPath("resumed.safetensors");
    CliRun r = run("train --preset " + preset + cpu + " --save " + straight);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto whole = lastJsonLine(r.out);
    // Stopped mid-epoch (25 steps an epoch), its schedule still sized for 4 epochs.
    r = run("train --preset " + preset + cpu + " --max-steps 37 --save " + part);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(lastJsonLine(r.out)["steps"], 37);
    r = run("train --resume " + part + cpu + " --save " + resumed);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto end = lastJsonLine(r.out);
    EXPECT_EQ(end["steps"], whole["steps"]);
    EXPECT_EQ(end["test_loss"].get<double>(), whole["test_loss"].get<double>());
    EXPECT_EQ(end["test_mse"].get<double>(), whole["test_mse"].get<double>());
    expectSameState(straight, resumed);
    for (const auto& p : {preset, straight, part, resumed}) std::filesystem::remove(p);
  }
}

TEST(Cli, SaveEveryKeepsTheCheckpointCurrentThroughAKill) {
  // A long run killed right after its first periodic save: the file is a whole checkpoint at a multiple
  // of --save-every, and resuming it reaches the same state as a run that was never killed.
  const std::string killed = tempPath("killed.safetensors"), straight = tempPath("unkilled.safetensors"),
                    resumed = tempPath("resumed-after-kill.safetensors");
  std::filesystem::remove(killed);
  const std::string args = "--preset reg-plane --backend cpu --threads 1 --epochs 20000";
  std::vector<std::string> argv = {NSB_CLI, "train",    "--preset", "reg-plane",    "--backend", "cpu",    "--threads",
                                   "1",     "--epochs", "20000",    "--save-every", "100",       "--save", killed};
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, NSB_CLI, &quiet, nullptr, cargv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&quiet);
  for (int i = 0; i < 30000 && !std::filesystem::exists(killed); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it was killed";
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(killed).parent_path())) {
    // A write cut short by the kill leaves only its temporary file behind, never a half checkpoint.
    if (entry.path().string().rfind(killed + ".tmp-", 0) == 0) std::filesystem::remove(entry.path());
  }
  const auto saved = loadCheckpoint(killed);
  ASSERT_GT(saved.step, 0u);
  ASSERT_LT(saved.step, 20000u * 25u) << "written while training, not at the end";
  EXPECT_EQ(saved.step % 100, 0u);
  const std::uint64_t more = 250;
  CliRun r = run("train --resume " + killed + " --backend cpu --threads 1 --max-steps " + std::to_string(more) +
                 " --save " + resumed);
  ASSERT_EQ(r.code, 0) << r.err;
  r = run("train " + args + " --max-steps " + std::to_string(saved.step + more) + " --save " + straight);
  ASSERT_EQ(r.code, 0) << r.err;
  expectSameState(straight, resumed);
  for (const auto& p : {killed, straight, resumed}) std::filesystem::remove(p);
}

TEST(Cli, ResumingWithMoreEpochsExtendsTheSchedule) {
  // reg-plane's cosine schedule: 2 epochs end at rate 0; resumed to 4 it must go on learning.
  const std::string first = tempPath("two-epochs.safetensors");
  CliRun r = run("train --preset reg-plane --backend cpu --threads 1 --epochs 2 --json --save " + first);
  ASSERT_EQ(r.code, 0) << r.err;
  const double before = lastJsonLine(r.out)["test_mse"].get<double>();
  r = run("train --resume " + first + " --backend cpu --threads 1 --epochs 4 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto after = lastJsonLine(r.out);
  EXPECT_EQ(after["steps"], 100);
  EXPECT_LT(after["test_mse"].get<double>(), before * 0.95) << "the added epochs trained at a rate above 0";
  EXPECT_NE(r.err.find("--epochs 4 overrides the checkpoint's 2"), std::string::npos) << r.err;
  std::filesystem::remove(first);
}

TEST(Cli, FlagsGivenOnResumeOverrideTheCheckpointAndSaySo) {
  const std::string first = tempPath("override.safetensors"), second = tempPath("overridden.safetensors");
  CliRun r = run("train --preset reg-plane --backend cpu --epochs 1 --save " + first);
  ASSERT_EQ(r.code, 0) << r.err;
  r = run("train --resume " + first + " --backend cpu --epochs 2 --lr 0.5 --optimizer sgd --batch 25 --save " + second);
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* line :
       {"--lr 0.5 overrides the checkpoint's 0.01", "--optimizer sgd overrides the checkpoint's adam",
        "--batch 25 overrides the checkpoint's 10"}) {
    EXPECT_NE(r.err.find(line), std::string::npos) << line << " missing from:\n" << r.err;
  }
  const auto saved = loadCheckpoint(second);
  EXPECT_EQ(saved.hyperparams["lr"].get<float>(), 0.5f);
  EXPECT_EQ(saved.hyperparams["optimizer"], "sgd");
  EXPECT_EQ(saved.hyperparams["batch"], 25);
  EXPECT_EQ(saved.step, 25u + 10u) << "epoch 1 at batch 10, then epoch 2 at batch 25";
  // The metadata holds the shortest form of each float: 0.9, not 0.8999999761581421.
  std::ifstream in(second, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(bytes.find(R"(\"beta1\":0.9,)"), std::string::npos);
  EXPECT_EQ(bytes.find("0.89999"), std::string::npos);
  // A flag the checkpoint's weights cannot follow is refused.
  r = run("train --resume " + first + " --backend cpu --hidden 3");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  for (const auto& p : {first, second}) std::filesystem::remove(p);
}

TEST(Cli, AnExplicitPresetOverridesTheCheckpointsEvenTheDefaultOne) {
  // --preset spiral used to mean "not given": a checkpoint's preset won over it.
  const std::string first = tempPath("xor-for-spiral.safetensors");
  CliRun r = run("train --preset xor --features x1,x2,sin-x1,sin-x2 --backend cpu --epochs 1 --save " + first);
  ASSERT_EQ(r.code, 0) << r.err;
  r = run("train --resume " + first + " --preset spiral --backend cpu --epochs 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("--preset spiral overrides the checkpoint's xor"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("training spiral on"), std::string::npos) << r.err;
  r = run("train --resume " + first + " --backend cpu --epochs 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("training xor on"), std::string::npos) << "without --preset the checkpoint's: " << r.err;
  std::filesystem::remove(first);
}

TEST(Cli, SaveEveryNeedsSave) {
  const CliRun r = run("train --preset xor --backend cpu --epochs 1 --save-every 5");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
}

}  // namespace
