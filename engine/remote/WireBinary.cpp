// Snapshots and datasets as binary (remote/Wire.h): a magic and a version, then every field in order,
// little-endian (remote/Bytes.h): numbers as themselves, bools as one byte, enums as their uint8,
// strings and vectors of numbers as a u64 count and their elements, optionals and shared values as a
// presence byte and the value. Every writer below takes its struct apart with a structured binding
// that names every field: a field added to one of them stops this file compiling until it travels.
// A ProbeSet travels as host results: `offsets` and `onDevice` describe a buffer on this process's
// device, which the other end cannot read (a server's sessions have no renderer's device: their probes
// are on the host, see Server.h).
#include <string>
#include <utility>

#include "remote/Bytes.h"
#include "remote/Wire.h"

namespace nsb::remote {

namespace {

constexpr std::uint32_t SNAPSHOT_MAGIC = 0x53425346;  // "FSBS" read as bytes: a frame's snapshot
constexpr std::uint32_t DATASET_MAGIC = 0x53445346;   // "FSDS"
// The dataset's own format version (the snapshot's is train::SNAPSHOT_PROTOCOL).
constexpr std::uint32_t DATASET_FORMAT = 1;

// --- writing ---

void put(ByteWriter& w, const nn::ModelSpec& spec) {
  const auto& [inputs, hidden, outputs, head, loss] = spec;
  w.count(inputs);
  w.count(hidden.size());
  for (const auto& layer : hidden) {
    const auto& [width, activation] = layer;
    w.count(width);
    w.value(static_cast<std::uint8_t>(activation));
  }
  w.count(outputs);
  w.value(static_cast<std::uint8_t>(head));
  w.value(static_cast<std::uint8_t>(loss));
}

void put(ByteWriter& w, const train::Hyperparams& h) {
  const auto& [optimizer, learningRate, momentum, beta1, beta2, rho, epsilon, l1, l2, weightDecay, schedule, stepEvery,
               stepGamma, totalSteps, minFactor, batchSize, init] = h;
  w.value(static_cast<std::uint8_t>(optimizer));
  for (const float v : {learningRate, momentum, beta1, beta2, rho, epsilon, l1, l2, weightDecay}) w.value(v);
  w.value(static_cast<std::uint8_t>(schedule));
  w.value(static_cast<std::int32_t>(stepEvery));
  w.value(stepGamma);
  w.value(static_cast<std::int32_t>(totalSteps));
  w.value(minFactor);
  w.count(batchSize);
  w.value(static_cast<std::uint8_t>(init));
}

void put(ByteWriter& w, const train::MetricPoint& p) {
  const auto& [step, epoch, trainLoss, test, learningRate, gradientNorm, updateRatio] = p;
  const auto& [loss, accuracy, mse, samples] = test;
  w.value(step);
  w.value(epoch);
  w.value(trainLoss);
  w.value(loss);
  w.value(accuracy);
  w.value(mse);
  w.count(samples);
  w.value(learningRate);
  w.array(gradientNorm);
  w.array(updateRatio);
}

void put(ByteWriter& w, const std::vector<train::MetricPoint>& history) {
  w.count(history.size());
  for (const auto& p : history) put(w, p);
}

void put(ByteWriter& w, const std::vector<train::Histogram>& histograms) {
  w.count(histograms.size());
  for (const auto& h : histograms) {
    const auto& [low, high, counts] = h;
    w.value(low);
    w.value(high);
    w.array(counts);
  }
}

void put(ByteWriter& w, const train::ProbeSet& set) {
  const auto& [step, version, probes, onDevice, parameters, spectrum] = set;
  (void)onDevice;  // host results only (see the top of this file)
  w.value(step);
  w.value(version);
  w.count(probes.size());
  for (const auto& probe : probes) {
    const auto& [rows, probeStep, layers, offsets] = probe;
    (void)offsets;
    w.count(rows);
    w.value(probeStep);
    w.count(layers.size());
    for (const auto& layer : layers) w.array(layer);
  }
  w.array(parameters);
  w.array(spectrum);
}

void put(ByteWriter& w, const train::WatchedStep& s) {
  const auto& [index, step, before, after, gradient, state1Before, state2Before, state1, state2, learningRate,
               regularized, hyperparams] = s;
  w.count(index);
  w.value(step);
  for (const float v : {before, after, gradient, state1Before, state2Before, state1, state2, learningRate}) w.value(v);
  w.value(regularized);
  put(w, hyperparams);
}

void put(ByteWriter& w, const train::TimelineSummary& t) {
  const auto& [steps, every, stride, bytes, budget, viewed] = t;
  w.array(steps);
  w.value(every);
  w.value(stride);
  w.value(bytes);
  w.value(budget);
  w.optional(viewed);
}

void put(ByteWriter& w, const train::RaceState& race) {
  const auto& [replicas, shown, minus] = race;
  w.count(replicas.size());
  for (const auto& replica : replicas) {
    const auto& [id, startStep, hyperparams, lastLoss, divergedAt, history] = replica;
    w.value(id);
    w.value(startStep);
    put(w, hyperparams);
    w.value(lastLoss);
    w.optional(divergedAt);
    put(w, history);
  }
  w.count(shown);
  w.value(minus.has_value());
  if (minus) w.count(*minus);
}

// --- reading ---

// Each reader leaves the error in the ByteReader; the caller checks it once at the end (a failed
// reader reads nothing more, so what follows a bad field is harmless).
void get(ByteReader& r, nn::ModelSpec& spec, std::string_view path) {
  auto& [inputs, hidden, outputs, head, loss] = spec;
  r.value(inputs, {path, "inputs"});
  std::size_t layers = 0;
  r.count(layers, 9, {path, "hidden"});
  hidden.resize(r.ok() ? layers : 0);
  for (auto& layer : hidden) {
    r.value(layer.width, {path, "hidden.width"});
    r.enumeration(layer.activation, compute::Activation::Gelu, {path, "hidden.activation"});
  }
  r.value(outputs, {path, "outputs"});
  r.enumeration(head, compute::Head::Softmax, {path, "head"});
  r.enumeration(loss, compute::LossKind::CrossEntropy, {path, "loss"});
}

void get(ByteReader& r, train::Hyperparams& h, std::string_view path) {
  r.enumeration(h.optimizer, compute::OptimizerKind::AdamW, {path, "optimizer"});
  for (float* v :
       {&h.learningRate, &h.momentum, &h.beta1, &h.beta2, &h.rho, &h.epsilon, &h.l1, &h.l2, &h.weightDecay}) {
    r.value(*v, {path, "values"});
  }
  r.enumeration(h.schedule, train::Schedule::Cosine, {path, "schedule"});
  std::int32_t stepEvery = 0, totalSteps = 0;
  r.value(stepEvery, {path, "step_every"});
  r.value(h.stepGamma, {path, "step_gamma"});
  r.value(totalSteps, {path, "total_steps"});
  r.value(h.minFactor, {path, "min_factor"});
  h.stepEvery = stepEvery;
  h.totalSteps = totalSteps;
  r.value(h.batchSize, {path, "batch"});
  r.enumeration(h.init, nn::InitKind::Zeros, {path, "init"});
}

// The fewest bytes one MetricPoint takes: what a count of them is checked against.
constexpr std::size_t METRIC_POINT_BYTES = 8 * 10;

void get(ByteReader& r, train::MetricPoint& p, std::string_view path) {
  r.value(p.step, {path, "step"});
  r.value(p.epoch, {path, "epoch"});
  r.value(p.trainLoss, {path, "train_loss"});
  r.value(p.test.loss, {path, "test.loss"});
  r.value(p.test.accuracy, {path, "test.accuracy"});
  r.value(p.test.mse, {path, "test.mse"});
  r.value(p.test.samples, {path, "test.samples"});
  r.value(p.learningRate, {path, "learning_rate"});
  r.array(p.gradientNorm, {path, "gradient_norm"});
  r.array(p.updateRatio, {path, "update_ratio"});
}

void get(ByteReader& r, std::vector<train::MetricPoint>& history, std::string_view path) {
  std::size_t n = 0;
  if (!r.count(n, METRIC_POINT_BYTES, path)) return;
  history.resize(n);
  for (auto& p : history) get(r, p, path);
}

void get(ByteReader& r, std::vector<train::Histogram>& histograms, std::string_view path) {
  std::size_t n = 0;
  if (!r.count(n, 16, path)) return;
  histograms.resize(n);
  for (auto& h : histograms) {
    r.value(h.low, {path, "low"});
    r.value(h.high, {path, "high"});
    r.array(h.counts, {path, "counts"});
  }
}

void get(ByteReader& r, train::ProbeSet& set) {
  constexpr std::string_view path = "snapshot.probes";
  r.value(set.step, {path, "step"});
  r.value(set.version, {path, "version"});
  std::size_t n = 0;
  if (!r.count(n, 24, {path, "probes"})) return;
  set.probes.resize(n);
  for (auto& probe : set.probes) {
    r.value(probe.rows, {path, "probes.rows"});
    r.value(probe.step, {path, "probes.step"});
    std::size_t layers = 0;
    if (!r.count(layers, 8, {path, "probes.layers"})) return;
    probe.layers.resize(layers);
    for (auto& layer : probe.layers) r.array(layer, {path, "probes.layers"});
  }
  set.onDevice = false;
  r.array(set.parameters, {path, "parameters"});
  r.array(set.spectrum, {path, "spectrum"});
}

void get(ByteReader& r, train::WatchedStep& s) {
  constexpr std::string_view path = "snapshot.watched";
  r.value(s.index, {path, "index"});
  r.value(s.step, {path, "step"});
  for (float* v :
       {&s.before, &s.after, &s.gradient, &s.state1Before, &s.state2Before, &s.state1, &s.state2, &s.learningRate}) {
    r.value(*v, {path, "values"});
  }
  r.value(s.regularized, {path, "regularized"});
  get(r, s.hyperparams, "snapshot.watched.hyperparams");
}

void get(ByteReader& r, train::TimelineSummary& t) {
  constexpr std::string_view path = "snapshot.timeline";
  r.array(t.steps, {path, "steps"});
  r.value(t.every, {path, "every"});
  r.value(t.stride, {path, "stride"});
  r.value(t.bytes, {path, "bytes"});
  r.value(t.budget, {path, "budget"});
  r.optional(t.viewed, {path, "viewed"});
}

void get(ByteReader& r, train::RaceState& race) {
  constexpr std::string_view path = "snapshot.race";
  std::size_t n = 0;
  if (!r.count(n, 64, {path, "replicas"})) return;
  race.replicas.resize(n);
  for (auto& replica : race.replicas) {
    r.value(replica.id, {path, "replicas.id"});
    r.value(replica.startStep, {path, "replicas.start_step"});
    get(r, replica.hyperparams, "snapshot.race.replicas.hyperparams");
    r.value(replica.lastLoss, {path, "replicas.last_loss"});
    r.optional(replica.divergedAt, {path, "replicas.diverged_at"});
    get(r, replica.history, "snapshot.race.replicas.history");
  }
  r.value(race.shown, {path, "shown"});
  if (r.present({path, "minus"})) {
    std::size_t minus = 0;
    r.value(minus, {path, "minus"});
    race.minus = minus;
  }
  if (r.ok() && !race.replicas.empty() && race.shown >= race.replicas.size()) {
    r.fail({path, "shown"}, "replica " + std::to_string(race.shown) + " of " + std::to_string(race.replicas.size()));
  }
}

}  // namespace

std::string encodeSnapshot(const train::Snapshot& snapshot, const SnapshotEncoding& how) {
  ByteWriter w;
  w.value(SNAPSHOT_MAGIC);
  w.value(train::SNAPSHOT_PROTOCOL);
  const auto& [step, run, epoch, running, backend, device, stepsPerSubmit, lastLoss, stepsPerSecond, speed,
               bytesTransferred, spec, hyperparams, history, events, appliedSequence, outcomes, divergence, probes,
               datasetVersion, predictions, histograms, watched, timeline, race] = snapshot;
  w.value(step);
  w.value(run);
  w.value(epoch);
  w.value(how.running.value_or(running));
  w.string(backend);
  w.string(device);
  w.value(stepsPerSubmit);
  w.value(lastLoss);
  w.value(stepsPerSecond);
  w.value(speed);
  w.value(bytesTransferred);
  put(w, spec);
  put(w, hyperparams);
  put(w, history);
  w.count(events.size());
  for (const auto& event : events) {
    const auto& [eventStep, what, before, after] = event;
    w.value(eventStep);
    w.string(what);
    w.string(before);
    w.string(after);
  }
  w.value(appliedSequence);
  w.count(outcomes.size());
  for (const auto& outcome : outcomes) {
    const auto& [sequence, outcomeStep, ok, message] = outcome;
    w.value(sequence);
    w.value(outcomeStep);
    w.value(ok);
    w.string(message);
  }
  w.value(divergence.has_value());
  if (divergence) {
    const auto& [divergedStep, goodStep, what, count] = *divergence;
    w.value(divergedStep);
    w.value(goodStep);
    w.string(what);
    w.value(count);
  }
  w.value(probes != nullptr && how.probes);
  if (probes && how.probes) put(w, *probes);
  w.value(datasetVersion);
  w.value(predictions != nullptr);
  if (predictions) {
    const auto& [predictedStep, classes] = *predictions;
    w.value(predictedStep);
    w.array(classes);
  }
  w.value(histograms != nullptr);
  if (histograms) {
    w.count(histograms->size());
    for (const auto& point : *histograms) {
      const auto& [pointStep, weights, gradients] = point;
      w.value(pointStep);
      put(w, weights);
      put(w, gradients);
    }
  }
  w.value(watched.has_value());
  if (watched) put(w, *watched);
  w.value(timeline != nullptr);
  if (timeline) put(w, *timeline);
  w.value(race != nullptr);
  if (race) put(w, *race);
  return w.take();
}

core::Result<std::shared_ptr<train::Snapshot>> decodeSnapshot(std::string_view bytes) {
  ByteReader r(bytes);
  std::uint32_t magic = 0, protocol = 0;
  r.value(magic, "snapshot.magic");
  if (r.ok() && magic != SNAPSHOT_MAGIC) r.fail("snapshot.magic", "not a snapshot frame");
  r.value(protocol, "snapshot.protocol");
  if (r.ok() && protocol != train::SNAPSHOT_PROTOCOL) {
    r.fail("snapshot.protocol",
           "version " + std::to_string(protocol) + ", this build reads " + std::to_string(train::SNAPSHOT_PROTOCOL));
  }
  auto s = std::make_shared<train::Snapshot>();
  r.value(s->step, "snapshot.step");
  r.value(s->run, "snapshot.run");
  r.value(s->epoch, "snapshot.epoch");
  r.value(s->running, "snapshot.running");
  r.string(s->backend, "snapshot.backend");
  r.string(s->device, "snapshot.device");
  r.value(s->stepsPerSubmit, "snapshot.steps_per_submit");
  r.value(s->lastLoss, "snapshot.last_loss");
  r.value(s->stepsPerSecond, "snapshot.steps_per_second");
  r.value(s->speed, "snapshot.speed");
  r.value(s->bytesTransferred, "snapshot.bytes_transferred");
  get(r, s->spec, "snapshot.spec");
  get(r, s->hyperparams, "snapshot.hyperparams");
  get(r, s->history, "snapshot.history");
  std::size_t n = 0;
  if (r.count(n, 32, "snapshot.events")) {
    s->events.resize(n);
    for (auto& event : s->events) {
      r.value(event.step, "snapshot.events.step");
      r.string(event.what, "snapshot.events.what");
      r.string(event.before, "snapshot.events.before");
      r.string(event.after, "snapshot.events.after");
    }
  }
  r.value(s->appliedSequence, "snapshot.applied_sequence");
  if (r.count(n, 25, "snapshot.outcomes")) {
    s->outcomes.resize(n);
    for (auto& outcome : s->outcomes) {
      r.value(outcome.sequence, "snapshot.outcomes.sequence");
      r.value(outcome.step, "snapshot.outcomes.step");
      r.value(outcome.ok, "snapshot.outcomes.ok");
      r.string(outcome.message, "snapshot.outcomes.message");
    }
  }
  if (r.present("snapshot.divergence")) {
    train::Divergence d;
    r.value(d.step, "snapshot.divergence.step");
    r.value(d.goodStep, "snapshot.divergence.good_step");
    r.string(d.what, "snapshot.divergence.what");
    r.value(d.count, "snapshot.divergence.count");
    s->divergence = std::move(d);
  }
  if (r.present("snapshot.probes")) {
    auto set = std::make_shared<train::ProbeSet>();
    get(r, *set);
    s->probes = std::move(set);
  }
  r.value(s->datasetVersion, "snapshot.dataset_version");
  if (r.present("snapshot.predictions")) {
    auto predictions = std::make_shared<train::TestPredictions>();
    r.value(predictions->step, "snapshot.predictions.step");
    r.array(predictions->classes, "snapshot.predictions.classes");
    s->predictions = std::move(predictions);
  }
  if (r.present("snapshot.histograms")) {
    auto histograms = std::make_shared<std::vector<train::HistogramPoint>>();
    if (r.count(n, 24, "snapshot.histograms")) {
      histograms->resize(n);
      for (auto& point : *histograms) {
        r.value(point.step, "snapshot.histograms.step");
        get(r, point.weights, "snapshot.histograms.weights");
        get(r, point.gradients, "snapshot.histograms.gradients");
      }
    }
    s->histograms = std::move(histograms);
  }
  if (r.present("snapshot.watched")) {
    train::WatchedStep watched;
    get(r, watched);
    s->watched = std::move(watched);
  }
  if (r.present("snapshot.timeline")) {
    auto timeline = std::make_shared<train::TimelineSummary>();
    get(r, *timeline);
    s->timeline = std::move(timeline);
  }
  if (r.present("snapshot.race")) {
    auto race = std::make_shared<train::RaceState>();
    get(r, *race);
    s->race = std::move(race);
  }
  if (!r.end("snapshot")) return core::badInput(r.error());
  // The spec is what every view sizes its drawing by: one the editor could not build is refused here.
  if (auto valid = s->spec.validate(); !valid) return core::badInput("snapshot.spec: " + valid.message());
  return s;
}

// --- datasets ---

namespace {

void put(ByteWriter& w, const data::Split& split) {
  const auto& [count, pixels, values, labels, targets, points] = split;
  w.count(count);
  w.array(pixels);
  w.array(values);
  w.array(labels);
  w.array(targets);
  w.array(points);
}

void putStrings(ByteWriter& w, const std::vector<std::string>& strings) {
  w.count(strings.size());
  for (const auto& s : strings) w.string(s);
}

void getStrings(ByteReader& r, std::vector<std::string>& strings, Field field) {
  std::size_t n = 0;
  if (!r.count(n, 8, field)) return;
  strings.resize(n);
  for (auto& s : strings) r.string(s, field);
}

// A split's arrays must match its count and the dataset's shape: the views index them by it.
void get(ByteReader& r, data::Split& split, const data::Dataset& d, std::string_view path) {
  r.value(split.count, {path, "count"});
  r.array(split.pixels, {path, "pixels"});
  r.array(split.values, {path, "values"});
  r.array(split.labels, {path, "labels"});
  r.array(split.targets, {path, "targets"});
  r.array(split.points, {path, "points"});
  if (!r.ok()) return;
  const auto sized = [&](std::size_t have, std::size_t want, std::string_view name) {
    if (have != want) r.fail({path, name}, std::to_string(have) + " values, expected " + std::to_string(want));
  };
  // Products checked against the sizes read, which the reader has already bounded by the input.
  const std::size_t features = d.features;
  if (split.count > (split.pixels.size() + split.values.size()) / features) {
    return sized(split.pixels.size() + split.values.size(), split.count * features, d.u8 ? "pixels" : "values");
  }
  sized(split.pixels.size(), d.u8 ? split.count * features : 0, "pixels");
  sized(split.values.size(), d.u8 ? 0 : split.count * features, "values");
  if (d.task == data::Task::Classification) {
    sized(split.labels.size(), split.count, "labels");
    for (const auto label : split.labels) {
      if (r.ok() && (label < 0 || static_cast<std::size_t>(label) >= d.classes)) {
        r.fail({path, "labels"}, "class " + std::to_string(label) + " of " + std::to_string(d.classes));
      }
    }
  } else if (d.outputs != 0 && split.targets.size() / d.outputs != split.count) {
    sized(split.targets.size(), split.count * d.outputs, "targets");
  }
  if (!split.points.empty()) sized(split.points.size(), split.count * 2, "points");
}

}  // namespace

std::string encodeDataset(const data::Dataset& dataset, const std::optional<std::string>& shownSource) {
  ByteWriter w;
  w.value(DATASET_MAGIC);
  w.value(DATASET_FORMAT);
  const auto& [name, source, task, features, classes, outputs, u8, imageWidth, imageHeight, featureNames, classNames,
               normalisation, train, test] = dataset;
  w.string(name);
  w.string(shownSource.value_or(source));
  w.value(static_cast<std::uint8_t>(task));
  w.count(features);
  w.count(classes);
  w.count(outputs);
  w.value(u8);
  w.count(imageWidth);
  w.count(imageHeight);
  putStrings(w, featureNames);
  putStrings(w, classNames);
  const auto& [scale, mean, stddev] = normalisation;
  w.value(scale);
  w.array(mean);
  w.array(stddev);
  put(w, train);
  put(w, test);
  return w.take();
}

core::Result<std::shared_ptr<const data::Dataset>> decodeDataset(std::string_view bytes) {
  ByteReader r(bytes);
  std::uint32_t magic = 0, format = 0;
  r.value(magic, "dataset.magic");
  if (r.ok() && magic != DATASET_MAGIC) r.fail("dataset.magic", "not a dataset");
  r.value(format, "dataset.format");
  if (r.ok() && format != DATASET_FORMAT) {
    r.fail("dataset.format",
           "version " + std::to_string(format) + ", this build reads " + std::to_string(DATASET_FORMAT));
  }
  auto d = std::make_shared<data::Dataset>();
  r.string(d->name, "dataset.name");
  r.string(d->source, "dataset.source");
  r.enumeration(d->task, data::Task::Regression, "dataset.task");
  r.value(d->features, "dataset.features");
  r.value(d->classes, "dataset.classes");
  r.value(d->outputs, "dataset.outputs");
  r.value(d->u8, "dataset.u8");
  r.value(d->imageWidth, "dataset.image_width");
  r.value(d->imageHeight, "dataset.image_height");
  getStrings(r, d->featureNames, "dataset.feature_names");
  getStrings(r, d->classNames, "dataset.class_names");
  r.value(d->normalisation.scale, "dataset.normalisation.scale");
  r.array(d->normalisation.mean, "dataset.normalisation.mean");
  r.array(d->normalisation.stddev, "dataset.normalisation.stddev");
  if (r.ok() && d->features == 0) r.fail("dataset.features", "none");
  if (r.ok() && (d->imageWidth != 0 || d->imageHeight != 0) &&
      (d->imageHeight == 0 || d->features % d->imageHeight != 0 || d->imageWidth != d->features / d->imageHeight)) {
    r.fail("dataset.image_width", "an image of " + std::to_string(d->imageWidth) + " x " +
                                      std::to_string(d->imageHeight) + " is not " + std::to_string(d->features) +
                                      " features");
  }
  if (r.ok() && !d->normalisation.mean.empty() &&
      (d->normalisation.mean.size() != d->features || d->normalisation.stddev.size() != d->features)) {
    r.fail("dataset.normalisation", "not one mean and deviation per feature");
  }
  if (r.ok()) get(r, d->train, *d, "dataset.train");
  if (r.ok()) get(r, d->test, *d, "dataset.test");
  if (!r.end("dataset")) return core::badInput(r.error());
  return std::shared_ptr<const data::Dataset>(std::move(d));
}

}  // namespace nsb::remote
