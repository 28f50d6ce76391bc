#include "remote/ServerJob.h"

#include <cmath>

#include "core/Log.h"

namespace nsb::remote {

using nlohmann::json;

namespace {

json numberOrNull(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

}  // namespace

json Job::status(const train::Snapshot& s) const {
  json j = {{"job", id},
            {"state", state},
            {"preset", start.presetName},
            {"step", s.step},
            {"end_step", start.endStep},
            {"epoch", s.epoch},
            {"loss", numberOrNull(s.lastLoss)},
            {"steps_per_second", state == "running" ? stepsPerSecond : 0.0},
            {"backend", s.backend},
            {"device", s.device},
            {"hyperparams", s.hyperparams.toJson()},
            {"checkpoint_step", hasCheckpoint ? json(checkpointStep) : json(nullptr)},
            {"disk", diskFull.empty() ? json(nullptr) : json(diskFull)},
            {"events", s.events.size()},
            {"divergence", s.divergence ? json{{"what", s.divergence->what},
                                               {"step", s.divergence->step},
                                               {"good_step", s.divergence->goodStep}}
                                        : json(nullptr)}};
  json metric = !s.history.empty() ? metricPointJson(s.history.back()) : lastMetric.value_or(json(nullptr));
  for (const char* key : {"test_loss", "test_accuracy", "test_mse"}) {
    j[key] = metric.is_object() ? metric[key] : json(nullptr);
  }
  return j;
}

std::uint64_t setJobState(DataFolder& folder, Job& job, const std::string& state) {
  job.state = state;
  if (auto written = folder.writeJson(job.id, "state.json", json{{"state", state}}); !written) {
    core::log().warn("job {}: {}", job.id, written.message());
  }
  auto& session = *job.start.session;
  job.steered = state == "running" ? session.submit(train::Resume{job.start.endStep}) : session.submit(train::Pause{});
  return job.steered;
}

}  // namespace nsb::remote
