#pragma once
// CSV tables of numbers: one label column, the rest features; optional header row; task inferred from the
// labels (or given); split into train and test after a seeded shuffle; optional standardisation.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/Result.h"
#include "data/Dataset.h"

namespace nsb::data {

struct CsvOptions {
  int labelColumn = -1;        // -1 = last; 0-based
  std::optional<Task> task{};  // inferred when empty
  bool standardize = false;    // (x - mean) / std with the train split's statistics
  float trainRatio = 0.8f;     // in (0, 1)
  std::uint64_t seed = 1;
};

// Errors name the file, and where it helps the line and the 1-based column: "a.csv:7: column 3: 'x' is
// not a number". Inference: classification when every label is a non-negative integer and there are at
// most 32 distinct values, else regression. Class labels are remapped to 0..k-1 in sorted order of value.
core::Result<Dataset> parseCsv(std::string_view text, const std::string& name, const CsvOptions& options);
core::Result<Dataset> loadCsv(const std::string& path, const CsvOptions& options);

}  // namespace nsb::data
