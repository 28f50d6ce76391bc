// Presets: every built-in preset loads and fits its dataset; malformed or out-of-range preset JSON is a
// one-line error naming the file and the problem, never a crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "train/Preset.h"

namespace nsb::train {
namespace {

core::Result<Preset> parse(const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return core::badInput("not JSON");
  return Preset::fromJson(json, "test.json");
}

TEST(Preset, EveryBuiltInPresetLoads) {
  const auto names = presetNames();
  for (const char* expected :
       {"spiral", "xor", "circle", "gauss", "reg-plane", "reg-gauss", "mnist-mlp", "fashion-mlp"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
  for (const auto& name : names) {
    auto preset = Preset::load(name);
    ASSERT_TRUE(preset.ok()) << name << ": " << preset.message();
    EXPECT_EQ(preset->name, name);
  }
}

TEST(Preset, MnistMlpIsTheKerasExample) {
  auto p = Preset::load("mnist-mlp");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->hidden.size(), 2u);
  EXPECT_EQ(p->hidden[0].width, 64u);
  EXPECT_EQ(p->hidden[1].width, 64u);
  EXPECT_EQ(p->hidden[0].activation, compute::Activation::Relu);
  EXPECT_EQ(p->hyperparams.optimizer, compute::OptimizerKind::Adam);
  EXPECT_FLOAT_EQ(p->hyperparams.learningRate, 1e-3f);
  EXPECT_EQ(p->hyperparams.batchSize, 32u);
  EXPECT_EQ(*p->head, compute::Head::Softmax);
  EXPECT_EQ(*p->loss, compute::LossKind::CrossEntropy);
}

TEST(Preset, JsonRoundTrip) {
  auto p = Preset::load("spiral");
  ASSERT_TRUE(p.ok());
  auto again = Preset::fromJson(p->toJson(), "round trip");
  ASSERT_TRUE(again.ok()) << again.message();
  EXPECT_EQ(again->hidden, p->hidden);
  EXPECT_EQ(again->hyperparams, p->hyperparams);
  EXPECT_EQ(again->dataset.features, p->dataset.features);
  EXPECT_EQ(again->epochs, p->epochs);
}

// The dataset record a checkpoint keeps (extra "data") reads back to the same request: a generated
// set's points, noise and split; a file's split, label column, standardisation and task.
TEST(Preset, TheDatasetRecordReadsBackToTheSameRequest) {
  data::DatasetRequest spiral;
  spiral.name = "spiral";
  spiral.synthetic.points = 1000;
  spiral.synthetic.noise = 0.2f;
  spiral.synthetic.trainRatio = 0.7f;
  data::DatasetRequest csv;
  csv.name = "/data/houses.csv";
  csv.csv.trainRatio = 0.9f;
  csv.csv.labelColumn = 2;
  csv.csv.standardize = true;
  csv.csv.task = data::Task::Regression;
  for (const auto& request : {spiral, csv}) {
    data::DatasetRequest read;
    ASSERT_TRUE(readDatasetJson(datasetJson(request), read).ok()) << datasetJson(request).dump();
    EXPECT_EQ(read.name, request.name);
    EXPECT_EQ(read.synthetic.points, request.synthetic.points);
    EXPECT_EQ(read.synthetic.noise, request.synthetic.noise);
    EXPECT_EQ(read.csv.labelColumn, request.csv.labelColumn);
    EXPECT_EQ(read.csv.standardize, request.csv.standardize);
    EXPECT_EQ(read.csv.task, request.csv.task);
  }
  data::DatasetRequest read;
  ASSERT_TRUE(readDatasetJson(datasetJson(spiral), read).ok());
  EXPECT_EQ(read.synthetic.trainRatio, 0.7f);
  ASSERT_TRUE(readDatasetJson(datasetJson(csv), read = {}).ok());
  EXPECT_EQ(read.csv.trainRatio, 0.9f) << "a file's split is not the generated sets' default";
  EXPECT_FALSE(readDatasetJson(nlohmann::json{{"name", "spiral"}, {"task", "both"}}, read).ok());
}

TEST(Preset, BadPresetsAreOneLineErrors) {
  const char* cases[] = {
      R"([1, 2])",
      R"({"dataset": {"name": "spiral"}, "bogus": 1})",
      R"({"model": {}})",
      R"({"dataset": {"name": 7}})",
      R"({"dataset": {"name": "spiral", "points": -5}})",
      R"({"dataset": {"name": "spiral", "features": "x1,bogus"}})",
      R"({"dataset": {"name": "spiral"}, "model": {"hidden": [{"width": 0}]}})",
      R"({"dataset": {"name": "spiral"}, "model": {"hidden": [{"width": 4, "activation": "swish"}]}})",
      R"({"dataset": {"name": "spiral"}, "model": {"head": "softmax2"}})",
      R"({"dataset": {"name": "spiral"}, "training": {"lr": -1}})",
      R"({"dataset": {"name": "spiral"}, "training": {"lr": "fast"}})",
      R"({"dataset": {"name": "spiral"}, "training": {"optimizer": "lbfgs"}})",
      R"({"dataset": {"name": "spiral"}, "training": {"epochs": 0}})",
      R"({"dataset": {"name": "spiral"}, "training": {"stop_at_accuracy": 1.5}})",
      R"({"dataset": {"name": "spiral"}, "training": {"momentum": 1.0}})",
      R"({"dataset": {"name": "spiral"}, "training": {"batch": -3}})",
      R"({"dataset": {"name": "spiral"}, "training": {"unknown_knob": 1}})",
  };
  for (const char* text : cases) {
    auto p = parse(text);
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(p.message().find('\n'), std::string::npos) << p.message();
    EXPECT_EQ(p.message().rfind("test.json: ", 0), 0u) << p.message();
  }
}

TEST(Preset, FilesAreReadAndBadFilesNamed) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto good = dir / "nsb-preset-good.json";
  const auto bad = dir / "nsb-preset-bad.json";
  std::ofstream(good) << R"({"dataset": {"name": "xor"}, "model": {"hidden": [{"width": 3, "activation": "relu"}]}})";
  std::ofstream(bad) << R"({"dataset": )";
  auto p = Preset::load(good.string());
  ASSERT_TRUE(p.ok()) << p.message();
  EXPECT_EQ(p->name, "nsb-preset-good");
  EXPECT_EQ(p->hidden.size(), 1u);
  auto q = Preset::load(bad.string());
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.message().find("nsb-preset-bad.json"), std::string::npos);
  EXPECT_FALSE(Preset::load((dir / "nsb-no-such-preset.json").string()).ok());
  EXPECT_FALSE(Preset::load("no-such-preset").ok());
  std::filesystem::remove(good);
  std::filesystem::remove(bad);
}

}  // namespace
}  // namespace nsb::train
