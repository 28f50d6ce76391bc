#pragma once
// One entry point from a --dataset value to a Dataset: a synthetic name, mnist, fashion-mnist or a path to
// a CSV or IDX file; and the list that `neural-sandbox datasets` prints.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/Result.h"
#include "data/Csv.h"
#include "data/Dataset.h"
#include "data/Features.h"
#include "data/Synthetic2D.h"

namespace nsb::data {

struct DatasetRequest {
  std::string name{};           // synthetic name, mnist, fashion-mnist or a path
  SyntheticConfig synthetic{};  // points/noise/ratio/seed; kind from name
  FeatureSet features{};        // synthetic datasets only
  CsvOptions csv{};             // CSV files; trainRatio and seed also split an IDX file without a test file
};

struct DatasetInfo {
  std::string name{}, kind{}, size{}, source{};
  bool available = false;
  std::string howToGet{};  // empty when available
};

// Fashion-MNIST's ten classes in label order (Zalando's names), given to every Dataset loaded from its files.
const std::vector<std::string>& fashionMnistClassNames();
// $NSB_DATA_DIR, else $HOME/.cache/neural-sandbox (where third_party/install.sh puts MNIST).
std::string dataDir();
// A missing named dataset is a runtime error saying how to get it; an unknown name is bad input.
core::Result<Dataset> loadDataset(const DatasetRequest& request);
// The samples (train and test) and features of mnist or fashion-mnist, read from its files' IDX headers
// without loading them: what the dataset will take in memory, known first. nullopt for any other name,
// for files not found or a header that is not IDX images (loadDataset then says why).
struct DatasetShape {
  std::uint64_t samples = 0, features = 0;
};
std::optional<DatasetShape> catalogDatasetShape(const std::string& name);
// Every synthetic dataset, mnist, fashion-mnist.
std::vector<DatasetInfo> listDatasets();

}  // namespace nsb::data
