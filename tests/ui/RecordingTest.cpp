// Recording for slides (issue 16, item 6): `gui --headless --record DIR` writes a PNG per frame that
// follows training, `--video` gives H.264 (odd sizes padded to even) or a GIF that ffprobe counts frame
// by frame, a missing ffmpeg or one that fails is one line and a non-zero exit with no file left; in the
// editor, File > Record records the frames without the File menu, and a panel's context menu saves just
// that panel as PNG.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wunused-function"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb_image.h>
#pragma GCC diagnostic pop

#include "EditorDriver.h"
#include "UiTestSupport.h"
#include "ui/Recorder.h"

namespace nsb::ui {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int code = -1;
  std::string out, err;
};

// neural-sandbox with `args` (no shell metacharacters), `path` as its PATH when given.
CliRun cli(const std::string& args, const std::optional<std::string>& path = std::nullopt) {
  const fs::path errPath = fs::temp_directory_path() / ("nsb-record-err-" + std::to_string(::getpid()));
  std::string command =
      (path ? "env PATH=" + *path + " " : std::string()) + NSB_CLI + " " + args + " 2>" + errPath.string();
  CliRun r;
  FILE* pipe = ::popen(command.c_str(), "r");
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) r.out += buffer;
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(errPath);
  std::stringstream s;
  s << in.rdbuf();
  r.err = s.str();
  fs::remove(errPath);
  return r;
}

int lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

// A scratch folder of this test, empty.
fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("nsb-record-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

bool haveFfmpeg() { return !Recorder::findFfmpeg().empty() && std::system("ffprobe -version >/dev/null 2>&1") == 0; }

struct Probe {
  int frames = -1, width = 0, height = 0;
  std::string codec, pixelFormat;
};

// What ffprobe reads in a video, every frame decoded and counted.
Probe probe(const fs::path& video) {
  const std::string command =
      "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
      "stream=nb_read_frames,width,height,codec_name,pix_fmt -of default=noprint_wrappers=1 " +
      video.string();
  Probe p;
  FILE* pipe = ::popen(command.c_str(), "r");
  char line[256];
  while (std::fgets(line, sizeof line, pipe)) {
    std::string s(line);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    const auto eq = s.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = s.substr(0, eq), value = s.substr(eq + 1);
    if (key == "nb_read_frames") p.frames = std::atoi(value.c_str());
    if (key == "width") p.width = std::atoi(value.c_str());
    if (key == "height") p.height = std::atoi(value.c_str());
    if (key == "codec_name") p.codec = value;
    if (key == "pix_fmt") p.pixelFormat = value;
  }
  ::pclose(pipe);
  return p;
}

render::Image readPng(const fs::path& path) {
  int w = 0, h = 0, n = 0;
  render::Image image;
  unsigned char* pixels = stbi_load(path.c_str(), &w, &h, &n, 4);
  if (!pixels) return image;
  image.width = static_cast<std::uint32_t>(w);
  image.height = static_cast<std::uint32_t>(h);
  image.rgba.assign(pixels, pixels + std::size_t{image.width} * image.height * 4);
  stbi_image_free(pixels);
  return image;
}

bool differInside(const render::Image& a, const render::Image& b, const Rect& rect) {
  for (auto y = static_cast<std::uint32_t>(rect.min.y); y < static_cast<std::uint32_t>(rect.max.y); ++y) {
    for (auto x = static_cast<std::uint32_t>(rect.min.x); x < static_cast<std::uint32_t>(rect.max.x); ++x) {
      if (std::memcmp(a.pixel(x, y), b.pixel(x, y), 4) != 0) return true;
    }
  }
  return false;
}

std::size_t filesIn(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

// A stand-in for ffmpeg that fails as a full disk would: it reads a little, says so and exits 1.
fs::path failingFfmpeg(const fs::path& dir) {
  const fs::path script = dir / "ffmpeg";
  std::ofstream(script) << "#!/bin/sh\nhead -c 1000 >/dev/null\necho 'Error writing trailer: No space left on "
                           "device' >&2\nexit 1\n";
  fs::permissions(script, fs::perms::owner_all);
  return script;
}

#define REQUIRE_CLI()                                                                      \
  do {                                                                                     \
    if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with"; \
    if (!fs::exists(NSB_CLI)) GTEST_SKIP() << "build neural-sandbox first: " << NSB_CLI;   \
  } while (false)

const std::string GUI = "gui --headless --preset spiral --backend cpu --steps-per-frame 20 ";

TEST(Recording, RecordWritesAPngPerFrameThatFollowsTraining) {
  REQUIRE_CLI();
  const fs::path dir = scratch("frames") / "made" / "here";  // made, parents too
  const CliRun r = cli(GUI + "--width 640 --height 400 --frames 5 --record " + dir.string());
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(filesIn(dir), 5u);
  std::vector<render::Image> frames;
  for (int i = 1; i <= 5; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "frame-%06d.png", i);
    frames.push_back(readPng(dir / name));
    ASSERT_EQ(frames.back().width, 640u) << name;
    ASSERT_EQ(frames.back().height, 400u) << name;
  }
  // Where the network is drawn (the Viewport of the same layout), 80 steps of training show.
  auto app = App::create(test::spiralOptions("cpu", 640, 400));
  ASSERT_TRUE(app.ok()) << app.message();
  ASSERT_TRUE(app.value()->frame());
  const Rect viewport = app.value()->editor().viewportRect();
  ASSERT_GT(viewport.width(), 50.0f);
  EXPECT_TRUE(differInside(frames[0], frames[4], viewport)) << "the Viewport did not change while training";
  // The menu bar did not move.
  EXPECT_FALSE(differInside(frames[0], frames[4], Rect{ImVec2(0, 0), ImVec2(640, 16)}));
}

TEST(Recording, RecordIntoAFolderThatCannotBeMadeIsOneLineAndExitTwo) {
  REQUIRE_CLI();
  const fs::path dir = scratch("blocked");
  std::ofstream(dir / "file") << "x";
  const CliRun r = cli(GUI + "--frames 2 --record " + (dir / "file" / "frames").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("--record"), std::string::npos) << r.err;
}

TEST(Recording, Mp4HasEveryFrameInYuv420p) {
  REQUIRE_CLI();
  if (!haveFfmpeg()) GTEST_SKIP() << "no ffmpeg (Debian package ffmpeg)";
  const fs::path dir = scratch("mp4");
  const CliRun r = cli(GUI + "--width 320 --height 240 --frames 12 --fps 30 --video " + (dir / "out.mp4").string());
  ASSERT_EQ(r.code, 0) << r.err;
  const Probe p = probe(dir / "out.mp4");
  EXPECT_EQ(p.frames, 12);
  EXPECT_EQ(p.codec, "h264");
  EXPECT_EQ(p.pixelFormat, "yuv420p");
  EXPECT_EQ(p.width, 320);
  EXPECT_EQ(p.height, 240);
  EXPECT_EQ(filesIn(dir), 1u) << "a temporary file was left";
}

TEST(Recording, AnOddSizeIsPaddedToEven) {
  REQUIRE_CLI();
  if (!haveFfmpeg()) GTEST_SKIP() << "no ffmpeg (Debian package ffmpeg)";
  const fs::path dir = scratch("odd");
  const CliRun r = cli(GUI + "--width 321 --height 241 --frames 3 --video " + (dir / "odd.MP4").string());
  ASSERT_EQ(r.code, 0) << r.err;
  const Probe p = probe(dir / "odd.MP4");
  EXPECT_EQ(p.frames, 3);
  EXPECT_EQ(p.width, 322);
  EXPECT_EQ(p.height, 242);
}

TEST(Recording, GifHasEveryFrame) {
  REQUIRE_CLI();
  if (!haveFfmpeg()) GTEST_SKIP() << "no ffmpeg (Debian package ffmpeg)";
  const fs::path dir = scratch("gif");
  const CliRun r = cli(GUI + "--width 240 --height 160 --frames 4 --fps 10 --video " + (dir / "out.gif").string());
  ASSERT_EQ(r.code, 0) << r.err;
  const Probe p = probe(dir / "out.gif");
  EXPECT_EQ(p.codec, "gif");
  EXPECT_EQ(p.frames, 4);
  EXPECT_EQ(p.width, 240);
}

TEST(Recording, WithoutFfmpegAVideoIsOneLineAndExitOne) {
  REQUIRE_CLI();
  const fs::path dir = scratch("no-ffmpeg");
  // A PATH with no ffmpeg on it (the executable is named by its full path).
  const CliRun r = cli(GUI + "--frames 2 --video " + (dir / "out.mp4").string(), dir.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("needs ffmpeg (Debian package ffmpeg"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "") << "frames were drawn before the check";
  EXPECT_EQ(filesIn(dir), 0u);
}

TEST(Recording, AnUnwritablePathIsOneLineAndLeavesNothing) {
  REQUIRE_CLI();
  const fs::path dir = scratch("unwritable");
  const CliRun r = cli(GUI + "--frames 2 --video " + (dir / "missing" / "out.mp4").string());
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_EQ(filesIn(dir), 0u);
}

TEST(Recording, FfmpegsOwnFailureIsOneLineAndLeavesNothing) {
  REQUIRE_CLI();
  const fs::path bin = scratch("fake-bin"), dir = scratch("failed");
  failingFfmpeg(bin);
  const CliRun r = cli(GUI + "--width 200 --height 120 --frames 3 --video " + (dir / "out.mp4").string(), bin.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << "ffmpeg's reason: " << r.err;
  EXPECT_EQ(filesIn(dir), 0u) << "a half-written or temporary file was left";
}

// In the editor: the panel's context menu (right click on its title bar) saves a PNG of the panel's
// rectangle, and says so in the Log.
TEST(Recording, SavePanelAsPngCropsToThePanel) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  auto app = App::create(test::spiralOptions("cpu", 800, 500));
  ASSERT_TRUE(app.ok()) << app.message();
  test::EditorDriver d(*app.value(), 60.0);
  d.frames(2);
  const auto panel = d.widget("panel-details", 2);
  ASSERT_TRUE(panel);
  const fs::path png = scratch("panel") / "details.png";
  d.input().mouseMove(panel->min.x + 40, panel->min.y + ImGui::GetFrameHeight() * 0.5f);  // the title bar
  d.input().mouseButton(1, true);
  d.input().mouseButton(1, false);
  d.drain();
  ASSERT_TRUE(d.click("panel-save-png", 3)) << d.screenText();
  ASSERT_TRUE(d.typeInto("file-path", png.string(), 3));
  ASSERT_TRUE(d.framesUntil([&] { return fs::exists(png); }, 5)) << d.editor().notice() << d.editor().error();
  const render::Image image = readPng(png);
  const auto rect = d.editor().widgetRect("panel-details");
  ASSERT_TRUE(rect);
  EXPECT_EQ(image.width, static_cast<std::uint32_t>(std::lround(rect->max.x) - std::lround(rect->min.x)));
  EXPECT_EQ(image.height, static_cast<std::uint32_t>(std::lround(rect->max.y) - std::lround(rect->min.y)));
  EXPECT_LT(image.width, 800u);
  d.editor().selectTab("Log");
  EXPECT_TRUE(d.framesUntil([&] { return d.shows("panel details written to " + png.string()); }, 5))
      << "no line in the Log names the file:\n"
      << d.screenText();
}

// File > Record into a folder, then File > Stop recording: every frame drawn in between is there but
// those that showed the File menu, and the toolbar counted them.
TEST(Recording, FileRecordLeavesOutTheFileMenu) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  auto app = App::create(test::spiralOptions("cpu", 800, 500));
  ASSERT_TRUE(app.ok()) << app.message();
  test::EditorDriver d(*app.value(), 60.0);
  d.frames(2);
  const fs::path dir = scratch("file-record") / "frames";
  ASSERT_TRUE(d.menu("menu-file", "file-record"));
  ASSERT_TRUE(d.typeInto("file-path", dir.string(), 3));
  ASSERT_TRUE(app.value()->recorder());
  d.frames(4);
  const std::string counted = "recording " + std::to_string(app.value()->recorder()->frameCount()) + " frames";
  EXPECT_TRUE(d.shows(counted)) << "no \"" << counted << "\" in the toolbar:\n" << d.screenText();
  ASSERT_TRUE(d.click("menu-file", 2));
  const auto menuItem = d.widget("file-open-preset", 2);  // where the open menu covers the toolbar
  ASSERT_TRUE(menuItem);
  const std::uint64_t recorded = app.value()->recorder()->frameCount();
  ASSERT_TRUE(d.click("file-record", 3));
  EXPECT_FALSE(app.value()->recorder());
  EXPECT_EQ(filesIn(dir), recorded);
  EXPECT_GE(recorded, 4u);
  // The last recorded frame against one drawn now, both without a menu: the same pixels under the menu.
  ASSERT_TRUE(app.value()->frame(true));
  const render::Image now = app.value()->captured().value();
  char name[32];
  std::snprintf(name, sizeof name, "frame-%06llu.png", static_cast<unsigned long long>(recorded));
  const render::Image last = readPng(dir / name);
  ASSERT_EQ(last.width, now.width);
  EXPECT_FALSE(differInside(last, now, *menuItem)) << "a recorded frame shows the File menu";
  EXPECT_NE(d.editor().notice().find("recording written to " + dir.string()), std::string::npos) << d.editor().notice();
}

}  // namespace
}  // namespace nsb::ui
