#pragma once
// Snapshot: what the UI and reporters read of a running Session, immutable once published. Values
// only (numbers, strings, vectors, optionals, shared_ptrs to const values for sharing between
// snapshots), so that a session in another process could send one; SNAPSHOT_PROTOCOL names its shape.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/ModelSpec.h"
#include "train/Command.h"
#include "train/Hyperparams.h"
#include "train/Metrics.h"
#include "train/RaceState.h"

namespace nsb::train {

// One probe's forward pass (see Trainer::addProbe): per layer [rows, width] row-major, the hidden
// layers' activations and, for the last layer, the head's output. On the host in `layers`, or, when
// the probe set is on the device (ProbeSet::onDevice), at `offsets` (floats) in the buffer that
// Session::deviceProbes hands out; small probes (one image's activations) are on the host in both cases.
struct ProbeResult {
  std::size_t rows = 0;
  std::uint64_t step = 0;  // the step it ran at: large probes may lag the set's step while training
  // Every layer's outputs, [rows, width] each; on the host a large probe (the output view's grid)
  // holds only the last layer's, its hidden layers empty.
  std::vector<std::vector<float>> layers;
  std::vector<std::size_t> offsets;
};

// What the probes and parameters were at `step`; shared between snapshots until they change.
struct ProbeSet {
  std::uint64_t step = 0;
  std::uint64_t version = 0;  // grows every time the probes are run again
  std::vector<ProbeResult> probes;
  // The results without `layers` are on the renderer's device: Session::deviceProbes(version).
  bool onDevice = false;
  std::vector<float> parameters;  // flat layout of nn::ModelSpec
  // Image data: |2D DFT| of each first-layer weight image, [width0, height, width / 2 + 1].
  std::vector<float> spectrum;
};

// The predicted class of every test sample at `step` (classification), for the confusion matrix.
struct TestPredictions {
  std::uint64_t step = 0;
  std::vector<std::int32_t> classes;
};

// The last update of the watched parameter (WatchParameter), read from the trainer's own buffers
// around the step: what the Step panel shows for a network's weight.
struct WatchedStep {
  std::size_t index = 0;
  std::uint64_t step = 0;     // the update's number t: the session's step count after it
  float before = 0.0f;        // the parameter before the update
  float after = 0.0f;         // and after it
  float gradient = 0.0f;      // dL/dw of the batch (before the L1/L2 terms)
  float state1Before = 0.0f;  // the optimizer's state (see descent::StepDetail) before the update
  float state2Before = 0.0f;
  float state1 = 0.0f;  // and after it
  float state2 = 0.0f;
  float learningRate = 0.0f;  // this step's scheduled rate
  bool regularized = false;   // a weight, which L1/L2 act on (not a bias)
  Hyperparams hyperparams;    // the optimizer and its settings at that step
};

// The run's timeline (train/Timeline.h): the kept steps, the memory they take and may take, and the
// kept step shown now (ViewStep), if one is.
struct TimelineSummary {
  std::vector<std::uint64_t> steps;
  std::uint64_t every = 0;   // asked for (SetTimeline); 0: none kept
  std::uint64_t stride = 0;  // kept now, after thinning
  std::uint64_t bytes = 0, budget = 0;
  std::optional<std::uint64_t> viewed;
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
  std::optional<Divergence> divergence;    // set while paused after a divergence, until play or reset
  std::shared_ptr<const ProbeSet> probes;  // null until a SetProbes command arrives
  // The data trained on (Session::dataset): grows when it changes (new features, points drawn again).
  std::uint64_t datasetVersion = 0;
  std::shared_ptr<const TestPredictions> predictions;             // null until the first metric point
  std::shared_ptr<const std::vector<HistogramPoint>> histograms;  // null until the first metric point
  std::optional<WatchedStep> watched;  // the watched parameter's last update, if it describes the weights now
  std::shared_ptr<const TimelineSummary> timeline;  // shared between snapshots until it changes
  // A race (train/RaceSession.h): every replica; the fields above then describe the shown one. Null solo.
  std::shared_ptr<const RaceState> race;
};

// The snapshot protocol's version: it changes whenever the Snapshot or a value it carries changes
// shape (a field added, removed, retyped or reordered), as a remote session checks it (see remote/).
// Two checks make that hard to forget: the structured bindings below name every field of the
// snapshot's own types (a field added or removed stops them compiling), and the sizes of every type
// it carries, on libstdc++ for 64-bit targets (the project's toolchains), catch most retyping. When
// either trips, bump SNAPSHOT_PROTOCOL and update the bindings or the sizes.
inline constexpr std::uint32_t SNAPSHOT_PROTOCOL = 4;

namespace protocol {
inline void checkSnapshotFields(const Snapshot& s, const ProbeSet& p, const ProbeResult& r, const TestPredictions& t,
                                const WatchedStep& w, const TimelineSummary& l) {
  [[maybe_unused]] const auto& [step, run, epoch, running, backend, device, stepsPerSubmit, lastLoss, stepsPerSecond,
                                speed, bytesTransferred, spec, hyperparams, history, events, appliedSequence, outcomes,
                                divergence, probes, datasetVersion, predictions, histograms, watched, timeline, race] =
      s;
  [[maybe_unused]] const auto& [pStep, pVersion, pProbes, pOnDevice, pParameters, pSpectrum] = p;
  [[maybe_unused]] const auto& [rRows, rStep, rLayers, rOffsets] = r;
  [[maybe_unused]] const auto& [tStep, tClasses] = t;
  [[maybe_unused]] const auto& [wIndex, wStep, wBefore, wAfter, wGradient, wState1Before, wState2Before, wState1,
                                wState2, wLearningRate, wRegularized, wHyperparams] = w;
  [[maybe_unused]] const auto& [lSteps, lEvery, lStride, lBytes, lBudget, lViewed] = l;
}
}  // namespace protocol

#if defined(__GLIBCXX__) && UINTPTR_MAX == UINT64_MAX
static_assert(sizeof(Snapshot) == 640 && sizeof(TimelineSummary) == 72 && sizeof(WatchedStep) == 136 &&
                  sizeof(ProbeSet) == 96 && sizeof(ProbeResult) == 64 && sizeof(TestPredictions) == 32 &&
                  sizeof(MetricPoint) == 112 && sizeof(Evaluation) == 32 && sizeof(HistogramPoint) == 56 &&
                  sizeof(Histogram) == 32 && sizeof(Divergence) == 56 && sizeof(Outcome) == 56 &&
                  sizeof(Event) == 104 && sizeof(nn::ModelSpec) == 48 && sizeof(nn::LayerSpec) == 16 &&
                  sizeof(Hyperparams) == 80,
              "a type the Snapshot carries changed shape: bump SNAPSHOT_PROTOCOL and update these sizes");
#endif

// The outcome of command `sequence` (Session::submit's number), while the snapshot still holds it.
inline const Outcome* findOutcome(const Snapshot& snapshot, std::uint64_t sequence) {
  for (const auto& outcome : snapshot.outcomes) {
    if (outcome.sequence == sequence) return &outcome;
  }
  return nullptr;
}

}  // namespace nsb::train
