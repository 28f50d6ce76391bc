#include "ui/BackendSpeeds.h"

#include <algorithm>

namespace nsb::ui {

void BackendSpeeds::record(const train::Snapshot& snapshot) {
  if (!snapshot.running || snapshot.stepsPerSecond <= 0.0 || snapshot.backend.empty()) return;
  auto it =
      std::find_if(mBackends.begin(), mBackends.end(), [&](const Backend& b) { return b.name == snapshot.backend; });
  if (it == mBackends.end()) it = mBackends.insert(mBackends.end(), Backend{.name = snapshot.backend});
  Backend& backend = *it;
  if (snapshot.step == backend.lastStep) return;  // one sample per new snapshot, not per frame
  backend.lastStep = snapshot.step;
  backend.device = snapshot.device;
  const double batch = static_cast<double>(snapshot.hyperparams.batchSize ? snapshot.hyperparams.batchSize : 1);
  backend.samplesPerSecond.push_back(snapshot.stepsPerSecond * batch);
  if (backend.samplesPerSecond.size() > KEEP) backend.samplesPerSecond.erase(backend.samplesPerSecond.begin());
}

double BackendSpeeds::median(const std::string& name) const {
  for (const Backend& backend : mBackends) {
    if (backend.name != name || backend.samplesPerSecond.empty()) continue;
    std::vector<double> sorted = backend.samplesPerSecond;
    const auto middle = sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2);
    std::nth_element(sorted.begin(), middle, sorted.end());
    return *middle;
  }
  return 0.0;
}

}  // namespace nsb::ui
