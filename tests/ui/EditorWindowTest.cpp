// A real window under Xvfb (started here on a free display; skipped with a reason when Xvfb is not
// installed): at least 120 frames, a resize that rebuilds the swapchain, a clean close, and no
// validation-layer message on the way.
#include <GLFW/glfw3.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "UiTestSupport.h"
#include "render/Renderer.h"

namespace nsb::ui {
namespace {

// Concatenation through append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
std::string joined(const char* head, int n) {
  std::string text(head);
  text.append(std::to_string(n));
  return text;
}

// An Xvfb server for the test's lifetime; display() is empty when none could be started.
class Xvfb {
 public:
  Xvfb() {
    const char* candidates[] = {"/usr/bin/Xvfb", "/usr/local/bin/Xvfb"};
    std::string binary;
    for (const char* c : candidates) {
      if (std::filesystem::exists(c)) binary = c;
    }
    if (binary.empty()) return;
    for (int n = 140 + getpid() % 50; n < 240; ++n) {
      if (std::filesystem::exists(joined("/tmp/.X11-unix/X", n)) ||
          std::filesystem::exists(joined("/tmp/.X", n).append("-lock"))) {
        continue;
      }
      const std::string display = joined(":", n);
      mPid = fork();
      if (mPid == 0) {
        // -noreset: an X server resets when its last client leaves, and a window opened during the
        // reset fails to connect (a test that opens two windows in turn failed so in CI).
        execl(binary.c_str(), "Xvfb", display.c_str(), "-screen", "0", "1600x1000x24", "-nolisten", "tcp", "-noreset",
              static_cast<char*>(nullptr));
        _exit(127);
      }
      for (int i = 0; i < 100; ++i) {
        if (std::filesystem::exists(joined("/tmp/.X11-unix/X", n))) {
          mDisplay = display;
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      stop();
      return;
    }
  }
  ~Xvfb() { stop(); }
  const std::string& display() const { return mDisplay; }

 private:
  void stop() {
    if (mPid > 0) {
      kill(mPid, SIGTERM);
      waitpid(mPid, nullptr, 0);
      mPid = -1;
    }
  }
  pid_t mPid = -1;
  std::string mDisplay;
};

TEST(EditorWindow, RendersAHundredTwentyFramesSurvivesAResizeAndClosesCleanly) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  Xvfb xvfb;
  if (xvfb.display().empty()) GTEST_SKIP() << "Xvfb is not installed or did not start (apt install xvfb)";
  ::setenv("DISPLAY", xvfb.display().c_str(), 1);
  const std::uint32_t before = gpu::VulkanContext::validationMessages();
  auto options = test::spiralOptions("cpu", 960, 600);
  options.headless = false;
  options.validation = true;
  options.stepsPerFrame = 2;
  options.vsync = false;
  options.maxFps = 0.0;
  {
    auto app = App::create(options);
    ASSERT_TRUE(app.ok()) << app.message();
    App& a = *app.value();
    ASSERT_NE(a.window(), nullptr);
    const std::uint32_t firstBuilds = a.renderer().rebuildCount();
    for (int i = 0; i < 60; ++i) ASSERT_TRUE(a.frame());
    glfwSetWindowSize(a.window(), 720, 480);
    for (int i = 0; i < 60; ++i) ASSERT_TRUE(a.frame(i == 59));
    EXPECT_GE(a.frames(), 120u);
    EXPECT_GT(a.renderer().rebuildCount(), firstBuilds) << "the resize should rebuild the swapchain";
    EXPECT_EQ(a.renderer().extent().width, 720u);
    auto image = a.captured();
    ASSERT_TRUE(image.ok()) << image.message();
    EXPECT_EQ(image.value().width, 720u);
    glfwSetWindowShouldClose(a.window(), GLFW_TRUE);
    EXPECT_FALSE(a.frame()) << "a closed window ends the loop";
  }
  EXPECT_EQ(gpu::VulkanContext::validationMessages(), before) << "validation messages (see the log above)";
}

// The frame cap: unset, 30 frames a second on lavapipe (a CPU device); set, frames start no sooner
// than its period apart (a lower bound on the time, which a slow machine cannot break).
TEST(EditorWindow, TheFrameCapSpacesFramesOut) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  Xvfb xvfb;
  if (xvfb.display().empty()) GTEST_SKIP() << "Xvfb is not installed or did not start (apt install xvfb)";
  ::setenv("DISPLAY", xvfb.display().c_str(), 1);
  auto options = test::spiralOptions("cpu", 640, 400);
  options.headless = false;
  options.vsync = false;
  {
    auto app = App::create(options);
    ASSERT_TRUE(app.ok()) << app.message();
    if (app.value()->renderer().context()->properties().deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU) {
      EXPECT_EQ(app.value()->maxFps(), DEFAULT_CPU_DEVICE_FPS);
    }
  }
  options.maxFps = 20.0;
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(app.value()->frame());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(app.value()->frame());
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  // 20 periods of 50 ms, less up to two: a frame that starts late keeps the cadence, so the one after
  // it may start at once (uncapped, these frames take about 20 ms each here).
  EXPECT_GE(took.count(), 0.9) << "20 frames at 20 frames/s at most";
}

}  // namespace
}  // namespace nsb::ui
