// The editor after VK_ERROR_DEVICE_LOST under a frame (issue 15): NSB_TEST_VULKAN_FAULT=lost-render:N
// makes the renderer's Nth frame submit report a lost device, and the device lost for training too.
// The editor survives, the weights the session held are in a checkpoint, and drawing and training go on
// on a device made again (training on its vulkan backend, and every later switch to vulkan there); in a
// window (when a display is there) the surface, swapchain and ImGui backend are made again too, with the
// validation layer silent.
#include <GLFW/glfw3.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "UiTestSupport.h"
#include "nn/Checkpoint.h"
#include "render/Renderer.h"
#include "train/Session.h"

namespace nsb::ui {
namespace {

// Sets an environment variable while it lives.
class Variable {
 public:
  Variable(const char* name, const std::string& value) : mName(name) {
    if (const char* old = std::getenv(name)) mOld = old;
    setenv(name, value.c_str(), 1);
  }
  ~Variable() {
    if (mOld.empty()) {
      unsetenv(mName);
    } else {
      setenv(mName, mOld.c_str(), 1);
    }
  }
  Variable(const Variable&) = delete;
  Variable& operator=(const Variable&) = delete;

 private:
  const char* mName;
  std::string mOld;
};

TEST(DeviceLost, TheEditorSavesTheWeightsAndDrawsOnAfterTheRendererLosesTheDevice) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device";
  const auto dir = std::filesystem::temp_directory_path() / ("nsb-device-lost-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  constexpr std::uint32_t LOST_AT = 5, FRAMES = 12, STEPS = 4;
  std::unique_ptr<App> app;
  {
    Variable tmp("TMPDIR", dir.string());
    Variable fault("NSB_TEST_VULKAN_FAULT", "lost-render:" + std::to_string(LOST_AT));
    auto options = test::spiralOptions("vulkan", 640, 360);
    options.stepsPerFrame = STEPS;
    auto made = App::create(options);
    ASSERT_TRUE(made.ok()) << made.message();
    app = std::move(made.value());
    for (std::uint32_t i = 0; i < FRAMES; ++i) ASSERT_TRUE(app->frame(i + 1 == FRAMES)) << "frame " << i;
  }
  EXPECT_EQ(app->renderers(), 2u) << "one renderer at the start and one after the loss";
  EXPECT_EQ(app->frames(), FRAMES - 1) << "every frame drawn but the lost one";

  // The session's own path for a lost device wrote the weights of its last good step.
  std::set<std::filesystem::path> checkpoints;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("neural-sandbox-device-lost-", 0) == 0) checkpoints.insert(entry.path());
  }
  ASSERT_EQ(checkpoints.size(), 1u) << "one checkpoint for one loss";
  auto checkpoint = nn::loadCheckpoint(checkpoints.begin()->string());
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.message();

  // Training went on on the vulkan backend of the new device from those weights, and the frames after show it.
  const auto snapshot = app->session().latest();
  EXPECT_EQ(snapshot->backend, "vulkan");
  EXPECT_GT(snapshot->step, std::uint64_t{LOST_AT} * STEPS) << "training goes on after the loss";
  auto image = app->captured();
  ASSERT_TRUE(image.ok()) << image.message();
  EXPECT_EQ(image.value().width, 640u);
  std::set<std::uint32_t> colours;
  for (std::uint32_t y = 0; y < image.value().height; y += 7) {
    for (std::uint32_t x = 0; x < image.value().width; x += 7) {
      const std::uint8_t* p = image.value().pixel(x, y);
      colours.insert(std::uint32_t{p[0]} << 16 | std::uint32_t{p[1]} << 8 | p[2]);
    }
  }
  EXPECT_GT(colours.size(), 50u) << "the frame after the loss shows the editor, not a cleared image";
  // And it goes on drawing.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(app->frame());
  EXPECT_EQ(app->frames(), FRAMES + 2);

  // A switch to the CPU and back to vulkan (the toolbar's) trains on: vulkan is made on the new device.
  for (const char* backend : {"cpu", "vulkan"}) {
    SCOPED_TRACE(backend);
    const std::uint64_t before = app->session().latest()->step;
    const std::uint64_t switched = app->session().submit(train::SwitchBackend{backend});
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(app->frame());
    const auto now = app->session().latest();
    EXPECT_EQ(now->backend, backend);
    EXPECT_EQ(now->step, before + 2 * STEPS) << "steps go on after the switch";
    for (const auto& outcome : now->outcomes) {
      if (outcome.sequence == switched) {
        EXPECT_TRUE(outcome.ok) << outcome.message;
      }
    }
  }
  app.reset();
  std::filesystem::remove_all(dir);
}

// The same in a window: a new instance, surface and swapchain. Needs a display (soak.sh and the window
// tests start Xvfb; run with DISPLAY set); skipped without one.
TEST(DeviceLost, AWindowDrawsOnAfterTheDeviceIsMadeAgain) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device";
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) GTEST_SKIP() << "no DISPLAY (run under Xvfb)";
  const auto dir = std::filesystem::temp_directory_path() / ("nsb-device-lost-window-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::uint32_t before = gpu::VulkanContext::validationMessages();
  {
    Variable tmp("TMPDIR", dir.string());
    Variable fault("NSB_TEST_VULKAN_FAULT", "lost-render:10");
    auto options = test::spiralOptions("vulkan", 800, 500);
    options.headless = false;
    options.validation = true;
    options.stepsPerFrame = 2;
    options.vsync = false;
    options.maxFps = 0.0;
    auto app = App::create(options);
    ASSERT_TRUE(app.ok()) << app.message();
    App& a = *app.value();
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(a.frame(i == 29)) << "frame " << i;
    EXPECT_EQ(a.renderers(), 2u);
    EXPECT_GE(a.frames(), 25u);
    EXPECT_FALSE(a.renderer().headless()) << "the window keeps a swapchain";
    EXPECT_EQ(a.renderer().extent().width, 800u);
    auto image = a.captured();
    ASSERT_TRUE(image.ok()) << image.message();
    EXPECT_EQ(a.session().latest()->backend, "vulkan");
    glfwSetWindowShouldClose(a.window(), GLFW_TRUE);
    EXPECT_FALSE(a.frame());
  }
  EXPECT_EQ(gpu::VulkanContext::validationMessages(), before) << "validation messages (see the log above)";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nsb::ui
