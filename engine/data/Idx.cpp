// IDX reading: header validation that never trusts the header's sizes, gzip streaming through zlib with a
// cap on the decompressed size, and the images + labels pairs that make MNIST-like datasets.
#include "data/Idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>

#include "core/Rng.h"

namespace nsb::data {
namespace {

constexpr std::uint64_t MAX_DECOMPRESSED = 1ull << 30;
constexpr std::size_t CHUNK = 1 << 20;

struct IdxHeader {
  std::vector<std::uint32_t> dims;
  std::size_t headerBytes = 0;
  std::size_t payloadBytes = 0;
};

const char* typeName(std::uint8_t type) {
  switch (type) {
    case 0x08:
      return "u8";
    case 0x09:
      return "i8";
    case 0x0B:
      return "i16";
    case 0x0C:
      return "i32";
    case 0x0D:
      return "f32";
    case 0x0E:
      return "f64";
    default:
      return "unknown";
  }
}

std::string hexByte(std::uint8_t value) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", static_cast<unsigned>(value));
  return text;
}

// The header's checks but the payload's length (`bytes` may hold the header alone).
core::Result<IdxHeader> parseDims(std::span<const std::uint8_t> bytes, const std::string& name) {
  if (bytes.empty()) return core::badInput(name + ": empty file, not an IDX file");
  if (bytes.size() < 4)
    return core::badInput(name + ": truncated IDX header (" + std::to_string(bytes.size()) + " bytes)");
  if (bytes[0] != 0 || bytes[1] != 0) {
    return core::badInput(name + ": not an IDX file (magic bytes " + hexByte(bytes[0]) + " " + hexByte(bytes[1]) +
                          ", expected 0x00 0x00)");
  }
  if (bytes[2] != 0x08) {
    return core::badInput(name + ": IDX element type " + hexByte(bytes[2]) + " (" + typeName(bytes[2]) +
                          ") is not supported, only u8 (0x08)");
  }
  const std::size_t rank = bytes[3];
  if (rank < 1 || rank > 4) {
    return core::badInput(name + ": IDX has " + std::to_string(rank) + " dimensions, expected 1 to 4");
  }
  IdxHeader header;
  header.headerBytes = 4 + 4 * rank;
  if (bytes.size() < header.headerBytes) {
    return core::badInput(name + ": truncated IDX header (" + std::to_string(bytes.size()) + " bytes for " +
                          std::to_string(rank) + " dimensions)");
  }
  std::uint64_t product = 1;
  for (std::size_t d = 0; d < rank; ++d) {
    const std::uint8_t* p = bytes.data() + 4 + 4 * d;
    const std::uint32_t dim =
        (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
    if (dim == 0) return core::badInput(name + ": IDX dimension " + std::to_string(d) + " is 0");
    // Checked before multiplying: the product of four u32 can overflow 64 bits.
    if (product > std::numeric_limits<std::uint64_t>::max() / dim) {
      return core::badInput(name + ": IDX dimensions overflow 64 bits");
    }
    product *= dim;
    header.dims.push_back(dim);
  }
  header.payloadBytes = static_cast<std::size_t>(product);
  return header;
}

core::Result<IdxHeader> parseHeader(std::span<const std::uint8_t> bytes, const std::string& name) {
  auto header = parseDims(bytes, name);
  NSB_TRY(header);
  const std::uint64_t product = header->payloadBytes, payload = bytes.size() - header->headerBytes;
  if (product != payload) {
    return core::badInput(name + ": IDX dimensions need " + std::to_string(product) + " bytes of data, file has " +
                          std::to_string(payload) + (product > payload ? " (truncated)" : " (trailing bytes)"));
  }
  return header;
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
struct GzCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};

core::Result<std::vector<std::uint8_t>> readRaw(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return core::badInput(path + ": cannot open (" + std::strerror(errno) + ")");
  std::vector<std::uint8_t> bytes;
  std::uint8_t buffer[1 << 16];
  for (;;) {
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, file.get());
    bytes.insert(bytes.end(), buffer, buffer + got);
    if (bytes.size() > MAX_DECOMPRESSED) return core::badInput(path + ": larger than 1 GiB");
    if (got < sizeof buffer) break;
  }
  if (std::ferror(file.get())) return core::runtimeError(path + ": read error");
  return bytes;
}

core::Result<std::vector<std::uint8_t>> readGzip(const std::string& path) {
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (!file) return core::badInput(path + ": cannot open (" + std::strerror(errno) + ")");
  gzbuffer(file.get(), 1 << 17);
  std::vector<std::uint8_t> bytes;
  for (;;) {
    const std::size_t offset = bytes.size();
    if (offset >= MAX_DECOMPRESSED) return core::badInput(path + ": decompresses to more than 1 GiB");
    bytes.resize(offset + CHUNK);
    const int got = gzread(file.get(), bytes.data() + offset, static_cast<unsigned>(CHUNK));
    if (got < 0) {
      int code = 0;
      return core::badInput(path + ": corrupt gzip data (" + gzerror(file.get(), &code) + ")");
    }
    bytes.resize(offset + static_cast<std::size_t>(got));
    if (static_cast<std::size_t>(got) < CHUNK) break;
  }
  // A truncated stream ends the reads early without an error from gzread; gzerror says so.
  int code = Z_OK;
  const char* message = gzerror(file.get(), &code);
  if (code != Z_OK && code != Z_STREAM_END) return core::badInput(path + ": corrupt gzip data (" + message + ")");
  bytes.shrink_to_fit();
  return bytes;
}

core::Result<std::vector<std::uint8_t>> readFileBytes(const std::string& path) {
  unsigned char magic[2] = {0, 0};
  {
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) return core::badInput(path + ": cannot open (" + std::strerror(errno) + ")");
    if (std::fread(magic, 1, 2, file.get()) < 2) magic[0] = magic[1] = 0;
  }
  if (magic[0] == 0x1F && magic[1] == 0x8B) return readGzip(path);
  return readRaw(path);
}

struct ImagesAndLabels {
  IdxArray images, labels;
};

core::Result<ImagesAndLabels> readPair(const std::string& imagesPath, const std::string& labelsPath) {
  auto images = readIdx(imagesPath);
  NSB_TRY(images);
  auto labels = readIdx(labelsPath);
  NSB_TRY(labels);
  if (images->dims.size() != 3) {
    return core::badInput(imagesPath + ": IDX images need 3 dimensions [n, rows, cols], file has " +
                          std::to_string(images->dims.size()));
  }
  if (labels->dims.size() != 1) {
    return core::badInput(labelsPath + ": IDX labels need 1 dimension [n], file has " +
                          std::to_string(labels->dims.size()));
  }
  if (images->dims[0] != labels->dims[0]) {
    return core::badInput(labelsPath + ": " + std::to_string(labels->dims[0]) + " labels for " +
                          std::to_string(images->dims[0]) + " images in " + imagesPath);
  }
  return ImagesAndLabels{std::move(images).value(), std::move(labels).value()};
}

void toSplit(Split& split, IdxArray&& images, const IdxArray& labels) {
  split.count = images.dims[0];
  split.pixels = std::move(images.data);
  split.labels.assign(labels.data.begin(), labels.data.end());
}

Dataset makeImageDataset(const IdxArray& images, const std::string& name, std::string source) {
  Dataset dataset;
  dataset.name = name;
  dataset.source = std::move(source);
  dataset.task = Task::Classification;
  dataset.u8 = true;
  dataset.imageHeight = images.dims[1];
  dataset.imageWidth = images.dims[2];
  dataset.features = dataset.imageWidth * dataset.imageHeight;
  dataset.normalisation.scale = 1.0f / 255.0f;
  dataset.featureNames.reserve(dataset.features);
  for (std::size_t y = 0; y < dataset.imageHeight; ++y) {
    for (std::size_t x = 0; x < dataset.imageWidth; ++x) {
      dataset.featureNames.push_back("pixel " + std::to_string(y) + "," + std::to_string(x));
    }
  }
  return dataset;
}

std::size_t classCount(const Dataset& dataset) {
  std::int32_t maxLabel = 0;
  for (std::int32_t label : dataset.train.labels) maxLabel = std::max(maxLabel, label);
  for (std::int32_t label : dataset.test.labels) maxLabel = std::max(maxLabel, label);
  return static_cast<std::size_t>(maxLabel) + 1;
}

}  // namespace

core::Result<IdxArray> parseIdx(std::span<const std::uint8_t> bytes, const std::string& nameForErrors) {
  auto header = parseHeader(bytes, nameForErrors);
  NSB_TRY(header);
  IdxArray array;
  array.dims = std::move(header->dims);
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header->headerBytes), bytes.end());
  return array;
}

core::Result<IdxArray> readIdx(const std::string& path) {
  auto bytes = readFileBytes(path);
  NSB_TRY(bytes);
  auto header = parseHeader(*bytes, path);
  NSB_TRY(header);
  // Reuse the file's buffer rather than copying tens of megabytes of pixels.
  IdxArray array;
  array.dims = std::move(header->dims);
  array.data = std::move(bytes).value();
  array.data.erase(array.data.begin(), array.data.begin() + static_cast<std::ptrdiff_t>(header->headerBytes));
  return array;
}

core::Result<std::vector<std::uint32_t>> readIdxDims(const std::string& path) {
  // gzread reads a file that is not gzip as it is.
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (!file) return core::badInput(path + ": cannot open (" + std::strerror(errno) + ")");
  std::uint8_t head[4 + 4 * 4];  // the longest header: 4 dimensions
  const int got = gzread(file.get(), head, sizeof head);
  if (got < 0) return core::badInput(path + ": cannot read its IDX header");
  auto header = parseDims(std::span<const std::uint8_t>(head, static_cast<std::size_t>(got)), path);
  NSB_TRY(header);
  return std::move(header->dims);
}

core::Result<Dataset> loadIdxDataset(const std::string& imagesPath, const std::string& labelsPath,
                                     const std::string& testImagesPath, const std::string& testLabelsPath,
                                     const std::string& name) {
  auto train = readPair(imagesPath, labelsPath);
  NSB_TRY(train);
  auto test = readPair(testImagesPath, testLabelsPath);
  NSB_TRY(test);
  if (train->images.dims[1] != test->images.dims[1] || train->images.dims[2] != test->images.dims[2]) {
    return core::badInput(testImagesPath + ": images are " + std::to_string(test->images.dims[1]) + "x" +
                          std::to_string(test->images.dims[2]) + ", the train images in " + imagesPath + " are " +
                          std::to_string(train->images.dims[1]) + "x" + std::to_string(train->images.dims[2]));
  }
  Dataset dataset = makeImageDataset(train->images, name, "idx: " + imagesPath + ", " + testImagesPath);
  toSplit(dataset.train, std::move(train->images), train->labels);
  toSplit(dataset.test, std::move(test->images), test->labels);
  dataset.classes = classCount(dataset);
  return dataset;
}

core::Result<Dataset> loadIdxDatasetSplit(const std::string& imagesPath, const std::string& labelsPath,
                                          float trainRatio, std::uint64_t seed, const std::string& name) {
  if (!(trainRatio > 0.0f && trainRatio < 1.0f)) return core::badInput("--train-ratio: must be between 0 and 1");
  auto pair = readPair(imagesPath, labelsPath);
  NSB_TRY(pair);
  const std::size_t n = pair->images.dims[0];
  if (n < 2) return core::badInput(imagesPath + ": needs at least 2 images to make a train and a test split");
  if (n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    return core::badInput(imagesPath + ": too many images");
  }
  const std::size_t trainCount =
      std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(double(n) * double(trainRatio))), 1, n - 1);
  std::vector<std::int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  core::Rng rng(seed);
  rng.shuffle(order);

  Dataset dataset = makeImageDataset(pair->images, name, "idx: " + imagesPath + " (split by ratio)");
  const std::size_t size = dataset.features;
  const auto fill = [&](Split& split, std::size_t begin, std::size_t end) {
    split.count = end - begin;
    split.pixels.resize(split.count * size);
    split.labels.resize(split.count);
    for (std::size_t k = begin; k < end; ++k) {
      const auto row = static_cast<std::size_t>(order[k]);
      std::memcpy(split.pixels.data() + (k - begin) * size, pair->images.data.data() + row * size, size);
      split.labels[k - begin] = pair->labels.data[row];
    }
  };
  fill(dataset.train, 0, trainCount);
  fill(dataset.test, trainCount, n);
  dataset.classes = classCount(dataset);
  return dataset;
}

}  // namespace nsb::data
