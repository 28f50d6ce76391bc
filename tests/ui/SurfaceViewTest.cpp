// The Surface view (issue 16, items 1, 2 and 4 for surfaces): the lab's runs, stepping budget and
// step equations against DescentRun's own numbers; every surface-* preset configures a lab; paths drawn
// headless (no renderer); offscreen frames of surface-bowl and surface-rosenbrock on lavapipe: the
// contour map is not flat, the minimum's marker lies where the minimum is, each optimizer's path is on
// screen in its colour; and the Step panel on screen shows stepEquations' lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "EditorDriver.h"
#include "UiTestSupport.h"
#include "descent/SurfaceLab.h"
#include "train/Preset.h"
#include "ui/SurfaceView.h"

namespace nsb::ui {
namespace {

using descent::Point;

train::SurfaceSetup bowlWith(compute::OptimizerKind kind) {
  train::SurfaceSetup setup;
  train::Hyperparams h;
  h.optimizer = kind;
  h.learningRate = 0.05f;
  h.weightDecay = 0.1f;
  setup.optimizers.push_back(h);
  setup.start = std::array<double, 2>{-3.0, 1.5};
  return setup;
}

bool contains(const std::string& all, const std::string& part) { return all.find(part) != std::string::npos; }

TEST(SurfaceLab, StepEquationsShowTheRunsOwnNumbers) {
  for (const auto kind : SURFACE_OPTIMIZERS) {
    SCOPED_TRACE(std::string(compute::optimizerName(kind)));
    descent::SurfaceLab lab;
    ASSERT_TRUE(lab.configure(bowlWith(kind)).ok());
    EXPECT_TRUE(descent::stepEquations(lab.runs()[0]).empty()) << "nothing to show before the first step";
    lab.step(1);
    lab.step(1);
    lab.step(3);  // a batch: the state before its last step must still be the kernel's
    const descent::LabRun& r = lab.runs()[0];
    ASSERT_EQ(r.run.steps(), 5u);

    // The state before the last step, from a run of its own stopped one step earlier.
    descent::DescentRun reference(lab.surface(), r.run.hyperparams(), Point{-3.0, 1.5});
    reference.run(4);
    EXPECT_EQ(r.before1, reference.last().state1);
    EXPECT_EQ(r.before2, reference.last().state2);

    std::string all;
    for (const auto& line : descent::stepEquations(r)) all += line + "\n";
    const descent::StepDetail& d = r.run.last();
    const auto n = [](double v) { return descent::equationNumber(v); };
    for (const double v : {d.before.x, d.before.y, d.gradient.x, d.gradient.y, d.after.x, d.after.y,
                           static_cast<double>(d.learningRate)}) {
      EXPECT_TRUE(contains(all, n(v))) << n(v) << " not in\n" << all;
    }
    if (kind != compute::OptimizerKind::AdamW) {
      EXPECT_TRUE(contains(all, "\nx = " + n(d.before.x))) << all;
    }
    EXPECT_TRUE(contains(all, "= " + n(d.after.y) + "\n")) << "the y update ends in its result\n" << all;
    if (kind != compute::OptimizerKind::Gd && kind != compute::OptimizerKind::Sgd) {
      for (int i = 0; i < 2; ++i) {
        EXPECT_TRUE(contains(all, n(d.state1[i]))) << all;
        EXPECT_TRUE(contains(all, n(r.before1[i]))) << all;
      }
    }
    if (kind == compute::OptimizerKind::Momentum) {
      // v = mu * v_before + g, in the kernel's float arithmetic.
      const float mu = r.run.hyperparams().momentum;
      EXPECT_FLOAT_EQ(r.run.last().state1[0], mu * r.before1[0] + static_cast<float>(d.gradient.x));
      EXPECT_TRUE(
          contains(all, "v_x = " + n(mu) + " * " + n(r.before1[0]) + " + " + n(d.gradient.x) + " = " + n(d.state1[0])))
          << all;
    }
    if (kind == compute::OptimizerKind::Adam || kind == compute::OptimizerKind::AdamW) {
      EXPECT_TRUE(contains(all, "m_y = " + n(r.run.hyperparams().beta1) + " * " + n(r.before1[1]))) << all;
      EXPECT_TRUE(contains(all, "v_x = " + n(r.run.hyperparams().beta2) + " * " + n(r.before2[0]))) << all;
      for (int i = 0; i < 2; ++i) EXPECT_TRUE(contains(all, n(d.state2[i]))) << all;
    }
  }
}

TEST(SurfaceLab, AdvanceKeepsToTheSpeedWithinTheBudget) {
  descent::SurfaceLab lab;
  lab.setSpeed(1000.0);
  std::uint64_t total = 0;
  for (int i = 0; i < 60; ++i) total += lab.advance(1.0 / 60.0);
  EXPECT_NEAR(static_cast<double>(total), 1000.0, 1.0) << "fractions carried over";
  EXPECT_EQ(lab.advance(100.0), descent::SurfaceLab::MAX_STEPS_PER_ADVANCE) << "a long frame stays in the budget";
  lab.setSpeed(0.0);
  EXPECT_EQ(lab.advance(0.001), descent::SurfaceLab::MAX_STEPS_PER_ADVANCE) << "max: the budget every frame";
  for (const auto& r : lab.runs()) EXPECT_EQ(r.run.steps(), total + 2 * descent::SurfaceLab::MAX_STEPS_PER_ADVANCE);
}

TEST(SurfaceLab, AddedRunsCatchUpAndKeepTheirColours) {
  descent::SurfaceLab lab;
  ASSERT_TRUE(lab.configure(bowlWith(compute::OptimizerKind::Gd)).ok());
  lab.step(7);
  ASSERT_TRUE(lab.add(compute::OptimizerKind::Adam));
  ASSERT_TRUE(lab.add(compute::OptimizerKind::Momentum));
  ASSERT_EQ(lab.runs().size(), 3u);
  for (const auto& r : lab.runs()) EXPECT_EQ(r.run.steps(), 7u);
  const std::uint32_t momentumColour = lab.runs()[2].colour;
  EXPECT_NE(lab.runs()[1].colour, momentumColour);
  lab.remove(1);
  EXPECT_EQ(lab.runs()[1].colour, momentumColour);
  lab.setStart(Point{1.0, -1.0});
  for (const auto& r : lab.runs()) {
    EXPECT_EQ(r.run.steps(), 0u);
    EXPECT_EQ(r.run.path().front().x, 1.0);
  }
}

TEST(SurfacePresets, EverySurfacePresetConfiguresALab) {
  int found = 0;
  for (const auto& name : train::presetNames()) {
    if (name.rfind("surface-", 0) != 0) continue;
    ++found;
    auto preset = train::Preset::load(name);
    ASSERT_TRUE(preset.ok()) << preset.message();
    ASSERT_TRUE(preset->surface) << name << " is of kind surface";
    descent::SurfaceLab lab;
    ASSERT_TRUE(lab.configure(*preset->surface).ok()) << name;
    EXPECT_GE(lab.runs().size(), 2u) << name;
    auto again = train::Preset::fromJson(preset->toJson(), "round trip");
    ASSERT_TRUE(again.ok()) << again.message();
    EXPECT_EQ(again->surface, preset->surface);
  }
  EXPECT_GE(found, 2) << "surface-bowl and surface-rosenbrock";
  train::SurfaceSetup bad;
  bad.surface = "teacup";
  descent::SurfaceLab lab;
  EXPECT_FALSE(lab.configure(bad).ok());
  const auto json = nlohmann::json::parse(R"({"kind": "surface", "surface": {"name": "bowl", "condition": 0}})");
  EXPECT_FALSE(train::Preset::fromJson(json, "test.json").ok()) << "k below 1";
}

// Without a renderer: a few frames of the view in contour and 3D modes, every run's path drawn.
TEST(SurfaceView, DrawsEveryRunsPathInBothModes) {
  test::createHeadlessImGui();
  SurfaceView view;
  auto preset = train::Preset::load("surface-bowl");
  ASSERT_TRUE(preset.ok());
  ASSERT_TRUE(view.configure(*preset->surface).ok());
  for (const bool threeD : {false, true}) {
    view.setThreeD(threeD);
    for (int i = 0; i < 4; ++i) {
      ImGui::NewFrame();
      ImGui::SetNextWindowPos(ImVec2(0, 0));
      ImGui::SetNextWindowSize(ImVec2(1000, 600));
      ImGui::Begin("test");
      view.draw(Rect{ImVec2(0, 20), ImVec2(1000, 600)}, 0.5);
      ImGui::End();
      ImGui::Render();
    }
    EXPECT_EQ(view.threeD(), threeD);
    ASSERT_EQ(view.pathPointsDrawn().size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_GT(view.pathPointsDrawn()[i], 5u) << "run " << i << (threeD ? " in 3D" : " on the contour map");
    }
  }
  ImGui::DestroyContext();
}

int colourDistance(const std::uint8_t* p, std::uint32_t abgr) {
  return std::abs(p[0] - static_cast<int>(abgr & 0xFF)) + std::abs(p[1] - static_cast<int>((abgr >> 8) & 0xFF)) +
         std::abs(p[2] - static_cast<int>((abgr >> 16) & 0xFF));
}

// The closest colour to `abgr` within `radius` pixels of (x, y).
int nearestColour(const render::Image& image, ImVec2 at, std::uint32_t abgr, int radius) {
  int best = 1000;
  for (int dy = -radius; dy <= radius; ++dy) {
    for (int dx = -radius; dx <= radius; ++dx) {
      const int x = static_cast<int>(std::lround(at.x)) + dx, y = static_cast<int>(std::lround(at.y)) + dy;
      if (x < 0 || y < 0 || x >= static_cast<int>(image.width) || y >= static_cast<int>(image.height)) continue;
      best = std::min(best, colourDistance(image.pixel(x, y), abgr));
    }
  }
  return best;
}

// Where a surface point lies on the map, from the map's rectangle and the surface's range alone.
ImVec2 expectedScreen(const SurfaceView& view, Point p) {
  const auto range = view.lab().surface().range();
  const Rect map = view.mapRect();
  return ImVec2(map.min.x + static_cast<float>((p.x - range.xMin) / (range.xMax - range.xMin)) * map.width(),
                map.max.y - static_cast<float>((p.y - range.yMin) / (range.yMax - range.yMin)) * map.height());
}

TEST(SurfaceOffscreen, BowlContourMinimumMarkerAndPaths) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  for (const char* name : {"surface-bowl", "surface-rosenbrock"}) {
    SCOPED_TRACE(name);
    auto options = test::presetOptions(name, "cpu", 1280, 720);
    options.stepsPerFrame = 1;
    auto app = App::create(options);
    ASSERT_TRUE(app.ok()) << app.message();
    Editor& editor = app.value()->editor();
    ASSERT_TRUE(editor.surfaceMode()) << "a preset of kind surface opens the Surface view";
    for (int i = 0; i < 12; ++i) ASSERT_TRUE(app.value()->frame(i == 11));
    const auto image = app.value()->captured();
    ASSERT_TRUE(image.ok()) << image.message();
    const SurfaceView& view = editor.surface();
    const Rect map = view.mapRect();
    ASSERT_GT(map.width(), 200.0f);
    ASSERT_GT(map.height(), 150.0f);

    std::set<std::uint32_t> colours;
    for (int gy = 0; gy < 10; ++gy) {
      for (int gx = 0; gx < 10; ++gx) {
        const std::uint8_t* p =
            image->pixel(static_cast<std::uint32_t>(map.min.x + map.width() * (static_cast<float>(gx) + 0.5f) / 10),
                         static_cast<std::uint32_t>(map.min.y + map.height() * (static_cast<float>(gy) + 0.5f) / 10));
        colours.insert(p[0] | (p[1] << 8) | (p[2] << 16));
      }
    }
    EXPECT_GE(colours.size(), 20u) << "the contour map is not flat";

    // The marker: white at the minimum, the map's lowest colours around it, its highest far away.
    const auto& minimum = view.lab().surface().minima().front();
    const ImVec2 at = expectedScreen(view, minimum.at);
    EXPECT_LE(nearestColour(*image, at, IM_COL32_WHITE, 1), 30) << "a white marker at the minimum";
    int low = 0;
    for (int k = 0; k < 8; ++k) {
      const float a = 6.2831853f * static_cast<float>(k) / 8.0f;
      const std::uint8_t* p = image->pixel(static_cast<std::uint32_t>(at.x + 12.0f * std::cos(a)),
                                           static_cast<std::uint32_t>(at.y + 12.0f * std::sin(a)));
      low += p[0] + p[1] + p[2] < 330 ? 1 : 0;  // the dark violet to blue end of the colour map
    }
    EXPECT_GE(low, 6) << "the lowest colours surround the marker";

    if (std::string(name) == "surface-rosenbrock") {
      // Rosenbrock's and the bowl's minima lie halfway up their maps; Himmelblau's four do not.
      editor.surface().lab().setSurface(descent::SurfaceKind::Himmelblau, {});
      for (int i = 0; i < 2; ++i) ASSERT_TRUE(app.value()->frame(i == 1));
      const auto himmelblau = app.value()->captured();
      ASSERT_TRUE(himmelblau.ok());
      ASSERT_EQ(view.lab().surface().minima().size(), 4u);
      for (const auto& m : view.lab().surface().minima()) {
        EXPECT_LE(nearestColour(*himmelblau, expectedScreen(view, m.at), IM_COL32_WHITE, 1), 30)
            << "no marker at Himmelblau's minimum (" << m.at.x << ", " << m.at.y << ")";
      }
    }
    // Every optimizer's path in its own colour: a point well along each path (on the bowl, where the
    // paths part at once; on Rosenbrock the first steps of GD and momentum lie over each other).
    if (std::string(name) != "surface-bowl") continue;
    ASSERT_GE(view.lab().runs().size(), 3u);
    for (const auto& r : view.lab().runs()) {
      ASSERT_GT(r.run.path().size(), 4u);
      const Point p = r.run.path()[r.run.path().size() / 2];
      EXPECT_LE(nearestColour(*image, expectedScreen(view, p), r.colour, 2), 40)
          << compute::optimizerName(r.run.optimizer()) << "'s path is not drawn at step " << r.run.path().size() / 2;
    }
  }
}

// The Step panel, read off the screen: the selected optimizer's last update in numbers.
TEST(SurfaceOffscreen, StepPanelShowsTheLastUpdatesNumbers) {
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  // 1600 x 900: the Step panel's longest lines (Adam's) fit its column without scrolling.
  auto options = test::presetOptions("surface-bowl", "cpu", 1600, 900);
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  test::EditorDriver driver(*app.value(), 1000.0);
  driver.frames(2);
  SurfaceView& view = driver.editor().surface();
  ASSERT_TRUE(driver.click("surface-play", 2));  // pause
  ASSERT_FALSE(view.playing());
  for (std::size_t row : {1u, 2u}) {
    ASSERT_TRUE(driver.click("surface-row-" + std::to_string(row), 2));
    ASSERT_EQ(view.selected(), row);
    ASSERT_TRUE(driver.click("surface-step", 2));
    driver.frames(1);
    const descent::LabRun& r = view.lab().runs()[row];
    const auto lines = descent::stepEquations(r);
    ASSERT_GE(lines.size(), 5u);
    for (const auto& line : lines) {
      EXPECT_TRUE(driver.shows(line)) << "\"" << line << "\" not on screen:\n" << driver.screenText();
    }
    EXPECT_TRUE(driver.shows("= " + descent::equationNumber(r.run.last().after.x)));
  }
}

}  // namespace
}  // namespace nsb::ui
