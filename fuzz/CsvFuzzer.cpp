// libFuzzer target for parseCsv: any text must give a consistent Dataset or an error, under a few option
// sets chosen by the first byte (label column, forced task, standardisation).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "data/Csv.h"

namespace {

void checkSplit(const nsb::data::Dataset& d, const nsb::data::Split& split) {
  if (split.count == 0 || split.values.size() != split.count * d.features) std::abort();
  for (float v : split.values) {
    if (!std::isfinite(v)) std::abort();
  }
  if (d.task == nsb::data::Task::Classification) {
    if (split.labels.size() != split.count) std::abort();
    for (std::int32_t label : split.labels) {
      if (label < 0 || static_cast<std::size_t>(label) >= d.classes) std::abort();
    }
  } else if (split.targets.size() != split.count) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  nsb::data::CsvOptions options;
  options.labelColumn = static_cast<int>(mode & 0x3) - 1;  // -1, 0, 1, 2
  if (mode & 0x4) options.task = (mode & 0x8) ? nsb::data::Task::Regression : nsb::data::Task::Classification;
  options.standardize = (mode & 0x10) != 0;
  options.trainRatio = (mode & 0x20) ? 0.5f : 0.8f;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto dataset = nsb::data::parseCsv(text, "fuzz.csv", options);
  if (dataset.ok()) {
    if (dataset->features == 0 || dataset->featureNames.size() != dataset->features) std::abort();
    checkSplit(*dataset, dataset->train);
    checkSplit(*dataset, dataset->test);
  } else if (dataset.message().empty()) {
    std::abort();
  }
  return 0;
}
