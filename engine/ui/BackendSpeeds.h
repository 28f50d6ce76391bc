#pragma once
// BackendSpeeds: the Benchmark tab's record of training speed (samples a second) seen on each backend
// this session, so that the user can switch backends from the toolbar and compare them. No ImGui here;
// the tab draws it. UI thread only.
#include <cstdint>
#include <string>
#include <vector>

#include "train/Snapshot.h"

namespace nsb::ui {

class BackendSpeeds {
 public:
  struct Backend {
    std::string name;
    std::string device;
    std::vector<double> samplesPerSecond;  // one entry per new step seen while running, the last KEEP
    std::uint64_t lastStep = 0;
  };
  static constexpr std::size_t KEEP = 600;

  // Called every frame: takes one sample (steps/s x batch) when the session runs and the snapshot is of
  // a step not seen yet on its backend (a frame that shows the same snapshot again adds nothing).
  void record(const train::Snapshot& snapshot);
  // The median of `backend`'s samples (an outlier frame does not move it); 0 when there are none.
  double median(const std::string& backend) const;
  // In the order the backends were first seen.
  const std::vector<Backend>& backends() const { return mBackends; }

 private:
  std::vector<Backend> mBackends;
};

}  // namespace nsb::ui
