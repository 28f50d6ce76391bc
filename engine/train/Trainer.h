#pragma once
// Trainer: training on one backend, driven from one thread. It uploads the dataset once, builds and
// compiles the step, metrics and evaluation graphs, runs several steps per submit (never across an
// epoch end, so that each epoch gets its own shuffle), and applies Commands between submits.
// Session runs a Trainer on its own thread; the headless `train` command drives one directly.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compute/Backend.h"
#include "compute/Registry.h"
#include "core/Result.h"
#include "data/Dataset.h"
#include "data/DatasetCatalog.h"
#include "nn/Model.h"
#include "train/Batches.h"
#include "train/Command.h"
#include "train/Hyperparams.h"
#include "train/Metrics.h"
#include "train/Snapshot.h"
#include "train/Surgery.h"
#include "train/Timeline.h"

namespace nsb::nn {
struct Checkpoint;
}

namespace nsb::train {

struct TrainerConfig {
  std::string backend = "auto";
  compute::BackendOptions backendOptions{};
  nn::ModelSpec spec{};
  Hyperparams hyperparams{};
  std::uint64_t seed = 1;
  std::uint32_t stepsPerSubmit = 16;  // K: live edits take effect within K steps
  std::uint32_t metricsEvery = 0;     // steps between metric points; 0 = once per epoch
  std::size_t evalChunk = 2000;       // rows per evaluation submit
  // Metric points kept in history(); past it every second one is dropped, the first and the last kept
  // (a free-running CPU run records thousands a second). 0: all, as `train` writes them to its file.
  std::size_t historyKept = 0;
  // A resumed run's earlier metric points (a server's job started again, from its data folder):
  // history() starts with them, halved to historyKept. Taken by the trainer (empty in config()).
  std::vector<MetricPoint> history;
  // Time travel (train/Timeline.h): a snapshot every timelineEvery steps (0: none) within timelineBytes.
  std::uint64_t timelineEvery = 0;
  std::uint64_t timelineBytes = Timeline::DEFAULT_BYTES;
  // How the dataset was made (what loadDataset was given), kept up to date by RegenerateData and
  // SetFeatures: a checkpoint records it (recordDataset in train/Preset.h) so that `eval`
  // and `train --resume` rebuild the same data. Unset: not recorded.
  std::optional<data::DatasetRequest> data;
};

class Trainer {
 public:
  // Creates the backend, uploads the dataset, initialises the weights from the seed.
  static core::Result<std::unique_ptr<Trainer>> create(TrainerConfig config,
                                                       std::shared_ptr<const data::Dataset> dataset);
  ~Trainer();

  // Runs up to `steps` steps (a metric point every metricsEvery steps); stops early when the loss turns NaN/Inf (the
  // last good weights come back and an event says why: check lastEvent()/diverged()) or when the device fails
  // (status()). Returns the steps run.
  std::uint64_t run(std::uint64_t steps);
  Evaluation evaluateTest();
  // The metric point at the current step (test evaluation, and the norms of the last metrics step).
  // run() takes one after every metrics step into history().
  MetricPoint takeMetricPoint();
  const std::vector<MetricPoint>& history() const { return mHistory; }
  // Weight and gradient histograms of the last HISTOGRAM_POINTS metric points.
  static constexpr std::size_t HISTOGRAM_POINTS = 256, HISTOGRAM_BINS = 32;
  const std::vector<HistogramPoint>& histograms() const { return mHistograms; }

  // Applies a command between two steps; returns the event it caused (none for no-ops).
  core::Result<std::vector<Event>> apply(const Command& command);

  std::uint64_t step() const { return mStep; }
  std::uint64_t epoch() const { return mEpoch; }
  double epochProgress() const;
  std::uint64_t stepsPerEpoch() const { return mStepsPerEpoch; }
  std::size_t batchSize() const { return mBatch; }
  double lastLoss() const { return mLastLoss; }
  bool diverged() const { return mDiverged; }
  // Ok, or the device error that stopped training (Backend::status: out of memory, a failed submit or
  // pipeline, a lost device), recorded once as a "device error" event. While failed, run() does nothing,
  // the host keeps the last good state (checkpoint() and a SwitchBackend, which may name the same
  // backend to make it again, carry it on) and apply() refuses every other edit.
  core::Status status() const { return mBackend->status(); }
  bool deviceLost() const { return mBackend->deviceLost(); }
  // The step of the state kept on the host (the last metric point, edit or restore).
  std::uint64_t goodStep() const { return mGood.step; }
  // The last divergence (meaningful once diverged() was true).
  const Divergence& divergence() const { return mDivergence; }
  const std::vector<Event>& events() const { return mEvents; }
  const TrainerConfig& config() const { return mConfig; }
  const data::Dataset& dataset() const { return *mDataset; }
  // The dataset trained on now (replaced by SetFeatures and RegenerateData).
  std::shared_ptr<const data::Dataset> sharedDataset() const { return mDataset; }
  compute::Backend& backend() { return *mBackend; }
  nn::Model& model() { return *mModel; }
  std::vector<compute::OpTiming> timings();

  std::vector<float> parameters() const { return mModel->read(mModel->params()); }
  // Puts one parameter value (a weight or a bias, in the flat layout) - the editor's click-to-edit.
  void setParameter(std::size_t index, float value);
  void setParameters(const std::vector<float>& values);

  // Probes: forward passes over fixed inputs (the editor's heatmap grids over the input plane),
  // recorded once, rebuilt with the model, replayed by runProbes(). Inputs are features, f32
  // [rows, spec().inputs]. Returns the probe's index.
  std::size_t addProbe(std::vector<float> inputs);
  void setProbeInputs(std::size_t probe, std::vector<float> inputs);
  // Runs the probes marked in `which` (every probe when it is empty), and any not run since it was built.
  void runProbes(const std::vector<bool>& which = {});
  std::size_t probeCount() const { return mProbes.size(); }
  std::size_t probeRows(std::size_t index) const { return mProbes[index].ws.batch; }
  // The step at which the probe last ran.
  std::uint64_t probeStep(std::size_t index) const { return mProbes[index].step; }

  // Device copies of the probe results, for readers on the same device (the editor's heatmaps on the
  // Vulkan backend): every probe's layers one after another in one buffer per slot. A slot is shared:
  // it keeps its buffer and the backend alive through a rebuild or a backend switch while a reader
  // holds it. The caller picks a slot that nobody reads any more (see ProbeSchedule).
  // The renderer's two frames in flight, the snapshot on screen now (its set is held until the next
  // one is published) and the one being written.
  static constexpr std::size_t PROBE_SLOTS = 4;
  struct ProbeSlot {
    std::shared_ptr<compute::Backend> backend;  // declared first: released last
    compute::Buffer buffer;
    std::vector<std::unique_ptr<compute::Program>> copies;  // per probe: its layers into `buffer`
    std::vector<std::vector<std::size_t>> offsets;          // per probe, per layer: the first float in `buffer`
    std::vector<std::uint64_t> copied;  // per probe: the number of the run that `buffer` holds (0: none)
  };
  // Whether runProbes(slot) is possible: the backend's buffers are readable by others on its device
  // (asked of a buffer that always exists).
  bool deviceProbes() const { return static_cast<bool>(mBackend->native(mHyper.id())); }
  // runProbes(which), then copies into `slot` (made again after the probes changed shape) each
  // probe's latest results that the slot does not hold yet, and waits for the device.
  std::shared_ptr<const ProbeSlot> runProbes(std::size_t slot, const std::vector<bool>& which = {});
  // The probe's tensors after runProbes(): activations per layer (ws.a) and the head's output.
  const nn::Workspace& probe(std::size_t index) const { return mProbes[index].ws; }

  // The class predicted for every test sample by the last evaluateTest() (classification; empty
  // before the first metric point), and the step it was taken at.
  const std::vector<std::int32_t>& testPredictions() const { return mTestPredictions; }
  std::uint64_t testPredictionsStep() const { return mTestPredictionsStep; }

  // Image data (spec().inputs == image width x height): the 2D spectrum of every first-layer neuron's
  // weight image, computed on the backend by a SpectrumOp (VkFFT on Vulkan). Returns [width0, height,
  // width / 2 + 1] magnitudes, or nothing for other data.
  bool hasSpectrum() const { return static_cast<bool>(mSpectrumProgram); }
  std::vector<float> weightSpectrum();

  // The parameter (flat layout index) whose last update run() records: the last step of each run()
  // call is then submitted on its own, with the parameter and its state read before and after it.
  void watch(std::optional<std::size_t> index) { mWatched = index; }
  // That update, while it describes the weights now (none after a reset, a restore or a new shape).
  std::optional<WatchedStep> watchedStep() const;

  nn::Checkpoint checkpoint() const;
  // Restores weights, optimizer state, step and epoch from a checkpoint of the same model. The
  // checkpoint's hyperparameters and seed replace the config's too (the editor's Load checkpoint
  // continues the saved run as it was, learning rate and shuffle included); the backend, the dataset
  // and stepsPerSubmit stay.
  core::Status restore(const nn::Checkpoint& checkpoint);

  // Time travel (TimelineEdits.cpp). The timeline keeps a state every stride() steps: run() ends a
  // submit there. The commands SetTimeline, ViewStep and Branch (Command.h) go through apply().
  const Timeline& timeline() const { return mTimeline; }
  // The kept step shown now (ViewStep), while the run's head waits on the host.
  std::optional<std::uint64_t> viewedStep() const;
  // Everything the run needs to continue exactly from here.
  TimelineState timelineState() const;
  // What a snapshot shows of the timeline: `last` when nothing changed since it was made.
  std::shared_ptr<const TimelineSummary> timelineSummary(std::shared_ptr<const TimelineSummary> last) const;

 private:
  Trainer(TrainerConfig config, std::shared_ptr<const data::Dataset> dataset);
  core::Status initialise();
  // The small state buffers and the dataset on a new backend (the model is made before).
  void allocateDeviceState();
  void uploadDataset();
  void buildPrograms();
  void startEpoch(std::uint64_t epoch, std::uint64_t cursor);
  void writeCounters();
  void writeHyperparams();
  void resetWeights();
  void keepGoodState();
  void restoreGoodState(const std::string& why);
  // Records the device's failure as an event (once per failure); returns false when there is one.
  bool deviceHealthy();
  void record(std::string what, std::string before, std::string after);
  core::Status applyStructural(const Command& command);
  // The model's parameters and optimizer state on the host.
  ModelState hostState() const;
  // A new model of state.spec on the backend, holding state's parameters and optimizer state (zeros
  // where a state is empty): how every edit that replaces the model carries the training over.
  void installModel(const ModelState& state);
  // Replaces the model by `state` (and the dataset, when given) between two steps: the programs and
  // probes are rebuilt, the step count and the epoch stay.
  void rebuild(ModelState state, std::shared_ptr<const data::Dataset> dataset = nullptr);
  // TimelineEdits.cpp: puts a kept state back (weights, optimizer state, hyperparameters, seed, epoch,
  // cursor, the loss summed so far); keeps the state of step now when due; starts the timeline afresh
  // at the step now (a reset, a checkpoint loaded); the head back after a ViewStep.
  core::Status restoreTimeline(const TimelineState& state);
  void keepTimeline();
  void restartTimeline();
  void leaveView();
  core::Status applyTimeline(const Command& command);

  TrainerConfig mConfig;
  std::shared_ptr<const data::Dataset> mDataset;
  std::shared_ptr<compute::Backend> mBackend;  // shared with the probe slots
  std::unique_ptr<nn::Model> mModel;

  DeviceData mData;
  compute::Buffer mHyper, mCounters, mEvalCounters, mNorms;
  nn::Workspace mTrainWs, mEvalWs;
  std::unique_ptr<compute::Program> mStepProgram, mMetricsProgram, mEvalProgram, mSpectrumProgram;
  compute::Buffer mSpectrum;
  std::vector<std::int32_t> mTestPredictions;
  std::uint64_t mTestPredictionsStep = 0;

  std::size_t mBatch = 0;
  std::uint64_t mStep = 0, mEpoch = 0, mCursor = 0, mStepsPerEpoch = 1;
  double mLastLoss = NOT_MEASURED;
  double mLossSum = 0.0;
  std::uint64_t mLossCount = 0;
  bool mDiverged = false;
  Divergence mDivergence;
  bool mHaveNorms = false;
  std::vector<Event> mEvents;
  std::vector<MetricPoint> mHistory;
  std::vector<HistogramPoint> mHistograms;

  struct Probe {
    std::vector<float> inputs;
    nn::Workspace ws;
    std::unique_ptr<compute::Program> program;
    std::uint64_t run = 0;   // the last run's number (mProbeRuns), 0 since it was built or given new inputs
    std::uint64_t step = 0;  // at the last run
  };
  void buildProbe(Probe& probe);
  std::vector<Probe> mProbes;
  std::uint64_t mProbeRuns = 0;  // numbers every probe run, so that a slot knows what it holds
  std::array<std::shared_ptr<ProbeSlot>, PROBE_SLOTS> mProbeSlots;

  // One element of a flat parameter-sized buffer (params, grads, state1, state2), read from the device.
  float readElement(const compute::Tensor& flat, std::size_t index) const;
  // Keeps the points at even indices and the last (TrainerConfig::historyKept).
  void halveHistory();
  std::optional<std::size_t> mWatched;
  std::optional<WatchedStep> mWatchedStep;
  nn::ModelSpec mWatchedSpec;  // the network the record was taken on

  bool mFailureRecorded = false;
  struct GoodState {
    nn::ModelSpec spec;
    std::vector<float> params, state1, state2;
    std::uint64_t step = 0, epoch = 0, cursor = 0;
  } mGood;

  Timeline mTimeline;
  std::optional<TimelineState> mViewHead;  // the run's head while a kept step is shown
};

}  // namespace nsb::train
