// Edits: Trainer::apply and the edits it makes between two steps - hyperparameters, activations,
// the structural edits (neurons, layers, features, data) through rebuild(), a reset, a backend switch,
// a parameter, a checkpoint - each recorded as an event. installModel() carries the parameters and
// optimizer state over to a new model.
#include <cmath>

#include "core/Format.h"
#include "data/Synthetic2D.h"
#include "nn/Checkpoint.h"
#include "train/MemoryEstimate.h"
#include "train/Trainer.h"

namespace nsb::train {
namespace {

// An event's value: numbers in their shortest form (lr 0.01 -> 10, not 0.009999999776482582 -> 10.0).
std::string eventValue(const nlohmann::json& value) {
  if (value.is_number_float()) return core::formatNumber(static_cast<float>(value.get<double>()));
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// The feature set a 2D dataset was built with, from its feature names.
core::Result<data::FeatureSet> featuresOf(const data::Dataset& d) {
  if (d.u8 || d.train.points.empty())
    return core::badInput("dataset " + d.name + " has no 2D points to compute features from");
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

// Refuses an edit whose new buffers do not fit beside the ones held now: a rebuild makes the new model,
// batches and probes before the old ones go, and a new dataset's copy when `dataset` is given (on
// `backend`, when it is another one, everything is made anew). Asked before any of it is allocated.
core::Status fitsMemory(Trainer& t, const nn::ModelSpec& spec, std::size_t batch, const std::string& what,
                        const data::Dataset* dataset = nullptr, compute::Backend* backend = nullptr) {
  std::vector<std::size_t> probeRows;
  for (std::size_t i = 0; i < t.probeCount(); ++i) probeRows.push_back(t.probeRows(i));
  const MemoryNeed need = estimateMemory({.spec = spec,
                                          .dataset = dataset ? *dataset : t.dataset(),
                                          .batch = batch,
                                          .evalChunk = t.config().evalChunk,
                                          .probeRows = probeRows,
                                          .probeSlots = backend || t.deviceProbes() ? Trainer::PROBE_SLOTS : 0});
  if (backend || dataset) return checkMemory(need, backend ? *backend : t.backend(), what);
  using enum MemoryPart;
  return checkMemory(need.only({Model, Batches, Probes, Small, Host}), t.backend(), what);
}

}  // namespace

core::Result<std::vector<Event>> Trainer::apply(const Command& command) {
  const std::size_t firstNew = mEvents.size();
  // A failed device takes no edits: only a backend switch (onto the state kept on the host) or saving it.
  const bool failed = !mBackend->status();
  if (failed && !std::holds_alternative<SwitchBackend>(command) && !std::holds_alternative<SaveCheckpoint>(command)) {
    return core::runtimeError(mBackend->status().message() + "; switch the backend to go on");
  }
  const bool timeline = std::holds_alternative<SetTimeline>(command) || std::holds_alternative<ViewStep>(command) ||
                        std::holds_alternative<Branch>(command);
  // An edit acts on the run's head, not on a kept step shown (saving one is fine).
  if (!timeline && !std::holds_alternative<SaveCheckpoint>(command) && !std::holds_alternative<WatchParameter>(command))
    leaveView();
  if (timeline) {
    NSB_TRY(applyTimeline(command));
  } else if (const auto* set = std::get_if<SetHyperparams>(&command)) {
    NSB_TRY(set->hyperparams.validate());
    const std::size_t batch = train::effectiveBatch(set->hyperparams, mDataset->train.count);
    if (batch > mBatch) {
      using enum MemoryPart;
      NSB_TRY(checkMemory(
          estimateMemory({.spec = mConfig.spec, .dataset = *mDataset, .batch = batch, .evalChunk = mConfig.evalChunk})
              .only({Batches}),
          *mBackend, "batch size " + std::to_string(batch) + " of the network " + describeShape(mConfig.spec)));
    }
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
      record("layers." + std::to_string(act->layer) + ".activation",
             std::string(compute::activationName(layer.activation)),
             std::string(compute::activationName(act->activation)));
      // Weights stay; only the recorded graph changes.
      ModelState state = hostState();
      layer.activation = act->activation;
      state.spec = mConfig.spec;
      installModel(state);
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
    restartTimeline();
    // A new run: its history starts at step 0 (the editor keeps the old one as an overlay).
    mHistory.clear();
    mHistograms.clear();
    mTestPredictions.clear();
  } else if (const auto* sw = std::get_if<SwitchBackend>(&command)) {
    // A vulkan backend on a context given up for a new one is made again on the new one.
    const bool moved = sw->context && sw->context != mConfig.backendOptions.context && mBackend->name() == "vulkan";
    if (sw->context) mConfig.backendOptions.context = sw->context;
    if (sw->backend != mBackend->name() || failed || moved) {
      auto created = compute::createBackend(sw->backend, mConfig.backendOptions);
      if (!created) return created.error();
      const nn::ModelSpec& spec = failed ? mGood.spec : mConfig.spec;
      NSB_TRY(fitsMemory(*this, spec, mBatch, "the network " + describeShape(spec), nullptr, created.value().get()));
      const ModelState state = hostState();
      const std::string oldName = mBackend->name();
      if (failed) {
        // Back to the step of the state kept: the steps after it were lost with the device.
        mStep = mGood.step;
        mEpoch = mGood.epoch;
        mCursor = mGood.cursor;
        mConfig.spec = mGood.spec;
      }
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
      mData = {};
      mHyper = {}, mCounters = {}, mEvalCounters = {}, mNorms = {};
      mBackend = std::move(created.value());
      mConfig.backend = mBackend->name();
      installModel(state);
      allocateDeviceState();
      buildPrograms();
      startEpoch(mEpoch, mCursor);
      NSB_TRY(mBackend->status());
      keepGoodState();
      record("backend", failed ? oldName + " (failed)" : moved ? oldName + " (old device)" : oldName, mBackend->name());
    }
  } else if (const auto* param = std::get_if<SetParameter>(&command)) {
    if (param->index >= mConfig.spec.parameterCount()) {
      return core::badInput("set parameter: index " + std::to_string(param->index) + " is past the " +
                            std::to_string(mConfig.spec.parameterCount()) + " parameters");
    }
    if (!std::isfinite(param->value)) return core::badInput("set parameter: the value must be a finite number");
    setParameter(param->index, param->value);
  } else if (const auto* watched = std::get_if<WatchParameter>(&command)) {
    watch(watched->index);  // not an edit: no event
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
    if (!(c.spec == spec))
      NSB_TRY(fitsMemory(*this, c.spec, mBatch, load->path + ": its network " + describeShape(c.spec)));
    if (!(c.spec == spec)) rebuild(ModelState{c.spec, c.parameters, c.state1, c.state2});
    NSB_TRY(restore(c));
    record("checkpoint " + load->path, before,
           "step " + std::to_string(mStep) + ", hidden " + describeHidden(mConfig.spec));
  } else if (std::holds_alternative<Pause>(command) || std::holds_alternative<Resume>(command) ||
             std::holds_alternative<Step>(command) || std::holds_alternative<SetSpeed>(command) ||
             std::holds_alternative<SetProbes>(command)) {
    return core::badInput("pause, resume, step, speed and probes are the session's commands, not the trainer's");
  } else {
    NSB_TRY(applyStructural(command));
  }
  // An edit whose allocations, pipelines or uploads the device refused: training stops there.
  if (!deviceHealthy()) return mBackend->status().error();
  return std::vector<Event>(mEvents.begin() + static_cast<std::ptrdiff_t>(firstNew), mEvents.end());
}

ModelState Trainer::hostState() const {
  if (!mBackend->status()) return {mGood.spec, mGood.params, mGood.state1, mGood.state2};
  return {mConfig.spec, mModel->read(mModel->params()), mModel->read(mModel->state1()), mModel->read(mModel->state2())};
}

void Trainer::installModel(const ModelState& state) {
  mModel = std::make_unique<nn::Model>(*mBackend, state.spec);
  const std::vector<float> zeros(state.spec.parameterCount(), 0.0f);
  mModel->write(mModel->params(), state.params);
  mModel->write(mModel->state1(), state.state1.empty() ? zeros : state.state1);
  mModel->write(mModel->state2(), state.state2.empty() ? zeros : state.state2);
}

void Trainer::rebuild(ModelState state, std::shared_ptr<const data::Dataset> dataset) {
  mBackend->synchronize();
  const std::size_t oldInputs = mConfig.spec.inputs;
  const bool newLayerCount = state.spec.layerCount() != mConfig.spec.layerCount();
  mConfig.spec = state.spec;
  installModel(state);
  if (newLayerCount) mNorms = mBackend->allocate(3 * mConfig.spec.layerCount() * sizeof(float));
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
    if (width->width > from) {
      nn::ModelSpec grown = before;
      grown.hidden[width->layer].width = width->width;
      NSB_TRY(fitsMemory(*this, grown, mBatch,
                         layerName(width->layer) + " at " + std::to_string(width->width) + " neurons (the network " +
                             describeShape(grown) + ")"));
    }
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
    if (addL->index <= before.hidden.size()) {
      // Width 0 is as wide as the layer's input (Surgery's addLayer): the check sizes that layer.
      const std::size_t addedWidth = addL->width ? addL->width : before.layerInputs(addL->index);
      nn::ModelSpec added = before;
      added.hidden.insert(added.hidden.begin() + static_cast<std::ptrdiff_t>(addL->index),
                          nn::LayerSpec{addedWidth, addL->activation});
      NSB_TRY(fitsMemory(
          *this, added, mBatch,
          "a layer of " + std::to_string(addedWidth) + " neurons (the network " + describeShape(added) + ")"));
    }
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
    NSB_TRY(fitsMemory(*this, state.value().spec, mBatch, "features " + features->features.toString(), dataset.get()));
    rebuild(std::move(state.value()), std::move(dataset));
    if (mConfig.data) mConfig.data->features = features->features;
    record("features", current.value().toString(), features->features.toString());
  } else if (const auto* regenerate = std::get_if<RegenerateData>(&command)) {
    data::SyntheticConfig synthetic;
    if (!data::parseSyntheticKind(mDataset->name, synthetic.kind)) {
      return core::badInput("regenerate: dataset " + mDataset->name + " is not a generated one");
    }
    auto current = featuresOf(*mDataset);
    if (!current) return current.error();
    const std::size_t points = mDataset->train.count + mDataset->test.count;
    synthetic.points = regenerate->points.value_or(points);
    synthetic.trainRatio = static_cast<float>(static_cast<double>(mDataset->train.count) / static_cast<double>(points));
    synthetic.noise = regenerate->noise;
    synthetic.seed = regenerate->seed;
    auto made = data::makeSynthetic(synthetic, current.value());
    if (!made) return made.error();
    const std::string oldSource = mDataset->source;
    auto dataset = std::make_shared<const data::Dataset>(std::move(made.value()));
    if (synthetic.points > points) {  // more points: a larger full batch and dataset on the device
      NSB_TRY(fitsMemory(*this, mConfig.spec, mBatch, std::to_string(synthetic.points) + " points", dataset.get()));
    }
    rebuild(hostState(), dataset);
    if (mConfig.data && mConfig.data->name == mDataset->name) {
      mConfig.data->synthetic = synthetic;
      mConfig.data->features = current.value();
    }
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

}  // namespace nsb::train
