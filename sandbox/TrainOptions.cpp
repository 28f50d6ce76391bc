#include "TrainOptions.h"

#include <algorithm>
#include <sstream>

#include "compute/MemoryBudget.h"
#include "core/Format.h"
#include "data/DatasetCatalog.h"
#include "data/Synthetic2D.h"
#include "train/Preset.h"
#include "train/RaceSpec.h"

namespace nsb::sandbox {

namespace {

struct ValueFlag {
  const char* flag;
  std::optional<float> OptimizerValues::*given;
  float train::Hyperparams::*field;
  const char* help;
};
constexpr ValueFlag VALUE_FLAGS[] = {
    {"--momentum", &OptimizerValues::momentum, &train::Hyperparams::momentum,
     "Momentum / Nesterov coefficient, [0, 1) (torch's momentum)"},
    {"--beta1", &OptimizerValues::beta1, &train::Hyperparams::beta1, "Adam/AdamW first-moment decay, [0, 1)"},
    {"--beta2", &OptimizerValues::beta2, &train::Hyperparams::beta2, "Adam/AdamW second-moment decay, [0, 1)"},
    {"--rho", &OptimizerValues::rho, &train::Hyperparams::rho,
     "RMSprop's decay of the squared-gradient average, [0, 1) (torch's alpha)"},
    {"--eps", &OptimizerValues::eps, &train::Hyperparams::epsilon,
     "AdaGrad/RMSprop/Adam/AdamW denominator term, [1e-12, 1]"},
    {"--weight-decay", &OptimizerValues::weightDecay, &train::Hyperparams::weightDecay,
     "AdamW's decoupled weight decay, [0, 1] (other optimizers: --l2)"},
};

}  // namespace

void addOptimizerValueOptions(CLI::App& app, OptimizerValues& values) {
  for (const ValueFlag& f : VALUE_FLAGS) app.add_option(f.flag, values.*f.given, f.help);
}

void applyOptimizerValues(const OptimizerValues& values, train::Hyperparams& h,
                          const std::function<void(const char*, float, float)>& given) {
  for (const ValueFlag& f : VALUE_FLAGS) {
    const std::optional<float>& value = values.*f.given;
    if (!value) continue;
    const float old = h.*f.field;
    h.*f.field = *value;
    if (given) given(f.flag, *value, old);
  }
}

void addTrainOptions(CLI::App& app, TrainOptions& o) {
  app.add_option(
      "--preset", o.preset,
      "Preset name or JSON file (see assets/presets; default: " + o.defaultPreset + ", or a resumed checkpoint's)");
  app.add_option("--dataset", o.dataset, "Dataset name (see `datasets`) or a path to IDX or CSV data");
  app.add_option("--label-column", o.labelColumn, "CSV: 0-based label column (default: the last)");
  app.add_option("--task", o.task, "CSV: classification or regression (default: inferred)")
      ->check(CLI::IsMember({"classification", "regression"}));
  app.add_flag("--standardize", o.standardize, "CSV: standardise features with the training split's mean and std");
  app.add_option("--backend", o.backend, "auto, cpu, vulkan or cuda")->capture_default_str();
  app.add_option("--device", o.device, "GPU index for vulkan/cuda (see `devices`)");
  app.add_option("--threads", o.threads, "CPU backend threads (0: one per physical core, at most 8)");
  app.add_option("--hidden", o.hidden, "Hidden layer widths, e.g. 64,64 (empty: no hidden layer)");
  app.add_option("--activation", o.activation, "Hidden activation: relu, tanh, sigmoid, linear, leaky-relu, gelu");
  app.add_option("--loss", o.loss, "mse, bce or ce (default: from the head)");
  app.add_option("--optimizer", o.optimizer, "gd, sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw");
  app.add_option("--lr", o.lr, "Learning rate");
  app.add_option("--schedule", o.schedule, "Learning-rate schedule: constant, step or cosine");
  app.add_option("--init", o.init, "Weight init: xavier, he, uniform or zeros");
  app.add_option("--batch", o.batch, "Batch size (gd always uses the whole training set)");
  app.add_option("--epochs", o.epochs, "Epochs to train");
  app.add_option("--stop-at-loss", o.stopAtLoss, "Stop when the test loss reaches this value");
  app.add_option("--stop-at-accuracy", o.stopAtAccuracy, "Stop when the test accuracy (0-1) reaches this value");
  app.add_option("--l1", o.l1, "L1 regularisation strength");
  app.add_option("--l2", o.l2, "L2 regularisation strength (torch's weight_decay; AdamW: see --weight-decay)");
  addOptimizerValueOptions(app, o.optimizerValues);
  app.add_option("--seed", o.seed, "Seed of the weights, the shuffles and generated data");
  app.add_option("--noise", o.noise, "2D data: noise, 0 to 0.5");
  app.add_option("--points", o.points, "2D data: number of points");
  app.add_option("--train-ratio", o.trainRatio, "Share of the data used for training, 0.1 to 0.9");
  app.add_option("--features", o.features, "2D data: inputs, e.g. x1,x2,x1^2,x2^2,x1x2,sin-x1,sin-x2");
  app.add_option("--steps-per-submit", o.stepsPerSubmit, "Steps per backend submit (live edits apply within this many)")
      ->capture_default_str();
  app.add_option("--metrics-every", o.metricsEvery, "Steps between metric points (0: once per epoch)");
}

namespace {

template <typename T, typename Parse>
core::Status parseFlag(const std::optional<std::string>& value, const char* flag, Parse parse, T& out) {
  if (value && !parse(*value, out)) return core::badInput(std::string(flag) + ": unknown value '" + *value + "'");
  return core::Ok{};
}

}  // namespace

core::Result<Training> buildTraining(const TrainOptions& o, const nn::Checkpoint* resume) {
  Training t;
  // A flag given on resume that changes a checkpoint value: one line saying so.
  auto overrides = [&](const char* flag, const std::string& given, const std::string& saved) {
    if (resume && given != saved)
      t.notes.push_back(std::string(flag) + " " + given + " overrides the checkpoint's " + saved);
  };
  std::optional<std::string> savedPreset;
  if (resume && resume->extra.contains("preset") && resume->extra["preset"].is_string()) {
    savedPreset = resume->extra["preset"].get<std::string>();
  }
  std::string presetName = o.preset ? *o.preset : savedPreset ? *savedPreset : o.defaultPreset;
  if (o.preset && savedPreset) overrides("--preset", *o.preset, *savedPreset);
  if (resume) {
    // The checkpoint holds the network: these flags cannot apply to its weights.
    for (const auto& [flag, given] :
         {std::pair{"--hidden", o.hidden.has_value()}, std::pair{"--activation", o.activation.has_value()},
          std::pair{"--loss", o.loss.has_value()}}) {
      if (given) return core::badInput(std::string(flag) + ": cannot change the network of a resumed checkpoint");
    }
  }
  auto loaded = train::Preset::load(presetName);
  if (!loaded) return loaded.error();
  train::Preset preset = std::move(loaded.value());

  // Dataset.
  data::DatasetRequest& request = preset.dataset;
  // A resumed run's data as it was made (its points, noise, split and seed), unless --dataset names another.
  bool recorded = false;
  if (resume) {
    const std::string name =
        o.dataset ? *o.dataset : resume->extra.value("data", nlohmann::json::object()).value("name", "");
    auto read = train::readDatasetRecord(resume->extra, name, resume->seed, request);
    if (!read) return core::badInput("--resume: the checkpoint's data: " + read.message());
    recorded = read.value();
  }
  if (o.dataset) {
    request.name = *o.dataset;
    data::parseSyntheticKind(request.name, request.synthetic.kind);
  }
  const std::uint64_t seed = o.seed ? *o.seed : resume ? resume->seed : preset.seed;
  if (o.seed && resume) overrides("--seed", std::to_string(*o.seed), std::to_string(resume->seed));
  if (!recorded || o.seed) {  // a recorded data seed stays unless --seed sets another
    request.synthetic.seed = seed;
    request.csv.seed = seed;
  }
  if (o.noise) request.synthetic.noise = *o.noise;
  if (o.points) request.synthetic.points = *o.points;
  if (o.trainRatio) {
    request.synthetic.trainRatio = *o.trainRatio;
    request.csv.trainRatio = *o.trainRatio;
  }
  if (resume && resume->extra.contains("features") && resume->extra["features"].is_string() && !o.features) {
    auto features = data::FeatureSet::parse(resume->extra["features"].get<std::string>());
    if (features) request.features = features.value();
  }
  if (o.features) {
    auto features = data::FeatureSet::parse(*o.features);
    if (!features) return core::badInput("--features: " + features.message());
    request.features = features.value();
  }
  if (o.labelColumn) request.csv.labelColumn = *o.labelColumn;
  if (o.standardize) request.csv.standardize = true;
  if (o.task) request.csv.task = *o.task == "regression" ? data::Task::Regression : data::Task::Classification;
  auto dataset = data::loadDataset(request);
  if (!dataset) return dataset.error();
  auto shared = std::make_shared<const data::Dataset>(std::move(dataset.value()));

  // Network.
  if (o.hidden) {
    preset.hidden.clear();
    std::stringstream list(*o.hidden);
    std::string item;
    while (std::getline(list, item, ',')) {
      if (item.empty()) continue;
      std::size_t width = 0;
      try {
        std::size_t used = 0;
        width = std::stoul(item, &used);
        if (used != item.size()) throw std::invalid_argument(item);
      } catch (const std::exception&) {
        return core::badInput("--hidden: '" + item + "' is not a layer width");
      }
      if (width == 0 || width > 65536) return core::badInput("--hidden: widths must be between 1 and 65536");
      preset.hidden.push_back(
          {width, preset.hidden.empty() ? compute::Activation::Relu : preset.hidden.back().activation});
    }
  }
  if (o.activation) {
    compute::Activation a;
    if (!compute::parseActivation(*o.activation, a))
      return core::badInput("--activation: unknown activation '" + *o.activation + "'");
    for (auto& layer : preset.hidden) layer.activation = a;
  }
  if (o.loss) {
    compute::LossKind loss;
    if (!compute::parseLoss(*o.loss, loss)) return core::badInput("--loss: unknown loss '" + *o.loss + "'");
    preset.loss = loss;
    if (loss == compute::LossKind::CrossEntropy) preset.head = compute::Head::Softmax;
    if (loss == compute::LossKind::BinaryCrossEntropy) preset.head = compute::Head::Sigmoid;
  }
  auto spec = preset.modelFor(*shared);
  if (!spec) return spec.error();

  // Hyperparameters: the preset's, then the checkpoint's, then the flags.
  train::Hyperparams h = preset.hyperparams;
  if (resume) NSB_TRY(h.update(resume->hyperparams));
  const train::Hyperparams saved = h;
  NSB_TRY(parseFlag(o.optimizer, "--optimizer", compute::parseOptimizer, h.optimizer));
  NSB_TRY(parseFlag(o.schedule, "--schedule", train::parseSchedule, h.schedule));
  NSB_TRY(parseFlag(o.init, "--init", nn::parseInit, h.init));
  if (o.lr) h.learningRate = *o.lr;
  if (o.l1) h.l1 = *o.l1;
  if (o.l2) h.l2 = *o.l2;
  std::vector<std::pair<const char*, std::pair<float, float>>> valuesGiven;
  applyOptimizerValues(o.optimizerValues, h, [&](const char* flag, float value, float old) {
    valuesGiven.push_back({flag, {value, old}});
  });
  if (o.batch) {
    if (*o.batch == 0) return core::badInput("--batch: must be at least 1");
    h.batchSize = *o.batch;
  }
  NSB_TRY(h.validate());
  if (o.optimizer) {
    overrides("--optimizer", std::string(compute::optimizerName(h.optimizer)),
              std::string(compute::optimizerName(saved.optimizer)));
  }
  if (o.schedule) overrides("--schedule", train::scheduleName(h.schedule), train::scheduleName(saved.schedule));
  if (o.init) overrides("--init", std::string(nn::initName(h.init)), std::string(nn::initName(saved.init)));
  if (o.lr) overrides("--lr", core::formatNumber(h.learningRate), core::formatNumber(saved.learningRate));
  if (o.l1) overrides("--l1", core::formatNumber(h.l1), core::formatNumber(saved.l1));
  if (o.l2) overrides("--l2", core::formatNumber(h.l2), core::formatNumber(saved.l2));
  for (const auto& [flag, values] : valuesGiven) {
    overrides(flag, core::formatNumber(values.first), core::formatNumber(values.second));
  }
  if (o.batch) overrides("--batch", std::to_string(h.batchSize), std::to_string(saved.batchSize));

  t.config.backend = o.backend;
  t.config.backendOptions.device = o.device;
  t.config.backendOptions.threads = o.threads;
  // The memory check itself runs when the trainer is made, after its backend and before its buffers.
  auto budget = compute::memoryBudgetFromEnvironment();
  if (!budget) return budget.error();
  t.config.backendOptions.memoryBudget = budget.value();
  t.config.spec = resume ? resume->spec : spec.value();
  t.config.seed = seed;
  t.config.data = request;
  t.config.stepsPerSubmit = o.stepsPerSubmit;
  t.config.metricsEvery = o.metricsEvery;
  // Epochs: the flag, else what the checkpoint's run was going to train (saved by `train --save`).
  std::optional<std::uint64_t> savedEpochs;
  if (resume && resume->extra.contains("epochs") && resume->extra["epochs"].is_number_unsigned()) {
    savedEpochs = resume->extra["epochs"].get<std::uint64_t>();
  }
  t.epochs = o.epochs ? *o.epochs : savedEpochs ? *savedEpochs : preset.epochs;
  if (t.epochs == 0 || t.epochs > 1000000) return core::badInput("--epochs: must be between 1 and 1000000");
  if (o.epochs && savedEpochs) overrides("--epochs", std::to_string(*o.epochs), std::to_string(*savedEpochs));
  // The cosine schedule spans the run's epochs unless the preset fixes its length. It is sized again
  // on resume: the same --epochs give the same schedule (a resumed run ends where an uninterrupted one
  // does), more --epochs stretch it to the new end instead of leaving the rate at its floor.
  const std::uint64_t perEpoch = train::stepsPerEpoch(h, shared->train.count);
  t.endStep = t.epochs * perEpoch;
  if (resume) {
    // Where the trainer resumes (Trainer::restore): the checkpoint's epoch, its cursor in this run's
    // batches. At an unchanged batch size this is again epochs x steps per epoch.
    const auto epoch = resume->extra.value("epoch", std::uint64_t{0});
    const auto cursor = std::min(resume->extra.value("cursor", std::uint64_t{0}), std::uint64_t{perEpoch});
    const std::uint64_t left = t.epochs > epoch ? (t.epochs - epoch) * perEpoch - cursor : 0;
    t.endStep = resume->step + left;
  }
  if (h.schedule == train::Schedule::Cosine && preset.hyperparams.totalSteps == 0) {
    h.totalSteps = static_cast<int>(std::min<std::uint64_t>(t.endStep, 1u << 30));
  }
  t.config.hyperparams = h;
  if (o.race || preset.race) {
    auto replicas = train::parseRace(o.race ? *o.race : *preset.race, h,
                                     o.race ? std::string("--race") : "preset " + presetName + ": race");
    if (!replicas) return replicas.error();
    t.race = std::move(replicas.value());
    t.raceSpec = o.race ? *o.race : *preset.race;
  }
  t.stopAtLoss = o.stopAtLoss ? o.stopAtLoss : preset.stopAtLoss;
  t.stopAtAccuracy = o.stopAtAccuracy ? o.stopAtAccuracy : preset.stopAtAccuracy;
  if (t.stopAtAccuracy && (*t.stopAtAccuracy < 0 || *t.stopAtAccuracy > 1)) {
    return core::badInput("--stop-at-accuracy: must be between 0 and 1");
  }
  t.dataset = std::move(shared);
  t.presetName = preset.name;
  t.presetSource = presetName;
  t.featureList = request.features.toString();
  return t;
}

}  // namespace nsb::sandbox
