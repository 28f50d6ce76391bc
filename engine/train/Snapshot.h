#pragma once
// Snapshot: what the UI and reporters read of a running Session, immutable once published.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compute/Backend.h"
#include "data/Dataset.h"
#include "nn/ModelSpec.h"
#include "train/Command.h"
#include "train/Hyperparams.h"
#include "train/Metrics.h"

namespace nsb::train {

// One probe's forward pass (see Trainer::addProbe): per layer [rows, width] row-major, the hidden
// layers' activations and, for the last layer, the head's output. On the host in `layers`, or, when
// the probe set is on the device (ProbeSet::device), at `offsets` (floats) in its buffer; small probes
// (one image's activations) are on the host in both cases.
struct ProbeResult {
  std::size_t rows = 0;
  std::uint64_t step = 0;  // the step it ran at: large probes may lag the set's step while training
  std::vector<std::vector<float>> layers;
  std::vector<std::size_t> offsets;
};

// Probe results left on the device (Vulkan backend on the renderer's VkDevice): no host copy. The
// buffer was written before the snapshot was published (the session waited for the device; a render
// submit also waits for the compute timeline to reach `buffer.ready`) and is not written again while
// this ProbeSet is alive: a renderer holds the ProbeSet until its frames that read the buffer have
// finished. `keepAlive` keeps the buffer (and its backend) alive after a rebuild or backend switch.
// The session keeps PROBE_SLOTS such buffers and writes one that no live ProbeSet reads.
struct DeviceProbes {
  compute::NativeBuffer buffer;
  std::shared_ptr<const void> keepAlive;
  explicit operator bool() const { return buffer.buffer != 0; }
};

// What the probes and parameters were at `step`; shared between snapshots until they change.
struct ProbeSet {
  std::uint64_t step = 0;
  std::uint64_t version = 0;  // grows every time the probes are run again
  std::vector<ProbeResult> probes;
  DeviceProbes device;
  std::vector<float> parameters;  // flat layout of nn::ModelSpec
  // Image data: |2D DFT| of each first-layer weight image, [width0, height, width / 2 + 1].
  std::vector<float> spectrum;
};

// The predicted class of every test sample at `step` (classification), for the confusion matrix.
struct TestPredictions {
  std::uint64_t step = 0;
  std::vector<std::int32_t> classes;
};

struct Snapshot {
  std::uint64_t step = 0;
  // Grows at every Reset (and is new with every session): a run's history starts at step 0.
  std::uint64_t run = 1;
  double epoch = 0.0;
  bool running = false;
  std::string backend, device;
  std::uint32_t stepsPerSubmit = 1;  // live edits take effect within this many steps
  double lastLoss = NOT_MEASURED;
  double stepsPerSecond = 0.0;         // measured
  double speed = 0.0;                  // asked for (SetSpeed), steps a second; 0: as fast as it can
  std::uint64_t bytesTransferred = 0;  // host <-> device bytes of the backend so far (Backend::bytesTransferred)
  nn::ModelSpec spec;
  Hyperparams hyperparams;
  std::vector<MetricPoint> history;  // thinned to at most 2,048 points, the last always kept (Session)
  std::vector<Event> events;
  // Every command up to this sequence number (Session::submit) has been applied or refused; the last
  // few outcomes, oldest first.
  std::uint64_t appliedSequence = 0;
  std::vector<Outcome> outcomes;
  std::optional<Divergence> divergence;                // set while paused after a divergence, until play or reset
  std::shared_ptr<const ProbeSet> probes;              // null until a SetProbes command arrives
  std::shared_ptr<const data::Dataset> dataset;        // what is trained on now (features, regenerated points)
  std::shared_ptr<const TestPredictions> predictions;  // null until the first metric point
  std::shared_ptr<const std::vector<HistogramPoint>> histograms;  // null until the first metric point
};

// The outcome of command `sequence` (Session::submit's number), while the snapshot still holds it.
inline const Outcome* findOutcome(const Snapshot& snapshot, std::uint64_t sequence) {
  for (const auto& outcome : snapshot.outcomes) {
    if (outcome.sequence == sequence) return &outcome;
  }
  return nullptr;
}

}  // namespace nsb::train
