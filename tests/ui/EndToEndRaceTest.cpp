// The end-to-end editor suite on a race (issue 17, item 1 in the editor): the real application on a
// race of two spiral replicas, training on its own thread, driven by widget name at 30 frames a
// second: the Race tab opens, a replica is added from its field and button, the ranking table orders
// the replicas by their loss, a replica is removed, and the Viewport's picker shows another replica.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <string>
#include <vector>

#include "EditorDriver.h"
#include "UiTestSupport.h"
#include "render/Image.h"
#include "train/RaceSpec.h"
#include "ui/RaceRanking.h"

namespace nsb::ui {
namespace {

using test::EditorDriver;

// Frames within which a command's answer must show: a bound, not a timing (the suite's latency tests
// time the answers); the frames end as soon as it shows.
#if defined(__SANITIZE_ADDRESS__)
constexpr int ANSWER_FRAMES = 150;
#else
constexpr int ANSWER_FRAMES = 60;
#endif

struct RaceEditor {
  explicit RaceEditor(const std::string& backend) {
    auto options = test::presetOptions("spiral", backend, 1024, 640);
    options.lockstep = false;
    options.stepsPerFrame = 10;
    auto replicas = train::parseRace("sgd:0.1,adam:0.01", options.config.hyperparams);
    EXPECT_TRUE(replicas.ok());
    options.race = replicas.value();
    auto created = App::create(options);
    EXPECT_TRUE(created.ok()) << created.message();
    if (!created) return;
    app = std::move(created.value());
    driver = std::make_unique<EditorDriver>(*app);
  }
  const train::RaceState& race() const { return *app->session().latest()->race; }
  // The replicas' rows in the Race tab from top to bottom, by their label ("2 adam:0.01": the number is
  // the replica's id plus one, as its colour is).
  std::vector<std::string> rowsShown() const {
    std::vector<std::pair<float, std::string>> rows;
    const auto panel = app->editor().widgetRect("panel-race");
    if (!panel) return {};
    const auto& r = race();
    for (std::size_t i = 0; i < r.replicas.size(); ++i) {
      const std::string label =
          std::to_string(r.replicas[i].id + 1) + " " + train::replicaLabel(r.replicas[i].hyperparams);
      for (const auto& line : driver->screen()) {
        if (line.text.find(label) != std::string::npos && line.rect.min.y >= panel->min.y &&
            line.rect.max.y <= panel->max.y) {
          rows.emplace_back(line.rect.min.y, label);
          break;
        }
      }
    }
    std::sort(rows.begin(), rows.end());
    std::vector<std::string> labels;
    for (auto& row : rows) labels.push_back(row.second);
    return labels;
  }
  std::unique_ptr<App> app;
  std::unique_ptr<EditorDriver> driver;
};

void raceInTheEditor(const std::string& backend) {
  RaceEditor e(backend);
  ASSERT_TRUE(e.driver);
  EditorDriver& d = *e.driver;
  ASSERT_TRUE(d.framesUntil([&] { return e.app->session().latest()->step > 0; }, 300));
  ASSERT_EQ(e.race().replicas.size(), 2u);

  // A race opens on the Race tab; a third replica from its field.
  ASSERT_TRUE(d.widget("replica-spec", 3)) << d.screenText();
  ASSERT_TRUE(d.typeInto("replica-spec", "rmsprop:0.005"));
  ASSERT_TRUE(d.click("add-replica"));
  ASSERT_TRUE(d.framesUntil([&] { return e.race().replicas.size() == 3; }, ANSWER_FRAMES));
  EXPECT_EQ(e.race().replicas[2].hyperparams.optimizer, compute::OptimizerKind::RmsProp);
  EXPECT_EQ(e.race().replicas[2].id, 2u);

  // Every replica with a metric point, then paused: the table ranks them as their losses say.
  ASSERT_TRUE(d.framesUntil(
      [&] {
        const auto& r = e.race();
        return std::all_of(r.replicas.begin(), r.replicas.end(), [](const auto& x) { return !x.history.empty(); });
      },
      600));
  ASSERT_TRUE(d.click("play"));
  d.frames(ANSWER_FRAMES);
  const auto order = rankReplicas(e.race());
  std::vector<std::string> expected;
  for (std::size_t i : order) {
    const auto& r = e.race().replicas[i];
    expected.push_back(std::to_string(r.id + 1) + " " + train::replicaLabel(r.hyperparams));
  }
  EXPECT_EQ(e.rowsShown(), expected) << d.screenText();
  for (std::size_t k = 1; k < order.size(); ++k) {
    EXPECT_LE(rankingLoss(e.race().replicas[order[k - 1]]), rankingLoss(e.race().replicas[order[k]]));
  }

  // Replica 2 (adam) removed: two rows left, the others keep their colours' ids.
  ASSERT_TRUE(d.click("remove-replica-2"));
  ASSERT_TRUE(d.framesUntil([&] { return e.race().replicas.size() == 2; }, ANSWER_FRAMES));
  EXPECT_EQ(e.race().replicas[0].id, 0u);
  EXPECT_EQ(e.race().replicas[1].id, 2u);
  d.frames(2);
  EXPECT_EQ(e.rowsShown().size(), 2u) << d.screenText();
  EXPECT_FALSE(d.shows("adam:0.01")) << d.screenText();
  // The rmsprop replica keeps its number: a teacher who said "watch 3" still finds 3.
  EXPECT_TRUE(d.shows("3 rmsprop:0.005")) << d.screenText();
  EXPECT_FALSE(d.shows("2 rmsprop:0.005")) << d.screenText();

  // The Viewport's picker: the second replica (rmsprop) in the views and Details.
  ASSERT_TRUE(d.click("show-replica", 2));
  ASSERT_TRUE(d.click("show-replica-2", 3));
  ASSERT_TRUE(d.framesUntil([&] { return e.race().shown == 1; }, ANSWER_FRAMES));
  EXPECT_EQ(e.app->session().latest()->hyperparams.optimizer, compute::OptimizerKind::RmsProp);
}

TEST(EndToEndRace, StartsARaceAddsAndRemovesAReplicaAndRanksThemOnTheCpu) { raceInTheEditor("cpu"); }

// The Race tab is whole at UI scale 1.5 in a 1280x800 window: every column of the ranking table with its
// header and every row's values, none cut by the table's edge, and no text over other text.
TEST(EndToEndRace, TheRaceTableIsWholeAtUiScale1_5) {
  auto options = test::presetOptions("spiral", "cpu", 1280, 800);
  options.lockstep = false;
  options.uiScale = 1.5f;
  auto replicas = train::parseRace("sgd:0.1,momentum:0.1:momentum=0.9,adam:0.01", options.config.hyperparams);
  ASSERT_TRUE(replicas.ok());
  options.race = replicas.value();
  auto created = App::create(options);
  ASSERT_TRUE(created.ok()) << created.message();
  App& app = *created.value();
  EditorDriver d(app);
  ASSERT_TRUE(d.framesUntil(
      [&] {
        const auto s = app.session().latest();  // held: r lives in it
        const auto& r = *s->race;
        return std::all_of(r.replicas.begin(), r.replicas.end(), [](const auto& x) { return x.history.size() >= 2; });
      },
      600));
  ASSERT_TRUE(d.click("play"));
  d.frames(ANSWER_FRAMES / 4);
  if (const char* dir = std::getenv("NSB_E2E_SCREENSHOTS")) {
    app.frame(true);
    auto image = app.captured();
    ASSERT_TRUE(image.ok()) << image.message();
    ASSERT_TRUE(render::writePng(std::string(dir) + "/race-scale-1.5.png", image.value()).ok());
  }
  d.frame();
  std::string all;
  for (const auto& overlap : d.overlappingText()) all += "  " + overlap + "\n";
  EXPECT_TRUE(all.empty()) << "text over text:\n" << all;
  for (const char* header : {"rank", "replica", "train loss", "test loss", "accuracy", "steps to target"}) {
    EXPECT_TRUE(d.shows(header)) << "the header \"" << header << "\" is cut:\n" << d.screenText();
  }
  const auto table = app.editor().widgetRect("race-table");
  ASSERT_TRUE(table);
  const auto shown = app.session().latest();  // held: race lives in it
  const auto& race = *shown->race;
  for (std::size_t i = 0; i < race.replicas.size(); ++i) {
    const auto& r = race.replicas[i];
    const std::string label = std::to_string(r.id + 1) + " " + train::replicaLabel(r.hyperparams);
    char accuracy[32];
    std::snprintf(accuracy, sizeof accuracy, "%.1f %%", 100.0 * r.history.back().test.accuracy);
    EXPECT_TRUE(d.shows(label, accuracy)) << label << "'s row is cut:\n" << d.screenText();
  }
}

TEST(EndToEndRace, StartsARaceAddsAndRemovesAReplicaAndRanksThemOnVulkan) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device";
  raceInTheEditor("vulkan");
}

}  // namespace
}  // namespace nsb::ui
