// Resolves dataset names and paths: the synthetic generators, the MNIST files made by the installer, the
// Debian Fashion-MNIST package, and user files sniffed as CSV (text) or IDX (binary).
#include "data/DatasetCatalog.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "data/Idx.h"

namespace nsb::data {
namespace {

namespace fs = std::filesystem;

constexpr const char* FASHION_DIR = "/usr/share/datasets/fashion-mnist";

struct IdxFiles {
  std::string trainImages, trainLabels, testImages, testLabels;
};

bool isFile(const std::string& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}

// The four files of an MNIST-like directory, raw or with a .gz suffix; empty when any is missing.
std::optional<IdxFiles> findIdxFiles(const std::string& dir) {
  IdxFiles files;
  std::string* slots[4] = {&files.trainImages, &files.trainLabels, &files.testImages, &files.testLabels};
  const char* stems[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                          "t10k-labels-idx1-ubyte"};
  for (int i = 0; i < 4; ++i) {
    const std::string raw = dir + "/" + stems[i];
    if (isFile(raw)) {
      *slots[i] = raw;
    } else if (isFile(raw + ".gz")) {
      *slots[i] = raw + ".gz";
    } else {
      return std::nullopt;
    }
  }
  return files;
}

// Text if the first bytes hold no NUL and no control characters other than whitespace (UTF-8 passes).
bool looksLikeText(const std::string& path) {
  struct Closer {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::unique_ptr<std::FILE, Closer> file(std::fopen(path.c_str(), "rb"));
  if (!file) return false;
  unsigned char head[512];
  const std::size_t got = std::fread(head, 1, sizeof head, file.get());
  for (std::size_t i = 0; i < got; ++i) {
    const unsigned char c = head[i];
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return got > 0;
}

bool endsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Replaces the first `from` in the file name (not the directory) by `to`; empty when absent.
std::string replaceInName(const std::string& path, std::string_view from, std::string_view to) {
  const std::size_t slash = path.find_last_of('/');
  const std::size_t nameStart = slash == std::string::npos ? 0 : slash + 1;
  const std::size_t at = path.find(from, nameStart);
  if (at == std::string::npos) return {};
  std::string result = path;
  result.replace(at, from.size(), to);
  return result;
}

std::string labelsBeside(const std::string& images) {
  for (const auto& [from, to] : {std::pair{"images-idx3", "labels-idx1"}, std::pair{"images", "labels"}}) {
    const std::string candidate = replaceInName(images, from, to);
    if (!candidate.empty() && isFile(candidate)) return candidate;
  }
  return {};
}

std::string fashionDir() {
  // A copy in the data directory wins, so that a user without root can use one.
  const std::string local = dataDir() + "/fashion-mnist";
  return findIdxFiles(local) ? local : FASHION_DIR;
}

// A file given by path from Fashion-MNIST's own folder gets its class names too.
core::Result<Dataset> withFashionNames(core::Result<Dataset> dataset, const std::string& images) {
  std::error_code error;
  if (dataset.ok() && fs::equivalent(fs::path(images).parent_path(), fashionDir(), error)) {
    dataset->classNames = fashionMnistClassNames();
  }
  return dataset;
}

core::Result<Dataset> loadIdxPath(const std::string& images, const DatasetRequest& request) {
  const std::string labels = labelsBeside(images);
  if (labels.empty()) {
    return core::badInput(images + ": no labels file beside it (an images-idx3 file needs its labels-idx1 file)");
  }
  const std::string name = fs::path(images).filename().string();
  for (std::string_view testWord : {"t10k", "test"}) {
    const std::string testImages = replaceInName(images, "train", testWord);
    if (testImages.empty() || !isFile(testImages)) continue;
    const std::string testLabels = labelsBeside(testImages);
    if (!testLabels.empty()) {
      return withFashionNames(loadIdxDataset(images, labels, testImages, testLabels, name), images);
    }
  }
  return withFashionNames(loadIdxDatasetSplit(images, labels, request.csv.trainRatio, request.csv.seed, name), images);
}

std::string syntheticList() {
  std::string list;
  for (std::size_t i = 0; i < SYNTHETIC_KIND_COUNT; ++i) list += std::string(syntheticName(SyntheticKind(i))) + ", ";
  return list + "mnist, fashion-mnist";
}

}  // namespace

const std::vector<std::string>& fashionMnistClassNames() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

std::string dataDir() {
  if (const char* dir = std::getenv("NSB_DATA_DIR"); dir && *dir) return dir;
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/neural-sandbox";
  return ".cache/neural-sandbox";
}

core::Result<Dataset> loadDataset(const DatasetRequest& request) {
  SyntheticKind kind{};
  if (parseSyntheticKind(request.name, kind)) {
    SyntheticConfig config = request.synthetic;
    config.kind = kind;
    return makeSynthetic(config, request.features);
  }
  if (request.name == "mnist") {
    const std::string dir = dataDir() + "/mnist";
    const auto files = findIdxFiles(dir);
    if (!files) return core::runtimeError("mnist: not found in " + dir + "; run third_party/install.sh");
    return loadIdxDataset(files->trainImages, files->trainLabels, files->testImages, files->testLabels, "mnist");
  }
  if (request.name == "fashion-mnist") {
    const std::string dir = fashionDir();
    const auto files = findIdxFiles(dir);
    if (!files) {
      return core::runtimeError("fashion-mnist: not found in " + dir + "; install Debian's dataset-fashion-mnist");
    }
    auto dataset =
        loadIdxDataset(files->trainImages, files->trainLabels, files->testImages, files->testLabels, "fashion-mnist");
    if (dataset.ok()) dataset->classNames = fashionMnistClassNames();
    return dataset;
  }
  if (request.name.empty())
    return core::badInput("--dataset: empty name (expected one of " + syntheticList() + " or a path)");
  if (!isFile(request.name)) {
    std::error_code error;
    if (fs::exists(request.name, error)) return core::badInput("--dataset: '" + request.name + "' is not a file");
    return core::badInput("--dataset: unknown dataset '" + request.name + "' (expected one of " + syntheticList() +
                          " or a path)");
  }
  if (endsWith(request.name, ".csv") || looksLikeText(request.name)) return loadCsv(request.name, request.csv);
  return loadIdxPath(request.name, request);
}

std::optional<DatasetShape> catalogDatasetShape(const std::string& name) {
  std::optional<IdxFiles> files;
  if (name == "mnist") files = findIdxFiles(dataDir() + "/mnist");
  if (name == "fashion-mnist") files = findIdxFiles(fashionDir());
  if (!files) return std::nullopt;
  DatasetShape shape;
  for (const std::string* images : {&files->trainImages, &files->testImages}) {
    const auto dims = readIdxDims(*images);
    if (!dims || dims->size() != 3) return std::nullopt;
    shape.samples += (*dims)[0];
    shape.features = std::uint64_t{(*dims)[1]} * (*dims)[2];
  }
  return shape;
}

std::vector<DatasetInfo> listDatasets() {
  std::vector<DatasetInfo> list;
  for (std::size_t i = 0; i < SYNTHETIC_KIND_COUNT; ++i) {
    const auto kind = static_cast<SyntheticKind>(i);
    list.push_back({.name = syntheticName(kind),
                    .kind = isRegression(kind) ? "2D regression" : "2D classification",
                    .size = "500 points by default (--points)",
                    .source = "generated",
                    .available = true,
                    .howToGet = ""});
  }
  const std::string mnistDir = dataDir() + "/mnist";
  const bool mnist = findIdxFiles(mnistDir).has_value();
  list.push_back({.name = "mnist",
                  .kind = "image classification, 28x28, 10 classes",
                  .size = "60000 train / 10000 test",
                  .source = mnistDir,
                  .available = mnist,
                  .howToGet = mnist ? "" : "run third_party/install.sh"});
  const std::string fashion = fashionDir();
  const bool fashionFound = findIdxFiles(fashion).has_value();
  list.push_back({.name = "fashion-mnist",
                  .kind = "image classification, 28x28, 10 classes",
                  .size = "60000 train / 10000 test",
                  .source = fashion,
                  .available = fashionFound,
                  .howToGet = fashionFound ? "" : "install Debian's dataset-fashion-mnist"});
  return list;
}

}  // namespace nsb::data
