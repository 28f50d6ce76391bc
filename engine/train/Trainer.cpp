// Trainer: the run loop (steps, epochs, divergence and its recovery), the device state it needs and
// checkpoints. Its graphs come from TrainingGraphs, its metric points from Evaluation.cpp, its edits
// from Edits.cpp and its probes from Probes.cpp.
#include "train/Trainer.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <utility>

#include "compute/OptimizerMath.h"
#include "core/Format.h"
#include "core/Log.h"
#include "core/Rng.h"
#include "nn/Checkpoint.h"
#include "nn/Init.h"
#include "train/MemoryEstimate.h"
#include "train/Preset.h"
#include "train/TrainingGraphs.h"

namespace nsb::train {

using compute::DType;
using compute::Tensor;

namespace {

bool isClassification(const data::Dataset& d) { return d.task == data::Task::Classification; }

}  // namespace

Trainer::Trainer(TrainerConfig config, std::shared_ptr<const data::Dataset> dataset)
    : mConfig(std::move(config)), mDataset(std::move(dataset)) {
  mHistory = std::exchange(mConfig.history, {});
  while (mConfig.historyKept > 0 && mHistory.size() > mConfig.historyKept) halveHistory();
}

Trainer::~Trainer() {
  if (mBackend) mBackend->synchronize();
}

core::Result<std::unique_ptr<Trainer>> Trainer::create(TrainerConfig config,
                                                       std::shared_ptr<const data::Dataset> dataset) {
  NSB_CHECK(dataset != nullptr);
  if (dataset->train.count == 0) return core::badInput("dataset " + dataset->name + ": the training split is empty");
  if (config.spec.inputs != dataset->features) {
    return core::badInput("model: " + std::to_string(config.spec.inputs) + " inputs, but dataset " + dataset->name +
                          " has " + std::to_string(dataset->features) + " features");
  }
  if (config.spec.outputs != dataset->outputWidth()) {
    return core::badInput("model: " + std::to_string(config.spec.outputs) + " outputs, but dataset " + dataset->name +
                          " needs " + std::to_string(dataset->outputWidth()));
  }
  NSB_TRY(config.spec.validate());
  NSB_TRY(config.hyperparams.validate());
  if (config.stepsPerSubmit == 0) config.stepsPerSubmit = 1;
  std::unique_ptr<Trainer> trainer(new Trainer(std::move(config), std::move(dataset)));
  NSB_TRY(trainer->initialise());
  return trainer;
}

core::Status Trainer::initialise() {
  auto backend = compute::createBackend(mConfig.backend, mConfig.backendOptions);
  if (!backend) return backend.error();
  mBackend = std::move(backend.value());
  // Refused before anything of the network's size is allocated: a device aborts on a buffer it cannot
  // make, and the host ends in std::bad_alloc.
  const std::size_t batch = train::effectiveBatch(mConfig.hyperparams, mDataset->train.count);
  NSB_TRY(checkMemory(
      estimateMemory({.spec = mConfig.spec, .dataset = *mDataset, .batch = batch, .evalChunk = mConfig.evalChunk}),
      *mBackend, "the network " + describeShape(mConfig.spec) + " at batch " + std::to_string(batch)));
  mModel = std::make_unique<nn::Model>(*mBackend, mConfig.spec);
  allocateDeviceState();
  resetWeights();
  buildPrograms();
  startEpoch(0, 0);
  keepGoodState();
  NSB_TRY(mTimeline.configure(mConfig.timelineEvery, mConfig.timelineBytes, mConfig.spec));
  restartTimeline();
  // A device that failed while the network was being made (out of memory, a pipeline it could not make).
  return mBackend->status();
}

void Trainer::allocateDeviceState() {
  mHyper = mBackend->allocate(compute::HYPER_COUNT * sizeof(float));
  mCounters = mBackend->allocate(compute::COUNTER_COUNT * sizeof(std::int32_t));
  mEvalCounters = mBackend->allocate(compute::COUNTER_COUNT * sizeof(std::int32_t));
  mNorms = mBackend->allocate(3 * mConfig.spec.layerCount() * sizeof(float));
  uploadDataset();
  writeHyperparams();
}

void Trainer::uploadDataset() { mData = DeviceData::upload(*mBackend, *mDataset, mConfig.evalChunk); }

void Trainer::buildPrograms() {
  mBackend->synchronize();
  const data::Dataset& d = *mDataset;
  const bool classes = isClassification(d);
  mBatch = train::effectiveBatch(mConfig.hyperparams, d.train.count);
  mStepsPerEpoch = train::stepsPerEpoch(mConfig.hyperparams, d.train.count);
  const Tensor hyper = mHyper.tensor({compute::HYPER_COUNT});
  const auto optimizer = mConfig.hyperparams.optimizer;

  mTrainWs = mModel->makeWorkspace(mBatch, classes);
  const SplitTensors train = mData.train(d, mCounters);
  mStepProgram = mBackend->compile(stepGraph(*mModel, mTrainWs, train, optimizer, hyper));
  mMetricsProgram = mBackend->compile(metricsStepGraph(*mModel, mTrainWs, train, optimizer, hyper, mNorms));

  const EvalChunks chunks = evalChunks(d.test.count, mConfig.evalChunk);
  mEvalWs = mModel->makeWorkspace(chunks.chunk, classes);
  const SplitTensors test = mData.test(d, mConfig.evalChunk, mEvalCounters);
  mEvalProgram = mBackend->compile(evalGraph(*mModel, mEvalWs, test));
  mHaveNorms = false;
  for (auto& probe : mProbes) buildProbe(probe);

  // The spectrum probe of image data: the first layer's weight rows as images.
  mSpectrumProgram.reset();
  const std::size_t h = d.imageHeight, w = d.imageWidth;
  if (h > 0 && w > 0 && mConfig.spec.inputs == h * w &&
      mBackend->supports(compute::Op(compute::SpectrumOp{}).index())) {
    const std::size_t count = mConfig.spec.layerOutputs(0);
    mSpectrum = mBackend->allocate(count * h * (w / 2 + 1) * sizeof(float));
    mSpectrumProgram =
        mBackend->compile(spectrumGraph(mModel->weight(0), count, h, w, mSpectrum.tensor({count, h, w / 2 + 1})));
  }
}

std::vector<float> Trainer::weightSpectrum() {
  if (!mSpectrumProgram) return {};
  mSpectrumProgram->submit(1);
  const data::Dataset& d = *mDataset;
  return mBackend->read<float>(mSpectrum.tensor({mConfig.spec.layerOutputs(0), d.imageHeight, d.imageWidth / 2 + 1}));
}

void Trainer::startEpoch(std::uint64_t epoch, std::uint64_t cursor) {
  mEpoch = epoch;
  mCursor = cursor;
  mData.shuffle(*mBackend, mConfig.seed, epoch, mDataset->train.count);
  writeCounters();
}

void Trainer::writeCounters() {
  const std::int32_t values[compute::COUNTER_COUNT] = {static_cast<std::int32_t>(mStep),
                                                       static_cast<std::int32_t>(mCursor)};
  mBackend->write(mCounters.tensor({compute::COUNTER_COUNT}, DType::I32), std::span<const std::int32_t>(values));
}

void Trainer::writeHyperparams() {
  const auto values = mConfig.hyperparams.deviceValues();
  mBackend->write(mHyper.tensor({compute::HYPER_COUNT}), std::span<const float>(values));
}

void Trainer::resetWeights() {
  const auto initial = nn::initialParameters(mConfig.spec, mConfig.hyperparams.init, mConfig.seed);
  mModel->write(mModel->params(), initial);
  const std::vector<float> zeros(initial.size(), 0.0f);
  mModel->write(mModel->state1(), zeros);
  mModel->write(mModel->state2(), zeros);
  mStep = 0;
  mLastLoss = NOT_MEASURED;
  mLossSum = 0.0;
  mLossCount = 0;
  mDiverged = false;
}

void Trainer::keepGoodState() {
  GoodState good{mConfig.spec,
                 mModel->read(mModel->params()),
                 mModel->read(mModel->state1()),
                 mModel->read(mModel->state2()),
                 mStep,
                 mEpoch,
                 mCursor};
  // A failed device reads back zeros: the last good state stays.
  if (!mBackend->status()) return;
  mGood = std::move(good);
}

bool Trainer::deviceHealthy() {
  const core::Status status = mBackend->status();
  if (status) {
    mFailureRecorded = false;
    return true;
  }
  if (!mFailureRecorded) {
    mFailureRecorded = true;
    mEvents.push_back({mStep, "device error", status.message(),
                       "stopped; the weights of step " + std::to_string(mGood.step) + " are kept"});
  }
  return false;
}

void Trainer::restoreGoodState(const std::string& why) {
  mModel->write(mModel->params(), mGood.params);
  mModel->write(mModel->state1(), mGood.state1);
  mModel->write(mModel->state2(), mGood.state2);
  const std::uint64_t badStep = mStep;
  mStep = mGood.step;
  startEpoch(mGood.epoch, mGood.cursor);
  mDiverged = true;
  mDivergence = Divergence{badStep, mGood.step, why};
  mEvents.push_back({badStep, "diverged", why, "restored the weights of step " + std::to_string(mGood.step)});
  core::log().warn("training diverged at step {} ({}); restored the weights of step {}", badStep, why, mGood.step);
}

double Trainer::epochProgress() const {
  return static_cast<double>(mEpoch) + static_cast<double>(mCursor) / static_cast<double>(mStepsPerEpoch);
}

std::uint64_t Trainer::run(std::uint64_t steps) {
  mDiverged = false;
  std::uint64_t done = 0;
  if (!deviceHealthy()) return 0;
  leaveView();  // training goes on from the run's head
  const std::uint64_t every = mConfig.metricsEvery ? mConfig.metricsEvery : mStepsPerEpoch;
  const bool watching = mWatched && *mWatched < mConfig.spec.parameterCount();
  while (done < steps) {
    if (mCursor >= mStepsPerEpoch) startEpoch(mEpoch + 1, 0);
    // A submit ends where the timeline keeps a state.
    const std::uint64_t left =
        mTimeline.enabled() ? std::min(steps - done, mTimeline.stepsToNext(mStep)) : steps - done;
    const NextSubmit next = nextSubmit(mStep, mCursor, mStepsPerEpoch, every, mConfig.stepsPerSubmit, left);
    std::uint64_t k = next.steps;
    const bool metricsStep = next.metrics;
    if (watching && k > 1 && done + k == steps) --k;  // the last step on its own
    // The watched parameter's update in the last step: its values before it, here; after it, below.
    const bool watchedStep = watching && done + k == steps;
    WatchedStep record;
    if (watchedStep) {
      record.index = *mWatched;
      record.before = readElement(mModel->params(), record.index);
      record.state1Before = readElement(mModel->state1(), record.index);
      record.state2Before = readElement(mModel->state2(), record.index);
      const auto hyper = mConfig.hyperparams.deviceValues();
      record.learningRate = compute::scheduledLearningRate(hyper.data(), static_cast<int>(mStep));
    }
    if (metricsStep) {
      mMetricsProgram->submit(1);
      mHaveNorms = true;
    } else {
      mStepProgram->submit(static_cast<std::uint32_t>(k));
    }
    const float loss = mBackend->read<float>(mTrainWs.loss)[0];
    if (!deviceHealthy()) return done;  // the steps of this submit did not happen
    mStep += k;
    mCursor += k;
    done += k;
    if (!std::isfinite(loss)) {
      restoreGoodState("the training loss became " + core::formatNumber(loss));
      return done;
    }
    if (watchedStep) {
      record.step = mStep;
      record.after = readElement(mModel->params(), record.index);
      record.gradient = readElement(mModel->grads(), record.index);
      record.state1 = readElement(mModel->state1(), record.index);
      record.state2 = readElement(mModel->state2(), record.index);
      record.regularized = record.index < mConfig.spec.weightCount();
      record.hyperparams = mConfig.hyperparams;
      mWatchedStep = record;
      mWatchedSpec = mConfig.spec;
    }
    mLastLoss = loss;
    mLossSum += loss;
    ++mLossCount;
    if (metricsStep) {
      MetricPoint point = takeMetricPoint();
      if (!deviceHealthy()) return done;
      mHistory.push_back(std::move(point));
      if (mConfig.historyKept > 0 && mHistory.size() > mConfig.historyKept) halveHistory();
    }
    keepTimeline();
  }
  return done;
}

void Trainer::halveHistory() {
  const bool lastIsOdd = mHistory.size() % 2 == 0;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < mHistory.size(); i += 2, ++kept) {
    if (kept != i) mHistory[kept] = std::move(mHistory[i]);
  }
  if (lastIsOdd) mHistory[kept++] = std::move(mHistory.back());
  mHistory.resize(kept);
}

float Trainer::readElement(const compute::Tensor& flat, std::size_t index) const {
  float value = 0.0f;
  mBackend->download(flat.buffer, flat.byteOffset() + index * sizeof(float),
                     std::as_writable_bytes(std::span<float>(&value, 1)));
  return value;
}

std::optional<WatchedStep> Trainer::watchedStep() const {
  if (!mWatchedStep || !mWatched || mWatchedStep->index != *mWatched || mWatchedStep->step != mStep ||
      !(mWatchedSpec == mConfig.spec)) {
    return std::nullopt;
  }
  return mWatchedStep;
}

std::vector<compute::OpTiming> Trainer::timings() { return mStepProgram->timings(); }

void Trainer::record(std::string what, std::string before, std::string after) {
  mEvents.push_back({mStep, std::move(what), std::move(before), std::move(after)});
}

nn::Checkpoint Trainer::checkpoint() const {
  nn::Checkpoint c;
  if (!mBackend->status()) {
    // The device's copy is gone: the last good state, as it was.
    c.spec = mGood.spec;
    c.hyperparams = mConfig.hyperparams.toJson();
    c.normalisation = mDataset->normalisation;
    c.step = mGood.step;
    c.seed = mConfig.seed;
    c.optimizer = mConfig.hyperparams.optimizer;
    c.parameters = mGood.params;
    c.state1 = mGood.state1;
    c.state2 = mGood.state2;
    c.extra = {{"epoch", mGood.epoch}, {"cursor", mGood.cursor}, {"dataset", mDataset->name}, {"batch", mBatch}};
    if (mConfig.data) recordDataset(c.extra, *mConfig.data, mConfig.seed);
    return c;
  }
  c.spec = mConfig.spec;
  c.hyperparams = mConfig.hyperparams.toJson();
  c.normalisation = mDataset->normalisation;
  c.step = mStep;
  c.seed = mConfig.seed;
  c.optimizer = mConfig.hyperparams.optimizer;
  c.parameters = mModel->read(mModel->params());
  c.state1 = mModel->read(mModel->state1());
  c.state2 = mModel->read(mModel->state2());
  c.extra = {{"epoch", mEpoch}, {"cursor", mCursor}, {"dataset", mDataset->name}, {"batch", mBatch}};
  if (mConfig.data) recordDataset(c.extra, *mConfig.data, mConfig.seed);
  return c;
}

core::Status Trainer::restore(const nn::Checkpoint& c) {
  if (!(c.spec == mConfig.spec)) return core::badInput("checkpoint: its model does not match this network");
  if (c.parameters.size() != mConfig.spec.parameterCount()) return core::badInput("checkpoint: wrong parameter count");
  Hyperparams h = mConfig.hyperparams;
  NSB_TRY(h.update(c.hyperparams));
  mConfig.hyperparams = h;
  mConfig.seed = c.seed;
  writeHyperparams();
  buildPrograms();
  mModel->write(mModel->params(), c.parameters);
  const std::vector<float> zeros(c.parameters.size(), 0.0f);
  mModel->write(mModel->state1(), c.state1.empty() ? zeros : c.state1);
  mModel->write(mModel->state2(), c.state2.empty() ? zeros : c.state2);
  mStep = c.step;
  const auto epoch = c.extra.value("epoch", std::uint64_t{0});
  const auto cursor = c.extra.value("cursor", std::uint64_t{0});
  startEpoch(epoch, std::min<std::uint64_t>(cursor, mStepsPerEpoch));
  keepGoodState();
  restartTimeline();  // the checkpoint's step is where this run's timeline starts
  return core::Ok{};
}

}  // namespace nsb::train
