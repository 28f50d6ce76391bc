// Tests of ModelSpec: its JSON round trip, the flat layout offsets, and the validation errors that
// presets and checkpoints rely on.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "nn/ModelSpec.h"

namespace nsb::nn {
namespace {

using nlohmann::json;

ModelSpec sample() {
  ModelSpec spec;
  spec.inputs = 6;
  spec.hidden = {
      {5, compute::Activation::Gelu}, {4, compute::Activation::LeakyRelu}, {3, compute::Activation::Sigmoid}};
  spec.outputs = 1;
  spec.head = compute::Head::Sigmoid;
  spec.loss = compute::LossKind::BinaryCrossEntropy;
  return spec;
}

TEST(ModelSpec, JsonRoundTrip) {
  const ModelSpec spec = sample();
  const json j = spec.toJson();
  EXPECT_EQ(j["hidden"][0]["activation"], "gelu");
  EXPECT_EQ(j["loss"], "bce");
  // Through text as well, as checkpoints and presets store it.
  auto back = ModelSpec::fromJson(json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, spec);
}

TEST(ModelSpec, FlatLayoutOffsets) {
  const ModelSpec spec = sample();
  // weights 5x6, 4x5, 3x4, 1x3 then biases 5, 4, 3, 1.
  EXPECT_EQ(spec.weightOffset(1), 30u);
  EXPECT_EQ(spec.weightOffset(3), 62u);
  EXPECT_EQ(spec.weightCount(), 65u);
  EXPECT_EQ(spec.biasOffset(0), 65u);
  EXPECT_EQ(spec.biasOffset(3), 77u);
  EXPECT_EQ(spec.parameterCount(), 78u);
}

TEST(ModelSpec, RejectsHeadLossPairsThatDoNotFit) {
  struct Pair {
    compute::Head head;
    compute::LossKind loss;
  };
  for (Pair p : {Pair{compute::Head::Softmax, compute::LossKind::BinaryCrossEntropy},
                 Pair{compute::Head::Linear, compute::LossKind::CrossEntropy},
                 Pair{compute::Head::Sigmoid, compute::LossKind::CrossEntropy},
                 Pair{compute::Head::Linear, compute::LossKind::BinaryCrossEntropy}}) {
    ModelSpec spec = sample();
    spec.outputs = 3;
    spec.head = p.head;
    spec.loss = p.loss;
    const core::Status status = spec.validate();
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.message().find("does not go with"), std::string::npos) << status.message();
    EXPECT_FALSE(ModelSpec::fromJson(spec.toJson()).ok());
  }
}

TEST(ModelSpec, RejectsZeroSizes) {
  ModelSpec spec = sample();
  spec.hidden[1].width = 0;
  ASSERT_FALSE(spec.validate().ok());
  EXPECT_NE(spec.validate().message().find("hidden layer 1"), std::string::npos);
  spec = sample();
  spec.inputs = 0;
  EXPECT_FALSE(spec.validate().ok());
  spec = sample();
  spec.outputs = 0;
  EXPECT_FALSE(spec.validate().ok());
  spec = sample();
  spec.head = compute::Head::Softmax;
  spec.loss = compute::LossKind::CrossEntropy;
  spec.outputs = 1;  // softmax over one class is constant
  EXPECT_FALSE(spec.validate().ok());
}

TEST(ModelSpec, FromJsonRejectsMalformedInput) {
  EXPECT_FALSE(ModelSpec::fromJson(json::array()).ok());
  EXPECT_FALSE(ModelSpec::fromJson(json::parse(R"({"inputs": -3, "outputs": 2})")).ok());
  EXPECT_FALSE(ModelSpec::fromJson(json::parse(R"({"inputs": 2, "outputs": 2, "hidden": [{"width": 0}]})")).ok());
  EXPECT_FALSE(ModelSpec::fromJson(json::parse(R"({"inputs": 2, "outputs": 2, "hidden": [{"width": 2.5}]})")).ok());
  const auto badActivation = ModelSpec::fromJson(
      json::parse(R"({"inputs": 2, "outputs": 2, "hidden": [{"width": 3, "activation": "swish"}]})"));
  ASSERT_FALSE(badActivation.ok());
  EXPECT_NE(badActivation.message().find("swish"), std::string::npos);
  EXPECT_FALSE(ModelSpec::fromJson(json::parse(R"({"inputs": 2, "outputs": 2, "head": "tanh"})")).ok());
  EXPECT_FALSE(ModelSpec::fromJson(json::parse(R"({"inputs": 2, "outputs": 2, "hidden": 4})")).ok());
}

}  // namespace
}  // namespace nsb::nn
