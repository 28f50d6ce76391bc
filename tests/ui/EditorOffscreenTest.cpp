// Offscreen editor frames on lavapipe (or any Vulkan device): the output heatmap's pixels against the
// network's own predictions computed on the host, frames that change while training and stay put
// while paused, byte-identical screenshots for the same arguments, and a clean validation layer.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "UiTestSupport.h"
#include "nn/Checkpoint.h"
#include "render/Colormap.h"
#include "render/HeatmapView.h"
#include "train/Session.h"
#include "ui/Editor.h"
#include "ui/Settings.h"

namespace nsb::ui {
namespace {

using test::spiralOptions;

// Whether two frames differ inside `rect`.
bool differInside(const render::Image& a, const render::Image& b, const Rect& rect) {
  for (auto y = static_cast<std::uint32_t>(rect.min.y); y < static_cast<std::uint32_t>(rect.max.y); ++y) {
    for (auto x = static_cast<std::uint32_t>(rect.min.x); x < static_cast<std::uint32_t>(rect.max.x); ++x) {
      if (std::memcmp(a.pixel(x, y), b.pixel(x, y), 4) != 0) return true;
    }
  }
  return false;
}

// The output view's pixels against the host forward pass: the CPU backend's probes through the
// atlas, the Vulkan backend's read where they are (zero copy).
void expectOutputHeatmapAgreesWithTheNetworksPredictions(const std::string& backend) {
  SCOPED_TRACE(backend);
  auto options = spiralOptions(backend, 1280, 720);
  options.stepsPerFrame = 40;
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  auto& editor = app.value()->editor();
  editor.network().options().showTrain = false;
  editor.network().options().showTest = false;
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(app.value()->frame(i == 7));
  auto image = app.value()->captured();
  ASSERT_TRUE(image.ok()) << image.message();
  const auto snapshot = app.value()->session().latest();
  ASSERT_TRUE(snapshot->probes);
  EXPECT_EQ(snapshot->step, 8u * 40u);
  EXPECT_EQ(snapshot->probes->step, snapshot->step) << "the frame shows the probes of its own step";
  EXPECT_EQ(snapshot->probes->onDevice, backend == "vulkan") << "zero copy on Vulkan only";
  EXPECT_EQ(static_cast<bool>(app.value()->session().deviceProbes(snapshot->probes->version)), backend == "vulkan")
      << "the device buffer through the session's side channel, on Vulkan only";
  const Rect out = editor.network().outputRect();
  ASSERT_GE(out.width(), 256.0f) << "the output view is at least 256 pixels wide at 1280x720";

  const auto features = data::FeatureSet::parse(options.featureList).value();
  int checked = 0, agree = 0;
  double colourError = 0.0;
  for (int gy = 0; gy < 16; ++gy) {
    for (int gx = 0; gx < 16; ++gx) {
      const float px = out.min.x + 4.0f + (out.width() - 8.0f) * (static_cast<float>(gx) + 0.5f) / 16.0f;
      const float py = out.min.y + 4.0f + (out.height() - 8.0f) * (static_cast<float>(gy) + 0.5f) / 16.0f;
      const auto ix = static_cast<std::uint32_t>(px), iy = static_cast<std::uint32_t>(py);
      const ImVec2 plane =
          NetworkView::planePoint(out, ImVec2(static_cast<float>(ix) + 0.5f, static_cast<float>(iy) + 0.5f));
      std::vector<float> x(features.size());
      features.apply(plane.x, plane.y, x.data());
      const float p = test::forward(snapshot->spec, snapshot->probes->parameters, x)[0];
      const auto expected = render::heatmapColor(p, 0.0f, 1.0f);
      const std::uint8_t* pixel = image.value().pixel(ix, iy);
      double error = 0.0;
      for (int c = 0; c < 3; ++c) error += std::fabs(pixel[c] / 255.0 - expected[c]);
      colourError += error / 3.0;
      if (std::fabs(p - 0.5f) < 0.15f) continue;  // near the boundary interpolation may flip the side
      ++checked;
      // Blue (class 1) has more blue than red; orange (class 0) the other way round.
      const bool blue = pixel[2] > pixel[0];
      if (blue == (p > 0.5f)) ++agree;
    }
  }
  ASSERT_GT(checked, 100);
  EXPECT_EQ(agree, checked) << "pixels on the wrong side of the decision boundary";
  EXPECT_LT(colourError / 256.0, 0.06) << "mean colour error against the host forward pass";
}

TEST(EditorOffscreen, OutputHeatmapAgreesWithTheNetworksPredictions) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  expectOutputHeatmapAgreesWithTheNetworksPredictions("cpu");
  expectOutputHeatmapAgreesWithTheNetworksPredictions("vulkan");
}

// Zero copy on the Vulkan backend: while training several steps per frame, the bytes copied between
// host and device per frame (the backend's transfers and the heatmap atlas uploads) stay within
// 64 KiB, and the heatmaps still change.
TEST(EditorOffscreen, VulkanHeatmapsCopyAtMost64KiBPerFrame) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  auto options = spiralOptions("vulkan", 800, 500);
  options.stepsPerFrame = 8;
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  App& a = *app.value();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(a.frame());  // warm-up: probes, atlas of the input tiles
  ASSERT_TRUE(a.session().latest()->probes);
  ASSERT_TRUE(a.session().latest()->probes->onDevice) << "the probes should stay on the device";
  const std::uint64_t backendBefore = a.session().latest()->bytesTransferred;
  const std::uint64_t uploadsBefore = a.heatmaps().uploadedBytes();
  const std::uint64_t firstStep = a.session().latest()->step;
  constexpr int FRAMES = 60;
  ASSERT_TRUE(a.frame(true));
  const auto first = a.captured().value();
  for (int i = 1; i < FRAMES - 1; ++i) ASSERT_TRUE(a.frame());
  ASSERT_TRUE(a.frame(true));
  const auto last = a.captured().value();
  const auto snapshot = a.session().latest();
  const double backend = static_cast<double>(snapshot->bytesTransferred - backendBefore) / FRAMES;
  const double uploads = static_cast<double>(a.heatmaps().uploadedBytes() - uploadsBefore) / FRAMES;
  const double perFrame = backend + uploads;
  std::printf(
      "vulkan, %d frames of %u steps: %.0f bytes per frame between host and device "
      "(backend %.0f, heatmap uploads %.0f)\n",
      FRAMES, options.stepsPerFrame, perFrame, backend, uploads);
  EXPECT_EQ(snapshot->step, firstStep + FRAMES * options.stepsPerFrame);
  EXPECT_EQ(snapshot->probes->step, snapshot->step) << "the last frame shows the probes of its own step";
  const auto device = a.session().deviceProbes(snapshot->probes->version);
  ASSERT_TRUE(device);
  EXPECT_GT(device->buffer.ready, 0u) << "handed to the renderer with the compute timeline";
  EXPECT_LE(perFrame, 64.0 * 1024.0) << "bytes between host and device per frame";
  EXPECT_TRUE(differInside(first, last, a.editor().network().outputRect())) << "the output view should change";
}

TEST(EditorOffscreen, FramesChangeWhileTrainingAndNotWhilePaused) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  auto app = App::create(spiralOptions("cpu", 800, 500));
  ASSERT_TRUE(app.ok()) << app.message();
  App& a = *app.value();
  ASSERT_TRUE(a.frame(true));
  const auto first = a.captured().value();
  ASSERT_TRUE(a.frame(true));
  const auto second = a.captured().value();
  EXPECT_TRUE(differInside(first, second, a.editor().viewportRect())) << "training frames should differ";

  a.editor().setPlaying(false);
  ASSERT_TRUE(a.frame(true));
  const std::uint64_t pausedAt = a.session().latest()->step;
  ASSERT_TRUE(a.frame(true));
  const auto third = a.captured().value();
  ASSERT_TRUE(a.frame(true));
  const auto fourth = a.captured().value();
  EXPECT_EQ(a.session().latest()->step, pausedAt);
  EXPECT_FALSE(differInside(third, fourth, a.editor().viewportRect())) << "paused frames should be equal";
  EXPECT_EQ(third.rgba, fourth.rgba);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(EditorOffscreen, SameArgumentsGiveTheSamePngAndItIsNotFlat) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  if (!std::filesystem::exists(NSB_CLI)) GTEST_SKIP() << "build neural-sandbox first: " << NSB_CLI;
  const std::string dir = ::testing::TempDir();
  const std::string a = dir + "/nsb_ui_a.png", b = dir + "/nsb_ui_b.png";
  const std::string args = " gui --headless --frames 6 --steps-per-frame 5 --backend cpu --width 640 --height 400";
  ASSERT_EQ(std::system((std::string(NSB_CLI) + args + " --screenshot " + a).c_str()), 0);
  ASSERT_EQ(std::system((std::string(NSB_CLI) + args + " --screenshot " + b).c_str()), 0);
  const std::string first = readFile(a), second = readFile(b);
  ASSERT_GT(first.size(), 1000u);
  EXPECT_EQ(first, second) << "the same arguments must give byte-identical PNGs";
  EXPECT_EQ(first.substr(1, 3), "PNG");
  std::remove(a.c_str());
  std::remove(b.c_str());

  // Not flat: many distinct colours in an in-process frame.
  auto app = App::create(spiralOptions("cpu", 640, 400));
  ASSERT_TRUE(app.ok()) << app.message();
  ASSERT_TRUE(app.value()->frame(true));
  const auto image = app.value()->captured().value();
  std::set<std::uint32_t> colours;
  for (std::size_t i = 0; i < image.rgba.size(); i += 4) {
    colours.insert(image.rgba[i] | image.rgba[i + 1] << 8 | image.rgba[i + 2] << 16);
  }
  EXPECT_GT(colours.size(), 200u);
}

TEST(EditorOffscreen, HeadlessWithoutFramesIsBadInputAndNoDisplaySaysSo) {
  if (!std::filesystem::exists(NSB_CLI)) GTEST_SKIP() << "build neural-sandbox first: " << NSB_CLI;
  EXPECT_EQ(WEXITSTATUS(std::system((std::string(NSB_CLI) + " gui --headless 2>/dev/null").c_str())), 2);
  const std::string noDisplay = "env -u DISPLAY -u WAYLAND_DISPLAY " + std::string(NSB_CLI) + " 2>&1";
  FILE* pipe = popen(noDisplay.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = pclose(pipe);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(output.find("--headless"), std::string::npos) << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
}

TEST(EditorOffscreen, ValidationLayerStaysQuietOnTheVulkanBackend) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  const std::uint32_t before = gpu::VulkanContext::validationMessages();
  auto options = spiralOptions("vulkan", 800, 500);
  options.validation = true;
  options.stepsPerFrame = 4;
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(app.value()->frame(i == 5));
  ASSERT_TRUE(app.value()->captured().ok());
  app.value()->editor().setPlaying(false);
  app.value()->session().submit(train::SwitchBackend{"cpu"});
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(app.value()->frame());
  EXPECT_EQ(app.value()->session().latest()->backend, "cpu");
  app.value().reset();
  EXPECT_EQ(gpu::VulkanContext::validationMessages(), before) << "validation messages (see the log above)";
}

// Every structural edit while training on Vulkan, through the session, with the frames drawn in
// between: no reset, the picture follows the new network, the validation layer stays quiet.
TEST(EditorOffscreen, StructuralEditsWhileTrainingOnVulkan) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  const std::uint32_t before = gpu::VulkanContext::validationMessages();
  auto options = spiralOptions("vulkan", 1024, 640);
  options.validation = true;
  options.stepsPerFrame = 4;
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  App& a = *app.value();
  auto& session = a.session();
  auto frames = [&](int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(a.frame(i + 1 == n));
  };
  frames(3);
  const auto features = data::FeatureSet::parse("x1,x2,x1x2,sin-x1,sin-x2").value();
  const std::vector<train::Command> edits = {
      train::SetLayerWidth{0, 17},
      train::RemoveNeuron{1, 2},
      train::AddLayer{2, 0, compute::Activation::Tanh},
      train::SetFeatures{features},
      NetworkView::probesFor(features),
      train::RegenerateData{0.2f, 5},
      train::SetParameter{3, 0.25f},
      train::RemoveLayer{0},
  };
  std::vector<std::uint64_t> sequences;
  for (const auto& edit : edits) {
    sequences.push_back(session.submit(edit));
    frames(2);
  }
  const auto snapshot = session.latest();
  for (const auto& outcome : snapshot->outcomes) EXPECT_TRUE(outcome.ok) << outcome.message;
  EXPECT_GE(snapshot->appliedSequence, sequences.back()) << "every edit applied (frames' steps come after)";
  EXPECT_EQ(snapshot->step, 4u * (3 + 2 * edits.size())) << "no edit resets training";
  EXPECT_EQ(snapshot->spec.inputs, 5u);
  ASSERT_EQ(snapshot->spec.hidden.size(), 2u);
  EXPECT_EQ(snapshot->spec.hidden[0].width, 15u);
  ASSERT_TRUE(snapshot->probes);
  EXPECT_EQ(snapshot->probes->parameters.size(), snapshot->spec.parameterCount());
  EXPECT_EQ(snapshot->events.size(), 7u);
  EXPECT_EQ(session.dataset().dataset->features, 5u);
  const auto image = a.captured();
  ASSERT_TRUE(image.ok());
  if (const char* dir = std::getenv("NSB_UI_SHOTS")) {
    ASSERT_TRUE(render::writePng(std::string(dir) + "/structural.png", image.value()).ok());
  }
  app.value().reset();
  EXPECT_EQ(gpu::VulkanContext::validationMessages(), before) << "validation messages (see the log above)";
}

// The UI scale changed three times on Vulkan with validation: fonts rebuilt (ImGui's Vulkan backend
// shut down and started again), no validation message, the last scale remembered in the settings.
TEST(EditorOffscreen, UiScaleChangesKeepValidationCleanAndAreRemembered) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  const std::string config = ::testing::TempDir() + "/nsb_ui_config";
  std::filesystem::remove_all(config);
  ASSERT_EQ(setenv("XDG_CONFIG_HOME", config.c_str(), 1), 0);
  const std::uint32_t before = gpu::VulkanContext::validationMessages();
  auto options = spiralOptions("vulkan", 1024, 640);
  options.validation = true;
  options.stepsPerFrame = 2;
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  App& a = *app.value();
  ASSERT_TRUE(a.frame(true));
  const auto small = a.captured().value();
  for (const float scale : {1.5f, 2.0f, 1.25f}) {
    ASSERT_TRUE(a.setUiScale(scale).ok());
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(a.frame(i == 1));
  }
  EXPECT_EQ(a.uiScale(), 1.25f);
  EXPECT_EQ(loadSettings().uiScale, 1.25f) << settingsPath();
  ASSERT_TRUE(a.setUiScale(2.0f).ok());
  ASSERT_TRUE(a.frame(true));
  const auto large = a.captured().value();
  EXPECT_NE(small.rgba, large.rgba);
  if (const char* dir = std::getenv("NSB_UI_SHOTS")) {
    ASSERT_TRUE(render::writePng(std::string(dir) + "/scale2.png", large).ok());
  }
  app.value().reset();
  EXPECT_EQ(gpu::VulkanContext::validationMessages(), before) << "validation messages (see the log above)";
  // A window would start at the remembered scale; headless stays at 1 unless asked.
  EXPECT_EQ(loadSettings().uiScale, 2.0f);
  std::filesystem::remove_all(config);
}

// Checkpoints through the session (save, change the network, load back) and File > Open preset.
TEST(EditorOffscreen, CheckpointsAndPresetsFromTheEditor) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  const std::string dir = ::testing::TempDir();
  const std::string checkpoint = dir + "/nsb_ui_checkpoint.safetensors";
  auto app = App::create(spiralOptions("cpu", 800, 500));
  ASSERT_TRUE(app.ok()) << app.message();
  App& a = *app.value();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.frame());
  a.editor().setPlaying(false);
  const auto save = a.session().submit(train::SaveCheckpoint{checkpoint});
  a.session().sync();
  const auto saved = a.session().latest();
  ASSERT_TRUE(train::findOutcome(*saved, save));
  ASSERT_TRUE(std::filesystem::exists(checkpoint)) << train::findOutcome(*saved, save)->message;
  a.session().submit(train::SetLayerWidth{1, 17});
  a.session().submit(train::Reset{7});
  a.session().sync();
  EXPECT_NE(a.session().latest()->spec, saved->spec);
  const auto load = a.session().submit(train::LoadCheckpoint{checkpoint});
  a.session().sync();
  const auto loaded = a.session().latest();
  ASSERT_TRUE(train::findOutcome(*loaded, load));
  EXPECT_TRUE(train::findOutcome(*loaded, load)->ok);
  EXPECT_EQ(train::findOutcome(*loaded, load)->message, "checkpoint loaded from " + checkpoint);
  EXPECT_EQ(loaded->spec, saved->spec) << "the checkpoint's network comes back";
  EXPECT_EQ(loaded->step, saved->step);
  ASSERT_TRUE(loaded->probes && saved->probes);
  EXPECT_EQ(loaded->probes->parameters, saved->probes->parameters);
  const auto missing = a.session().submit(train::LoadCheckpoint{dir + "/no-such-file.safetensors"});
  a.session().sync();
  const auto answered = a.session().latest();  // held: the outcome lives in this snapshot
  const auto* refused = train::findOutcome(*answered, missing);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->ok);
  EXPECT_NE(refused->message.find("no-such-file"), std::string::npos);
  ASSERT_TRUE(a.frame());

  ASSERT_TRUE(a.openPreset("xor").ok());
  ASSERT_TRUE(a.frame());
  a.session().sync();
  EXPECT_EQ(a.session().dataset().dataset->name, "xor");
  EXPECT_EQ(a.session().latest()->backend, "cpu");
  EXPECT_FALSE(a.openPreset(dir + "/missing-preset.json").ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(a.frame());
  std::remove(checkpoint.c_str());
}

// Synchronisation validation (the layer's hazard tracking between the training and render submits on
// the one queue) on while the editor trains on Vulkan, edits the network and switches the backend:
// no message.
TEST(EditorOffscreen, SynchronisationValidationStaysQuiet) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  ASSERT_EQ(setenv("VK_LAYER_ENABLES", "VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT", 1), 0);
  ASSERT_EQ(setenv("VK_KHRONOS_VALIDATION_ENABLES", "VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT", 1),
            0);
  const std::uint32_t before = gpu::VulkanContext::validationMessages();
  auto options = spiralOptions("vulkan", 640, 400);
  options.validation = true;
  options.stepsPerFrame = 2;
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  App& a = *app.value();
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(a.frame(i == 1));
  a.session().submit(train::SetLayerWidth{0, 17});
  ASSERT_TRUE(a.frame(true));
  a.session().submit(train::SwitchBackend{"cpu"});
  ASSERT_TRUE(a.frame(true));
  EXPECT_EQ(a.session().latest()->backend, "cpu");
  app.value().reset();
  EXPECT_EQ(gpu::VulkanContext::validationMessages(), before) << "validation messages (see the log above)";
}

// Switching the backend from the editor keeps the weights and the optimizer state (checkpoints taken
// before and after the switch, both ways).
TEST(EditorOffscreen, BackendSwitchKeepsWeightsAndOptimizerState) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  auto app = App::create(spiralOptions("vulkan", 640, 400));
  ASSERT_TRUE(app.ok()) << app.message();
  App& a = *app.value();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.frame());
  a.editor().setPlaying(false);
  const std::string dir = ::testing::TempDir();
  const std::string first = dir + "/nsb_switch_a.safetensors", second = dir + "/nsb_switch_b.safetensors";
  for (const std::string to : {"cpu", "vulkan"}) {
    a.session().submit(train::SaveCheckpoint{first});
    a.session().submit(train::SwitchBackend{to});
    a.session().submit(train::SaveCheckpoint{second});
    a.session().sync();
    EXPECT_EQ(a.session().latest()->backend, to);
    auto x = nn::loadCheckpoint(first), y = nn::loadCheckpoint(second);
    ASSERT_TRUE(x.ok() && y.ok());
    EXPECT_EQ(x.value().parameters, y.value().parameters) << "the weights move over unchanged to " << to;
    EXPECT_EQ(x.value().state1, y.value().state1) << "Adam's first moment moves over to " << to;
    EXPECT_EQ(x.value().state2, y.value().state2) << "Adam's second moment moves over to " << to;
    EXPECT_EQ(x.value().step, y.value().step);
    a.editor().setPlaying(true);
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(a.frame());
    a.editor().setPlaying(false);
  }
  std::remove(first.c_str());
  std::remove(second.c_str());
}

}  // namespace
}  // namespace nsb::ui
