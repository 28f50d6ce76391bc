// Race: the run loop of the replicas in lockstep. Its steps are chunked as the Trainer's are
// (nextSubmit), so that each replica's curve is the curve of its solo run.
#include "train/Race.h"

#include <array>
#include <cmath>
#include <span>

#include "compute/OptimizerMath.h"
#include "compute/Registry.h"
#include "nn/Init.h"
#include "train/Evaluation.h"
#include "train/MemoryEstimate.h"
#include "train/RaceSpec.h"
#include "train/Thinning.h"
#include "train/TrainingGraphs.h"

namespace nsb::train {

using compute::DType;

Race::Race(RaceConfig config, std::shared_ptr<const data::Dataset> dataset)
    : mConfig(std::move(config)), mDataset(std::move(dataset)) {}

Race::~Race() {
  if (mBackend) mBackend->synchronize();
}

core::Result<std::unique_ptr<Race>> Race::create(RaceConfig config, std::shared_ptr<const data::Dataset> dataset) {
  NSB_CHECK(dataset != nullptr);
  const std::size_t n = config.replicas.size();
  if (n < MIN_REPLICAS || n > MAX_REPLICAS) {
    return core::badInput("race: " + std::to_string(n) + " replicas; a race takes " + std::to_string(MIN_REPLICAS) +
                          " to " + std::to_string(MAX_REPLICAS));
  }
  for (const Hyperparams& h : config.replicas) {
    NSB_TRY(h.validate());
    if (effectiveBatch(h, dataset->train.count) != effectiveBatch(config.replicas[0], dataset->train.count)) {
      return core::badInput("race: the replicas train on batches of different sizes; they must share their batches");
    }
  }
  // The solo checks (the data, the network's widths) through the base's hyperparameters.
  config.base.hyperparams = config.replicas[0];
  if (dataset->train.count == 0) return core::badInput("dataset " + dataset->name + ": the training split is empty");
  if (config.base.spec.inputs != dataset->features || config.base.spec.outputs != dataset->outputWidth()) {
    return core::badInput("model: its inputs and outputs do not match dataset " + dataset->name);
  }
  NSB_TRY(config.base.spec.validate());
  if (config.base.stepsPerSubmit == 0) config.base.stepsPerSubmit = 1;
  std::unique_ptr<Race> race(new Race(std::move(config), std::move(dataset)));
  NSB_TRY(race->initialise());
  return race;
}

core::Status Race::initialise() {
  auto backend = compute::createBackend(mConfig.base.backend, mConfig.base.backendOptions);
  if (!backend) return backend.error();
  mBackend = std::move(backend.value());
  const nn::ModelSpec& spec = mConfig.base.spec;
  const data::Dataset& d = *mDataset;
  mBatch = train::effectiveBatch(mConfig.replicas[0], d.train.count);
  mStepsPerEpoch = train::stepsPerEpoch(mConfig.replicas[0], d.train.count);
  const std::size_t n = mConfig.replicas.size();
  // Every replica is counted before the first is allocated.
  NSB_TRY(checkMemory(
      estimateMemory({.spec = spec, .dataset = d, .batch = mBatch, .evalChunk = mConfig.base.evalChunk, .replicas = n}),
      *mBackend,
      "a race of " + std::to_string(n) + " replicas of the network " + describeShape(spec) + " at batch " +
          std::to_string(mBatch)));
  mData = DeviceData::upload(*mBackend, d, mConfig.base.evalChunk);
  mCounters = mBackend->allocate(compute::COUNTER_COUNT * sizeof(std::int32_t));
  mEvalCounters = mBackend->allocate(compute::COUNTER_COUNT * sizeof(std::int32_t));
  // The same initial weights as a solo run of this seed: the init of the shared settings.
  const auto initial = nn::initialParameters(spec, mConfig.replicas[0].init, mConfig.base.seed);
  for (const Hyperparams& h : mConfig.replicas) mReplicas.push_back(makeReplica(h, initial));
  buildPrograms();
  startEpoch(0);
  return mBackend->status();
}

Race::Replica Race::makeReplica(const Hyperparams& h, const std::vector<float>& parameters) {
  const nn::ModelSpec& spec = mConfig.base.spec;
  Replica r;
  r.id = mNextId++;
  r.startStep = mStep;
  r.hyperparams = h;
  r.hyper = mBackend->allocate(compute::HYPER_COUNT * sizeof(float));
  r.norms = mBackend->allocate(3 * spec.layerCount() * sizeof(float));
  const auto values = h.deviceValues();
  mBackend->write(r.hyper.tensor({compute::HYPER_COUNT}), std::span<const float>(values));
  r.start = parameters;  // its model is laid out with the others' (layOut)
  return r;
}

void Race::layOut() {
  const std::size_t n = mReplicas.size();
  bool laidOut = mStorage && mStorage->slots == n;
  for (const Replica& r : mReplicas) laidOut = laidOut && r.model;
  if (laidOut) return;
  // Every replica's weights and optimizer state through the host, the old storage freed before the new
  // one is allocated; a new replica starts from its weights with fresh state.
  const nn::ModelSpec& spec = mConfig.base.spec;
  const std::vector<float> zeros(spec.parameterCount(), 0.0f);
  std::vector<std::array<std::vector<float>, 3>> kept(n);
  for (std::size_t i = 0; i < n; ++i) {
    Replica& r = mReplicas[i];
    if (r.model) {
      kept[i] = {r.model->read(r.model->params()), r.model->read(r.model->state1()), r.model->read(r.model->state2())};
    } else {
      kept[i] = {std::move(r.start), zeros, zeros};
      r.start.clear();
    }
  }
  for (Replica& r : mReplicas) r.model.reset();
  mStorage.reset();
  mStorage = std::make_shared<nn::ModelStorage>(*mBackend, spec, n);
  for (std::size_t i = 0; i < n; ++i) {
    Replica& r = mReplicas[i];
    r.model = std::make_unique<nn::Model>(*mBackend, spec, mStorage, i);
    r.model->write(r.model->params(), kept[i][0]);
    r.model->write(r.model->state1(), kept[i][1]);
    r.model->write(r.model->state2(), kept[i][2]);
  }
}

void Race::buildPrograms() {
  const data::Dataset& d = *mDataset;
  const bool classes = d.task == data::Task::Classification;
  const std::size_t evalRows = evalChunks(d.test.count, mConfig.base.evalChunk).chunk;
  layOut();
  // The replicas' workspaces one after another in one buffer, as their models are (nn::ModelStorage).
  const nn::Model& first = *mReplicas[0].model;
  std::vector<nn::Workspace> trainSpaces = first.makeWorkspaces(mBatch, classes, mReplicas.size(), mTrainSpace);
  std::vector<nn::Workspace> evalSpaces = first.makeWorkspaces(evalRows, classes, mReplicas.size(), mEvalSpace);
  std::vector<GraphReplica> train, eval;
  for (std::size_t i = 0; i < mReplicas.size(); ++i) {
    Replica& r = mReplicas[i];
    r.trainWs = std::move(trainSpaces[i]);
    r.evalWs = std::move(evalSpaces[i]);
    // The batch is gathered once, into the first replica's workspace; the others read it there.
    if (!train.empty()) {
      r.trainWs.input = mReplicas[0].trainWs.input;
      r.trainWs.target = mReplicas[0].trainWs.target;
      r.evalWs.input = mReplicas[0].evalWs.input;
      r.evalWs.target = mReplicas[0].evalWs.target;
    }
    const compute::Tensor hyper = r.hyper.tensor({compute::HYPER_COUNT});
    train.push_back({.model = r.model.get(),
                     .ws = &r.trainWs,
                     .optimizer = r.hyperparams.optimizer,
                     .hyper = hyper,
                     .norms = &r.norms});
    eval.push_back({.model = r.model.get(), .ws = &r.evalWs});
  }
  const SplitTensors trainSplit = mData.train(d, mCounters);
  mStepProgram = mBackend->compile(stepGraph(train, trainSplit, false));
  mMetricsProgram = mBackend->compile(stepGraph(train, trainSplit, true));
  mEvalProgram = mBackend->compile(evalGraph(eval, mData.test(d, mConfig.base.evalChunk, mEvalCounters)));
}

void Race::startEpoch(std::uint64_t epoch) {
  mEpoch = epoch;
  mCursor = 0;
  mData.shuffle(*mBackend, mConfig.base.seed, epoch, mDataset->train.count);
  const std::int32_t values[compute::COUNTER_COUNT] = {static_cast<std::int32_t>(mStep), 0};
  mBackend->write(mCounters.tensor({compute::COUNTER_COUNT}, DType::I32), std::span<const std::int32_t>(values));
}

double Race::epochProgress() const {
  return static_cast<double>(mEpoch) + static_cast<double>(mCursor) / static_cast<double>(mStepsPerEpoch);
}

std::vector<float> Race::parameters(std::size_t replica) const {
  const nn::Model& model = *mReplicas[replica].model;
  return model.read(model.params());
}

std::uint64_t Race::run(std::uint64_t steps) {
  std::uint64_t done = 0;
  const std::uint64_t every = mConfig.base.metricsEvery ? mConfig.base.metricsEvery : mStepsPerEpoch;
  while (done < steps && mBackend->status()) {
    if (mCursor >= mStepsPerEpoch) startEpoch(mEpoch + 1);
    const NextSubmit next =
        nextSubmit(mStep, mCursor, mStepsPerEpoch, every, mConfig.base.stepsPerSubmit, steps - done);
    (next.metrics ? mMetricsProgram : mStepProgram)->submit(static_cast<std::uint32_t>(next.steps));
    std::vector<float> losses;
    for (const Replica& r : mReplicas) losses.push_back(mBackend->read<float>(r.trainWs.loss)[0]);
    if (!mBackend->status()) return done;  // the steps of this submit did not happen
    mStep += next.steps;
    mCursor += next.steps;
    done += next.steps;
    for (std::size_t i = 0; i < mReplicas.size(); ++i) {
      Replica& r = mReplicas[i];
      if (!std::isfinite(losses[i]) && !r.divergedAt) r.divergedAt = mStep;
      r.lastLoss = losses[i];
      r.lossSum += losses[i];
      ++r.lossCount;
    }
    if (next.metrics) takeMetricPoints();
  }
  return done;
}

std::vector<Evaluation> Race::evaluateTest() {
  const data::Dataset& d = *mDataset;
  std::vector<Evaluation> results(mReplicas.size());
  if (d.test.count == 0) return results;
  const std::int32_t zero[compute::COUNTER_COUNT] = {0, 0};
  mBackend->write(mEvalCounters.tensor({compute::COUNTER_COUNT}, DType::I32), std::span<const std::int32_t>(zero));
  std::vector<TestScorer> scorers;
  for (std::size_t i = 0; i < mReplicas.size(); ++i) scorers.emplace_back(d, mConfig.base.spec, nullptr);
  for (std::size_t start = 0; start < d.test.count; start += mReplicas[0].evalWs.batch) {
    mEvalProgram->submit(1);
    for (std::size_t i = 0; i < mReplicas.size(); ++i) {
      const nn::Workspace& ws = mReplicas[i].evalWs;
      scorers[i].addChunk(start, mBackend->read<float>(ws.output), mBackend->read<std::int32_t>(ws.predictions));
    }
  }
  for (std::size_t i = 0; i < mReplicas.size(); ++i) results[i] = scorers[i].result();
  return results;
}

void Race::takeMetricPoints() {
  const std::vector<Evaluation> tests = evaluateTest();
  const std::size_t layers = mConfig.base.spec.layerCount();
  for (std::size_t i = 0; i < mReplicas.size(); ++i) {
    Replica& r = mReplicas[i];
    MetricPoint point;
    point.step = mStep;
    point.epoch = epochProgress();
    point.trainLoss = r.lossCount ? r.lossSum / static_cast<double>(r.lossCount) : NOT_MEASURED;
    r.lossSum = 0.0;
    r.lossCount = 0;
    point.test = tests[i];
    const auto hyper = r.hyperparams.deviceValues();
    point.learningRate = compute::scheduledLearningRate(hyper.data(), static_cast<int>(mStep));
    addNorms(point, mBackend->read<float>(r.norms.tensor({3 * layers})), layers);
    r.history.push_back(std::move(point));
    if (mConfig.base.historyKept > 0 && r.history.size() > mConfig.base.historyKept) halve(r.history);
  }
}

}  // namespace nsb::train
