#include "remote/DataFolder.h"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "remote/JobSpec.h"
#include "train/Thinning.h"

namespace nsb::remote {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json numberOrNull(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

core::Status syncPath(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return core::runtimeError(path.string() + ": cannot open to sync");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return core::runtimeError(path.string() + ": fsync failed");
  return core::Ok{};
}

core::Status writeAtomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      return core::runtimeError(path.string() + ": write failed");
    }
  }
  NSB_TRY(syncPath(tmp, O_RDONLY));
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return core::runtimeError(path.string() + ": " + ec.message());
  }
  return syncPath(path.parent_path(), O_RDONLY | O_DIRECTORY);
}

}  // namespace

json metricPointJson(const train::MetricPoint& p) {
  return {{"step", p.step},
          {"epoch", p.epoch},
          {"train_loss", numberOrNull(p.trainLoss)},
          {"test_loss", numberOrNull(p.test.loss)},
          {"test_accuracy", numberOrNull(p.test.accuracy)},
          {"test_mse", numberOrNull(p.test.mse)},
          {"learning_rate", p.learningRate}};
}

std::optional<train::MetricPoint> metricPointFromJson(const json& line) {
  if (!line.is_object() || !line.contains("step") || !line["step"].is_number_unsigned()) return std::nullopt;
  auto number = [&](const char* key) {
    const auto it = line.find(key);
    return it != line.end() && it->is_number() ? it->get<double>() : train::NOT_MEASURED;
  };
  train::MetricPoint p;
  p.step = line["step"].get<std::uint64_t>();
  p.epoch = number("epoch");
  p.trainLoss = number("train_loss");
  p.test.loss = number("test_loss");
  p.test.accuracy = number("test_accuracy");
  p.test.mse = number("test_mse");
  p.learningRate = number("learning_rate");
  if (!std::isfinite(p.epoch)) p.epoch = 0.0;
  if (!std::isfinite(p.learningRate)) p.learningRate = 0.0;
  return p;
}

core::Result<DataFolder> DataFolder::open(const std::string& root) {
  std::error_code ec;
  fs::create_directories(fs::path(root) / "jobs", ec);
  if (ec) return core::badInput("--data-dir " + root + ": " + ec.message());
  return DataFolder(fs::absolute(root));
}

std::string DataFolder::checkpointPath(const std::string& id) const {
  return (jobDir(id) / "checkpoint.safetensors").string();
}

core::Result<std::string> DataFolder::newJob() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  for (int attempt = 0; attempt < 16; ++attempt) {
    char id[JOB_ID_LENGTH + 1];
    std::snprintf(id, sizeof id, "%012llx",
                  static_cast<unsigned long long>(random() & ((1ull << (4 * JOB_ID_LENGTH)) - 1)));
    std::error_code ec;
    if (fs::create_directory(jobDir(id), ec)) return std::string(id);
    if (ec) return core::runtimeError(jobDir(id).string() + ": " + ec.message());
  }
  return core::runtimeError("no free job id after 16 tries");
}

std::vector<std::string> DataFolder::jobIds() const {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(mRoot / "jobs", ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && isJobId(name)) ids.push_back(name);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

core::Status DataFolder::remove(const std::string& id) {
  std::error_code ec;
  fs::remove_all(jobDir(id), ec);
  if (ec) return core::runtimeError(jobDir(id).string() + ": " + ec.message());
  return core::Ok{};
}

core::Status DataFolder::writeJson(const std::string& id, const std::string& name, const json& value) {
  return writeAtomically(jobDir(id) / name, value.dump(2) + "\n");
}

core::Result<json> DataFolder::readJson(const std::string& id, const std::string& name) const {
  const fs::path path = jobDir(id) / name;
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::badInput(path.string() + ": missing");
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parseRequestJson(text.str());
  if (!parsed) return core::badInput(path.string() + ": " + parsed.message());
  return parsed;
}

std::string metricLines(const std::vector<train::MetricPoint>& points, std::uint64_t afterStep) {
  std::string lines;
  for (const auto& p : points) {
    if (p.step > afterStep) lines += metricPointJson(p).dump() + "\n";
  }
  return lines;
}

core::Result<std::uint64_t> DataFolder::appendMetrics(const std::string& id,
                                                      const std::vector<train::MetricPoint>& points,
                                                      std::uint64_t afterStep) {
  const std::string lines = metricLines(points, afterStep);
  std::uint64_t last = afterStep;
  for (const auto& p : points) last = std::max(last, p.step);
  if (lines.empty()) return last;
  const fs::path path = jobDir(id) / "metrics.jsonl";
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << lines;
  out.flush();
  if (!out) return core::runtimeError(path.string() + ": write failed");
  return last;
}

bool DataFolder::readMetrics(const std::string& id, const std::function<bool(json&&)>& each) const {
  std::ifstream in(jobDir(id) / "metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    // A line cut off by a crash is the last one: it is skipped.
    auto parsed = json::parse(line, nullptr, false);
    if (parsed.is_object() && !each(std::move(parsed))) return false;
  }
  return true;
}

std::vector<train::MetricPoint> DataFolder::readHistory(const std::string& id, std::uint64_t lastStep,
                                                        std::size_t most) const {
  std::vector<train::MetricPoint> points;
  std::ifstream in(jobDir(id) / "metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    // A line cut off by a crash is the last one: it is skipped.
    const auto point = metricPointFromJson(json::parse(line, nullptr, false));
    if (!point || point->step > lastStep || (!points.empty() && point->step <= points.back().step)) continue;
    points.push_back(*point);
    if (most > 0 && points.size() > most) train::halve(points);
  }
  return points;
}

}  // namespace nsb::remote
