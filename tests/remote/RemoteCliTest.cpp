// `neural-sandbox remote ...` and `serve`'s flags from the command line: the results as --json lines,
// every bad input one line on stderr with exit 2, an unreachable server exit 1.
#include <gtest/gtest.h>

#include "ServerProcess.h"
#include "remote/JobSpec.h"
#include "sandbox/CliRun.h"

namespace nsb::remote {
namespace {

using sandbox::testing::lastJsonLine;
using sandbox::testing::lineCount;
using sandbox::testing::run;
using testing::ServerProcess;
using testing::TempDir;

TEST(RemoteCli, DetachedJobIsListedStoppedAndRemoved) {
  TempDir dir;
  ServerProcess server(dir.path.string());
  ASSERT_FALSE(server.url().empty()) << server.err();
  const std::string at = " --server " + server.url();
  const auto created = run("remote train --preset xor --backend cpu --hidden 4 --epochs 100000 --detach --json" + at);
  ASSERT_EQ(created.code, 0) << created.err;
  const std::string id = lastJsonLine(created.out).value("job", "");
  ASSERT_TRUE(isJobId(id)) << created.out;

  const auto list = run("remote list --json" + at);
  ASSERT_EQ(list.code, 0) << list.err;
  const auto jobs = lastJsonLine(list.out)["jobs"];
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].value("job", ""), id);
  EXPECT_EQ(jobs[0].value("preset", ""), "xor");

  const auto stopped = run("remote stop " + id + " --json" + at);
  ASSERT_EQ(stopped.code, 0) << stopped.err;
  EXPECT_EQ(lastJsonLine(stopped.out).value("state", ""), "stopped");
  const auto status = run("remote status " + id + " --json" + at);
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_EQ(lastJsonLine(status.out).value("state", ""), "stopped");

  const auto removed = run("remote rm " + id + at);
  ASSERT_EQ(removed.code, 0) << removed.err;
  const auto gone = run("remote status " + id + at);
  EXPECT_EQ(gone.code, 2);
  EXPECT_NE(gone.err.find("no job " + id), std::string::npos) << gone.err;
  EXPECT_EQ(lineCount(gone.err), 1) << gone.err;
}

TEST(RemoteCli, ARemoteRunEndsWhereALocalOneDoesWithTheSameResults) {
  TempDir dir;
  ServerProcess server(dir.path.string());
  ASSERT_FALSE(server.url().empty()) << server.err();
  // Other points and noise than the preset's: the downloaded checkpoint records them for eval.
  const std::string flags =
      " --preset xor --backend cpu --epochs 4 --seed 5 --hidden 6,6 --points 300 --noise 0.2 --json";
  const auto remote = run("remote train --server " + server.url() + flags);
  ASSERT_EQ(remote.code, 0) << remote.err;
  const auto local = run("train" + flags);
  ASSERT_EQ(local.code, 0) << local.err;
  const auto r = lastJsonLine(remote.out), l = lastJsonLine(local.out);
  EXPECT_EQ(r.value("state", ""), "done");
  EXPECT_EQ(r.value("step", 0ull), l.value("steps", 1ull)) << "the job did not end at its last epoch's step";
  // The same seed, batches and backend on the same machine: the same weights, so the same numbers.
  EXPECT_EQ(r["test_loss"], l["test_loss"]) << remote.out << local.out;
  EXPECT_EQ(r["test_accuracy"], l["test_accuracy"]);
  EXPECT_NE(remote.err.find("epoch 4.00 step"), std::string::npos) << "no validation lines: " << remote.err;
  // The job's checkpoint, downloaded, evaluates on the data the job trained on.
  TempDir out;
  const std::string model = (out.path / "job.safetensors").string();
  const auto downloaded =
      run("remote download " + r.value("job", "") + " --out " + model + " --server " + server.url());
  ASSERT_EQ(downloaded.code, 0) << downloaded.err;
  const auto evaluated = run("eval --checkpoint " + model + " --backend cpu --json");
  ASSERT_EQ(evaluated.code, 0) << evaluated.err;
  const auto e = lastJsonLine(evaluated.out);
  EXPECT_EQ(e["samples"], 150);  // half of the 300 points
  EXPECT_EQ(e["test_accuracy"], r["test_accuracy"]) << evaluated.out;
  EXPECT_EQ(e["test_loss"], r["test_loss"]) << evaluated.out;
}

TEST(RemoteCli, ADivergedJobIsPausedAndRemoteTrainEndsWithOneLineAsTrainDoes) {
  TempDir dir;
  ServerProcess server(dir.path.string());
  ASSERT_FALSE(server.url().empty()) << server.err();
  const std::string flags = " --preset reg-plane --lr 10 --optimizer sgd --epochs 50 --backend cpu";
  const auto local = run("train" + flags);
  ASSERT_EQ(local.code, 1) << local.err;
  const auto remote = run("remote train --json --server " + server.url() + flags);
  EXPECT_EQ(remote.code, 1) << remote.err;
  // The step the loss went non-finite at, as `train` names it.
  const auto at = local.err.find("diverged at step ");
  ASSERT_NE(at, std::string::npos) << local.err;
  const std::string step = local.err.substr(at, local.err.find(' ', at + 17) - at);
  EXPECT_NE(remote.err.find(step), std::string::npos) << remote.err << " vs " << local.err;
  EXPECT_NE(remote.err.find("; paused"), std::string::npos) << remote.err;
  const auto list = run("remote list --json --server " + server.url());
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(lastJsonLine(list.out)["jobs"][0].value("state", ""), "paused");
}

TEST(RemoteCli, BadInputIsOneLineAndExit2AndAnUnreachableServerExit1) {
  TempDir dir;
  ServerProcess server(dir.path.string());
  ASSERT_FALSE(server.url().empty()) << server.err();
  const std::string at = " --server " + server.url();
  const struct {
    std::string args;
    int code;
    std::string says;
  } cases[] = {
      {"remote status not-a-job" + at, 2, "JOB not-a-job: not a job id"},
      {"remote train --lr abc" + at, 2, "--lr: 'abc' is not a number"},
      {"remote train --hidden 8,x" + at, 2, "--hidden: 'x' is not a whole number"},
      {"remote train --lr 100 --detach" + at, 2, "server: lr: must be between"},
      {"remote train --dataset /etc/passwd --detach" + at, 2, "server: dataset: unknown value"},
      {"remote download 0123456789ab --out " + (dir.path / "missing" / "m.safetensors").string() + at, 2, "the folder"},
      {"remote list --server ftp://example", 2, "--server ftp://example: expected http://HOST:PORT"},
      {"remote list --server http://127.0.0.1:1", 1, "http://127.0.0.1:1"},
      {"serve --bind 0.0.0.0:8470", 2, "a non-loopback address needs an owner token"},
      {"serve --bind nonsense", 2, "--bind nonsense: expected ADDRESS:PORT"},
      {"serve --bind 127.0.0.1:0 --max-viewers 0", 2, "--max-viewers"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const auto r = run(c.args);
    EXPECT_EQ(r.code, c.code) << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(lineCount(r.err), 1) << r.err;
  }
  const auto list = run("remote list --json" + at);
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_TRUE(lastJsonLine(list.out)["jobs"].empty()) << "a refused request left a job behind";
}

}  // namespace
}  // namespace nsb::remote
