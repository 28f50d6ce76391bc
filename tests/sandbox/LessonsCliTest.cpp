// `lessons` lists the shipped lessons with their titles and page counts; `gui --lesson` refuses an
// unknown name or a bad file in one line with exit 2 before opening anything, and opens a good one
// headless on the lesson's preset.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "CliRun.h"

namespace {

using nsb::sandbox::testing::lineCount;
using nsb::sandbox::testing::run;

TEST(LessonsCli, ListsTheShippedLessons) {
  const auto r = run("lessons");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* line : {"forward-pass", "learning-rate", "activation", "optimizer", "overfitting",
                           "Gradient descent and the learning rate", "Choosing an activation"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " in\n" << r.out;
  }
}

TEST(LessonsCli, BadLessonsAreOneLineAndExit2) {
  auto r = run("gui --headless --frames 1 --lesson no-such-lesson");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("no-such-lesson"), std::string::npos) << r.err;
  const auto bad = std::filesystem::temp_directory_path() / ("nsb-lesson-" + std::to_string(::getpid()) + ".json");
  std::ofstream(bad) << R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"view": "3d"}}]})";
  r = run("gui --headless --frames 1 --lesson " + bad.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(lineCount(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(bad.string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("settings.view"), std::string::npos) << r.err;
  std::filesystem::remove(bad);
}

TEST(LessonsCli, OpensALessonHeadless) {
  const auto shot = std::filesystem::temp_directory_path() / ("nsb-lesson-" + std::to_string(::getpid()) + ".png");
  const auto r = run("gui --headless --frames 3 --backend cpu --lesson overfitting --screenshot " + shot.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(shot));
  std::filesystem::remove(shot);
}

}  // namespace
