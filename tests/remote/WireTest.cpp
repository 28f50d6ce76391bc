// remote/Wire.h: every command through JSON and back, a snapshot with every field set and datasets
// through their binary forms and back, compared field by field; cut and damaged frames give one line
// naming the field, never a crash; malformed commands name their field.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>
#include <type_traits>

#include "remote/Wire.h"

namespace nsb::remote {
namespace {

using nlohmann::json;

train::Hyperparams someHyperparams(float lr) {
  train::Hyperparams h;
  h.optimizer = compute::OptimizerKind::RmsProp;
  h.learningRate = lr;
  h.momentum = 0.8f;
  h.beta1 = 0.85f;
  h.beta2 = 0.995f;
  h.rho = 0.7f;
  h.epsilon = 1e-6f;
  h.l1 = 0.001f;
  h.l2 = 0.002f;
  h.weightDecay = 0.03f;
  h.schedule = train::Schedule::Cosine;
  h.stepEvery = 77;
  h.stepGamma = 0.25f;
  h.totalSteps = 5000;
  h.minFactor = 0.1f;
  h.batchSize = 48;
  h.init = nn::InitKind::He;
  return h;
}

// One command of every kind that travels, each field away from its default.
std::vector<train::Command> everyCommand() {
  using namespace train;
  return {SetHyperparams{someHyperparams(0.03f)},
          Pause{},
          Resume{},
          Resume{std::uint64_t{4096}},
          Step{17},
          SetSpeed{12.5},
          Reset{std::uint64_t{99}},
          Reset{std::nullopt},
          SetActivation{2, compute::Activation::Tanh},
          SwitchBackend{"vulkan", nullptr},
          SetProbes{{{0.5f, -1.25f, 3e-8f, 1e30f}, {}, {7.0f}}, 0.5},
          SetLayerWidth{1, 12},
          RemoveNeuron{0, 3},
          AddLayer{1, 5, compute::Activation::Gelu},
          RemoveLayer{2},
          SetFeatures{data::FeatureSet{0b1011}},
          RegenerateData{0.15f, 1234, std::size_t{800}},
          RegenerateData{0.0f, 1, std::nullopt},
          SetParameter{41, -0.3f},
          SaveCheckpoint{"/tmp/a.safetensors"},
          LoadCheckpoint{"b.safetensors"},
          WatchParameter{std::size_t{9}},
          WatchParameter{std::nullopt},
          SetTimeline{50, 1u << 20},
          ViewStep{std::uint64_t{300}},
          ViewStep{std::nullopt},
          Branch{200, someHyperparams(0.5f)},
          Branch{100, std::nullopt},
          AddReplica{someHyperparams(0.2f), 1},
          RemoveReplica{3},
          SetReplica{2, someHyperparams(0.004f)},
          ShowReplica{1, std::size_t{0}},
          ShowReplica{0, std::nullopt}};
}

// Each command's fields as a tuple, for a field-by-field comparison.
auto fieldsOf(const train::SetHyperparams& c) { return std::tie(c.hyperparams); }
auto fieldsOf(const train::Pause&) { return std::tuple<>(); }
auto fieldsOf(const train::Resume& c) { return std::tie(c.untilStep); }
auto fieldsOf(const train::Step& c) { return std::tie(c.steps); }
auto fieldsOf(const train::SetSpeed& c) { return std::tie(c.stepsPerSecond); }
auto fieldsOf(const train::Reset& c) { return std::tie(c.seed); }
auto fieldsOf(const train::SetActivation& c) { return std::tie(c.layer, c.activation); }
auto fieldsOf(const train::SwitchBackend& c) { return std::tie(c.backend, c.context); }
auto fieldsOf(const train::SetProbes& c) { return std::tie(c.inputs, c.everySeconds); }
auto fieldsOf(const train::SetLayerWidth& c) { return std::tie(c.layer, c.width); }
auto fieldsOf(const train::RemoveNeuron& c) { return std::tie(c.layer, c.neuron); }
auto fieldsOf(const train::AddLayer& c) { return std::tie(c.index, c.width, c.activation); }
auto fieldsOf(const train::RemoveLayer& c) { return std::tie(c.layer); }
auto fieldsOf(const train::SetFeatures& c) { return std::tie(c.features); }
auto fieldsOf(const train::RegenerateData& c) { return std::tie(c.noise, c.seed, c.points); }
auto fieldsOf(const train::SetParameter& c) { return std::tie(c.index, c.value); }
auto fieldsOf(const train::SaveCheckpoint& c) { return std::tie(c.path); }
auto fieldsOf(const train::LoadCheckpoint& c) { return std::tie(c.path); }
auto fieldsOf(const train::WatchParameter& c) { return std::tie(c.index); }
auto fieldsOf(const train::SetTimeline& c) { return std::tie(c.every, c.bytes); }
auto fieldsOf(const train::ViewStep& c) { return std::tie(c.step); }
auto fieldsOf(const train::Branch& c) { return std::tie(c.step, c.hyperparams); }
auto fieldsOf(const train::AddReplica& c) { return std::tie(c.hyperparams, c.from); }
auto fieldsOf(const train::RemoveReplica& c) { return std::tie(c.replica); }
auto fieldsOf(const train::SetReplica& c) { return std::tie(c.replica, c.hyperparams); }
auto fieldsOf(const train::ShowReplica& c) { return std::tie(c.replica, c.minus); }
auto fieldsOf(const train::SetSessionWork& c) { return std::tie(c.work); }

bool sameCommand(const train::Command& a, const train::Command& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        const auto& y = std::get<std::decay_t<decltype(x)>>(b);
        return fieldsOf(x) == fieldsOf(y);
      },
      a);
}

TEST(Wire, EveryCommandTravelsAsJsonAndBack) {
  std::vector<bool> covered(std::variant_size_v<train::Command>, false);
  for (const auto& command : everyCommand()) {
    auto j = commandToJson(command);
    ASSERT_TRUE(j) << j.message();
    // Through text, as a request body carries it.
    const json parsed = json::parse(j->dump());
    auto back = commandFromJson(parsed);
    ASSERT_TRUE(back) << parsed.dump() << ": " << back.message();
    EXPECT_TRUE(sameCommand(command, back.value())) << parsed.dump();
    covered[command.index()] = true;
  }
  // Every alternative but SetSessionWork (this process's own) is covered.
  for (std::size_t i = 0; i < covered.size(); ++i) {
    if (i == train::Command(train::SetSessionWork{}).index()) continue;
    EXPECT_TRUE(covered[i]) << "command alternative " << i << " has no round trip";
  }
  // Floats read back as the same floats, and read as people write them.
  const json j = commandToJson(train::SetParameter{0, 0.1f}).value();
  EXPECT_EQ(j.dump(), R"({"index":0,"type":"SetParameter","value":0.1})");
}

TEST(Wire, ProcessLocalCommandsNeverTravel) {
  EXPECT_FALSE(commandToJson(train::SetSessionWork{}));
  // A context set: this process's device. Never dereferenced here, only seen to be set.
  int stand = 0;
  const std::shared_ptr<gpu::VulkanContext> context(std::shared_ptr<void>(),
                                                    reinterpret_cast<gpu::VulkanContext*>(&stand));
  auto refused = commandToJson(train::SwitchBackend{"vulkan", context});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("context"), std::string::npos) << refused.message();
  auto work = commandFromJson(json{{"type", "SetSessionWork"}});
  ASSERT_FALSE(work);
  EXPECT_EQ(work.message(), "command.type: SetSessionWork is this process's own; it never travels");
}

std::string refusal(const json& j) {
  auto command = commandFromJson(j);
  return command ? "(accepted)" : command.message();
}

TEST(Wire, MalformedCommandsNameTheirField) {
  json h = train::Hyperparams{}.toJson();
  h["lr"] = "fast";
  EXPECT_EQ(refusal({{"type", "SetHyperparams"}, {"hyperparams", h}}), "command.hyperparams.lr: not a number");
  h["lr"] = -1;
  EXPECT_EQ(refusal({{"type", "SetHyperparams"}, {"hyperparams", h}}), "command.hyperparams.lr: must be in (0, 10]");
  h = train::Hyperparams{}.toJson();
  h.erase("beta2");
  EXPECT_EQ(refusal({{"type", "SetHyperparams"}, {"hyperparams", h}}), "command.hyperparams.beta2: missing");
  h = train::Hyperparams{}.toJson();
  h["optimizer"] = "newton";
  EXPECT_EQ(refusal({{"type", "AddReplica"}, {"hyperparams", h}, {"from", 0}}),
            "command.hyperparams.optimizer: unknown optimizer \"newton\"");
  h = train::Hyperparams{}.toJson();
  h["epochs"] = 3;
  EXPECT_EQ(refusal({{"type", "SetHyperparams"}, {"hyperparams", h}}), "command.hyperparams.epochs: unknown field");
  EXPECT_EQ(refusal({{"type", "SetHyperparams"}}), "command.hyperparams: missing");
  EXPECT_EQ(refusal(json::array()), "command: not an object");
  EXPECT_EQ(refusal({{"steps", 1}}), "command.type: missing or not a string");
  EXPECT_EQ(refusal({{"type", "Jump"}}), "command.type: unknown command 'Jump'");
  EXPECT_EQ(refusal({{"type", "Step"}, {"steps", -1}}), "command.steps: not a non-negative integer");
  EXPECT_EQ(refusal({{"type", "Step"}, {"steps", 1ull << 40}}), "command.steps: out of range");
  EXPECT_EQ(refusal({{"type", "Step"}, {"steps", 1}, {"stride", 2}}), "command.stride: unknown field");
  EXPECT_EQ(refusal({{"type", "SetSpeed"}, {"steps_per_second", -2.0}}), "command.steps_per_second: negative");
  EXPECT_EQ(refusal({{"type", "SetActivation"}, {"layer", 0}, {"activation", "swish"}}),
            "command.activation: unknown activation 'swish'");
  EXPECT_EQ(refusal({{"type", "SetParameter"}, {"index", 0}, {"value", 1e300}}), "command.value: out of range");
  EXPECT_EQ(refusal({{"type", "SetFeatures"}, {"features", "x1,x3"}}),
            "command.features: unknown feature 'x3' (expected x1, x2, x1^2, x2^2, x1x2, sin-x1, sin-x2)");
  EXPECT_EQ(refusal({{"type", "SaveCheckpoint"}, {"path", 3}}), "command.path: not a string");
  EXPECT_EQ(refusal({{"type", "SetProbes"}, {"inputs", {"AAAAAA==", "A"}}, {"every_seconds", 0}}),
            "command.inputs[1]: not base64 of little-endian f32 values");
  EXPECT_EQ(refusal({{"type", "SetProbes"}, {"inputs", {"AAA="}}, {"every_seconds", 0}}),
            "command.inputs[0]: not base64 of little-endian f32 values");  // 2 bytes: not a whole float
  // Bounded before anything is decoded: too many probes, too many floats.
  EXPECT_EQ(refusal({{"type", "SetProbes"},
                     {"inputs", json(std::vector<std::string>(MAX_PROBES + 1, ""))},
                     {"every_seconds", 0}}),
            "command.inputs: 65 probes, at most 64");
  const std::string huge((MAX_PROBE_FLOATS + 3) / 3 * 4 * 4, 'A');
  EXPECT_NE(refusal({{"type", "SetProbes"}, {"inputs", {huge}}, {"every_seconds", 0}}).find("floats, at most"),
            std::string::npos);
}

// A snapshot with every field set, each to a value of its own.
train::Snapshot fullSnapshot() {
  train::Snapshot s;
  s.step = 1234;
  s.run = 3;
  s.epoch = 4.5;
  s.running = true;
  s.backend = "vulkan";
  s.device = "llvmpipe";
  s.stepsPerSubmit = 8;
  s.lastLoss = 0.25;
  s.stepsPerSecond = 950.5;
  s.speed = 30.0;
  s.bytesTransferred = 1ull << 33;
  s.spec.inputs = 2;
  s.spec.hidden = {{8, compute::Activation::Tanh}, {4, compute::Activation::LeakyRelu}};
  s.spec.outputs = 3;
  s.spec.head = compute::Head::Softmax;
  s.spec.loss = compute::LossKind::CrossEntropy;
  s.hyperparams = someHyperparams(0.07f);
  train::MetricPoint p;
  p.step = 1000;
  p.epoch = 4.0;
  p.trainLoss = 0.3;
  p.test = {0.35, 0.9, 0.01, 250};
  p.learningRate = 0.07;
  p.gradientNorm = {1.5, 2.5, 3.5};
  p.updateRatio = {0.001, 0.002, 0.003};
  s.history = {p, p};
  s.history[1].step = 1200;
  s.events = {{100, "lr", "0.1", "0.07"}, {900, "add layer", "", "4 tanh"}};
  s.appliedSequence = 42;
  s.outcomes = {{41, 1100, true, "checkpoint saved to x"}, {42, 1200, false, "replicas: not a race"}};
  s.divergence = train::Divergence{1230, 1200, "the training loss became nan", 2};
  auto probes = std::make_shared<train::ProbeSet>();
  probes->step = 1230;
  probes->version = 17;
  probes->probes = {{2, 1230, {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, {0.5f, 0.25f}}, {}},
                    {65536, 1200, {{}, {}, {9.0f}}, {}}};
  probes->parameters = {0.1f, -0.2f, 0.3f};
  probes->spectrum = {4.0f, 5.0f};
  s.probes = probes;
  s.datasetVersion = 5;
  s.predictions = std::make_shared<train::TestPredictions>(train::TestPredictions{1200, {0, 2, 1, 1}});
  train::HistogramPoint hp;
  hp.step = 1200;
  hp.weights = {{-1.0f, 1.0f, {1, 2, 3}}, {-0.5f, 0.5f, {4}}};
  hp.gradients = {{-0.1f, 0.2f, {5, 6}}};
  s.histograms = std::make_shared<std::vector<train::HistogramPoint>>(std::vector{hp});
  train::WatchedStep w;
  w.index = 7;
  w.step = 1234;
  w.before = 0.5f;
  w.after = 0.45f;
  w.gradient = 0.7f;
  w.state1Before = 0.01f;
  w.state2Before = 0.02f;
  w.state1 = 0.03f;
  w.state2 = 0.04f;
  w.learningRate = 0.07f;
  w.regularized = true;
  w.hyperparams = someHyperparams(0.06f);
  s.watched = w;
  s.timeline =
      std::make_shared<train::TimelineSummary>(train::TimelineSummary{{0, 100, 200}, 100, 100, 4096, 8192, 100});
  auto race = std::make_shared<train::RaceState>();
  race->replicas = {{11, 0, someHyperparams(0.01f), 0.5, std::nullopt, {p}},
                    {12, 300, someHyperparams(0.1f), 0.6, 900, {}}};
  race->shown = 1;
  race->minus = 0;
  s.race = race;
  return s;
}

void expectSameHistory(const std::vector<train::MetricPoint>& a, const std::vector<train::MetricPoint>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].step, b[i].step);
    EXPECT_EQ(a[i].epoch, b[i].epoch);
    EXPECT_EQ(a[i].trainLoss, b[i].trainLoss);
    EXPECT_EQ(a[i].test.loss, b[i].test.loss);
    EXPECT_EQ(a[i].test.accuracy, b[i].test.accuracy);
    EXPECT_EQ(a[i].test.mse, b[i].test.mse);
    EXPECT_EQ(a[i].test.samples, b[i].test.samples);
    EXPECT_EQ(a[i].learningRate, b[i].learningRate);
    EXPECT_EQ(a[i].gradientNorm, b[i].gradientNorm);
    EXPECT_EQ(a[i].updateRatio, b[i].updateRatio);
  }
}

void expectSameHistograms(const std::vector<train::Histogram>& a, const std::vector<train::Histogram>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].low, b[i].low);
    EXPECT_EQ(a[i].high, b[i].high);
    EXPECT_EQ(a[i].counts, b[i].counts);
  }
}

// Field by field, in Snapshot.h's order (its protocol bindings list them).
void expectSameSnapshot(const train::Snapshot& a, const train::Snapshot& b) {
  EXPECT_EQ(a.step, b.step);
  EXPECT_EQ(a.run, b.run);
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.running, b.running);
  EXPECT_EQ(a.backend, b.backend);
  EXPECT_EQ(a.device, b.device);
  EXPECT_EQ(a.stepsPerSubmit, b.stepsPerSubmit);
  EXPECT_TRUE(a.lastLoss == b.lastLoss || (std::isnan(a.lastLoss) && std::isnan(b.lastLoss)));
  EXPECT_EQ(a.stepsPerSecond, b.stepsPerSecond);
  EXPECT_EQ(a.speed, b.speed);
  EXPECT_EQ(a.bytesTransferred, b.bytesTransferred);
  EXPECT_TRUE(a.spec == b.spec);
  EXPECT_TRUE(a.hyperparams == b.hyperparams);
  expectSameHistory(a.history, b.history);
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_EQ(a.events[i].step, b.events[i].step);
    EXPECT_EQ(a.events[i].what, b.events[i].what);
    EXPECT_EQ(a.events[i].before, b.events[i].before);
    EXPECT_EQ(a.events[i].after, b.events[i].after);
  }
  EXPECT_EQ(a.appliedSequence, b.appliedSequence);
  ASSERT_EQ(a.outcomes.size(), b.outcomes.size());
  for (std::size_t i = 0; i < a.outcomes.size(); ++i) {
    EXPECT_EQ(a.outcomes[i].sequence, b.outcomes[i].sequence);
    EXPECT_EQ(a.outcomes[i].step, b.outcomes[i].step);
    EXPECT_EQ(a.outcomes[i].ok, b.outcomes[i].ok);
    EXPECT_EQ(a.outcomes[i].message, b.outcomes[i].message);
  }
  ASSERT_EQ(a.divergence.has_value(), b.divergence.has_value());
  if (a.divergence) {
    EXPECT_EQ(a.divergence->step, b.divergence->step);
    EXPECT_EQ(a.divergence->goodStep, b.divergence->goodStep);
    EXPECT_EQ(a.divergence->what, b.divergence->what);
    EXPECT_EQ(a.divergence->count, b.divergence->count);
  }
  ASSERT_EQ(a.probes != nullptr, b.probes != nullptr);
  if (a.probes) {
    EXPECT_EQ(a.probes->step, b.probes->step);
    EXPECT_EQ(a.probes->version, b.probes->version);
    ASSERT_EQ(a.probes->probes.size(), b.probes->probes.size());
    for (std::size_t i = 0; i < a.probes->probes.size(); ++i) {
      EXPECT_EQ(a.probes->probes[i].rows, b.probes->probes[i].rows);
      EXPECT_EQ(a.probes->probes[i].step, b.probes->probes[i].step);
      EXPECT_EQ(a.probes->probes[i].layers, b.probes->probes[i].layers);
      EXPECT_EQ(a.probes->probes[i].offsets, b.probes->probes[i].offsets);
    }
    EXPECT_EQ(a.probes->onDevice, b.probes->onDevice);
    EXPECT_EQ(a.probes->parameters, b.probes->parameters);
    EXPECT_EQ(a.probes->spectrum, b.probes->spectrum);
  }
  EXPECT_EQ(a.datasetVersion, b.datasetVersion);
  ASSERT_EQ(a.predictions != nullptr, b.predictions != nullptr);
  if (a.predictions) {
    EXPECT_EQ(a.predictions->step, b.predictions->step);
    EXPECT_EQ(a.predictions->classes, b.predictions->classes);
  }
  ASSERT_EQ(a.histograms != nullptr, b.histograms != nullptr);
  if (a.histograms) {
    ASSERT_EQ(a.histograms->size(), b.histograms->size());
    for (std::size_t i = 0; i < a.histograms->size(); ++i) {
      EXPECT_EQ((*a.histograms)[i].step, (*b.histograms)[i].step);
      expectSameHistograms((*a.histograms)[i].weights, (*b.histograms)[i].weights);
      expectSameHistograms((*a.histograms)[i].gradients, (*b.histograms)[i].gradients);
    }
  }
  ASSERT_EQ(a.watched.has_value(), b.watched.has_value());
  if (a.watched) {
    const auto& x = *a.watched;
    const auto& y = *b.watched;
    EXPECT_EQ(std::tie(x.index, x.step, x.before, x.after, x.gradient, x.state1Before, x.state2Before, x.state1,
                       x.state2, x.learningRate, x.regularized),
              std::tie(y.index, y.step, y.before, y.after, y.gradient, y.state1Before, y.state2Before, y.state1,
                       y.state2, y.learningRate, y.regularized));
    EXPECT_TRUE(x.hyperparams == y.hyperparams);
  }
  ASSERT_EQ(a.timeline != nullptr, b.timeline != nullptr);
  if (a.timeline) {
    EXPECT_EQ(std::tie(a.timeline->steps, a.timeline->every, a.timeline->stride, a.timeline->bytes, a.timeline->budget,
                       a.timeline->viewed),
              std::tie(b.timeline->steps, b.timeline->every, b.timeline->stride, b.timeline->bytes, b.timeline->budget,
                       b.timeline->viewed));
  }
  ASSERT_EQ(a.race != nullptr, b.race != nullptr);
  if (a.race) {
    ASSERT_EQ(a.race->replicas.size(), b.race->replicas.size());
    for (std::size_t i = 0; i < a.race->replicas.size(); ++i) {
      const auto& x = a.race->replicas[i];
      const auto& y = b.race->replicas[i];
      EXPECT_EQ(std::tie(x.id, x.startStep, x.lastLoss, x.divergedAt),
                std::tie(y.id, y.startStep, y.lastLoss, y.divergedAt));
      EXPECT_TRUE(x.hyperparams == y.hyperparams);
      expectSameHistory(x.history, y.history);
    }
    EXPECT_EQ(a.race->shown, b.race->shown);
    EXPECT_EQ(a.race->minus, b.race->minus);
  }
}

TEST(Wire, SnapshotWithEveryFieldSetTravelsUnchanged) {
  const train::Snapshot s = fullSnapshot();
  const std::string bytes = encodeSnapshot(s);
  auto back = decodeSnapshot(bytes);
  ASSERT_TRUE(back) << back.message();
  expectSameSnapshot(s, *back.value());
  // And the same bytes again: nothing is lost or reordered on the way.
  EXPECT_EQ(encodeSnapshot(*back.value()), bytes);
  // A snapshot with nothing optional set travels too.
  train::Snapshot bare;
  bare.spec = s.spec;
  auto bareBack = decodeSnapshot(encodeSnapshot(bare));
  ASSERT_TRUE(bareBack) << bareBack.message();
  expectSameSnapshot(bare, *bareBack.value());
}

TEST(Wire, ProbesOnTheDeviceTravelAsTheirHostResults) {
  train::Snapshot s = fullSnapshot();
  auto probes = std::make_shared<train::ProbeSet>(*s.probes);
  probes->onDevice = true;
  probes->probes[1].offsets = {0, 65536};  // this process's buffer: meaningless elsewhere
  s.probes = probes;
  auto back = decodeSnapshot(encodeSnapshot(s));
  ASSERT_TRUE(back) << back.message();
  EXPECT_FALSE(back.value()->probes->onDevice);
  EXPECT_TRUE(back.value()->probes->probes[1].offsets.empty());
  EXPECT_EQ(back.value()->probes->probes[1].layers, s.probes->probes[1].layers);
}

void expectOneLine(const std::string& message) {
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(Wire, CutOrDamagedSnapshotsAreRefusedNamingTheField) {
  const std::string bytes = encodeSnapshot(fullSnapshot());
  // Every prefix is refused: the format has one end.
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    auto cut = decodeSnapshot(std::string_view(bytes).substr(0, length));
    ASSERT_FALSE(cut) << "a frame cut to " << length << " of " << bytes.size() << " bytes decoded";
    expectOneLine(cut.message());
    ASSERT_EQ(cut.message().rfind("snapshot", 0), 0u) << cut.message();
  }
  EXPECT_EQ(decodeSnapshot(bytes.substr(0, 8 + 5)).message(), "snapshot.step: truncated");
  EXPECT_EQ(decodeSnapshot(bytes + "x").message(), "snapshot: 1 bytes after the end");
  std::string other = bytes;
  other[4] = 99;
  EXPECT_EQ(decodeSnapshot(other).message(),
            "snapshot.protocol: version 99, this build reads " + std::to_string(train::SNAPSHOT_PROTOCOL));
  // A count far beyond the bytes left is refused before anything is allocated: the history's.
  std::string huge = bytes;
  // The history's count (2), then its first point's step (1000).
  const std::size_t historyAt = bytes.find(std::string("\x02\0\0\0\0\0\0\0\xe8\x03", 10));
  ASSERT_NE(historyAt, std::string::npos);
  huge[historyAt + 7] = '\x7f';
  auto refused = decodeSnapshot(huge);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("snapshot.history: "), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("more than the"), std::string::npos) << refused.message();
  // Bits flipped anywhere: an error or a snapshot, never a crash.
  std::mt19937 random(7);
  std::size_t decoded = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string damaged = bytes;
    for (int flips = 1 + i % 3; flips > 0; --flips) {
      damaged[random() % damaged.size()] ^= static_cast<char>(1u << (random() % 8));
    }
    auto result = decodeSnapshot(damaged);
    if (result) {
      ++decoded;
    } else {
      expectOneLine(result.message());
    }
  }
  EXPECT_GT(decoded, 0u);  // most flips land in a value, which decodes as another value
}

data::Dataset someDataset(bool u8) {
  data::Dataset d;
  d.name = u8 ? "tiny-images" : "tiny-points";
  d.source = "test";
  d.task = data::Task::Classification;
  d.features = 4;
  d.classes = 3;
  d.u8 = u8;
  if (u8) {
    d.imageWidth = 2;
    d.imageHeight = 2;
    d.classNames = {"a", "b", "c"};
    d.normalisation.scale = 1.0f / 255.0f;
  } else {
    d.featureNames = {"x1", "x2", "x1^2", "x2^2"};
    d.normalisation.mean = {0.1f, 0.2f, 0.3f, 0.4f};
    d.normalisation.stddev = {1.1f, 1.2f, 1.3f, 1.4f};
  }
  auto fill = [&](data::Split& split, std::size_t count) {
    split.count = count;
    for (std::size_t i = 0; i < count * d.features; ++i) {
      if (u8) {
        split.pixels.push_back(static_cast<std::uint8_t>(i * 37));
      } else {
        split.values.push_back(0.25f * static_cast<float>(i));
      }
    }
    for (std::size_t i = 0; i < count; ++i) split.labels.push_back(static_cast<std::int32_t>(i % 3));
    if (!u8) {
      for (std::size_t i = 0; i < count * 2; ++i) split.points.push_back(-1.0f + 0.1f * static_cast<float>(i));
    }
  };
  fill(d.train, 5);
  fill(d.test, 2);
  return d;
}

void expectSameSplit(const data::Split& a, const data::Split& b) {
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.targets, b.targets);
  EXPECT_EQ(a.points, b.points);
}

TEST(Wire, DatasetsTravelUnchanged) {
  data::Dataset regression = someDataset(false);
  regression.task = data::Task::Regression;
  regression.outputs = 2;
  for (auto& split : {&regression.train, &regression.test}) {
    split->labels.clear();
    split->targets.assign(split->count * 2, 0.5f);
  }
  for (const data::Dataset& d : {someDataset(true), someDataset(false), regression}) {
    const std::string bytes = encodeDataset(d);
    auto back = decodeDataset(bytes);
    ASSERT_TRUE(back) << d.name << ": " << back.message();
    const data::Dataset& b = *back.value();
    EXPECT_EQ(std::tie(d.name, d.source, d.task, d.features, d.classes, d.outputs, d.u8, d.imageWidth, d.imageHeight,
                       d.featureNames, d.classNames),
              std::tie(b.name, b.source, b.task, b.features, b.classes, b.outputs, b.u8, b.imageWidth, b.imageHeight,
                       b.featureNames, b.classNames));
    EXPECT_EQ(d.normalisation.scale, b.normalisation.scale);
    EXPECT_EQ(d.normalisation.mean, b.normalisation.mean);
    EXPECT_EQ(d.normalisation.stddev, b.normalisation.stddev);
    expectSameSplit(d.train, b.train);
    expectSameSplit(d.test, b.test);
    for (std::size_t length = 0; length < bytes.size(); ++length) {
      auto cut = decodeDataset(std::string_view(bytes).substr(0, length));
      ASSERT_FALSE(cut) << d.name << " cut to " << length << " bytes decoded";
      expectOneLine(cut.message());
    }
  }
  // A split whose arrays do not match its count, or a label out of the classes: refused.
  data::Dataset bad = someDataset(false);
  bad.train.values.pop_back();
  EXPECT_EQ(decodeDataset(encodeDataset(bad)).message(), "dataset.train.values: 19 values, expected 20");
  bad = someDataset(true);
  bad.test.labels[1] = 3;
  EXPECT_EQ(decodeDataset(encodeDataset(bad)).message(), "dataset.test.labels: class 3 of 3");
}

}  // namespace
}  // namespace nsb::remote
