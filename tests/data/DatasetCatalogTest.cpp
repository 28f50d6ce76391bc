// DatasetCatalog: names to datasets (synthetic, mnist, paths sniffed as CSV or IDX), errors for unknown
// and missing datasets, and the list printed by `neural-sandbox datasets`.
#include <gtest/gtest.h>

#include <cstdlib>

#include "TestFiles.h"
#include "data/DatasetCatalog.h"

namespace nsb::data {
namespace {

// Sets an environment variable for one test and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : mName(name) {
    if (const char* old = std::getenv(name)) mOld = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (mOld) {
      ::setenv(mName, mOld->c_str(), 1);
    } else {
      ::unsetenv(mName);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* mName;
  std::optional<std::string> mOld;
};

TEST(DatasetCatalog, SyntheticNameUsesTheConfigButItsOwnKind) {
  DatasetRequest request{.name = "moons", .synthetic = {.kind = SyntheticKind::Circle, .points = 60, .seed = 9}};
  request.features = FeatureSet{.mask = 0b111};
  auto d = loadDataset(request);
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->name, "moons");
  EXPECT_EQ(d->train.count + d->test.count, 60u);
  EXPECT_EQ(d->features, 3u);
}

TEST(DatasetCatalog, UnknownNamesAreBadInput) {
  auto d = loadDataset({.name = "cifar"});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().kind, core::ErrorKind::BadInput);
  EXPECT_NE(d.message().find("--dataset: unknown dataset 'cifar' (expected one of circle,"), std::string::npos)
      << d.message();
  EXPECT_NE(d.message().find("fashion-mnist or a path)"), std::string::npos) << d.message();
  EXPECT_FALSE(loadDataset({.name = ""}).ok());
  EXPECT_FALSE(loadDataset({.name = "/tmp"}).ok());
}

TEST(DatasetCatalog, DataDirFollowsTheEnvironment) {
  ScopedEnv env("NSB_DATA_DIR", "/somewhere/data");
  EXPECT_EQ(dataDir(), "/somewhere/data");
}

TEST(DatasetCatalog, MissingMnistSaysHowToGetIt) {
  test::ScratchDir dir;
  ScopedEnv env("NSB_DATA_DIR", dir.path());
  auto d = loadDataset({.name = "mnist"});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().kind, core::ErrorKind::Runtime);
  EXPECT_EQ(d.message(), "mnist: not found in " + dir.path() + "/mnist; run third_party/install.sh");
  for (const DatasetInfo& info : listDatasets()) {
    if (info.name == "mnist") {
      EXPECT_FALSE(info.available);
      EXPECT_EQ(info.howToGet, "run third_party/install.sh");
    }
  }
}

TEST(DatasetCatalog, MnistFromTheDataDirRawOrGzip) {
  test::ScratchDir dir;
  ScopedEnv env("NSB_DATA_DIR", dir.path());
  std::filesystem::create_directories(dir.file("mnist"));
  test::writeBytes(dir.file("mnist/train-images-idx3-ubyte"), test::idxBytes({10, 2, 2}, test::imagePayload(10, 2, 2)));
  test::writeBytes(dir.file("mnist/train-labels-idx1-ubyte"), test::idxBytes({10}, test::labelPayload(10, 4)));
  test::writeGzip(dir.file("mnist/t10k-images-idx3-ubyte.gz"), test::idxBytes({3, 2, 2}, test::imagePayload(3, 2, 2)));
  test::writeGzip(dir.file("mnist/t10k-labels-idx1-ubyte.gz"), test::idxBytes({3}, test::labelPayload(3, 4)));
  auto d = loadDataset({.name = "mnist"});
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->name, "mnist");
  EXPECT_EQ(d->train.count, 10u);
  EXPECT_EQ(d->test.count, 3u);
  EXPECT_EQ(d->classes, 4u);
}

TEST(DatasetCatalog, PathsAreSniffedAsCsvOrIdx) {
  test::ScratchDir dir;
  // Text without a .csv extension is still CSV.
  test::writeText(dir.file("table.txt"), "x,y,label\n1,2,0\n2,3,1\n4,5,0\n6,7,1\n");
  auto csv = loadDataset({.name = dir.file("table.txt"), .csv = {.labelColumn = 1}});
  ASSERT_TRUE(csv.ok()) << csv.message();
  EXPECT_FALSE(csv->u8);
  EXPECT_EQ(csv->task, Task::Classification);
  EXPECT_EQ(csv->featureNames, (std::vector<std::string>{"x", "label"}));  // the CSV options reached the loader
  // Binary content named .dat goes to the IDX loader, whose error proves the routing.
  test::writeBytes(dir.file("blob.dat"), {0x00, 0x00, 0x0D, 0x01, 0, 0, 0, 1, 1, 2, 3, 4});
  auto blob = loadDataset({.name = dir.file("blob.dat")});
  ASSERT_FALSE(blob.ok());
  EXPECT_NE(blob.message().find("no labels file"), std::string::npos) << blob.message();
}

TEST(DatasetCatalog, IdxPathFindsLabelsAndTestFilesBeside) {
  test::ScratchDir dir;
  test::writeBytes(dir.file("train-images-idx3-ubyte"), test::idxBytes({12, 2, 3}, test::imagePayload(12, 2, 3)));
  test::writeBytes(dir.file("train-labels-idx1-ubyte"), test::idxBytes({12}, test::labelPayload(12, 3)));
  auto split = loadDataset({.name = dir.file("train-images-idx3-ubyte"), .csv = {.trainRatio = 0.75f}});
  ASSERT_TRUE(split.ok()) << split.message();
  EXPECT_EQ(split->train.count, 9u);  // no test files beside it: split by ratio
  EXPECT_EQ(split->test.count, 3u);

  test::writeGzip(dir.file("test-images-idx3-ubyte"), test::idxBytes({4, 2, 3}, test::imagePayload(4, 2, 3)));
  test::writeGzip(dir.file("test-labels-idx1-ubyte"), test::idxBytes({4}, test::labelPayload(4, 3)));
  auto paired = loadDataset({.name = dir.file("train-images-idx3-ubyte")});
  ASSERT_TRUE(paired.ok()) << paired.message();
  EXPECT_EQ(paired->train.count, 12u);
  EXPECT_EQ(paired->test.count, 4u);
  EXPECT_TRUE(paired->u8);

  test::writeBytes(dir.file("lonely-images.bin"), test::idxBytes({4, 2, 3}, test::imagePayload(4, 2, 3)));
  auto lonely = loadDataset({.name = dir.file("lonely-images.bin")});
  ASSERT_FALSE(lonely.ok());
  EXPECT_NE(lonely.message().find("no labels file"), std::string::npos) << lonely.message();
}

TEST(DatasetCatalog, ListsEveryDataset) {
  const auto list = listDatasets();
  ASSERT_EQ(list.size(), SYNTHETIC_KIND_COUNT + 2);
  EXPECT_EQ(list.front().name, "circle");
  EXPECT_EQ(list[SYNTHETIC_KIND_COUNT].name, "mnist");
  EXPECT_EQ(list.back().name, "fashion-mnist");
  for (const DatasetInfo& info : list) {
    EXPECT_FALSE(info.kind.empty()) << info.name;
    EXPECT_EQ(info.available, info.howToGet.empty()) << info.name;
  }
}

}  // namespace
}  // namespace nsb::data
