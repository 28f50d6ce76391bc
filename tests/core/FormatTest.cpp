// Number formatting: the shortest text that reads back to the same float (or double), and the files
// that write numbers (presets, checkpoint metadata) writing them so.
#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/Format.h"
#include "nn/Checkpoint.h"
#include "train/Preset.h"

using nsb::core::decimalValue;
using nsb::core::formatNumber;

TEST(Format, FloatsInTheirShortestForm) {
  EXPECT_EQ(formatNumber(0.01f), "0.01");
  EXPECT_EQ(formatNumber(2.5e-5f), "2.5e-05");
  EXPECT_EQ(formatNumber(10.0f), "10");
  EXPECT_EQ(formatNumber(0.9f), "0.9");
  EXPECT_EQ(formatNumber(1e-3f), "0.001");
  EXPECT_EQ(formatNumber(0.999f), "0.999");
  EXPECT_EQ(formatNumber(-3.5f), "-3.5");
  EXPECT_EQ(formatNumber(0.0f), "0");
  EXPECT_EQ(formatNumber(-0.0f), "0");
  EXPECT_EQ(formatNumber(std::numeric_limits<float>::quiet_NaN()), "nan");
  EXPECT_EQ(formatNumber(std::numeric_limits<float>::infinity()), "inf");
  EXPECT_EQ(formatNumber(-std::numeric_limits<float>::infinity()), "-inf");
}

TEST(Format, DoublesInTheirShortestForm) {
  EXPECT_EQ(formatNumber(0.1), "0.1");
  EXPECT_EQ(formatNumber(0.036140), "0.03614");
  // A float widened to double keeps its binary value: at double precision it is not 0.01.
  EXPECT_NE(formatNumber(static_cast<double>(0.01f)), "0.01");
}

TEST(Format, EveryFloatReadsBackExactly) {
  // Values across the range, including ones with 9 significant digits.
  for (float v : {0.1f, 1.0f / 3.0f, 123456.789f, 1e-7f, 3.4e38f, 1.17549435e-38f, 16777217.0f, 0.30000001f}) {
    const std::string text = formatNumber(v);
    EXPECT_EQ(std::strtof(text.c_str(), nullptr), v) << text;
    EXPECT_EQ(static_cast<float>(decimalValue(v)), v) << text;
  }
}

TEST(Format, DecimalValueMakesJsonWriteTheShortestForm) {
  EXPECT_EQ(nlohmann::json(static_cast<double>(0.9f)).dump(), "0.8999999761581421");  // the problem
  EXPECT_EQ(nlohmann::json(decimalValue(0.9f)).dump(), "0.9");
  EXPECT_EQ(nlohmann::json(decimalValue(0.001f)).dump(), "0.001");
  EXPECT_EQ(nlohmann::json(decimalValue(2.5e-5f)).dump(), "2.5e-05");
  EXPECT_EQ(nlohmann::json::parse(nlohmann::json(decimalValue(0.9f)).dump()).get<float>(), 0.9f);
}

TEST(Format, SavedPresetsAndCheckpointsWriteTheShortestForm) {
  nsb::train::Preset preset;
  preset.dataset.name = "xor";
  preset.dataset.synthetic.noise = 0.1f;
  preset.hyperparams.learningRate = 0.03f;
  const std::string text = preset.toJson().dump();
  for (const char* expected : {R"("lr":0.03)", R"("momentum":0.9)", R"("beta2":0.999)", R"("noise":0.1)"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in " << text;
  }
  EXPECT_EQ(text.find("0.8999"), std::string::npos) << text;
  auto again = nsb::train::Preset::fromJson(nlohmann::json::parse(text), "round trip");
  ASSERT_TRUE(again.ok()) << again.message();
  EXPECT_EQ(again->hyperparams, preset.hyperparams) << "the short forms read back to the same floats";

  nsb::nn::Checkpoint checkpoint;
  checkpoint.spec.inputs = 2;
  checkpoint.spec.outputs = 2;
  checkpoint.hyperparams = preset.hyperparams.toJson();
  checkpoint.normalisation.scale = 1.0f / 255.0f;
  checkpoint.parameters.assign(checkpoint.spec.parameterCount(), 0.5f);
  auto bytes = nsb::nn::serializeCheckpoint(checkpoint);
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  const std::string file(bytes->begin(), bytes->end());
  EXPECT_NE(file.find(R"(\"lr\":0.03)"), std::string::npos);
  EXPECT_NE(file.find(R"(\"scale\":0.003921569)"), std::string::npos) << "1/255 at float precision";
  EXPECT_EQ(file.find("0.8999"), std::string::npos);
  auto parsed = nsb::nn::parseCheckpoint(*bytes, "test");
  ASSERT_TRUE(parsed.ok()) << parsed.message();
  EXPECT_EQ(parsed->normalisation.scale, 1.0f / 255.0f);
}
