// The command line as a user runs it: exit codes (0 ok, 2 bad input, 1 runtime failure), one line on
// stderr for errors, the --json line, --metrics and --save files, eval of a saved checkpoint.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace {

struct CliRun {
  int code = -1;
  std::string out, err;
};

CliRun run(const std::string& args) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto errPath = dir / ("nsb-cli-err-" + std::to_string(::getpid()));
  const std::string command = std::string(NSB_CLI) + " " + args + " 2>" + errPath.string();
  CliRun r;
  FILE* pipe = ::popen(command.c_str(), "r");
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) r.out += buffer.data();
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(errPath);
  std::stringstream s;
  s << in.rdbuf();
  r.err = s.str();
  std::filesystem::remove(errPath);
  return r;
}

nlohmann::json lastJsonLine(const std::string& out) {
  std::istringstream lines(out);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  return nlohmann::json::parse(last);
}

int lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

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
    EXPECT_EQ(lines(r.err), 1) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("neural-sandbox: ", 0), 0u) << r.err;
  }
}

TEST(Cli, MissingBackendIsARuntimeFailure) {
  const CliRun r = run("train --preset xor --backend cuda --epochs 1");
  if (r.code == 0) GTEST_SKIP() << "this machine has a CUDA device";
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
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

TEST(Cli, UnwritableOutputsFailWithoutLeavingFiles) {
  const std::string dir = tempPath("missing-dir");
  const CliRun r = run("train --preset xor --backend cpu --epochs 1 --save " + dir + "/x.safetensors");
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(lines(r.err), 1) << r.err;
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
  const CliRun r = run("bench --preset xor --backends cpu,vulkan --batches 8,16 --steps 5 --repeats 1 --no-torch --no-kernels --json");
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
  EXPECT_EQ(lines(bad.err), 1) << bad.err;
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

}  // namespace
