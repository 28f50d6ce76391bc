// The editor's structural edits on a Trainer (weight surgery between two steps), on the CPU and, where
// a Vulkan device exists, on Vulkan: a new neuron leaves the outputs on the test set exactly as they
// were, removing one keeps every other weight, layers come and go, input features toggle with the
// kept inputs' weights, the data is drawn again, one weight is typed in. Each edit keeps training.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "UiTestSupport.h"
#include "nn/Checkpoint.h"
#include "train/Trainer.h"

namespace nsb::train {
namespace {

struct Fixture {
  std::unique_ptr<Trainer> trainer;
  std::size_t probe = 0;
};

Fixture makeTrainer(const std::string& backend) {
  auto options = ui::test::spiralOptions(backend);
  TrainerConfig config = options.config;
  config.backend = backend;
  auto trainer = Trainer::create(config, options.dataset);
  EXPECT_TRUE(trainer.ok()) << trainer.message();
  Fixture f{std::move(trainer.value())};
  f.trainer->run(60);
  f.probe = f.trainer->addProbe(options.dataset->test.values);  // the test set as features
  return f;
}

// The head's output on the whole test set.
std::vector<float> outputs(Fixture& f) {
  f.trainer->runProbes();
  return f.trainer->backend().read<float>(f.trainer->probe(f.probe).output);
}

std::vector<float> weightOf(const nn::ModelSpec& spec, const std::vector<float>& params, std::size_t layer) {
  const auto begin = params.begin() + static_cast<std::ptrdiff_t>(spec.weightOffset(layer));
  return {begin, begin + static_cast<std::ptrdiff_t>(spec.layerInputs(layer) * spec.layerOutputs(layer))};
}

class LiveEdit : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "vulkan" && !ui::test::haveVulkan()) GTEST_SKIP() << "no Vulkan device";
    f = makeTrainer(GetParam());
  }
  Fixture f;
};

TEST_P(LiveEdit, AddingANeuronLeavesTheOutputsUnchanged) {
  const auto before = outputs(f);
  const auto oldParams = f.trainer->parameters();
  const auto oldSpec = f.trainer->config().spec;
  const std::uint64_t step = f.trainer->step();
  auto applied = f.trainer->apply(SetLayerWidth{0, f.trainer->config().spec.hidden[0].width + 1});
  ASSERT_TRUE(applied.ok()) << applied.message();
  ASSERT_EQ(applied.value().size(), 1u) << "an event for the plot markers";
  const auto& spec = f.trainer->config().spec;
  EXPECT_EQ(spec.hidden[0].width, oldSpec.hidden[0].width + 1);
  EXPECT_EQ(f.trainer->step(), step) << "no reset";
  EXPECT_EQ(outputs(f), before) << "a new neuron starts with zero outgoing weights";

  // Old weights kept, the new neuron's incoming weights small and non-zero, its outgoing ones zero,
  // its optimizer state zero.
  const auto params = f.trainer->parameters();
  const std::size_t in = spec.inputs, width = spec.hidden[0].width;
  const auto w0 = weightOf(spec, params, 0), oldW0 = weightOf(oldSpec, oldParams, 0);
  EXPECT_TRUE(std::equal(oldW0.begin(), oldW0.end(), w0.begin()));
  const auto incoming = std::vector<float>(w0.end() - static_cast<std::ptrdiff_t>(in), w0.end());
  EXPECT_TRUE(std::any_of(incoming.begin(), incoming.end(), [](float w) { return w != 0.0f; }));
  EXPECT_TRUE(std::all_of(incoming.begin(), incoming.end(), [](float w) { return std::fabs(w) < 1.0f; }));
  const auto w1 = weightOf(spec, params, 1), oldW1 = weightOf(oldSpec, oldParams, 1);
  for (std::size_t r = 0; r < spec.hidden[1].width; ++r) {
    EXPECT_EQ(w1[r * width + width - 1], 0.0f);
    for (std::size_t c = 0; c + 1 < width; ++c) EXPECT_EQ(w1[r * width + c], oldW1[r * (width - 1) + c]);
  }
  const auto checkpoint = f.trainer->checkpoint();
  ASSERT_FALSE(checkpoint.state1.empty());
  for (std::size_t j = 0; j < in; ++j) EXPECT_EQ(checkpoint.state1[spec.weightOffset(0) + (width - 1) * in + j], 0.0f);

  // Training goes on and the new neuron learns.
  EXPECT_EQ(f.trainer->run(20), 20u);
  EXPECT_FALSE(f.trainer->diverged());
  EXPECT_NE(weightOf(spec, f.trainer->parameters(), 1)[width - 1], 0.0f);
}

TEST_P(LiveEdit, RemovingANeuronKeepsTheOtherWeights) {
  const auto oldParams = f.trainer->parameters();
  const auto oldSpec = f.trainer->config().spec;
  auto applied = f.trainer->apply(RemoveNeuron{1, 3});
  ASSERT_TRUE(applied.ok()) << applied.message();
  const auto& spec = f.trainer->config().spec;
  ASSERT_EQ(spec.hidden[1].width, oldSpec.hidden[1].width - 1);
  const auto params = f.trainer->parameters();
  const std::size_t in = spec.layerInputs(1), width = spec.hidden[1].width;
  const auto w1 = weightOf(spec, params, 1), oldW1 = weightOf(oldSpec, oldParams, 1);
  for (std::size_t r = 0; r < width; ++r) {
    const std::size_t old = r < 3 ? r : r + 1;
    for (std::size_t c = 0; c < in; ++c) EXPECT_EQ(w1[r * in + c], oldW1[old * in + c]);
    EXPECT_EQ(params[spec.biasOffset(1) + r], oldParams[oldSpec.biasOffset(1) + old]);
  }
  const auto w2 = weightOf(spec, params, 2), oldW2 = weightOf(oldSpec, oldParams, 2);
  for (std::size_t c = 0; c < width; ++c) EXPECT_EQ(w2[c], oldW2[c < 3 ? c : c + 1]);
  EXPECT_EQ(weightOf(spec, params, 0), weightOf(oldSpec, oldParams, 0)) << "the layer before is untouched";
  EXPECT_EQ(f.trainer->run(20), 20u);
  EXPECT_FALSE(f.trainer->apply(RemoveNeuron{5, 0}).ok()) << "no such layer";
}

TEST_P(LiveEdit, LayersComeAndGo) {
  const auto before = outputs(f);
  // A linear layer starts as an exact identity, and removing it folds it away again.
  ASSERT_TRUE(f.trainer->apply(AddLayer{1, 0, compute::Activation::Linear}).ok());
  ASSERT_EQ(f.trainer->config().spec.hidden.size(), 3u);
  auto now = outputs(f);
  ASSERT_EQ(now.size(), before.size());
  for (std::size_t i = 0; i < now.size(); ++i) EXPECT_NEAR(now[i], before[i], 1e-6f);
  ASSERT_TRUE(f.trainer->apply(RemoveLayer{1}).ok());
  now = outputs(f);
  for (std::size_t i = 0; i < now.size(); ++i) EXPECT_NEAR(now[i], before[i], 1e-5f);
  // A tanh layer is close to an identity at first (scaled into tanh's linear range).
  ASSERT_TRUE(f.trainer->apply(AddLayer{2, 0, compute::Activation::Tanh}).ok());
  now = outputs(f);
  double worst = 0.0;
  for (std::size_t i = 0; i < now.size(); ++i) worst = std::max(worst, std::fabs(double(now[i]) - before[i]));
  EXPECT_LT(worst, 0.05) << "a new tanh layer should barely move the outputs";
  EXPECT_EQ(f.trainer->run(30), 30u);
  EXPECT_FALSE(f.trainer->diverged());
  ASSERT_TRUE(f.trainer->apply(RemoveLayer{0}).ok());
  EXPECT_EQ(f.trainer->config().spec.hidden.size(), 2u);
  EXPECT_EQ(f.trainer->run(30), 30u);
}

TEST_P(LiveEdit, InputFeaturesToggleAndKeepTheirWeights) {
  const auto before = outputs(f);
  const auto oldSpec = f.trainer->config().spec;
  const auto oldW0 = weightOf(oldSpec, f.trainer->parameters(), 0);
  // spiral: x1, x2, sin-x1, sin-x2; add x1^2 (new column 2, zero weights): outputs unchanged.
  auto features = data::FeatureSet::parse("x1,x2,x1^2,sin-x1,sin-x2").value();
  ASSERT_TRUE(f.trainer->apply(SetFeatures{features}).ok());
  EXPECT_EQ(f.trainer->config().spec.inputs, 5u);
  EXPECT_EQ(f.trainer->sharedDataset()->features, 5u);
  const auto w0 = weightOf(f.trainer->config().spec, f.trainer->parameters(), 0);
  for (std::size_t r = 0; r < 16; ++r) {
    EXPECT_EQ(w0[r * 5 + 0], oldW0[r * 4 + 0]);
    EXPECT_EQ(w0[r * 5 + 1], oldW0[r * 4 + 1]);
    EXPECT_EQ(w0[r * 5 + 2], 0.0f);
    EXPECT_EQ(w0[r * 5 + 3], oldW0[r * 4 + 2]);
    EXPECT_EQ(w0[r * 5 + 4], oldW0[r * 4 + 3]);
  }
  // The probe's rows keep their count with zero inputs until the editor sends new ones.
  f.trainer->setProbeInputs(f.probe, f.trainer->sharedDataset()->test.values);
  const auto now = outputs(f);
  ASSERT_EQ(now.size(), before.size());
  for (std::size_t i = 0; i < now.size(); ++i) EXPECT_NEAR(now[i], before[i], 1e-6f);
  EXPECT_EQ(f.trainer->run(20), 20u);
  // Drop x1: the other columns stay.
  const auto w5 = weightOf(f.trainer->config().spec, f.trainer->parameters(), 0);
  ASSERT_TRUE(f.trainer->apply(SetFeatures{data::FeatureSet::parse("x2,x1^2,sin-x1,sin-x2").value()}).ok());
  const auto w4 = weightOf(f.trainer->config().spec, f.trainer->parameters(), 0);
  for (std::size_t r = 0; r < 16; ++r) {
    for (std::size_t c = 0; c < 4; ++c) EXPECT_EQ(w4[r * 4 + c], w5[r * 5 + c + 1]);
  }
  EXPECT_EQ(f.trainer->run(20), 20u);
}

TEST_P(LiveEdit, NoiseRegeneratesThePointsAndKeepsTheWeights) {
  const auto params = f.trainer->parameters();
  const auto oldData = f.trainer->sharedDataset();
  ASSERT_TRUE(f.trainer->apply(RegenerateData{0.3f, 9}).ok());
  const auto data = f.trainer->sharedDataset();
  EXPECT_NE(data, oldData);
  EXPECT_EQ(data->train.count, oldData->train.count);
  EXPECT_EQ(data->features, oldData->features);
  EXPECT_NE(data->train.points, oldData->train.points);
  EXPECT_EQ(f.trainer->parameters(), params);
  EXPECT_EQ(f.trainer->run(20), 20u);
}

TEST_P(LiveEdit, ATypedWeightLandsAndBadOnesAreRefused) {
  const auto& spec = f.trainer->config().spec;
  const std::size_t index = spec.weightOffset(1) + 5;
  ASSERT_TRUE(f.trainer->apply(SetParameter{index, 0.75f}).ok());
  EXPECT_EQ(f.trainer->parameters()[index], 0.75f);
  EXPECT_EQ(f.trainer->events().back().after, "0.75");
  EXPECT_FALSE(f.trainer->apply(SetParameter{spec.parameterCount(), 1.0f}).ok());
  EXPECT_FALSE(f.trainer->apply(SetParameter{0, std::nanf("")}).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, LiveEdit, ::testing::Values("cpu", "vulkan"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace nsb::train
