#pragma once
// The IDX format of MNIST and Fashion-MNIST (u8 elements only), raw or gzip-compressed (detected by
// magic bytes), and a Dataset made of a train and a test pair of images [n, rows, cols] and labels [n].
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/Result.h"
#include "data/Dataset.h"

namespace nsb::data {

struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;  // row-major, product of dims bytes
};

// Every check (magic, element type, 1..4 dims, each > 0, product without overflow, payload length equal to
// the product) happens before anything sized from the header is allocated.
core::Result<IdxArray> parseIdx(std::span<const std::uint8_t> bytes, const std::string& nameForErrors);
// Raw or .gz (by magic bytes); a .gz file stops being read at 1 GiB decompressed.
core::Result<IdxArray> readIdx(const std::string& path);

// The dimensions in a file's header alone (raw or .gz), nothing sized from them read or allocated: what
// a dataset will take in memory, known before it is loaded.
core::Result<std::vector<std::uint32_t>> readIdxDims(const std::string& path);

// Images [n, rows, cols] u8 and labels [n] u8, for the train and the test split. classes = max label + 1
// over both splits; pixels stay u8 with normalisation.scale = 1/255.
core::Result<Dataset> loadIdxDataset(const std::string& imagesPath, const std::string& labelsPath,
                                     const std::string& testImagesPath, const std::string& testLabelsPath,
                                     const std::string& name);
// One images/labels pair split into train and test after a core::Rng shuffle (trainRatio in (0, 1)).
core::Result<Dataset> loadIdxDatasetSplit(const std::string& imagesPath, const std::string& labelsPath,
                                          float trainRatio, std::uint64_t seed, const std::string& name);

}  // namespace nsb::data
