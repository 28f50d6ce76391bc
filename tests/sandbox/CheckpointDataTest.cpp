// A checkpoint saved from a session (the editor's File > Save checkpoint, a served job's) records how its
// data was made, so that `eval --checkpoint` rebuilds that data: other points, noise and features than
// the preset's, and points drawn again with another seed and noise (the editor's Regenerate).
#include <gtest/gtest.h>

#include <filesystem>

#include "CliRun.h"
#include "data/DatasetCatalog.h"
#include "train/LocalSession.h"
#include "train/Preset.h"

namespace nsb::sandbox {
namespace {

using testing::CliRun;
using testing::lastJsonLine;
using testing::run;

TEST(CheckpointData, ASessionsCheckpointEvaluatesOnTheDataItTrainedOn) {
  auto preset = train::Preset::load("spiral");
  ASSERT_TRUE(preset) << preset.message();
  data::DatasetRequest request = preset->dataset;
  request.synthetic.points = 400;  // the preset's: 600 points, no noise, four features
  request.synthetic.noise = 0.3f;
  request.synthetic.seed = 5;
  request.features = data::FeatureSet::parse("x1,x2,x1x2").value();
  auto dataset = data::loadDataset(request);
  ASSERT_TRUE(dataset) << dataset.message();
  auto shared = std::make_shared<const data::Dataset>(std::move(dataset.value()));
  train::TrainerConfig config;
  config.backend = "cpu";
  config.backendOptions.threads = 1;
  config.spec = preset->modelFor(*shared).value();
  config.hyperparams = preset->hyperparams;
  config.seed = 5;
  config.metricsEvery = 1;  // a metric point (with the test figures) at the last step
  config.data = request;
  auto session = train::LocalSession::create(config, shared, false);
  ASSERT_TRUE(session) << session.message();
  train::Session& s = *session.value();
  s.submit(train::Step{40});
  s.submit(train::RegenerateData{0.2f, 11});  // the Details panel's Regenerate: another seed and noise
  s.submit(train::Step{20});
  const std::string path =
      (std::filesystem::temp_directory_path() / ("nsb-checkpoint-data-" + std::to_string(::getpid()) + ".safetensors"))
          .string();
  s.submit(train::SaveCheckpoint{path});
  ASSERT_EQ(s.sync(std::chrono::seconds(60)), train::SyncStatus::Synced);
  const auto snapshot = s.latest();
  ASSERT_FALSE(snapshot->history.empty());
  const train::MetricPoint& last = snapshot->history.back();
  ASSERT_EQ(last.step, 60u);

  const CliRun r = run("eval --checkpoint " + path + " --backend cpu --json");
  std::filesystem::remove(path);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto evaluated = lastJsonLine(r.out);
  EXPECT_EQ(evaluated["samples"], 200);  // half of the 400 points
  EXPECT_NEAR(evaluated["test_accuracy"].get<double>(), last.test.accuracy, 1e-9);
  EXPECT_NEAR(evaluated["test_loss"].get<double>(), last.test.loss, 1e-6);
}

}  // namespace
}  // namespace nsb::sandbox
