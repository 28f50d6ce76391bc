// Presenter mode's layout at UI scales 1, 1.5, 2 and 2.25 (issue 16, item 5), in frames the real
// application renders (lavapipe), with the divergence banner up: each drawn widget lies inside the window
// and inside its panel (the banner's buttons inside the Viewport: none cut at its right edge), no two
// widgets overlap, no text lies over text, and the page's text keeps a readable share of the panel,
// whether the page names several controls (all in view) or more than the panel holds (they scroll).
// NSB_UI_SHOTS=DIR writes the frames checked there, for a person to look at.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "EditorDriver.h"
#include "UiTestSupport.h"
#include "lesson/Lesson.h"
#include "render/Image.h"

namespace nsb::ui {
namespace {

// Page 1: the learning-rate lesson's diverging network page (plain SGD at lr 5) with several controls,
// as the shipped pages name them, and text longer than the panel. Page 2: every control the Lesson
// panel draws, more than its height holds at the larger scales.
constexpr const char* LESSON = R"({
  "title": "Layout",
  "preset": "reg-plane",
  "pages": [
    {"text": "# Several controls\nA page may name **several** controls. Its text still keeps a readable share of the panel:\n- first point of a list\n- second point of a list\n\nA paragraph long enough to wrap over several lines at any UI scale, so that the text needs room of its own.\n\nAnd one more paragraph after it.",
     "settings": {"view": "network", "training": {"optimizer": "sgd", "lr": 5, "schedule": "constant", "batch": 10},
                  "reset": true},
     "controls": ["lr", "play", "reset", "add-neuron-0", "remove-neuron-0"],
     "expect": "The loss turns non-finite within a few hundred steps and the NaN guard pauses training."},
    {"text": "# Every control\nThe controls scroll; the text keeps its share.",
     "controls": ["play", "step", "reset", "speed", "optimizer", "lr", "l1", "l2", "add-neuron-0", "remove-neuron-0",
                  "noise", "regenerate"],
     "expect": "Nothing new."}
  ]
})";

// The share of the Lesson panel's height its text keeps at least (the panel keeps 0.4 of what is left
// under its title bar and the lesson's title).
constexpr float TEXT_SHARE = 1.0f / 3.0f;

bool overlap(const Rect& a, const Rect& b) {
  return std::min(a.max.x, b.max.x) - std::max(a.min.x, b.min.x) > 0.5f &&
         std::min(a.max.y, b.max.y) - std::max(a.min.y, b.min.y) > 0.5f;
}

bool inside(const Rect& inner, const Rect& outer) {
  return inner.min.x >= outer.min.x - 0.5f && inner.min.y >= outer.min.y - 0.5f && inner.max.x <= outer.max.x + 0.5f &&
         inner.max.y <= outer.max.y + 0.5f;
}

std::string describe(const Rect& r) {
  char text[64];
  std::snprintf(text, sizeof text, "(%.0f, %.0f)-(%.0f, %.0f)", static_cast<double>(r.min.x),
                static_cast<double>(r.min.y), static_cast<double>(r.max.x), static_cast<double>(r.max.y));
  return text;
}

TEST(PresenterLayout, EveryControlFitsItsPanelAtUiScales1To2_25) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  auto lesson = lesson::Lesson::fromJson(nlohmann::json::parse(LESSON), "test");
  ASSERT_TRUE(lesson.ok()) << lesson.message();
  constexpr std::uint32_t WIDTH = 1280, HEIGHT = 720;
  auto options = test::presetOptions(lesson->preset, "cpu", WIDTH, HEIGHT);
  options.lesson = lesson.value();
  auto created = App::create(options);
  ASSERT_TRUE(created.ok()) << created.message();
  App& a = *created.value();
  test::EditorDriver d(a);
  for (int i = 0; i < 400 && !a.session().latest()->divergence; ++i) ASSERT_TRUE(a.frame());
  ASSERT_TRUE(a.session().latest()->divergence) << "the page's lr 5 did not diverge";
  a.editor().setPresenter(true);
  ASSERT_TRUE(a.frame());

  const Rect window{ImVec2(0, 0), ImVec2(WIDTH, HEIGHT)};
  const std::vector<std::string> fixedWidgets = {"lesson-text", "lesson-expect", "lesson-back",
                                                 "lesson-page", "lesson-next",   "lesson-presenter"};
  const std::vector<std::string> bannerWidgets = {"divergence", "divergence-resume", "divergence-lower",
                                                  "divergence-reset"};
  for (std::size_t page = 0; page < 2; ++page) {
    a.editor().showLessonPage(page);
    const auto& controls = lesson->pages[page].controls;
    for (const float scale : {1.0f, 1.5f, 2.0f, 2.25f}) {
      SCOPED_TRACE(testing::Message() << "page " << page + 1 << ", UI scale " << scale);
      ASSERT_TRUE(a.setUiScale(scale, false).ok());
      // The layout settles: the footer's heights are measured, scroll bars follow the last frame's content.
      for (int i = 0; i < 6; ++i) ASSERT_TRUE(a.frame());
      ASSERT_TRUE(a.frame(true));
      if (const char* dir = std::getenv("NSB_UI_SHOTS")) {
        const auto image = a.captured();
        ASSERT_TRUE(image.ok()) << image.message();
        char file[48];
        std::snprintf(file, sizeof file, "/presenter-page%zu-%.2f.png", page + 1, static_cast<double>(scale));
        (void)render::writePng(dir + std::string(file), image.value());
      }
      ASSERT_TRUE(a.editor().presenter());
      ASSERT_TRUE(a.session().latest()->divergence);
      const auto panel = a.editor().widgetRect("panel-lesson");
      const auto viewport = a.editor().widgetRect("panel-viewport");
      ASSERT_TRUE(panel && viewport);
      // The region the page's controls are drawn in (and scroll in): "lesson-controls", else the panel.
      const auto region = a.editor().widgetRect("lesson-controls").value_or(*panel);
      EXPECT_TRUE(inside(region, *panel)) << "the controls' region leaves the panel";
      // The first page's controls fit whole at every scale; the second page's scroll in their region,
      // and so only those in it are checked.
      std::vector<std::pair<std::string, Rect>> drawn;
      const auto check = [&](const std::string& name, const Rect& within) {
        const auto rect = a.editor().widgetRect(name);
        if (!rect) {
          ADD_FAILURE() << name << " is not drawn";
          return;
        }
        EXPECT_TRUE(inside(*rect, window)) << name << " " << describe(*rect) << " leaves the window";
        EXPECT_TRUE(inside(*rect, within)) << name << " " << describe(*rect) << " leaves " << describe(within);
        drawn.emplace_back(name, *rect);
      };
      for (const auto& name : fixedWidgets) check(name, *panel);
      for (const auto& name : bannerWidgets) check(name, *viewport);
      for (const auto& name : controls) {
        const auto rect = a.editor().widgetRect(name);
        if (page == 0 || (rect && inside(*rect, region))) check(name, region);
      }
      if (page == 1) {
        EXPECT_TRUE(a.editor().widgetRect(controls.front()));
        EXPECT_TRUE(inside(*a.editor().widgetRect(controls.front()), region)) << "the first control is in view";
      }
      for (std::size_t i = 0; i < drawn.size(); ++i) {
        for (std::size_t j = i + 1; j < drawn.size(); ++j) {
          EXPECT_FALSE(overlap(drawn[i].second, drawn[j].second))
              << drawn[i].first << " " << describe(drawn[i].second) << " overlaps " << drawn[j].first << " "
              << describe(drawn[j].second);
        }
      }
      const auto text = a.editor().widgetRect("lesson-text");
      EXPECT_GE(text->height(), TEXT_SHARE * panel->height())
          << "the page's text has " << text->height() << " px of the panel's " << panel->height();
      for (const auto& overlapping : d.overlappingText()) ADD_FAILURE() << "text over text: " << overlapping;
    }
  }
}

}  // namespace
}  // namespace nsb::ui
