// Killed at any moment, nothing lost: `train --save-every` killed (SIGKILL) at chosen bytes of a
// checkpoint write over a previous one (NSB_TEST_CHECKPOINT_KILL_AFTER), and at random moments of runs
// that rewrite their checkpoint every step. The file at the path always loads and is the previous
// checkpoint or the new one; the next successful write leaves no temporary file behind.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

#include "CliProcess.h"
#include "nn/Checkpoint.h"

namespace nsb::sandbox {
namespace {

namespace fs = std::filesystem;
using testing::runCli;

struct Folder {
  fs::path path = fs::temp_directory_path() / ("nsb-kill-" + std::to_string(::getpid()));
  Folder() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Folder() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  // Files other than the checkpoints themselves: the temporaries a killed write leaves.
  std::vector<std::string> temporaries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path)) {
      const std::string name = entry.path().filename().string();
      if (name.find(".tmp-") != std::string::npos) names.push_back(name);
    }
    return names;
  }
};

std::string bytesOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A small network (xor, one hidden layer) trained on the CPU: each run takes a fraction of a second.
std::vector<std::string> trainArgs(const std::string& save, const std::string& maxSteps, const std::string& every) {
  return {"train",  "--preset", "xor",         "--backend", "cpu",          "--epochs", "1000",
          "--save", save,       "--max-steps", maxSteps,    "--save-every", every};
}

TEST(CheckpointKill, AWriteKilledAtAnyByteLeavesThePreviousCheckpoint) {
  Folder folder;
  const std::string path = folder.file("run.safetensors");
  // The previous checkpoint (step 3), and what the killed runs' first write (step 5) holds, written
  // whole elsewhere: the same run to the same step gives the same bytes.
  ASSERT_EQ(runCli(trainArgs(path, "3", "100")).code, 0);
  const std::string previous = bytesOf(path);
  const std::string reference = folder.file("reference.safetensors");
  ASSERT_EQ(runCli(trainArgs(reference, "5", "100")).code, 0);
  const std::string next = bytesOf(reference);
  ASSERT_GT(next.size(), 64u);
  ASSERT_NE(previous, next);

  const std::size_t size = next.size();
  for (const std::size_t killAt :
       {std::size_t{0}, std::size_t{1}, std::size_t{8}, std::size_t{9}, size / 2, size - 1, size}) {
    const auto r = runCli(trainArgs(path, "10", "5"), {{"NSB_TEST_CHECKPOINT_KILL_AFTER", std::to_string(killAt)}});
    ASSERT_FALSE(r.exited) << "killAt " << killAt << ": the hook did not fire: " << r.err;
    EXPECT_EQ(r.signal, SIGKILL);
    EXPECT_EQ(bytesOf(path), previous) << "killed after " << killAt << " of " << size << " bytes";
    EXPECT_TRUE(nn::loadCheckpoint(path).ok());
  }
  // Each killed write left its temporary; the next successful one removes them.
  EXPECT_EQ(folder.temporaries().size(), 7u);
  ASSERT_EQ(runCli(trainArgs(path, "5", "100")).code, 0);
  EXPECT_EQ(bytesOf(path), next);
  EXPECT_TRUE(folder.temporaries().empty()) << folder.temporaries().front();
}

TEST(CheckpointKill, RunsKilledAtRandomMomentsLeaveACheckpointThatLoads) {
  Folder folder;
  const std::string path = folder.file("run.safetensors");
  ASSERT_EQ(runCli(trainArgs(path, "1", "100")).code, 0);
  std::mt19937 rng(15);  // fixed: the same moments every run
  std::uniform_int_distribution<int> milliseconds(30, 400);
  std::uint64_t lastStep = nn::loadCheckpoint(path).value().step;
  int killedWhileWriting = 0;
  for (int run = 0; run < 6; ++run) {
    // A checkpoint every step: most of such a run is spent writing, so a kill lands in a write often.
    const auto child = testing::start(trainArgs(path, "100000", "1"), {});
    std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds(rng)));
    ::kill(child.pid, SIGKILL);
    const auto r = testing::wait(child);
    EXPECT_FALSE(r.exited) << "run " << run << " ended before it was killed: " << r.err;
    // Its temporary left behind: the kill landed inside a write (between its fopen and its rename).
    if (fs::exists(path + ".tmp-" + std::to_string(child.pid))) ++killedWhileWriting;
    auto loaded = nn::loadCheckpoint(path);
    ASSERT_TRUE(loaded.ok()) << "run " << run << ": " << loaded.message();
    // Old or new: a whole checkpoint of a step this run or an earlier one reached.
    EXPECT_EQ(loaded.value().parameters.size(), loaded.value().spec.parameterCount());
    EXPECT_GE(loaded.value().step, 1u);
    lastStep = loaded.value().step;
  }
  std::printf("6 runs killed at random moments, %d of them inside a checkpoint write; last checkpoint at step %llu\n",
              killedWhileWriting, static_cast<unsigned long long>(lastStep));
  ASSERT_EQ(runCli(trainArgs(path, "2", "100")).code, 0);
  EXPECT_TRUE(nn::loadCheckpoint(path).ok());
  EXPECT_TRUE(folder.temporaries().empty());
}

}  // namespace
}  // namespace nsb::sandbox
