#pragma once
// DataFolder: the server's jobs on disk, so that a server started again (after a crash or kill -9)
// resumes every job from its last checkpoint. One folder per job, named by its id (made by the server):
//   jobs/ID/spec.json               the request it was created from (JobSpec::toJson), written once
//   jobs/ID/state.json              {"state": "running" | "paused" | "stopped" | "done"}
//   jobs/ID/checkpoint.safetensors  the last checkpoint (nn::saveCheckpoint: atomic)
//   jobs/ID/metrics.jsonl           the metric history, one JSON object a line, appended
// Every file but the metrics is replaced atomically (temporary file, fsync, rename, fsync of the folder).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/Result.h"
#include "train/Metrics.h"

namespace nsb::remote {

class DataFolder {
 public:
  // Creates `root` and root/jobs if missing; bad input when it cannot.
  static core::Result<DataFolder> open(const std::string& root);

  const std::filesystem::path& root() const { return mRoot; }
  std::filesystem::path jobDir(const std::string& id) const { return mRoot / "jobs" / id; }
  std::string checkpointPath(const std::string& id) const;

  // A fresh id (random hex, JOB_ID_LENGTH digits) whose folder did not exist; the folder is made.
  core::Result<std::string> newJob();
  // The ids of the folders under jobs/ that are job ids (anything else there is left alone).
  std::vector<std::string> jobIds() const;
  core::Status remove(const std::string& id);

  core::Status writeJson(const std::string& id, const std::string& name, const nlohmann::json& value);
  core::Result<nlohmann::json> readJson(const std::string& id, const std::string& name) const;
  // Appends the points after `afterStep` to metrics.jsonl; returns the last step written.
  core::Result<std::uint64_t> appendMetrics(const std::string& id, const std::vector<train::MetricPoint>& points,
                                            std::uint64_t afterStep);
  // Calls `each` with the metric history's lines in order (one JSON object each; a line cut off by a
  // crash skipped) until it returns false, read a line at a time: a long job's file is never whole in
  // memory. False when `each` stopped it.
  bool readMetrics(const std::string& id, const std::function<bool(nlohmann::json&&)>& each) const;
  // The metric history as points up to `lastStep` (a resumed job's, from its checkpoint's step on it
  // trains again), read a line at a time and halved whenever past `most` (train/Thinning.h: halve), so
  // that a long job's file never takes more than that in memory.
  std::vector<train::MetricPoint> readHistory(const std::string& id, std::uint64_t lastStep, std::size_t most) const;

 private:
  explicit DataFolder(std::filesystem::path root) : mRoot(std::move(root)) {}
  std::filesystem::path mRoot;
};

// The point as a JSON object (what metrics.jsonl and the stream carry): step, epoch, train_loss,
// test_loss, test_accuracy, test_mse (null where not measured), learning_rate.
nlohmann::json metricPointJson(const train::MetricPoint& point);
// The point a line of metrics.jsonl holds (what metricPointJson wrote); nullopt for anything else.
std::optional<train::MetricPoint> metricPointFromJson(const nlohmann::json& line);
// The lines appendMetrics writes for the points after `afterStep`.
std::string metricLines(const std::vector<train::MetricPoint>& points, std::uint64_t afterStep);

}  // namespace nsb::remote
