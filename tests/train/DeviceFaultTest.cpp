// Training survives a failing Vulkan device (NSB_TEST_VULKAN_FAULT, gpu/FaultInjector.h): a failure
// while the trainer is made is one line from Trainer::create; one during a step stops training with
// the last good weights kept on the host and a "device error" event; the trainer and the session go on
// answering and carry on on the CPU backend. A lost device's weights are saved by the session. The
// validation layer stays silent throughout.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "TrainTestSupport.h"
#include "gpu/VulkanContext.h"
#include "nn/Checkpoint.h"
#include "train/LocalSession.h"

namespace nsb::train::testing {
namespace {

// A context of its own, made under `spec` (read when a context is made), with the validation layer.
std::shared_ptr<gpu::VulkanContext> contextWithFault(const std::string& spec) {
  setenv("NSB_TEST_VULKAN_FAULT", spec.c_str(), 1);
  auto context = gpu::VulkanContext::create({.validation = true});
  unsetenv("NSB_TEST_VULKAN_FAULT");
  EXPECT_TRUE(context) << context.message();
  return context ? context.value() : nullptr;
}

Loaded spiralOn(std::shared_ptr<gpu::VulkanContext> context) {
  Loaded l = loadPreset("spiral", "vulkan");
  l.config.stepsPerSubmit = 4;
  l.config.metricsEvery = 8;
  l.config.backendOptions.context = std::move(context);
  return l;
}

// Submissions made by Trainer::create and by run(STEPS) on the spiral preset (a fault that never fires
// counts them).
constexpr std::uint64_t STEPS = 24;
struct Counts {
  std::uint64_t create = 0, run = 0;
};
const Counts& counts() {
  static const Counts measured = [] {
    Counts c;
    auto context = contextWithFault("submit:1000000000");
    auto trainer = makeTrainer(spiralOn(context));
    c.create = context->faults().count();
    trainer->run(STEPS);
    c.run = context->faults().count() - c.create;
    return c;
  }();
  return measured;
}

void expectOneLine(const std::string& message, const std::string& mentions) {
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NE(message.find(mentions), std::string::npos) << message;
}

class DeviceFault : public ::testing::Test {
 protected:
  void SetUp() override {
    if (gpu::listVulkanDevices().empty()) GTEST_SKIP() << "no Vulkan device";
    mMessages = gpu::VulkanContext::validationMessages();
  }
  void TearDown() override {
    EXPECT_EQ(gpu::VulkanContext::validationMessages(), mMessages) << "validation messages (see the log above)";
  }

 private:
  std::uint32_t mMessages = 0;
};

TEST_F(DeviceFault, AFailureWhileTheTrainerIsMadeIsOneLine) {
  std::vector<std::pair<std::string, std::string>> cases = {{"alloc:1", "VK_ERROR_OUT_OF_DEVICE_MEMORY"},
                                                            {"alloc:6", "VK_ERROR_OUT_OF_DEVICE_MEMORY"},
                                                            {"pipeline:1", "VK_ERROR_OUT_OF_HOST_MEMORY"},
                                                            {"pipeline:4", "VK_ERROR_OUT_OF_HOST_MEMORY"}};
  // Submissions while it is made: none where device memory is mapped (lavapipe: uploads and zero fills
  // are copies on the host), the uploads' and fills' copies elsewhere.
  if (counts().create > 0) {
    cases.push_back({"submit:1", "VK_ERROR_OUT_OF_HOST_MEMORY"});
    cases.push_back({"submit:" + std::to_string(counts().create), "VK_ERROR_OUT_OF_HOST_MEMORY"});
    cases.push_back({"lost:" + std::to_string((counts().create + 1) / 2), "VK_ERROR_DEVICE_LOST"});
  }
  for (const auto& [spec, result] : cases) {
    SCOPED_TRACE(spec);
    auto created = Trainer::create(spiralOn(contextWithFault(spec)).config, loadPreset("spiral").dataset);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().kind, core::ErrorKind::Runtime);
    expectOneLine(created.message(), result);
  }
}

// The weights a fault-free run has after `steps` steps.
std::vector<float> cleanParameters(std::uint64_t steps) {
  auto trainer = makeTrainer(spiralOn(contextWithFault("")));
  trainer->run(steps);
  return trainer->parameters();
}

TEST_F(DeviceFault, AFailedStepStopsTrainingKeepsTheGoodWeightsAndGoesOnOnTheCpu) {
  const Counts& c = counts();
  ASSERT_GT(c.run, 4u);
  // The first submission of training, one in the middle, the last, and a lost device mid-run.
  const std::pair<std::string, std::string> cases[] = {
      {"submit:" + std::to_string(c.create + 1), "VK_ERROR_OUT_OF_HOST_MEMORY"},
      {"submit:" + std::to_string(c.create + c.run / 2), "VK_ERROR_OUT_OF_HOST_MEMORY"},
      {"submit:" + std::to_string(c.create + c.run), "VK_ERROR_OUT_OF_HOST_MEMORY"},
      {"lost:" + std::to_string(c.create + c.run / 2), "VK_ERROR_DEVICE_LOST"}};
  for (const auto& [spec, result] : cases) {
    SCOPED_TRACE(spec);
    auto trainer = makeTrainer(spiralOn(contextWithFault(spec)));
    ASSERT_TRUE(trainer);
    trainer->run(STEPS);  // the last case fails in the metric point after the last step
    ASSERT_FALSE(trainer->status());
    expectOneLine(trainer->status().message(), result);
    ASSERT_FALSE(trainer->events().empty());
    EXPECT_EQ(trainer->events().back().what, "device error");
    EXPECT_EQ(trainer->run(STEPS), 0u) << "a failed device runs nothing more";

    // The host keeps the weights of the last good step: those of a fault-free run to that step.
    const nn::Checkpoint kept = trainer->checkpoint();
    EXPECT_EQ(kept.step, trainer->goodStep());
    EXPECT_LE(kept.step, trainer->step());
    const std::vector<float> expected = cleanParameters(kept.step);
    ASSERT_EQ(kept.parameters.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) ASSERT_NEAR(kept.parameters[i], expected[i], 1e-5f) << i;

    Hyperparams h = trainer->config().hyperparams;
    h.learningRate *= 0.5f;
    auto refused = trainer->apply(SetHyperparams{h});
    ASSERT_FALSE(refused);
    expectOneLine(refused.message(), "switch the backend to go on");

    auto switched = trainer->apply(SwitchBackend{"cpu"});
    ASSERT_TRUE(switched) << switched.message();
    EXPECT_TRUE(trainer->status());
    EXPECT_EQ(trainer->backend().name(), "cpu");
    EXPECT_EQ(trainer->step(), kept.step) << "the steps after the good state were lost with the device";
    EXPECT_EQ(trainer->parameters(), kept.parameters);
    EXPECT_EQ(trainer->run(8), 8u);
    EXPECT_EQ(trainer->step(), kept.step + 8);
    EXPECT_TRUE(std::isfinite(trainer->lastLoss()));
  }
}

TEST_F(DeviceFault, TheSameBackendCanBeMadeAgainAfterAFailure) {
  auto trainer = makeTrainer(spiralOn(contextWithFault("submit:" + std::to_string(counts().create + 2))));
  ASSERT_TRUE(trainer);
  trainer->run(STEPS);
  ASSERT_FALSE(trainer->status());
  // A one-off fault: the shared context is still good, so a new Vulkan backend on it trains.
  auto switched = trainer->apply(SwitchBackend{"vulkan"});
  ASSERT_TRUE(switched) << switched.message();
  EXPECT_EQ(trainer->run(8), 8u);
  EXPECT_TRUE(trainer->status());
}

TEST_F(DeviceFault, ASessionReportsALostDeviceSavesItsWeightsAndKeepsAnswering) {
  const auto folder = std::filesystem::temp_directory_path() / ("nsb-device-lost-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const char* oldTmp = std::getenv("TMPDIR");
  const std::string keptTmp = oldTmp ? oldTmp : "";
  setenv("TMPDIR", folder.c_str(), 1);
  Loaded l = spiralOn(contextWithFault("lost:" + std::to_string(counts().create + counts().run / 2)));
  auto created = LocalSession::create(l.config, l.dataset, false);
  ASSERT_TRUE(created) << created.message();
  auto& s = created.value();
  s->submit(Step{STEPS});
  ASSERT_EQ(s->sync(std::chrono::seconds(60)), SyncStatus::Synced);
  auto snap = s->latest();
  ASSERT_TRUE(snap);
  EXPECT_LT(snap->step, STEPS);
  EXPECT_FALSE(snap->running);
  const Outcome* reported = nullptr;
  for (const auto& outcome : snap->outcomes) {
    if (!outcome.ok) reported = &outcome;
  }
  ASSERT_NE(reported, nullptr) << "the failure reaches the editor's banner as a refused outcome";
  expectOneLine(reported->message, "VK_ERROR_DEVICE_LOST");
  ASSERT_FALSE(snap->events.empty());
  EXPECT_EQ(snap->events.back().what, "device error");

  // The weights kept are on disk, named in the message.
  const std::string marker = "saved to ";
  const auto at = reported->message.find(marker);
  ASSERT_NE(at, std::string::npos) << reported->message;
  const std::string path =
      reported->message.substr(at + marker.size(), reported->message.find(';', at) - at - marker.size());
  EXPECT_EQ(std::filesystem::path(path).parent_path(), folder);
  auto saved = nn::loadCheckpoint(path);
  ASSERT_TRUE(saved) << saved.message();
  // The steps after the last good state ran, but their weights went with the device.
  EXPECT_LE(saved->step, snap->step);
  expectOneLine(reported->message, "with the weights of step " + std::to_string(saved->step) + ",");
  const std::vector<float> expected = cleanParameters(saved->step);
  ASSERT_EQ(saved->parameters.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) ASSERT_NEAR(saved->parameters[i], expected[i], 1e-5f) << i;

  // Still answering: play is refused with the reason, and the CPU backend carries on.
  s->submit(Resume{});
  ASSERT_EQ(s->sync(std::chrono::seconds(60)), SyncStatus::Synced);
  EXPECT_FALSE(s->latest()->running);
  EXPECT_FALSE(s->latest()->outcomes.back().ok);
  s->submit(SwitchBackend{"cpu"});
  s->submit(Step{4});
  ASSERT_EQ(s->sync(std::chrono::seconds(60)), SyncStatus::Synced);
  snap = s->latest();
  EXPECT_EQ(snap->backend, "cpu");
  EXPECT_EQ(snap->step, saved->step + 4);
  s.reset();
  if (oldTmp) {
    setenv("TMPDIR", keptTmp.c_str(), 1);
  } else {
    unsetenv("TMPDIR");
  }
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace nsb::train::testing
