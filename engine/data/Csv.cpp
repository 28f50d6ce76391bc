// CSV parsing into a Dataset: strict numeric cells (no NaN, Inf or blanks), header detection, task
// inference, label remapping, seeded split and train-only standardisation.
#include "data/Csv.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <vector>

#include "core/Rng.h"

namespace nsb::data {
namespace {

constexpr std::size_t MAX_AUTO_CLASSES = 32;
constexpr std::size_t MAX_FILE_BYTES = std::size_t(1) << 30;

struct Line {
  std::size_t number = 0;  // 1-based
  std::vector<std::string_view> cells;
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> splitCells(std::string_view line) {
  std::vector<std::string_view> cells;
  for (;;) {
    const std::size_t comma = line.find(',');
    cells.push_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) return cells;
    line.remove_prefix(comma + 1);
  }
}

// Finite numbers that fit a float; from_chars alone would accept "nan" and "inf".
bool parseNumber(std::string_view cell, double& value) {
  if (!cell.empty() && cell.front() == '+') cell.remove_prefix(1);
  if (cell.empty()) return false;
  const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (ec != std::errc() || end != cell.data() + cell.size()) return false;
  return std::isfinite(value) && std::fabs(value) <= double(std::numeric_limits<float>::max());
}

bool allNumeric(const Line& line) {
  double ignored = 0.0;
  return std::all_of(line.cells.begin(), line.cells.end(), [&](std::string_view c) { return parseNumber(c, ignored); });
}

std::string cellError(const std::string& name, const Line& line, std::size_t column, std::string_view cell) {
  const std::string where = name + ":" + std::to_string(line.number) + ": column " + std::to_string(column + 1);
  if (cell.empty()) return where + " is empty";
  // Cap the quoted cell so that a fuzzed megabyte cell does not become a megabyte message.
  const std::string shown = cell.size() > 40 ? std::string(cell.substr(0, 40)) + "..." : std::string(cell);
  return where + ": '" + shown + "' is not a number";
}

std::string stem(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  const std::size_t dot = base.find_last_of('.');
  if (dot != std::string::npos && dot > 0) base.resize(dot);
  return base.empty() ? "csv" : base;
}

std::string formatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

}  // namespace

core::Result<Dataset> parseCsv(std::string_view text, const std::string& name, const CsvOptions& options) {
  if (!(options.trainRatio > 0.0f && options.trainRatio < 1.0f)) {
    return core::badInput("--train-ratio: must be between 0 and 1");
  }
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark

  std::vector<Line> lines;
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    const std::string_view raw = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++number;
    if (trim(raw).empty()) continue;
    lines.push_back({number, splitCells(raw)});
  }
  if (lines.empty()) return core::badInput(name + ": empty CSV file");

  const bool header = !allNumeric(lines[0]) && lines.size() >= 2 && allNumeric(lines[1]);
  if (!allNumeric(lines[0]) && lines.size() == 1) return core::badInput(name + ": has a header but no data rows");
  const std::size_t columns = lines[0].cells.size();
  if (columns < 2) {
    return core::badInput(name + ":" + std::to_string(lines[0].number) +
                          ": needs at least 2 columns (features and a label), found 1");
  }
  if (options.labelColumn < -1 || options.labelColumn >= static_cast<int>(columns)) {
    return core::badInput("--label-column: " + std::to_string(options.labelColumn) + " is out of range for " + name +
                          " (" + std::to_string(columns) + " columns, 0-based, -1 = last)");
  }
  const std::size_t labelColumn = options.labelColumn < 0 ? columns - 1 : static_cast<std::size_t>(options.labelColumn);
  const std::size_t first = header ? 1 : 0;
  const std::size_t rows = lines.size() - first;
  if (rows < 2) return core::badInput(name + ": needs at least 2 data rows to make a train and a test split");
  if (rows > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    return core::badInput(name + ": too many rows");
  }

  // Row-major table of all columns, label included.
  std::vector<double> table;
  table.reserve(rows * columns);
  for (std::size_t r = first; r < lines.size(); ++r) {
    const Line& line = lines[r];
    if (line.cells.size() != columns) {
      return core::badInput(name + ":" + std::to_string(line.number) + ": " + std::to_string(line.cells.size()) +
                            " columns, expected " + std::to_string(columns) + " as on line " +
                            std::to_string(lines[0].number));
    }
    for (std::size_t c = 0; c < columns; ++c) {
      double value = 0.0;
      if (!parseNumber(line.cells[c], value)) return core::badInput(cellError(name, line, c, line.cells[c]));
      table.push_back(value);
    }
  }

  std::vector<double> labelValues(rows);
  for (std::size_t r = 0; r < rows; ++r) labelValues[r] = table[r * columns + labelColumn];
  std::vector<double> distinct = labelValues;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  const bool integers = std::all_of(distinct.begin(), distinct.end(), [](double v) { return v == std::floor(v); });
  const std::string labelWhere = name + ": label column " + std::to_string(labelColumn);
  Task task = Task::Regression;
  if (options.task) {
    task = *options.task;
    if (task == Task::Classification && !integers) {
      return core::badInput(labelWhere + " has non-integer values, a classification needs class numbers");
    }
  } else if (integers && distinct.front() >= 0.0 && distinct.size() <= MAX_AUTO_CLASSES) {
    task = Task::Classification;
  }
  if (task == Task::Classification && distinct.size() < 2) {
    return core::badInput(labelWhere + " has the single value " + formatNumber(distinct.front()) +
                          ", a classification needs at least 2 classes");
  }

  Dataset dataset;
  dataset.name = stem(name);
  dataset.task = task;
  dataset.features = columns - 1;
  dataset.classes = task == Task::Classification ? distinct.size() : 0;
  dataset.outputs = 1;
  for (std::size_t c = 0; c < columns; ++c) {
    if (c == labelColumn) continue;
    std::string featureName;
    if (header) {
      std::string_view cell = lines[0].cells[c];
      if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') cell = cell.substr(1, cell.size() - 2);
      featureName = std::string(cell);
    }
    if (featureName.empty()) {
      // append() rather than "x" + to_string(): GCC 12 reports a false -Wrestrict on the latter.
      featureName.append("x").append(std::to_string(dataset.featureNames.size() + 1));
    }
    dataset.featureNames.push_back(std::move(featureName));
  }

  std::vector<std::int32_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  core::Rng rng(options.seed);
  rng.shuffle(order);
  const std::size_t trainCount = std::clamp<std::size_t>(
      static_cast<std::size_t>(std::lround(double(rows) * double(options.trainRatio))), 1, rows - 1);

  // Standardisation statistics come from the train rows only, so that the test split stays unseen.
  const std::size_t width = dataset.features;
  std::vector<double> mean(width, 0.0), stddev(width, 1.0);
  const auto featureColumn = [&](std::size_t f) { return f < labelColumn ? f : f + 1; };
  if (options.standardize) {
    for (std::size_t f = 0; f < width; ++f) {
      double sum = 0.0;
      for (std::size_t k = 0; k < trainCount; ++k) sum += table[std::size_t(order[k]) * columns + featureColumn(f)];
      mean[f] = sum / double(trainCount);
      double squares = 0.0;
      for (std::size_t k = 0; k < trainCount; ++k) {
        const double d = table[std::size_t(order[k]) * columns + featureColumn(f)] - mean[f];
        squares += d * d;
      }
      const double sd = std::sqrt(squares / double(trainCount));
      // A constant column would divide by zero; leave it centred instead.
      stddev[f] = sd > 1e-12 ? sd : 1.0;
    }
    dataset.normalisation.mean.assign(mean.begin(), mean.end());
    dataset.normalisation.stddev.assign(stddev.begin(), stddev.end());
  }

  const auto fill = [&](Split& split, std::size_t begin, std::size_t end) {
    split.count = end - begin;
    split.values.reserve(split.count * width);
    for (std::size_t k = begin; k < end; ++k) {
      const auto row = static_cast<std::size_t>(order[k]);
      for (std::size_t f = 0; f < width; ++f) {
        const double v = (table[row * columns + featureColumn(f)] - mean[f]) / stddev[f];
        const double limit = double(std::numeric_limits<float>::max());
        split.values.push_back(static_cast<float>(std::clamp(v, -limit, limit)));
      }
      const double label = labelValues[row];
      if (task == Task::Classification) {
        const auto index = std::lower_bound(distinct.begin(), distinct.end(), label) - distinct.begin();
        split.labels.push_back(static_cast<std::int32_t>(index));
      } else {
        split.targets.push_back(static_cast<float>(label));
      }
    }
  };
  fill(dataset.train, 0, trainCount);
  fill(dataset.test, trainCount, rows);

  dataset.source = "csv: " + name + ", " + std::to_string(rows) + " rows, " + std::to_string(columns) + " columns" +
                   (header ? ", header" : "");
  return dataset;
}

core::Result<Dataset> loadCsv(const std::string& path, const CsvOptions& options) {
  struct Closer {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::unique_ptr<std::FILE, Closer> file(std::fopen(path.c_str(), "rb"));
  if (!file) return core::badInput(path + ": cannot open (" + std::strerror(errno) + ")");
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, file.get());
    text.append(buffer, got);
    if (text.size() > MAX_FILE_BYTES) return core::badInput(path + ": larger than 1 GiB");
    if (got < sizeof buffer) break;
  }
  if (std::ferror(file.get())) return core::runtimeError(path + ": read error");
  return parseCsv(text, path, options);
}

}  // namespace nsb::data
