// The server's budgets: memory is checked before an upload or a job is accepted (413 for an upload
// larger than memory allows, 507 for a job that does not fit; the client exits 1 on a 507), and
// --max-disk counts the jobs' checkpoints and metrics with the uploads (a checkpoint past it is not
// written, the job trains on, the last checkpoint stays whole). Every wait is bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include "ServerProcess.h"
#include "compute/MemoryBudget.h"
#include "nn/Checkpoint.h"
#include "remote/Client.h"
#include "sandbox/CliRun.h"

namespace nsb::remote {
namespace {

using nlohmann::json;
using sandbox::testing::lastJsonLine;
using sandbox::testing::lineCount;
using sandbox::testing::run;
using testing::ServerProcess;
using testing::TempDir;
namespace fs = std::filesystem;

json smallJob() {
  return {{"preset", "spiral"}, {"backend", "cpu"}, {"points", 500},    {"features", "x1,x2"},
          {"seed", 7},          {"epochs", 100000}, {"hidden", {8, 8}}, {"steps-per-submit", 4}};
}

bool waitFor(const std::function<bool()>& condition, double seconds = 20.0) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

// A CSV of `rows` two-feature points, about 20 bytes a row.
fs::path writeCsv(const fs::path& dir, int rows) {
  const auto path = dir / "points.csv";
  std::ofstream out(path);
  out << "a,b,label\n";
  for (int i = 0; i < rows; ++i) out << (i % 97) * 0.0101 << "," << (i % 89) * 0.0113 << "," << (i % 2) << "\n";
  return path;
}

std::size_t entries(const fs::path& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) ++n;
  return n;
}

TEST(ServerBudget, AnUploadLargerThanMemoryAllowsIs413BeforeItIsKept) {
  TempDir dir;
  const auto csv = writeCsv(dir.path, 200);  // ~4 KB: 16 KB to check, over a 8000-byte budget
  ServerProcess server((dir.path / "data").string(), {}, {{"NSB_MEMORY_BUDGET", "8000"}});
  ASSERT_FALSE(server.url().empty()) << server.err();
  const auto refused = run("remote upload " + csv.string() + " --server " + server.url());
  EXPECT_EQ(refused.code, 2) << refused.err;
  EXPECT_NE(refused.err.find("memory: checking an upload of"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("NSB_MEMORY_BUDGET=8000) (HTTP 413)"), std::string::npos) << refused.err;
  EXPECT_EQ(lineCount(refused.err), 1) << refused.err;
  EXPECT_EQ(entries(dir.path / "data" / "datasets"), 0u);
}

TEST(ServerBudget, AJobThatDoesNotFitTheMemoryBudgetIs507AndTheClientExits1) {
  TempDir dir;
  ServerProcess server((dir.path / "data").string(), {}, {{"NSB_MEMORY_BUDGET", "1000"}});
  ASSERT_FALSE(server.url().empty()) << server.err();
  const auto refused = run("remote train --preset xor --backend cpu --detach --server " + server.url());
  EXPECT_EQ(refused.code, 1) << refused.err;  // the server's memory now, not the request: a runtime error
  EXPECT_NE(refused.err.find("memory: the network"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("(HTTP 507)"), std::string::npos) << refused.err;
  EXPECT_EQ(lineCount(refused.err), 1) << refused.err;
  EXPECT_EQ(entries(dir.path / "data" / "jobs"), 0u);
}

// The dataset of an upload is measured from its upload.json before it is loaded: a server started again
// with less memory refuses the job naming the dataset, not the network built after loading it.
TEST(ServerBudget, AJobOnAnUploadTooLargeForMemoryIsRefusedBeforeTheDatasetIsLoaded) {
  TempDir dir;
  const auto csv = writeCsv(dir.path, 2000);
  std::string dataset;
  {
    ServerProcess server((dir.path / "data").string());
    ASSERT_FALSE(server.url().empty()) << server.err();
    const auto uploaded = run("remote upload " + csv.string() + " --json --server " + server.url());
    ASSERT_EQ(uploaded.code, 0) << uploaded.err;
    dataset = lastJsonLine(uploaded.out).value("dataset", "");
  }
  ServerProcess server((dir.path / "data").string(), {}, {{"NSB_MEMORY_BUDGET", "20000"}});
  ASSERT_FALSE(server.url().empty()) << server.err();
  auto client = Client::connect(server.url());
  ASSERT_TRUE(client);
  auto refused = client->post("/jobs", {{"preset", "xor"}, {"backend", "cpu"}, {"dataset", dataset}});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("memory: dataset " + dataset + " needs"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("(HTTP 507)"), std::string::npos) << refused.message();
  EXPECT_EQ(entries(dir.path / "data" / "jobs"), 0u);
}

// A catalog dataset is measured from its files' IDX headers before it is loaded. The mnist here is
// headers alone (60000 and 10000 images of 28 x 28, no pixels): a job on it is refused naming the
// dataset, where loading it would have failed on the truncated files.
TEST(ServerBudget, AJobOnACatalogDatasetTooLargeForMemoryIsRefusedBeforeItIsLoaded) {
  TempDir dir;
  fs::create_directories(dir.path / "catalog" / "mnist");
  auto header = [&](const std::string& name, std::vector<std::uint32_t> dims) {
    std::ofstream out(dir.path / "catalog" / "mnist" / name, std::ios::binary);
    out.put(0).put(0).put(0x08).put(static_cast<char>(dims.size()));
    for (const auto d : dims) {
      for (int shift = 24; shift >= 0; shift -= 8) out.put(static_cast<char>((d >> shift) & 0xFF));
    }
  };
  header("train-images-idx3-ubyte", {60000, 28, 28});
  header("train-labels-idx1-ubyte", {60000});
  header("t10k-images-idx3-ubyte", {10000, 28, 28});
  header("t10k-labels-idx1-ubyte", {10000});
  ServerProcess server((dir.path / "data").string(), {},
                       {{"NSB_MEMORY_BUDGET", "1000000"}, {"NSB_DATA_DIR", (dir.path / "catalog").string()}});
  ASSERT_FALSE(server.url().empty()) << server.err();
  auto client = Client::connect(server.url());
  ASSERT_TRUE(client);
  // 70000 images of 784 bytes and an int32 label (remote/MemoryGate.h: imageDatasetBytes).
  const std::string needs = "memory: dataset mnist needs " + compute::formatBytes(70000ull * 788);
  for (const json& request : {json{{"preset", "mnist-mlp"}, {"backend", "cpu"}},
                              json{{"preset", "xor"}, {"dataset", "mnist"}, {"backend", "cpu"}}}) {
    auto refused = client->post("/jobs", request);
    ASSERT_FALSE(refused) << request.dump();
    EXPECT_NE(refused.message().find(needs), std::string::npos) << refused.message();
    EXPECT_NE(refused.message().find("(HTTP 507)"), std::string::npos) << refused.message();
  }
  EXPECT_EQ(entries(dir.path / "data" / "jobs"), 0u);
}

TEST(ServerBudget, ACheckpointPastMaxDiskIsNotWrittenAndTheJobTrainsOn) {
  TempDir dir;
  // A checkpoint of this job is counted as ~67 KB (remote/DiskQuota.h: checkpointBytes), an upload of
  // 7000 rows ~90 KB: the first checkpoint fits 150 KiB, the next one beside the upload does not, by
  // 20 KB (5000 rows left 5 KB, and whether metric lines filled it decided the test).
  // A job that outlasts the test (25 million steps; a quiet machine trains 2.5 million in 20 s) with few
  // metric points (one every 200,000 steps), so that its metrics stay a few KB however fast it trains.
  ServerProcess server((dir.path / "data").string(), {"--max-disk", "150k", "--checkpoint-every", "0.2"});
  ASSERT_FALSE(server.url().empty()) << server.err();
  auto client = Client::connect(server.url());
  ASSERT_TRUE(client);
  json job = smallJob();
  job["epochs"] = 1000000;
  job["metrics-every"] = 200000;
  auto created = client->post("/jobs", job);
  ASSERT_TRUE(created) << created.message();
  const std::string id = created->value("job", "");
  auto status = [&] {
    auto s = client->get("/jobs/" + id);
    return s ? s.value() : json::object();
  };
  ASSERT_TRUE(waitFor([&] { return status()["checkpoint_step"].is_number(); })) << status().dump();
  EXPECT_TRUE(status()["disk"].is_null());

  const auto uploaded = run("remote upload " + writeCsv(dir.path, 7000).string() + " --json --server " + server.url());
  ASSERT_EQ(uploaded.code, 0) << uploaded.err;
  const std::string dataset = lastJsonLine(uploaded.out).value("dataset", "");
  ASSERT_TRUE(waitFor([&] { return status()["disk"].is_string(); })) << status().dump();
  const json full = status();
  EXPECT_NE(full["disk"].get<std::string>().find("past its quota of 150.0 KiB (--max-disk)"), std::string::npos)
      << full.dump();
  // Training goes on; the checkpoint stays the last one written, whole.
  const auto step = full.value("step", std::uint64_t{0}), saved = full.value("checkpoint_step", std::uint64_t{0});
  EXPECT_TRUE(waitFor([&] { return status().value("step", std::uint64_t{0}) > step + 20; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // two checkpoint periods
  EXPECT_EQ(status().value("checkpoint_step", std::uint64_t{0}), saved);
  auto checkpoint = nn::loadCheckpoint((dir.path / "data" / "jobs" / id / "checkpoint.safetensors").string());
  ASSERT_TRUE(checkpoint) << checkpoint.message();
  EXPECT_EQ(checkpoint->step, saved);
  EXPECT_LE(entries(dir.path / "data" / "jobs" / id), 4u) << "a temporary file was left";
  EXPECT_NE(server.err().find("job " + id + ": not saved: the checkpoint of step"), std::string::npos) << server.err();

  // Room again: checkpoints resume.
  ASSERT_TRUE(client->remove("/datasets/" + dataset));
  EXPECT_TRUE(waitFor([&] {
    const json s = status();
    return s["disk"].is_null() && s.value("checkpoint_step", std::uint64_t{0}) > saved;
  })) << status().dump();
  EXPECT_EQ(server.stop(), 0) << server.err();
}

// A download and an eval save the job's weights over its checkpoint in the data folder first: past
// --max-disk they are refused with 507 naming the quota, and nothing is written, there or at --out.
TEST(ServerBudget, ADownloadOrEvalPastMaxDiskIs507AndWritesNothing) {
  TempDir dir;
  // The job's checkpoint is counted as ~67 KB (remote/DiskQuota.h: checkpointBytes): over 16 KiB.
  ServerProcess server((dir.path / "data").string(), {"--max-disk", "16k"});
  ASSERT_FALSE(server.url().empty()) << server.err();
  auto client = Client::connect(server.url());
  ASSERT_TRUE(client);
  json job = smallJob();
  job["metrics-every"] = 200000;
  auto created = client->post("/jobs", job);
  ASSERT_TRUE(created) << created.message();
  const std::string id = created->value("job", "");
  const fs::path out = dir.path / "model.safetensors";
  const auto downloaded = run("remote download " + id + " --out " + out.string() + " --server " + server.url());
  EXPECT_EQ(downloaded.code, 1) << downloaded.err;
  EXPECT_NE(downloaded.err.find("the checkpoint of job " + id + " at step"), std::string::npos) << downloaded.err;
  EXPECT_NE(downloaded.err.find("past its quota of 16.0 KiB (--max-disk) (HTTP 507)"), std::string::npos)
      << downloaded.err;
  EXPECT_EQ(lineCount(downloaded.err), 1) << downloaded.err;
  EXPECT_FALSE(fs::exists(out));
  const auto evaluated = run("remote eval " + id + " --json --server " + server.url());
  EXPECT_EQ(evaluated.code, 1) << evaluated.err;
  EXPECT_NE(evaluated.err.find("(--max-disk) (HTTP 507)"), std::string::npos) << evaluated.err;
  for (const auto& entry : fs::directory_iterator(dir.path / "data" / "jobs" / id)) {
    EXPECT_EQ(entry.path().filename().string().find("checkpoint"), std::string::npos) << entry.path();
  }
  EXPECT_EQ(server.stop(), 0) << server.err();
}

}  // namespace
}  // namespace nsb::remote
