#include "train/Trainer.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "compute/OptimizerMath.h"
#include "core/Format.h"
#include "core/Log.h"
#include "core/Rng.h"
#include "nn/Checkpoint.h"
#include "data/Synthetic2D.h"
#include "nn/Init.h"

namespace nsb::train {

using compute::DType;
using compute::Tensor;

namespace {

bool isClassification(const data::Dataset& d) { return d.task == data::Task::Classification; }

// Uploads a split's features and targets; returns {x, y} buffers.
std::pair<compute::Buffer, compute::Buffer> uploadSplit(compute::Backend& backend, const data::Dataset& d,
                                                        const data::Split& split) {
  const std::size_t rows = std::max<std::size_t>(split.count, 1);
  compute::Buffer x = backend.allocate(rows * d.features * (d.u8 ? 1 : 4));
  if (split.count > 0) {
    if (d.u8) {
      backend.upload(x.id(), 0, std::as_bytes(std::span(split.pixels)));
    } else {
      backend.upload(x.id(), 0, std::as_bytes(std::span(split.values)));
    }
  }
  const std::size_t yCols = isClassification(d) ? 1 : d.outputs;
  compute::Buffer y = backend.allocate(rows * yCols * 4);
  if (split.count > 0) {
    if (isClassification(d)) {
      backend.upload(y.id(), 0, std::as_bytes(std::span(split.labels)));
    } else {
      backend.upload(y.id(), 0, std::as_bytes(std::span(split.targets)));
    }
  }
  return {std::move(x), std::move(y)};
}

Histogram histogramOf(const float* values, std::size_t count) {
  Histogram h;
  h.counts.assign(Trainer::HISTOGRAM_BINS, 0);
  if (count == 0) return h;
  h.low = *std::min_element(values, values + count);
  h.high = *std::max_element(values, values + count);
  const float span = std::max(h.high - h.low, 1e-12f);
  for (std::size_t i = 0; i < count; ++i) {
    const auto bin = static_cast<std::size_t>((values[i] - h.low) / span * static_cast<float>(Trainer::HISTOGRAM_BINS));
    ++h.counts[std::min(bin, Trainer::HISTOGRAM_BINS - 1)];
  }
  return h;
}

// An event's value: numbers in their shortest form (lr 0.01 -> 10, not 0.009999999776482582 -> 10.0).
std::string eventValue(const nlohmann::json& value) {
  if (value.is_number_float()) return core::formatNumber(static_cast<float>(value.get<double>()));
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

Trainer::Trainer(TrainerConfig config, std::shared_ptr<const data::Dataset> dataset)
    : mConfig(std::move(config)), mDataset(std::move(dataset)) {}

Trainer::~Trainer() {
  if (mBackend) mBackend->synchronize();
}

core::Result<std::unique_ptr<Trainer>> Trainer::create(TrainerConfig config, std::shared_ptr<const data::Dataset> dataset) {
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
  allocateDeviceState();
  resetWeights();
  buildPrograms();
  startEpoch(0, 0);
  keepGoodState();
  return core::Ok{};
}

void Trainer::allocateDeviceState() {
  mModel = std::make_unique<nn::Model>(*mBackend, mConfig.spec);
  mHyper = mBackend->allocate(compute::HYPER_COUNT * 4);
  mCounters = mBackend->allocate(compute::COUNTER_COUNT * 4);
  mEvalCounters = mBackend->allocate(compute::COUNTER_COUNT * 4);
  mNorms = mBackend->allocate(3 * mConfig.spec.layerCount() * 4);
  uploadDataset();
  writeHyperparams();
}

void Trainer::uploadDataset() {
  const data::Dataset& d = *mDataset;
  std::tie(mTrainX, mTrainY) = uploadSplit(*mBackend, d, d.train);
  std::tie(mTestX, mTestY) = uploadSplit(*mBackend, d, d.test);
  mTrainIndex = mBackend->allocate(d.train.count * 4);
  // The test index is the identity, padded to whole evaluation chunks with row 0 (ignored when scored).
  const std::size_t testRows = std::max<std::size_t>(d.test.count, 1);
  const std::size_t chunk = std::min(mConfig.evalChunk, testRows);
  const std::size_t padded = (testRows + chunk - 1) / chunk * chunk;
  std::vector<std::int32_t> index(padded, 0);
  for (std::size_t i = 0; i < d.test.count; ++i) index[i] = static_cast<std::int32_t>(i);
  mTestIndex = mBackend->allocate(padded * 4);
  mBackend->write(mTestIndex.tensor({padded}, DType::I32), std::span<const std::int32_t>(index));
}


void Trainer::buildPrograms() {
  mBackend->synchronize();
  const data::Dataset& d = *mDataset;
  const bool classes = isClassification(d);
  const std::size_t layers = mConfig.spec.layerCount();
  mBatch = train::effectiveBatch(mConfig.hyperparams, d.train.count);
  mStepsPerEpoch = train::stepsPerEpoch(mConfig.hyperparams, d.train.count);
  const float scale = d.u8 ? d.normalisation.scale : 1.0f;
  const DType xType = d.u8 ? DType::U8 : DType::F32;
  const std::size_t yCols = classes ? 1 : d.outputs;
  const Tensor counters = mCounters.tensor({compute::COUNTER_COUNT}, DType::I32);
  const Tensor hyper = mHyper.tensor({compute::HYPER_COUNT});

  auto gatherInputs = [&](compute::Graph& g, const compute::Buffer& x, const compute::Buffer& y, std::size_t rows,
                          const Tensor& index, const Tensor& ctr, const nn::Workspace& ws) {
    g.add(compute::GatherOp{.src = x.tensor({rows, d.features}, xType), .index = index, .counters = ctr,
                            .dst = ws.input, .scale = scale},
          "gather.inputs");
    const Tensor ySrc = classes ? y.tensor({rows}, DType::I32) : y.tensor({rows, yCols});
    g.add(compute::GatherOp{.src = ySrc, .index = index, .counters = ctr, .dst = ws.target}, "gather.targets");
  };

  mTrainWs = mModel->makeWorkspace(mBatch, classes);
  const Tensor trainIndex = mTrainIndex.tensor({d.train.count}, DType::I32);
  auto trainGraph = [&](bool metrics) {
    compute::Graph g;
    gatherInputs(g, mTrainX, mTrainY, d.train.count, trainIndex, counters, mTrainWs);
    mModel->addForward(g, mTrainWs);
    mModel->addLossAndBackward(g, mTrainWs);
    const auto segments = mModel->weightSegments();
    if (metrics) {
      g.add(compute::SumSquaresOp{.x = mModel->grads(), .out = mNorms.tensor({layers}), .segments = segments},
            "metrics.gradient_norm");
      g.add(compute::CopyOp{.src = mModel->params(), .dst = mModel->previousParams()}, "metrics.keep_weights");
    }
    mModel->addOptimizer(g, mConfig.hyperparams.optimizer, hyper, counters);
    if (metrics) {
      g.add(compute::SumSquaresOp{.x = mModel->params(), .y = mModel->previousParams(),
                                  .out = mNorms.tensor({layers}, DType::F32, layers), .segments = segments},
            "metrics.update_norm");
      g.add(compute::SumSquaresOp{.x = mModel->params(), .out = mNorms.tensor({layers}, DType::F32, 2 * layers),
                                  .segments = segments},
            "metrics.weight_norm");
    }
    g.add(compute::AdvanceOp{.counters = counters}, "advance");
    return g;
  };
  mStepProgram = mBackend->compile(trainGraph(false));
  mMetricsProgram = mBackend->compile(trainGraph(true));

  const std::size_t testRows = std::max<std::size_t>(d.test.count, 1);
  const std::size_t chunk = std::min(mConfig.evalChunk, testRows);
  const std::size_t padded = (testRows + chunk - 1) / chunk * chunk;
  mEvalWs = mModel->makeWorkspace(chunk, classes);
  compute::Graph eval;
  const Tensor evalCounters = mEvalCounters.tensor({compute::COUNTER_COUNT}, DType::I32);
  gatherInputs(eval, mTestX, mTestY, testRows, mTestIndex.tensor({padded}, DType::I32), evalCounters, mEvalWs);
  mModel->addForward(eval, mEvalWs);
  const std::size_t last = layers - 1;
  eval.add(compute::LossOp{.z = mEvalWs.a[last], .target = mEvalWs.target, .output = mEvalWs.output,
                           .loss = mEvalWs.loss, .dz = mEvalWs.dz[last], .head = mConfig.spec.head,
                           .loss_kind = mConfig.spec.loss},
           "loss");
  eval.add(compute::ArgmaxOp{.z = mEvalWs.a[last], .predictions = mEvalWs.predictions}, "argmax");
  eval.add(compute::AdvanceOp{.counters = evalCounters}, "advance");
  mEvalProgram = mBackend->compile(eval);
  mHaveNorms = false;
  for (auto& probe : mProbes) buildProbe(probe);

  // The spectrum probe of image data: the first layer's weight rows as images.
  mSpectrumProgram.reset();
  const std::size_t h = d.imageHeight, w = d.imageWidth;
  if (h > 0 && w > 0 && mConfig.spec.inputs == h * w && mBackend->supports(compute::Op(compute::SpectrumOp{}).index())) {
    const std::size_t count = mConfig.spec.layerOutputs(0);
    const compute::Tensor weights = mModel->weight(0);
    mSpectrum = mBackend->allocate(count * h * (w / 2 + 1) * 4);
    compute::Graph spectrum;
    spectrum.add(compute::SpectrumOp{.images = Tensor{weights.buffer, weights.offset, {count, h, w}, DType::F32},
                                     .magnitude = mSpectrum.tensor({count, h, w / 2 + 1}),
                                     .height = h,
                                     .width = w},
                 "probe.spectrum");
    mSpectrumProgram = mBackend->compile(spectrum);
  }
}

std::vector<float> Trainer::weightSpectrum() {
  if (!mSpectrumProgram) return {};
  mSpectrumProgram->submit(1);
  const data::Dataset& d = *mDataset;
  return mBackend->read<float>(
      mSpectrum.tensor({mConfig.spec.layerOutputs(0), d.imageHeight, d.imageWidth / 2 + 1}));
}

void Trainer::buildProbe(Probe& probe) {
  mProbeSlots = {};  // their layout changes: readers keep the old ones alive
  const std::size_t rows = probe.inputs.size() / mConfig.spec.inputs;
  probe.ws = mModel->makeWorkspace(rows, isClassification(*mDataset));
  probe.run = 0;
  mBackend->write(probe.ws.input, std::span<const float>(probe.inputs));
  compute::Graph g;
  mModel->addPrediction(g, probe.ws);
  probe.program = mBackend->compile(g);
}

std::size_t Trainer::addProbe(std::vector<float> inputs) {
  NSB_CHECK(!inputs.empty() && inputs.size() % mConfig.spec.inputs == 0) << inputs.size() << " probe inputs";
  mProbes.push_back({std::move(inputs), {}, nullptr});
  buildProbe(mProbes.back());
  return mProbes.size() - 1;
}

void Trainer::setProbeInputs(std::size_t index, std::vector<float> inputs) {
  Probe& probe = mProbes.at(index);
  NSB_CHECK(inputs.size() % mConfig.spec.inputs == 0) << inputs.size() << " probe inputs";
  const bool sameShape = inputs.size() == probe.inputs.size();
  probe.inputs = std::move(inputs);
  probe.run = 0;
  if (sameShape) {
    mBackend->write(probe.ws.input, std::span<const float>(probe.inputs));
  } else {
    buildProbe(probe);
  }
}

void Trainer::runProbes(const std::vector<bool>& which) {
  for (std::size_t i = 0; i < mProbes.size(); ++i) {
    Probe& probe = mProbes[i];
    if (probe.run > 0 && i < which.size() && !which[i]) continue;
    probe.program->submit(1);
    probe.run = ++mProbeRuns;
    probe.step = mStep;
  }
}

std::shared_ptr<const Trainer::ProbeSlot> Trainer::runProbes(std::size_t index, const std::vector<bool>& which) {
  std::shared_ptr<ProbeSlot>& slot = mProbeSlots.at(index);
  if (!slot) {
    slot = std::make_shared<ProbeSlot>();
    slot->backend = mBackend;
    const std::size_t layers = mConfig.spec.layerCount();
    std::size_t floats = 0;
    for (const auto& probe : mProbes) {
      auto& offsets = slot->offsets.emplace_back();
      for (std::size_t l = 0; l < layers; ++l) {
        offsets.push_back(floats);
        floats += probe.ws.batch * mConfig.spec.layerOutputs(l);
      }
    }
    slot->buffer = mBackend->allocate(std::max<std::size_t>(floats, 1) * sizeof(float));
    for (std::size_t p = 0; p < mProbes.size(); ++p) {
      const nn::Workspace& ws = mProbes[p].ws;
      compute::Graph copy;
      for (std::size_t l = 0; l < layers; ++l) {
        const Tensor& src = l + 1 == layers ? ws.output : ws.a[l];
        copy.add(
            compute::CopyOp{.src = src, .dst = slot->buffer.tensor({src.elements()}, DType::F32, slot->offsets[p][l])},
            "probe.copy");
      }
      slot->copies.push_back(mBackend->compile(copy));
    }
    slot->copied.assign(mProbes.size(), 0);
  }
  runProbes(which);
  for (std::size_t p = 0; p < mProbes.size(); ++p) {
    if (slot->copied[p] == mProbes[p].run) continue;
    slot->copies[p]->submit(1);
    slot->copied[p] = mProbes[p].run;
  }
  mBackend->synchronize();
  return slot;
}

void Trainer::startEpoch(std::uint64_t epoch, std::uint64_t cursor) {
  mEpoch = epoch;
  mCursor = cursor;
  std::vector<std::int32_t> perm(mDataset->train.count);
  std::iota(perm.begin(), perm.end(), 0);
  core::Rng rng(mConfig.seed * 0x9E3779B97F4A7C15ull + epoch + 1);
  rng.shuffle(perm);
  mBackend->write(mTrainIndex.tensor({perm.size()}, DType::I32), std::span<const std::int32_t>(perm));
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
  mGood.params = mModel->read(mModel->params());
  mGood.state1 = mModel->read(mModel->state1());
  mGood.state2 = mModel->read(mModel->state2());
  mGood.step = mStep;
  mGood.epoch = mEpoch;
  mGood.cursor = mCursor;
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
  const std::uint64_t every = mConfig.metricsEvery ? mConfig.metricsEvery : mStepsPerEpoch;
  while (done < steps) {
    if (mCursor >= mStepsPerEpoch) startEpoch(mEpoch + 1, 0);
    const std::uint64_t toMetrics = every - mStep % every;  // steps until the next metrics step, >= 1
    std::uint64_t k;
    const bool metricsStep = toMetrics == 1;
    if (metricsStep) {
      mMetricsProgram->submit(1);
      mHaveNorms = true;
      k = 1;
    } else {
      k = std::min<std::uint64_t>({mConfig.stepsPerSubmit, steps - done, mStepsPerEpoch - mCursor, toMetrics - 1});
      mStepProgram->submit(static_cast<std::uint32_t>(k));
    }
    const float loss = mBackend->read<float>(mTrainWs.loss)[0];
    mStep += k;
    mCursor += k;
    done += k;
    if (!std::isfinite(loss)) {
      restoreGoodState("the training loss became " + core::formatNumber(loss));
      return done;
    }
    mLastLoss = loss;
    mLossSum += loss;
    ++mLossCount;
    if (metricsStep) mHistory.push_back(takeMetricPoint());
  }
  return done;
}

Evaluation Trainer::evaluateTest() {
  const data::Dataset& d = *mDataset;
  Evaluation result;
  if (d.test.count == 0) return result;
  const std::int32_t zero[compute::COUNTER_COUNT] = {0, 0};
  mBackend->write(mEvalCounters.tensor({compute::COUNTER_COUNT}, DType::I32), std::span<const std::int32_t>(zero));
  const std::size_t chunk = mEvalWs.batch;
  const std::size_t n = mConfig.spec.outputs;
  const bool classes = isClassification(d);
  double lossSum = 0.0, sqSum = 0.0;
  std::size_t correct = 0;
  if (classes) mTestPredictions.assign(d.test.count, 0);
  mTestPredictionsStep = mStep;
  for (std::size_t start = 0; start < d.test.count; start += chunk) {
    mEvalProgram->submit(1);
    const auto output = mBackend->read<float>(mEvalWs.output);
    const auto predictions = mBackend->read<std::int32_t>(mEvalWs.predictions);
    const std::size_t rows = std::min(chunk, d.test.count - start);
    // Scored on the host in double from the head's outputs, so that padded rows are left out.
    for (std::size_t r = 0; r < rows; ++r) {
      const float* p = &output[r * n];
      const std::size_t sample = start + r;
      if (classes) {
        const std::int32_t label = d.test.labels[sample];
        mTestPredictions[sample] = predictions[r];
        if (predictions[r] == label) ++correct;
        if (mConfig.spec.loss == compute::LossKind::CrossEntropy) {
          lossSum -= std::log(std::max(static_cast<double>(p[label]), 1e-30));
        } else if (mConfig.spec.loss == compute::LossKind::BinaryCrossEntropy) {
          for (std::size_t j = 0; j < n; ++j) {
            const double y = n == 1 ? label : (static_cast<std::int32_t>(j) == label ? 1.0 : 0.0);
            const double q = std::clamp(static_cast<double>(p[j]), 1e-12, 1.0 - 1e-12);
            lossSum -= (y * std::log(q) + (1.0 - y) * std::log(1.0 - q)) / static_cast<double>(n);
          }
        } else {
          for (std::size_t j = 0; j < n; ++j) {
            const double y = n == 1 ? label : (static_cast<std::int32_t>(j) == label ? 1.0 : 0.0);
            lossSum += (p[j] - y) * (p[j] - y) / static_cast<double>(n);
          }
        }
      } else {
        for (std::size_t j = 0; j < n; ++j) {
          const double diff = static_cast<double>(p[j]) - static_cast<double>(d.test.targets[sample * n + j]);
          sqSum += diff * diff / static_cast<double>(n);
        }
      }
    }
  }
  const double count = static_cast<double>(d.test.count);
  result.samples = d.test.count;
  if (classes) {
    result.loss = lossSum / count;
    result.accuracy = static_cast<double>(correct) / count;
  } else {
    result.mse = sqSum / count;
    result.loss = result.mse;
  }
  return result;
}

MetricPoint Trainer::takeMetricPoint() {
  MetricPoint point;
  point.step = mStep;
  point.epoch = epochProgress();
  point.trainLoss = mLossCount ? mLossSum / static_cast<double>(mLossCount) : NOT_MEASURED;
  mLossSum = 0.0;
  mLossCount = 0;
  point.test = evaluateTest();
  const auto hyper = mConfig.hyperparams.deviceValues();
  point.learningRate = compute::scheduledLearningRate(hyper.data(), static_cast<int>(mStep));
  if (mHaveNorms) {
    const std::size_t layers = mConfig.spec.layerCount();
    const auto norms = mBackend->read<float>(mNorms.tensor({3 * layers}));
    for (std::size_t l = 0; l < layers; ++l) {
      point.gradientNorm.push_back(std::sqrt(static_cast<double>(norms[l])));
      const double weight = std::sqrt(static_cast<double>(norms[2 * layers + l]));
      point.updateRatio.push_back(weight > 0 ? std::sqrt(static_cast<double>(norms[layers + l])) / weight : 0.0);
    }
  }
  keepGoodState();
  // Histograms from the weights just read and the last step's gradient.
  const auto grads = mModel->read(mModel->grads());
  HistogramPoint histograms{mStep, {}, {}};
  for (std::size_t l = 0; l < mConfig.spec.layerCount(); ++l) {
    const std::size_t begin = mConfig.spec.weightOffset(l), count = mConfig.spec.weightOffset(l + 1) - begin;
    histograms.weights.push_back(histogramOf(mGood.params.data() + begin, count));
    histograms.gradients.push_back(histogramOf(grads.data() + begin, count));
  }
  if (mHistograms.size() == HISTOGRAM_POINTS) mHistograms.erase(mHistograms.begin());
  mHistograms.push_back(std::move(histograms));
  return point;
}

std::vector<compute::OpTiming> Trainer::timings() { return mStepProgram->timings(); }

void Trainer::record(std::string what, std::string before, std::string after) {
  mEvents.push_back({mStep, std::move(what), std::move(before), std::move(after)});
}

namespace {

// The feature set a 2D dataset was built with, from its feature names.
core::Result<data::FeatureSet> featuresOf(const data::Dataset& d) {
  if (d.u8 || d.train.points.empty()) return core::badInput("dataset " + d.name + " has no 2D points to compute features from");
  std::string list;
  for (const auto& name : d.featureNames) {
    if (!list.empty()) list += ',';
    list += name;
  }
  return data::FeatureSet::parse(list);
}

std::string layerName(std::size_t layer) { return "layers." + std::to_string(layer); }

std::string describeHidden(const nn::ModelSpec& spec) {
  std::string text;
  for (const auto& layer : spec.hidden) {
    if (!text.empty()) text += ',';
    text += std::to_string(layer.width);
    text += ' ';
    text += compute::activationName(layer.activation);
  }
  return text.empty() ? "none" : text;
}

}  // namespace

core::Result<std::vector<Event>> Trainer::apply(const Command& command) {
  const std::size_t firstNew = mEvents.size();
  if (const auto* set = std::get_if<SetHyperparams>(&command)) {
    NSB_TRY(set->hyperparams.validate());
    const Hyperparams old = mConfig.hyperparams;
    const Hyperparams& now = set->hyperparams;
    const auto oldJson = old.toJson();
    const auto newJson = now.toJson();
    for (const auto& [key, value] : newJson.items()) {
      if (oldJson[key] != value) record(key, eventValue(oldJson[key]), eventValue(value));
    }
    mConfig.hyperparams = now;
    writeHyperparams();
    if (old.optimizer != now.optimizer) {
      // A new optimizer starts from fresh state.
      const std::vector<float> zeros(mConfig.spec.parameterCount(), 0.0f);
      mModel->write(mModel->state1(), zeros);
      mModel->write(mModel->state2(), zeros);
    }
    if (old.optimizer != now.optimizer || train::effectiveBatch(mConfig.hyperparams, mDataset->train.count) != mBatch) {
      const bool newBatch = train::effectiveBatch(mConfig.hyperparams, mDataset->train.count) != mBatch;
      buildPrograms();
      // At a new batch size the current epoch's permutation starts over.
      if (newBatch) startEpoch(mEpoch, 0);
    }
  } else if (const auto* act = std::get_if<SetActivation>(&command)) {
    if (act->layer >= mConfig.spec.hidden.size()) {
      return core::badInput("set activation: layer " + std::to_string(act->layer) + " is not a hidden layer");
    }
    auto& layer = mConfig.spec.hidden[act->layer];
    if (layer.activation != act->activation) {
      record("layers." + std::to_string(act->layer) + ".activation", std::string(compute::activationName(layer.activation)),
             std::string(compute::activationName(act->activation)));
      layer.activation = act->activation;
      // Weights stay; only the recorded graph changes.
      const auto params = mModel->read(mModel->params());
      const auto s1 = mModel->read(mModel->state1());
      const auto s2 = mModel->read(mModel->state2());
      mModel = std::make_unique<nn::Model>(*mBackend, mConfig.spec);
      mModel->write(mModel->params(), params);
      mModel->write(mModel->state1(), s1);
      mModel->write(mModel->state2(), s2);
      buildPrograms();
    }
  } else if (const auto* reset = std::get_if<Reset>(&command)) {
    const std::uint64_t oldSeed = mConfig.seed;
    if (reset->seed) mConfig.seed = *reset->seed;
    record("reset", "step " + std::to_string(mStep) + ", seed " + std::to_string(oldSeed),
           "step 0, seed " + std::to_string(mConfig.seed));
    resetWeights();
    startEpoch(0, 0);
    keepGoodState();
    // A new run: its history starts at step 0 (the editor keeps the old one as an overlay).
    mHistory.clear();
    mHistograms.clear();
    mTestPredictions.clear();
  } else if (const auto* sw = std::get_if<SwitchBackend>(&command)) {
    if (sw->backend != mBackend->name()) {
      auto created = compute::createBackend(sw->backend, mConfig.backendOptions);
      if (!created) return created.error();
      const auto params = mModel->read(mModel->params());
      const auto s1 = mModel->read(mModel->state1());
      const auto s2 = mModel->read(mModel->state2());
      const std::string oldName = mBackend->name();
      // Release every buffer of the old backend before it goes.
      mStepProgram.reset();
      mMetricsProgram.reset();
      mEvalProgram.reset();
      mSpectrumProgram.reset();
      mSpectrum = {};
      mProbeSlots = {};
      for (auto& probe : mProbes) {
        probe.program.reset();
        probe.ws = {};
      }
      mTrainWs = {};
      mEvalWs = {};
      mModel.reset();
      mTrainX = {}, mTrainY = {}, mTestX = {}, mTestY = {}, mTrainIndex = {}, mTestIndex = {};
      mHyper = {}, mCounters = {}, mEvalCounters = {}, mNorms = {};
      mBackend = std::move(created.value());
      mConfig.backend = mBackend->name();
      allocateDeviceState();
      mModel->write(mModel->params(), params);
      mModel->write(mModel->state1(), s1);
      mModel->write(mModel->state2(), s2);
      buildPrograms();
      startEpoch(mEpoch, mCursor);
      record("backend", oldName, mBackend->name());
    }
  } else if (const auto* param = std::get_if<SetParameter>(&command)) {
    if (param->index >= mConfig.spec.parameterCount()) {
      return core::badInput("set parameter: index " + std::to_string(param->index) + " is past the " +
                            std::to_string(mConfig.spec.parameterCount()) + " parameters");
    }
    if (!std::isfinite(param->value)) return core::badInput("set parameter: the value must be a finite number");
    setParameter(param->index, param->value);
  } else if (const auto* save = std::get_if<SaveCheckpoint>(&command)) {
    NSB_TRY(nn::saveCheckpoint(save->path, checkpoint()));
  } else if (const auto* load = std::get_if<LoadCheckpoint>(&command)) {
    auto loaded = nn::loadCheckpoint(load->path);
    if (!loaded) return loaded.error();
    const nn::Checkpoint& c = loaded.value();
    const auto& spec = mConfig.spec;
    if (c.spec.inputs != spec.inputs || c.spec.outputs != spec.outputs || c.spec.head != spec.head ||
        c.spec.loss != spec.loss) {
      return core::badInput(load->path + ": its network has " + std::to_string(c.spec.inputs) + " inputs and " +
                            std::to_string(c.spec.outputs) + " outputs, this one " + std::to_string(spec.inputs) +
                            " and " + std::to_string(spec.outputs) + " (or another head or loss)");
    }
    const std::string before = "step " + std::to_string(mStep) + ", hidden " + describeHidden(spec);
    if (!(c.spec == spec)) rebuild(ModelState{c.spec, c.parameters, c.state1, c.state2});
    NSB_TRY(restore(c));
    record("checkpoint " + load->path, before, "step " + std::to_string(mStep) + ", hidden " + describeHidden(mConfig.spec));
  } else if (std::holds_alternative<Pause>(command) || std::holds_alternative<Resume>(command) ||
             std::holds_alternative<Step>(command) || std::holds_alternative<SetSpeed>(command) ||
             std::holds_alternative<SetProbes>(command)) {
    return core::badInput("pause, resume, step, speed and probes are the session's commands, not the trainer's");
  } else {
    NSB_TRY(applyStructural(command));
  }
  return std::vector<Event>(mEvents.begin() + static_cast<std::ptrdiff_t>(firstNew), mEvents.end());
}


ModelState Trainer::hostState() const {
  return {mConfig.spec, mModel->read(mModel->params()), mModel->read(mModel->state1()), mModel->read(mModel->state2())};
}

void Trainer::rebuild(ModelState state, std::shared_ptr<const data::Dataset> dataset) {
  mBackend->synchronize();
  const std::size_t oldInputs = mConfig.spec.inputs;
  const bool newLayerCount = state.spec.layerCount() != mConfig.spec.layerCount();
  mConfig.spec = std::move(state.spec);
  mModel = std::make_unique<nn::Model>(*mBackend, mConfig.spec);
  const std::vector<float> zeros(mConfig.spec.parameterCount(), 0.0f);
  mModel->write(mModel->params(), state.params);
  mModel->write(mModel->state1(), state.state1.empty() ? zeros : state.state1);
  mModel->write(mModel->state2(), state.state2.empty() ? zeros : state.state2);
  if (newLayerCount) mNorms = mBackend->allocate(3 * mConfig.spec.layerCount() * 4);
  if (dataset) {
    mDataset = std::move(dataset);
    uploadDataset();
  }
  // Probes of another input width keep their rows, zero-filled, until new inputs arrive.
  if (mConfig.spec.inputs != oldInputs) {
    for (auto& probe : mProbes) probe.inputs.assign(probe.inputs.size() / oldInputs * mConfig.spec.inputs, 0.0f);
  }
  buildPrograms();
  startEpoch(mEpoch, std::min(mCursor, mStepsPerEpoch));
  keepGoodState();
}

core::Status Trainer::applyStructural(const Command& command) {
  const nn::ModelSpec before = mConfig.spec;
  if (const auto* width = std::get_if<SetLayerWidth>(&command)) {
    if (width->layer >= before.hidden.size()) {
      return core::badInput("layer width: layer " + std::to_string(width->layer) + " is not a hidden layer");
    }
    if (width->width == 0) return core::badInput("layer width: a layer keeps at least one neuron");
    const std::size_t from = before.hidden[width->layer].width;
    if (width->width == from) return core::Ok{};
    ModelState state = hostState();
    for (std::size_t w = from; w < width->width; ++w) {
      const std::uint64_t seed = mConfig.seed * 0x9E3779B97F4A7C15ull + mStep * 31 + width->layer + 7 + (w - from);
      auto grown = addNeuron(std::move(state), width->layer, seed);
      if (!grown) return grown.error();
      state = std::move(grown.value());
    }
    for (std::size_t w = from; w > width->width; --w) {
      auto shrunk = removeNeuron(std::move(state), width->layer, w - 1);
      if (!shrunk) return shrunk.error();
      state = std::move(shrunk.value());
    }
    rebuild(std::move(state));
    record(layerName(width->layer) + ".neurons", std::to_string(from), std::to_string(width->width));
  } else if (const auto* remove = std::get_if<RemoveNeuron>(&command)) {
    auto state = removeNeuron(hostState(), remove->layer, remove->neuron);
    if (!state) return state.error();
    rebuild(std::move(state.value()));
    record(layerName(remove->layer) + ".neurons", std::to_string(before.hidden[remove->layer].width),
           std::to_string(mConfig.spec.hidden[remove->layer].width) + " (removed neuron " +
               std::to_string(remove->neuron) + ")");
  } else if (const auto* addL = std::get_if<AddLayer>(&command)) {
    auto state = addLayer(hostState(), addL->index, addL->width, addL->activation);
    if (!state) return state.error();
    rebuild(std::move(state.value()));
    record("hidden layers", describeHidden(before), describeHidden(mConfig.spec));
  } else if (const auto* removeL = std::get_if<RemoveLayer>(&command)) {
    auto state = removeLayer(hostState(), removeL->layer);
    if (!state) return state.error();
    rebuild(std::move(state.value()));
    record("hidden layers", describeHidden(before), describeHidden(mConfig.spec));
  } else if (const auto* features = std::get_if<SetFeatures>(&command)) {
    auto current = featuresOf(*mDataset);
    if (!current) return current.error();
    if (features->features == current.value()) return core::Ok{};
    auto state = changeInputs(hostState(), current.value(), features->features);
    if (!state) return state.error();
    auto dataset = std::make_shared<data::Dataset>(*mDataset);
    data::applyFeatures(*dataset, features->features);
    rebuild(std::move(state.value()), std::move(dataset));
    record("features", current.value().toString(), features->features.toString());
  } else if (const auto* regenerate = std::get_if<RegenerateData>(&command)) {
    data::SyntheticConfig synthetic;
    if (!data::parseSyntheticKind(mDataset->name, synthetic.kind)) {
      return core::badInput("regenerate: dataset " + mDataset->name + " is not a generated one");
    }
    auto current = featuresOf(*mDataset);
    if (!current) return current.error();
    const std::size_t points = mDataset->train.count + mDataset->test.count;
    synthetic.points = points;
    synthetic.trainRatio = static_cast<float>(static_cast<double>(mDataset->train.count) / static_cast<double>(points));
    synthetic.noise = regenerate->noise;
    synthetic.seed = regenerate->seed;
    auto made = data::makeSynthetic(synthetic, current.value());
    if (!made) return made.error();
    const std::string oldSource = mDataset->source;
    auto dataset = std::make_shared<const data::Dataset>(std::move(made.value()));
    rebuild(hostState(), dataset);
    record("dataset", oldSource, mDataset->source);
  }
  return core::Ok{};
}

void Trainer::setParameter(std::size_t index, float value) {
  NSB_CHECK(index < mConfig.spec.parameterCount()) << "parameter " << index;
  auto params = mModel->read(mModel->params());
  record("parameter " + std::to_string(index), core::formatNumber(params[index]), core::formatNumber(value));
  params[index] = value;
  mModel->write(mModel->params(), params);
}

void Trainer::setParameters(const std::vector<float>& values) { mModel->write(mModel->params(), values); }

nn::Checkpoint Trainer::checkpoint() const {
  nn::Checkpoint c;
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
  return core::Ok{};
}

}  // namespace nsb::train
