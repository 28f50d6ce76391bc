// The end-to-end suite's recording case (issue 16, item 6): File > Record into an .mp4 while training
// runs on its own thread at full speed, File > Stop recording, and the video holds exactly the frames the
// toolbar counted (ffprobe decodes every one), none of them the File menu's.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "EditorDriver.h"
#include "UiTestSupport.h"
#include "ui/Recorder.h"

namespace nsb::ui {
namespace {

// Frames ffprobe decodes in the video (-1 when it cannot read it).
int decodedFrames(const std::filesystem::path& video) {
  const std::string command =
      "ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames "
      "-of csv=p=0 " +
      video.string();
  FILE* pipe = ::popen(command.c_str(), "r");
  char line[64] = {};
  const bool read = std::fgets(line, sizeof line, pipe) != nullptr;
  ::pclose(pipe);
  return read ? std::atoi(line) : -1;
}

TEST(EndToEnd, FileRecordWritesAVideoOfTheFramesItCounted) {
  if (Recorder::findFfmpeg().empty()) GTEST_SKIP() << "no ffmpeg (Debian package ffmpeg)";
  auto options = test::presetOptions("spiral", "cpu", 640, 400);
  options.lockstep = false;
  options.speed = 0.0;
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  test::EditorDriver d(*app.value());
  d.frames(3);
  const auto dir = std::filesystem::temp_directory_path() / ("nsb-e2e-record-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto video = dir / "lesson.mp4";
  ASSERT_TRUE(d.menu("menu-file", "file-record"));
  ASSERT_TRUE(d.typeInto("file-path", video.string(), 3));
  ASSERT_TRUE(app.value()->recorder()) << d.editor().error();
  d.frames(10);
  EXPECT_TRUE(d.shows("recording " + std::to_string(app.value()->recorder()->frameCount()) + " frames"))
      << d.screenText();
  ASSERT_TRUE(d.click("menu-file", 2));
  const std::uint64_t recorded = app.value()->recorder()->frameCount();
  ASSERT_TRUE(d.click("file-record", 3));  // now "Stop recording"
  EXPECT_FALSE(app.value()->recorder());
  ASSERT_TRUE(std::filesystem::exists(video)) << d.editor().error();
  EXPECT_GE(recorded, 10u);
  EXPECT_EQ(decodedFrames(video), static_cast<int>(recorded));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nsb::ui
