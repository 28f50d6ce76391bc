// The lesson loader: every shipped lesson loads and starts from a preset that loads, the markup, the
// settings a page turns into session commands, presenter mode's visibility rule, and bad files as one line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lesson/Lesson.h"

namespace nsb::lesson {
namespace {

core::Result<Lesson> parse(const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return core::badInput("not JSON");
  return Lesson::fromJson(json, "test.json");
}

TEST(Lesson, EveryShippedLessonLoadsWithItsPreset) {
  const auto names = lessonNames();
  for (const char* expected : {"forward-pass", "learning-rate", "activation", "optimizer", "overfitting"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
  for (const auto& name : names) {
    auto lesson = Lesson::load(name);
    ASSERT_TRUE(lesson.ok()) << name << ": " << lesson.message();
    EXPECT_EQ(lesson->name, name);
    EXPECT_FALSE(lesson->title.empty()) << name;
    EXPECT_GE(lesson->pages.size(), 2u) << name;
    auto preset = train::Preset::load(lesson->preset);
    EXPECT_TRUE(preset.ok()) << name << ": " << (preset.ok() ? "" : preset.message());
    for (const auto& page : lesson->pages) {
      EXPECT_FALSE(page.expect.empty()) << name << " page " << page.id << " says what should happen";
      ASSERT_FALSE(page.lines.empty());
      EXPECT_EQ(page.lines.front().kind, LineKind::Heading) << name << " page " << page.id;
    }
  }
}

TEST(Lesson, LoadsFromAPathAndNamesTheFileInErrors) {
  const auto dir = std::filesystem::temp_directory_path() / "nsb-lesson-test";
  std::filesystem::create_directories(dir);
  const auto good = dir / "mine.json";
  std::ofstream(good) << R"({"title": "T", "preset": "xor", "pages": [{"text": "# A\nb"}]})";
  auto lesson = Lesson::load(good.string());
  ASSERT_TRUE(lesson.ok()) << lesson.message();
  EXPECT_EQ(lesson->name, "mine");
  const auto bad = dir / "bad.json";
  std::ofstream(bad)
      << R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"training": {"lr": -1}}}]})";
  auto failed = Lesson::load(bad.string());
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find(bad.string()), std::string::npos) << failed.message();
  EXPECT_NE(failed.message().find("page 1"), std::string::npos) << failed.message();
  EXPECT_EQ(failed.message().find('\n'), std::string::npos) << "one line";
  auto missing = Lesson::load((dir / "none.json").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("none.json"), std::string::npos);
  auto unknown = Lesson::load("no-such-lesson");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.message().find("known: "), std::string::npos) << unknown.message();
  std::filesystem::remove_all(dir);
}

TEST(Lesson, RefusesBadFilesWithOneLine) {
  for (const char* text : {
           "[]",
           R"({"preset": "xor", "pages": [{"text": "a"}]})",
           R"({"title": "T", "pages": [{"text": "a"}]})",
           R"({"title": "T", "preset": "xor", "pages": []})",
           R"({"title": "T", "preset": "xor", "pages": [{}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": 3}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "controls": "lr"}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "controls": [""]}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"activation": "cube"}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"view": "side"}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"surface": {"condition": 0}}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"training": {"lr": "fast"}}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"speed": 3}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"model": [4]}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"model": {"hidden": []}}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"model": {"hidden": [0]}}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"model": {"hidden": [4.5]}}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"model": {"hidden": [-4]}}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"model": {"widths": [4]}}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"dataset": 600}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"dataset": {"points": 5}}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"dataset": {"points": "many"}}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": {"dataset": {"noise": 0.1}}}]})",
           R"({"title": "T", "preset": "xor", "pages": [{"text": "a"}], "extra": 1})",
       }) {
    auto lesson = parse(text);
    ASSERT_FALSE(lesson.ok()) << text;
    EXPECT_EQ(lesson.message().rfind("test.json: ", 0), 0u) << lesson.message();
    EXPECT_EQ(lesson.message().find('\n'), std::string::npos) << lesson.message();
  }
}

TEST(Lesson, ModelAndDatasetErrorsNameTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"model": {"hidden": [0, 4]}})", "settings.model.hidden"},
      {R"({"model": {"depth": 2}})", "settings.model.depth"},
      {R"({"dataset": {"points": 2000000}})", "settings.dataset.points"},
      {R"({"dataset": {"name": "xor"}})", "settings.dataset.name"},
  };
  for (const auto& [settings, field] : cases) {
    auto lesson = parse(std::string(R"({"title": "T", "preset": "xor", "pages": [{"text": "a", "settings": )") +
                        settings + "}]}");
    ASSERT_FALSE(lesson.ok()) << settings;
    EXPECT_NE(lesson.message().find(field), std::string::npos) << lesson.message();
    EXPECT_NE(lesson.message().find("page 1"), std::string::npos) << lesson.message();
  }
}

TEST(Lesson, HiddenWidthsAndPointsBecomeLayerAndDataCommands) {
  auto lesson = parse(R"({"title": "T", "preset": "xor", "pages": [
      {"text": "a", "settings": {"model": {"hidden": [4, 8, 6]}, "dataset": {"points": 600}, "reset": true}},
      {"text": "b", "settings": {"model": {"hidden": [4]}, "activation": "tanh"}}]})");
  ASSERT_TRUE(lesson.ok()) << lesson.message();
  Running running;
  running.hidden = {32, 8};
  running.points = 60;
  running.noise = 0.35f;
  running.dataSeed = 7;
  // Grown by one layer: layer 0 narrowed, layer 1 as it is, a third appended; the points drawn again.
  auto commands = pageCommands(lesson->pages[0].settings, running);
  ASSERT_EQ(commands.size(), 4u);
  const auto& width = std::get<train::SetLayerWidth>(commands[0]);
  EXPECT_EQ(width.layer, 0u);
  EXPECT_EQ(width.width, 4u);
  const auto& added = std::get<train::AddLayer>(commands[1]);
  EXPECT_EQ(added.index, 2u);
  EXPECT_EQ(added.width, 6u);
  const auto& data = std::get<train::RegenerateData>(commands[2]);
  EXPECT_EQ(data.points, std::optional<std::size_t>(600));
  EXPECT_FLOAT_EQ(data.noise, 0.35f) << "drawn as the Details panel's Regenerate draws them";
  EXPECT_EQ(data.seed, 7u);
  EXPECT_TRUE(std::holds_alternative<train::Reset>(commands[3]));
  // Already as the page wants it: nothing to send.
  running.hidden = {4, 8, 6};
  running.points = 600;
  commands = pageCommands(lesson->pages[0].settings, running);
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<train::Reset>(commands[0]));
  // Shrunk to one layer: the last layers removed from the end, then the activation of the one left.
  commands = pageCommands(lesson->pages[1].settings, running);
  ASSERT_EQ(commands.size(), 3u);
  EXPECT_EQ(std::get<train::RemoveLayer>(commands[0]).layer, 2u);
  EXPECT_EQ(std::get<train::RemoveLayer>(commands[1]).layer, 1u);
  EXPECT_EQ(std::get<train::SetActivation>(commands[2]).layer, 0u);
}

TEST(Lesson, MarkupHasHeadingsBoldAndLists) {
  const auto lines = parseMarkup("# Title\nplain **bold** and **open\n- item **b**\n\n## Sub\n#not a heading\nx^2 * y");
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_EQ(lines[0].kind, LineKind::Heading);
  EXPECT_EQ(lines[0].level, 1);
  EXPECT_EQ(lines[0].spans, (std::vector<Span>{{"Title", false}}));
  EXPECT_EQ(lines[1].kind, LineKind::Paragraph);
  EXPECT_EQ(lines[1].spans, (std::vector<Span>{{"plain ", false}, {"bold", true}, {" and **open", false}}));
  EXPECT_EQ(lines[2].kind, LineKind::Bullet);
  EXPECT_EQ(lines[2].spans, (std::vector<Span>{{"item ", false}, {"b", true}}));
  EXPECT_EQ(lines[3].kind, LineKind::Blank);
  EXPECT_EQ(lines[4].kind, LineKind::Heading);
  EXPECT_EQ(lines[4].level, 2);
  EXPECT_EQ(lines[5].kind, LineKind::Paragraph);
  EXPECT_EQ(lines[6].spans, (std::vector<Span>{{"x^2 * y", false}}));
}

TEST(Lesson, PresenterModeShowsOnlyWhatThePageNames) {
  auto lesson = Lesson::load("overfitting");
  ASSERT_TRUE(lesson.ok()) << lesson.message();
  const Page& page = *lesson->page("l2");
  for (const char* named : {"l2", "play", "reset"}) {
    EXPECT_TRUE(controlShown(page, named, true)) << named;
  }
  for (const char* other : {"lr", "optimizer", "step", "speed", "backend", "add-layer", "panel-outliner"}) {
    EXPECT_FALSE(controlShown(page, other, true)) << other;
    EXPECT_TRUE(controlShown(page, other, false)) << other << " outside presenter mode";
  }
  for (const char* always : {"lesson-next", "lesson-back", "panel-lesson", "panel-viewport", "divergence-resume"}) {
    EXPECT_TRUE(controlShown(page, always, true)) << always;
  }
}

TEST(Lesson, PageSettingsBecomeSessionCommands) {
  auto lesson = Lesson::load("activation");
  ASSERT_TRUE(lesson.ok()) << lesson.message();
  Running current;
  current.hyperparams.l2 = 0.25f;
  current.hidden.assign(6, 8);
  const auto commands = pageCommands(lesson->page("sigmoid")->settings, current);
  ASSERT_EQ(commands.size(), 8u);  // hyperparameters, six activations, reset
  const auto& set = std::get<train::SetHyperparams>(commands[0]).hyperparams;
  EXPECT_EQ(set.optimizer, compute::OptimizerKind::Sgd);
  EXPECT_FLOAT_EQ(set.learningRate, 0.05f);
  EXPECT_FLOAT_EQ(set.l2, 0.25f) << "keys the page does not name stay";
  for (std::size_t i = 0; i < 6; ++i) {
    const auto& act = std::get<train::SetActivation>(commands[1 + i]);
    EXPECT_EQ(act.layer, i);
    EXPECT_EQ(act.activation, compute::Activation::Sigmoid);
  }
  EXPECT_TRUE(std::holds_alternative<train::Reset>(commands[7]));
  EXPECT_TRUE(pageCommands(lesson->page("why")->settings, current).empty());
}

}  // namespace
}  // namespace nsb::lesson
