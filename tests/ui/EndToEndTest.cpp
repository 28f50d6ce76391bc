// The end-to-end editor suite (issue 12, items 1 and 10): the real application - ui::App headless
// (offscreen renderer) in a window's scheduling (AppOptions::lockstep = false: the Session trains on
// its own thread, steps per frame are requested, not waited for) - driven by widget name through its
// InputQueue at 30 frames a second while training runs, asserting on the session's snapshots and on
// the text each frame shows. NSB_E2E_BUSY=N starts N threads spinning beside it (CTest runs the suite
// plain and with two: controls must answer whatever the load).
//
// "Within a frame" is checked in frames: an input's effect must be in the snapshot, or on screen, by
// the second frame after the frame that fed it (the session gets a whole frame to apply it). Steps
// that ran after a control are bounded by one submit plus what Session::latest() can lag behind the
// training thread: the most steps seen in one frame just before (two such frames free running, where
// a publish that runs every probe takes a while), and stepping per frame one request of S steps.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "EditorDriver.h"
#include "UiTestSupport.h"
#include "render/Image.h"
#include "train/MemoryEstimate.h"
#include "train/Preset.h"

namespace nsb::ui {
namespace {

using test::EditorDriver;

// Frames the editor has to show an input's effect, counted from the frame that fed the input; three
// times that under AddressSanitizer, which makes the session's submits and probe runs about 3x slower.
#if defined(__SANITIZE_ADDRESS__)
constexpr int ANSWER_FRAMES = 6;
#else
constexpr int ANSWER_FRAMES = 2;
#endif

// NSB_E2E_BUSY=N: N threads at 100 % for the whole run, as the other work of a loaded machine.
class BusyThreads : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* value = std::getenv("NSB_E2E_BUSY");
    const int n = value ? std::atoi(value) : 0;
    for (int i = 0; i < n; ++i) {
      mThreads.emplace_back([this] {
        volatile std::uint64_t spin = 0;
        while (!mStop.load(std::memory_order_relaxed)) spin = spin + 1;
      });
    }
    if (n > 0) std::printf("end-to-end suite: %d busy threads beside it\n", n);
  }
  void TearDown() override {
    mStop = true;
    for (auto& t : mThreads) t.join();
    mThreads.clear();
  }

 private:
  std::atomic<bool> mStop{false};
  std::vector<std::thread> mThreads;
};
[[maybe_unused]] ::testing::Environment* const busy = ::testing::AddGlobalTestEnvironment(new BusyThreads);

// A scratch folder for the files the File menu writes, removed when the suite ends.
std::filesystem::path scratchFolder() {
  return std::filesystem::temp_directory_path() / ("nsb-e2e-" + std::to_string(getpid()));
}
std::filesystem::path scratch(const std::string& name) {
  std::filesystem::create_directories(scratchFolder());
  return scratchFolder() / name;
}
class ScratchFolder : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(scratchFolder(), ignored);
  }
};
[[maybe_unused]] ::testing::Environment* const scratchEnvironment =
    ::testing::AddGlobalTestEnvironment(new ScratchFolder);

// A preset in the editor, headless with a window's scheduling; stepsPerFrame 0: at full speed, else
// the speed a window starts at with --steps-per-frame (S x 30 frames/s snapped: 10 -> 100 steps/s). 800x640:
// the whole editor, at a frame cost that leaves the training thread some of a loaded 2-core machine.
AppOptions liveOptions(std::uint32_t stepsPerFrame, const std::string& backend = "cpu",
                       const std::string& preset = "spiral") {
  auto options = test::presetOptions(preset, backend, 800, 640);
  options.lockstep = false;
  options.stepsPerFrame = stepsPerFrame;
  if (stepsPerFrame == 0) options.speed = 0.0;  // max: the hardest case for the controls
  return options;
}

struct LiveEditor {
  explicit LiveEditor(std::uint32_t stepsPerFrame, const std::string& backend = "cpu",
                      const std::string& preset = "spiral")
      : LiveEditor(liveOptions(stepsPerFrame, backend, preset)) {}
  explicit LiveEditor(const AppOptions& options) {
    auto created = App::create(options);
    EXPECT_TRUE(created.ok()) << created.message();
    if (!created) return;
    app = std::move(created.value());
    driver = std::make_unique<EditorDriver>(*app);
  }
  explicit operator bool() const { return driver != nullptr; }
  std::uint64_t step() const { return app->session().latest()->step; }
  std::uint64_t submit() const { return app->session().latest()->stepsPerSubmit; }
  // Frames until training has started, then `frames` more; returns the most steps the session showed
  // in one frame over those (at least 1): a bound on the steps one frame can hide.
  std::uint64_t warmUp(int frames = 15) {
    driver->framesUntil([&] { return step() > 0; }, 300);
    std::uint64_t last = step(), most = 1;
    for (int i = 0; i < frames; ++i) {
      driver->frame();
      most = std::max(most, step() - last);
      last = step();
    }
    return most;
  }
  // Draws frames until the session has applied every command sent so far and run every step asked
  // for (Session::sync); false after `most` frames. Only while paused: stepping per frame asks for
  // more steps every frame.
  bool caughtUp(int most = 300) {
    auto done = std::async(std::launch::async, [session = &app->session()] { session->sync(); });
    for (int i = 0; i < most; ++i) {
      if (done.wait_for(std::chrono::seconds(0)) == std::future_status::ready) return true;
      driver->frame();
    }
    return done.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }
  // The step at which the session applied the last event named `what` (its "before" for a reset).
  std::optional<std::uint64_t> eventStep(const std::string& what) const {
    const auto s = app->session().latest();
    for (auto e = s->events.rbegin(); e != s->events.rend(); ++e) {
      if (e->what == what) return e->step;
    }
    return std::nullopt;
  }

  std::unique_ptr<App> app;
  std::unique_ptr<EditorDriver> driver;  // declared last: goes first
};

// Pause: the button reads Play from the next frame, and no step starts after the frame in which it
// was clicked. Allowed: the submit running then, and the steps one frame can hide from
// Session::latest() (the most seen in one frame before the click).
void expectPauseStopsTraining(std::uint32_t stepsPerFrame, const std::string& backend) {
  LiveEditor e(stepsPerFrame, backend);
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  const std::uint64_t perFrame = e.warmUp();
  ASSERT_TRUE(d.editor().playing());
  ASSERT_TRUE(d.click("play", 2));  // the release frame sends Pause
  const std::uint64_t atClick = e.step();
  EXPECT_FALSE(d.editor().playing());
  d.frame();
  EXPECT_TRUE(d.shows("Play")) << "the frame after the click shows:\n" << d.screenText();
  // Session::sync says when Pause was applied (training is a rate, so no backlog of steps can hold it
  // up); a snapshot may be two frames' training behind (a publish that ran every probe).
  const std::uint64_t allowed = 2 * perFrame + e.submit() + stepsPerFrame;
  ASSERT_TRUE(e.caughtUp()) << "Pause was not applied in 300 frames";
  const std::uint64_t paused = e.step();
  ASSERT_LE(paused - atClick, allowed) << paused - atClick << " steps ran after the frame in which Pause was clicked ("
                                       << backend << ", " << stepsPerFrame << " steps/frame; " << allowed
                                       << " allowed: one submit and what a snapshot can lag behind)";
  d.frames(10);
  EXPECT_EQ(e.step(), paused) << "the step counter moved while paused";
  EXPECT_FALSE(d.latest()->running);
  EXPECT_EQ(d.shownStep(), paused) << "the toolbar shows the step training stopped at:\n" << d.screenText();
}

TEST(EndToEnd, PauseStopsTrainingInTheFrameItWasClickedFreeRunning) { expectPauseStopsTraining(0, "cpu"); }

TEST(EndToEnd, PauseStopsTrainingInTheFrameItWasClickedSteppingPerFrame) { expectPauseStopsTraining(10, "cpu"); }

TEST(EndToEnd, PauseStopsTrainingInTheFrameItWasClickedOnVulkan) { expectPauseStopsTraining(10, "vulkan"); }

// A typed learning rate: on screen from the next frame on (never the old value again), applied by the
// session within one submit of the frame that sent it (and the steps one frame hides).
// The frame whose click sends Pause is not drawn (it could only show training going on); the first
// frame drawn once the session has answered shows the step training stopped at.
TEST(EndToEnd, TheFrameThatSendsPauseIsNotDrawnAndTheAnsweredOneShowsThePausedStep) {
  LiveEditor e(0, "cpu");
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp();
  const std::uint64_t shownBefore = d.shownStep().value_or(0);
  ASSERT_TRUE(d.pushClick("play"));
  d.frame();  // the press sends Pause
  EXPECT_FALSE(d.app().drewLastFrame()) << "the frame that sent Pause was drawn";
  EXPECT_EQ(d.shownStep(), shownBefore) << "an undrawn frame changed what the screen shows";
  ASSERT_EQ(d.app().session().sync(std::chrono::seconds(30)), train::SyncStatus::Synced);
  d.frame();  // the release
  EXPECT_TRUE(d.app().drewLastFrame());
  EXPECT_FALSE(d.latest()->running);
  EXPECT_EQ(d.shownStep(), d.latest()->step) << d.screenText();
}

TEST(EndToEnd, AFrameThatFeedsHalfATapIsNotDrawnAndAStreamOfTapsStillShows) {
  LiveEditor e(0, "cpu");
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp(5);
  d.pushTap(GLFW_KEY_KP_9);  // a key the editor does not use: only the frames change
  d.frame();
  EXPECT_FALSE(d.app().drewLastFrame()) << "the frame that fed the press, its release queued, was drawn";
  d.frame();
  EXPECT_TRUE(d.app().drewLastFrame()) << "the frame that fed the release was not drawn";
  // 20 taps queued at once take 40 frames; the screen still changes every few of them.
  for (int i = 0; i < 20; ++i) d.pushTap(GLFW_KEY_KP_9);
  int frames = 0, drawn = 0, longestUndrawn = 0, undrawn = 0;
  while (d.input().pending() > 0 && frames < 100) {
    d.frame();
    ++frames;
    drawn += d.app().drewLastFrame();
    undrawn = d.app().drewLastFrame() ? 0 : undrawn + 1;
    longestUndrawn = std::max(longestUndrawn, undrawn);
  }
  EXPECT_EQ(frames, 40);
  EXPECT_GE(drawn, 4);
  EXPECT_LE(longestUndrawn, 8) << "frames in a row that showed nothing new";
}

TEST(EndToEnd, AnEditedLearningRateIsShownAtOnceAndAppliedWithinASubmit) {
  LiveEditor e(10);
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  const std::uint64_t perFrame = e.warmUp();
  ASSERT_TRUE(d.shows("learning rate", "0.01")) << d.screenText();
  ASSERT_TRUE(d.typeInto("lr", "0.05", 2));  // returns after the frame that fed Enter's release
  const std::uint64_t atEnter = e.step();
  EXPECT_TRUE(d.shows("learning rate", "0.05")) << "the frame after Enter shows:\n" << d.screenText();
  bool applied = false;
  for (int i = 0; i < 30; ++i) {
    d.frame();
    EXPECT_TRUE(d.shows("learning rate", "0.05")) << "frame " << i + 2 << " after Enter shows:\n" << d.screenText();
    applied = applied || d.latest()->hyperparams.learningRate == 0.05f;
  }
  ASSERT_TRUE(applied) << "the session had not taken the new learning rate 30 frames after Enter (step " << e.step()
                       << ", typed at step " << atEnter << ")";
  const auto at = e.eventStep("lr");
  ASSERT_TRUE(at) << "no event for the learning rate";
  // Enter acts on its press frame, so the edit may be applied before the release frame read atEnter.
  const std::uint64_t allowed = perFrame + e.submit() + 10;
  EXPECT_LE(*at, atEnter + allowed) << "applied at step " << *at << ", typed at step " << atEnter << " (" << allowed
                                    << " steps allowed)";
}

// Reset: a new run, at once - the step goes back to 0, the run's curves start again, no "nan" shown
// before its first step.
TEST(EndToEnd, ResetStartsANewRun) {
  LiveEditor e(0);
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp(30);
  const std::uint64_t run = d.latest()->run;
  ASSERT_TRUE(d.click("reset", 2));
  // Counted in frames, not steps: at full speed a frame holds thousands of steps. Training at full
  // speed beside two busy threads, the session may be inside a publish that runs every probe (the
  // 65,536-row output grid): four frames (the 100 ms target plus a frame).
  EXPECT_TRUE(d.framesUntil([&] { return e.eventStep("reset").has_value(); }, 2 * ANSWER_FRAMES))
      << "Reset was not applied by the fourth frame after the click";
  ASSERT_TRUE(d.framesUntil([&] { return e.eventStep("reset").has_value(); }, 300)) << "Reset was never applied";
  // A new run, not a step below the old one: on a loaded machine a frame can take long enough for
  // the new run to train past the step the old one had reached when the button was clicked.
  EXPECT_GT(d.latest()->run, run) << "no new run";
  const auto s = d.latest();
  for (const auto& point : s->history) {
    ASSERT_LE(point.step, s->step) << "a point of the old run (step " << point.step << ") in the new run's curves";
  }
  // Paused, Reset shows step 0 and no loss before the first step.
  ASSERT_TRUE(d.click("play"));
  ASSERT_TRUE(e.caughtUp());
  ASSERT_TRUE(d.click("reset"));
  ASSERT_TRUE(e.caughtUp());
  EXPECT_EQ(e.step(), 0u);
  d.frame();
  EXPECT_EQ(d.shownStep(), 0u) << d.screenText();
  EXPECT_FALSE(d.shows("nan")) << "a loss is shown before the first step:\n" << d.screenText();
}

// A diverged run (sgd at learning rate 10 on a regression) stays in the user's hands: Pause, Reset
// and edits answer within a frame (by the second frame after the one that fed them).
TEST(EndToEnd, AfterADivergencePauseResetAndEditsStillAnswer) {
  LiveEditor e(0, "cpu", "reg-plane");
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp(5);
  ASSERT_TRUE(d.click("optimizer", 2));
  ASSERT_TRUE(d.clickText("sgd"));
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->hyperparams.optimizer == compute::OptimizerKind::Sgd; }, 150));
  ASSERT_TRUE(d.typeInto("lr", "10", 2));
  ASSERT_TRUE(d.framesUntil(
      [&] {
        const auto s = d.latest();
        return s->divergence.has_value() || !std::isfinite(s->lastLoss);
      },
      150))
      << "no divergence at learning rate 10: loss " << d.latest()->lastLoss;
  EXPECT_TRUE(d.framesUntil([&] { return d.shows("Training diverged at step"); }, ANSWER_FRAMES))
      << "no divergence banner:\n"
      << d.screenText();
  const auto answers = [&](auto done) { return d.framesUntil(done, ANSWER_FRAMES); };
  if (d.editor().playing()) {
    ASSERT_TRUE(d.click("play"));
    EXPECT_FALSE(d.editor().playing());
    EXPECT_TRUE(answers([&] { return !d.latest()->running; })) << "Pause did not answer";
  }
  ASSERT_TRUE(d.click("reset"));
  EXPECT_TRUE(answers([&] { return e.step() == 0; })) << "Reset did not answer: step " << e.step();
  ASSERT_TRUE(d.typeInto("lr", "0.02"));
  EXPECT_TRUE(d.shows("learning rate", "0.02")) << d.screenText();
  EXPECT_TRUE(answers([&] { return d.latest()->hyperparams.learningRate == 0.02f; }))
      << "the edit did not answer: learning rate " << d.latest()->hyperparams.learningRate;
  ASSERT_TRUE(d.click("play"));
  EXPECT_TRUE(answers([&] { return e.step() > 0; })) << "Play did not answer";
  EXPECT_TRUE(d.framesUntil([&] { return e.step() > 50; }, 150));
  EXPECT_TRUE(std::isfinite(d.latest()->lastLoss)) << "lr 0.02 diverges too";
}

// Three clicks on "+" faster than the frames: three neurons, never two or four.
TEST(EndToEnd, ThreeFastClicksOnPlusAddExactlyThreeNeurons) {
  LiveEditor e(0);
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp();
  const std::size_t width = d.latest()->spec.hidden[0].width;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(d.pushClick("add-neuron-0", i == 0 ? 2 : 0));
  EXPECT_EQ(d.drain(), 6) << "a press frame and a release frame per click";
  const std::string want = "Hidden 1  " + std::to_string(width + 3) + " x";
  EXPECT_TRUE(d.framesUntil([&] { return d.shows(want); }, ANSWER_FRAMES))
      << "the Outliner does not show the width asked for at once:\n"
      << d.screenText();
  EXPECT_TRUE(d.framesUntil([&] { return d.latest()->spec.hidden[0].width == width + 3; }, 150))
      << "layer 1 has " << d.latest()->spec.hidden[0].width << " neurons";
  d.frames(15);
  EXPECT_EQ(d.latest()->spec.hidden[0].width, width + 3);
  EXPECT_TRUE(d.shows(want)) << d.screenText();
}

// A Space tap shorter than a frame (press and release between two frames) toggles play, both ways.
TEST(EndToEnd, ASpaceTapShorterThanAFrameTogglesPlay) {
  LiveEditor e(0);
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp(5);
  ASSERT_TRUE(d.editor().playing());
  d.pushTap(GLFW_KEY_SPACE);
  d.drain();
  EXPECT_FALSE(d.editor().playing()) << "the tap was lost";
  EXPECT_TRUE(e.caughtUp());
  EXPECT_FALSE(d.latest()->running);
  d.pushTap(GLFW_KEY_SPACE);
  d.drain();
  EXPECT_TRUE(d.editor().playing()) << "the second tap was lost";
  EXPECT_TRUE(d.framesUntil([&] { return d.latest()->running; }, 30));
}

// File > Save preset writes what runs now; File > Open preset brings it back (a new session).
TEST(EndToEnd, FileMenuSavesAPresetAndOpensItAgain) {
  LiveEditor e(0);
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp(5);
  const std::size_t width = d.latest()->spec.hidden[0].width;
  ASSERT_TRUE(d.click("add-neuron-0", 2));
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->spec.hidden[0].width == width + 1; }, 150));
  const auto path = scratch("lesson.json");
  std::filesystem::remove(path);
  ASSERT_TRUE(d.menu("menu-file", "file-save-preset"));
  ASSERT_TRUE(d.typeInto("file-path", path.string(), 3));
  ASSERT_TRUE(std::filesystem::exists(path)) << "File > Save preset wrote nothing; notice: " << d.editor().notice();
  auto saved = train::Preset::load(path.string());
  ASSERT_TRUE(saved.ok()) << saved.message();
  ASSERT_EQ(saved.value().hidden.size(), 2u);
  EXPECT_EQ(saved.value().hidden[0].width, width + 1);

  ASSERT_TRUE(d.click("add-neuron-0"));
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->spec.hidden[0].width == width + 2; }, 150));
  ASSERT_TRUE(d.menu("menu-file", "file-open-preset"));
  ASSERT_TRUE(d.typeInto("file-path", path.string(), 3));
  EXPECT_TRUE(
      d.framesUntil([&] { return d.latest()->spec.hidden[0].width == width + 1 && d.shows("preset lesson"); }, 150))
      << "the opened preset has " << d.latest()->spec.hidden[0].width << " neurons in layer 1:\n"
      << d.screenText();
  std::filesystem::remove(path);
}

// File > Save checkpoint writes the weights at the current step; File > Load checkpoint goes back to
// them; File > Save screenshot writes a PNG.
TEST(EndToEnd, FileMenuSavesAndLoadsACheckpointAndTakesAScreenshot) {
  LiveEditor e(0);
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp(5);
  ASSERT_TRUE(d.click("play"));  // paused, so that the saved step is known
  ASSERT_TRUE(e.caughtUp());
  const std::uint64_t at = e.step();
  const auto params = d.latest()->probes ? d.latest()->probes->parameters : std::vector<float>{};
  const auto checkpoint = scratch("run.safetensors");
  std::filesystem::remove(checkpoint);
  ASSERT_TRUE(d.menu("menu-file", "file-save-checkpoint"));
  ASSERT_TRUE(d.typeInto("file-path", checkpoint.string(), 3));
  EXPECT_TRUE(d.framesUntil([&] { return std::filesystem::exists(checkpoint); }, 150))
      << "File > Save checkpoint wrote nothing: " << d.screenText();

  ASSERT_TRUE(d.click("play"));
  ASSERT_TRUE(d.framesUntil([&] { return e.step() > at + 50; }, 150));
  ASSERT_TRUE(d.click("play"));
  ASSERT_TRUE(e.caughtUp());
  ASSERT_TRUE(d.menu("menu-file", "file-load-checkpoint"));
  ASSERT_TRUE(d.typeInto("file-path", checkpoint.string(), 3));
  EXPECT_TRUE(d.framesUntil([&] { return e.step() == at; }, 150))
      << "step " << e.step() << " after loading the checkpoint of step " << at << ":\n"
      << d.screenText();
  // The loaded step is answered first; the probes of the loaded weights follow in the same pass.
  EXPECT_TRUE(d.framesUntil([&] { return d.latest()->probes && d.latest()->probes->step == at; }, 150));
  if (!params.empty() && d.latest()->probes) {
    EXPECT_EQ(d.latest()->probes->parameters, params) << "the checkpoint's weights";
  }

  const auto png = scratch("shot.png");
  std::filesystem::remove(png);
  ASSERT_TRUE(d.menu("menu-file", "file-screenshot"));
  ASSERT_TRUE(d.typeInto("file-path", png.string(), 3));
  EXPECT_TRUE(d.framesUntil([&] { return std::filesystem::exists(png); }, 10)) << d.editor().notice();
  EXPECT_GT(std::filesystem::exists(png) ? std::filesystem::file_size(png) : 0, 1000u);
  std::filesystem::remove(checkpoint);
  std::filesystem::remove(png);
}

// View > 3D view turns the Viewport's orbit view on; the menu's own rectangle is the same open or closed.
TEST(EndToEnd, ViewMenuTurnsThe3DViewOn) {
  LiveEditor e(0);
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp(3);
  ASSERT_FALSE(d.editor().orbitMode());
  const auto closed = d.widget("menu-view");
  ASSERT_TRUE(closed);
  ASSERT_TRUE(d.click("menu-view"));
  const auto open = d.widget("menu-view", 2);
  ASSERT_TRUE(open && d.widget("view-3d")) << "the View menu did not open:\n" << d.screenText();
  EXPECT_EQ(open->min.x, closed->min.x);
  EXPECT_EQ(open->max.y, closed->max.y);
  ASSERT_TRUE(d.click("view-3d"));
  EXPECT_TRUE(d.editor().orbitMode());
}

// NSB_E2E_SCREENSHOTS=DIR: the readability cases write what they checked there (DIR/scale-1.5-Plots
// tab.png), for a person to look at.
void screenshot(App& app, const std::string& name) {
  const char* dir = std::getenv("NSB_E2E_SCREENSHOTS");
  if (!dir) return;
  app.frame(true);
  auto image = app.captured();
  ASSERT_TRUE(image.ok()) << image.message();
  ASSERT_TRUE(render::writePng(std::string(dir) + "/" + name + ".png", image.value()).ok());
}

// Readable at every UI scale (issue 12, item 6): the default preset (spiral) training at full speed
// in a 1280x800 window; after a few frames every bottom tab and the Viewport's 2D and 3D views are
// drawn, and no text may lie over other text (text over a plot or a heatmap is fine). The toolbar's
// status line stays whole on screen, and the 3D view names its layers.
void expectNoTextOverText(float scale) {
  auto options = liveOptions(0);
  options.width = 1280;
  options.height = 800;
  options.uiScale = scale;
  LiveEditor e(options);
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp(3);
  // Histograms need two metric points, so that their "steps a..b" label shows.
  ASSERT_TRUE(d.framesUntil(
      [&] {
        const auto h = d.latest()->histograms;
        return h && h->size() >= 2;
      },
      300));
  const auto expectNone = [&](const std::string& where) {
    std::string all;
    for (const auto& overlap : d.overlappingText()) all += "  " + overlap + "\n";
    EXPECT_TRUE(all.empty()) << "UI scale " << scale << ", " << where << ": text over text\n" << all;
    screenshot(*e.app, "scale-" + std::to_string(scale).substr(0, 3) + "-" + where);
  };
  for (const char* tab : {"Plots", "Histograms", "Log", "Benchmark"}) {
    d.editor().selectTab(tab);
    d.frames(2);
    expectNone(std::string(tab) + " tab");
  }
  const auto status = d.widget("status");
  ASSERT_TRUE(status);
  EXPECT_LE(status->max.x, 1280.0f) << "UI scale " << scale << ": the toolbar's status line runs off the screen";
  d.editor().setOrbitMode(true);
  d.frames(2);
  expectNone("3D view");
  for (const char* layer : {"input 4", "hidden 1: 16", "hidden 2: 16", "output 1"}) {
    EXPECT_TRUE(d.shows(layer)) << "UI scale " << scale << ": the 3D view has no label \"" << layer << "\"\n"
                                << d.screenText();
  }
}

TEST(EndToEnd, NoTextOverTextAtUiScale1) { expectNoTextOverText(1.0f); }
TEST(EndToEnd, NoTextOverTextAtUiScale1_5) { expectNoTextOverText(1.5f); }
TEST(EndToEnd, NoTextOverTextAtUiScale2) { expectNoTextOverText(2.0f); }

// At UI scale 2.5 (a 1280x800 window is then 512x320 at scale 1) the side panels and the bottom tabs
// give way to the Viewport, which keeps at least 40 % of the window's width and 35 % of its height:
// 512x280 px here. That is what the network view needs: its output view, a square as high as the
// Viewport's content, at least 160 px (the decision boundary's points still apart), and to its left
// the columns of neurons with their titles.
TEST(EndToEnd, TheViewportStaysUsableAtUiScale2_5) {
  auto options = liveOptions(0);
  options.width = 1280;
  options.height = 800;
  options.uiScale = 2.5f;
  LiveEditor e(options);
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp(3);
  const Rect viewport = d.editor().viewportRect();
  EXPECT_GE(viewport.width(), 0.4f * 1280) << "the Viewport is " << viewport.width() << " px wide";
  EXPECT_GE(viewport.height(), 0.35f * 800) << "the Viewport is " << viewport.height() << " px high";
  EXPECT_GE(d.editor().network().outputRect().width(), 160.0f);
  screenshot(*e.app, "scale-2.5");
  std::string all;
  for (const auto& overlap : d.overlappingText()) all += "  " + overlap + "\n";
  EXPECT_TRUE(all.empty()) << "text over text at UI scale 2.5:\n" << all;
}

// The Outliner's dataset picker, end to end: another dataset is a new session and a new run (step 0,
// the network rebuilt to fit), and the runs before it stay as faded curves on the new run's axes.
TEST(EndToEnd, PickingAnotherDatasetStartsANewRunAndKeepsTheOldOneFaded) {
  LiveEditor e(1, "cpu", "xor");  // 30 steps a second: a new run's steps are few
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->history.size() >= 2; }, 300)) << "no metric points";
  const std::uint64_t before = e.step();
  const train::Session* old = &e.app->session();
  ASSERT_EQ(d.editor().plots().earlierRuns(), 0u);
  ASSERT_TRUE(d.click("dataset", 2));
  ASSERT_TRUE(d.clickText("spiral"));
  ASSERT_TRUE(d.framesUntil([&] { return &e.app->session() != old; }, ANSWER_FRAMES))
      << "no new session after picking spiral:\n"
      << d.screenText();
  d.frame();
  EXPECT_LT(e.step(), before) << "the new run does not start at step 0";
  for (const auto& point : d.latest()->history) EXPECT_LE(point.step, e.step()) << "a point of the old run";
  EXPECT_EQ(d.latest()->spec.hidden.size(), 1u);
  EXPECT_EQ(d.latest()->spec.hidden[0].width, 8u) << "the hidden layers stay";
  EXPECT_TRUE(d.shows("spiral")) << d.screenText();
  EXPECT_EQ(d.editor().plots().earlierRuns(), 1u) << "the xor run is gone from the plots";
  EXPECT_TRUE(d.shows("faded: 1 earlier run")) << d.screenText();
  ASSERT_TRUE(d.framesUntil([&] { return e.step() > 0; }, 150)) << "the new run does not train";
}

// A CSV through the picker's "Open file": other inputs (3) and outputs (3 classes) than xor's, so the
// network is rebuilt to fit; the hidden layers stay.
TEST(EndToEnd, OpeningAFileOfAnotherShapeRebuildsTheNetwork) {
  const auto csv = scratch("three.csv");
  {
    std::ofstream out(csv);
    out << "a,b,c,label\n";
    for (int i = 0; i < 60; ++i) out << i % 3 << "," << (i * 7) % 5 << "," << (i % 3) * 0.5 << "," << i % 3 << "\n";
  }
  LiveEditor e(1, "cpu", "xor");
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp(3);
  ASSERT_TRUE(d.click("dataset", 2));
  ASSERT_TRUE(d.clickText("Open file (CSV or IDX)..."));
  ASSERT_TRUE(d.typeInto("file-path", csv.string(), 3));
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->spec.inputs == 3; }, 2 * ANSWER_FRAMES))
      << "inputs " << d.latest()->spec.inputs << "; " << d.editor().error() << "\n"
      << d.screenText();
  EXPECT_EQ(d.latest()->spec.outputs, 3u);
  EXPECT_EQ(d.latest()->spec.hidden.size(), 1u);
  EXPECT_EQ(d.latest()->spec.hidden[0].width, 8u);
  ASSERT_TRUE(d.framesUntil([&] { return e.step() > 0; }, 150)) << "the new run does not train";
}

// A file that does not load: its one-line error in the Viewport's banner, naming the file in the
// editor's words (not the command line's "--dataset: ..."), and training goes on with the old data.
TEST(EndToEnd, AFileThatDoesNotLoadShowsItsErrorAndTrainingGoesOn) {
  const auto broken = scratch("broken.csv");
  {
    std::ofstream out(broken);
    out << "a,b,label\n1,2,0\n3,oops,1\n5,6,0\n";
  }
  LiveEditor e(1, "cpu", "xor");
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp(3);
  const train::Session* session = &e.app->session();
  const std::size_t inputs = d.latest()->spec.inputs;
  for (const auto& path : {scratch("missing.csv"), broken}) {
    const std::string name = path.filename().string();
    ASSERT_TRUE(d.click("dataset", 2));
    ASSERT_TRUE(d.clickText("Open file (CSV or IDX)..."));
    ASSERT_TRUE(d.typeInto("file-path", path.string(), 3));
    EXPECT_TRUE(d.framesUntil([&] { return d.editor().error().find(name) != std::string::npos; }, ANSWER_FRAMES))
        << "no error naming " << name << ": \"" << d.editor().error() << "\"";
    const std::string error = d.editor().error();
    EXPECT_EQ(error.find("--"), std::string::npos) << "a command line's error: " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_EQ(error.rfind("Could not open the dataset ", 0), 0u) << error;
    d.frame();
    EXPECT_TRUE(d.widget("notice") && d.shows("Could not open the dataset")) << "no banner:\n" << d.screenText();
    EXPECT_EQ(&e.app->session(), session) << "the running session was replaced";
    const std::uint64_t step = e.step();
    EXPECT_TRUE(d.framesUntil([&] { return e.step() > step; }, 150)) << "training stopped";
    EXPECT_EQ(d.latest()->spec.inputs, inputs);
  }
}

// An edit over the memory budget (NSB_MEMORY_BUDGET's override, set here through the backend options) is
// refused with its one-line message in the banner, before anything is made: the network stays as it
// was, training goes on, and an edit that fits still applies.
TEST(EndToEnd, AnEditOverTheMemoryBudgetIsRefusedAndTrainingGoesOn) {
  std::uint64_t budget = 0;
  {
    // What the editor's network and its probes need on the CPU backend, as the session checks it.
    LiveEditor probe(0);
    ASSERT_TRUE(probe);
    probe.warmUp();
    ASSERT_TRUE(probe.driver->framesUntil(
        [&] { return probe.driver->latest()->probes && !probe.driver->latest()->probes->probes.empty(); }, 150));
    const auto s = probe.driver->latest();
    std::vector<std::size_t> rows;
    for (const auto& p : s->probes->probes) rows.push_back(p.rows);
    const auto data = probe.app->session().dataset().dataset;
    const train::MemoryNeed need =
        train::estimateMemory({.spec = s->spec,
                               .dataset = *data,
                               .batch = train::effectiveBatch(s->hyperparams, data->train.count),
                               .evalChunk = train::TrainerConfig{}.evalChunk,
                               .probeRows = rows});
    // What it holds, and room for one rebuild of the same size (an edit makes the new buffers before the
    // old ones go; the dataset stays): a neuron less fits, a layer more does not (its probes alone are
    // more than the 64 KiB to spare).
    using enum train::MemoryPart;
    const train::MemoryNeed rebuild = need.only({Model, Batches, Probes, Small, Host});
    budget = need.device() + rebuild.device() + rebuild.host() + 64 * 1024;
  }
  AppOptions options = liveOptions(0);
  options.config.backendOptions.memoryBudget = budget;
  LiveEditor e(options);
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  e.warmUp();
  const nn::ModelSpec before = d.latest()->spec;
  ASSERT_TRUE(d.click("add-layer"));
  EXPECT_TRUE(d.framesUntil([&] { return d.editor().error().rfind("memory: ", 0) == 0; }, 150))
      << "no memory refusal: \"" << d.editor().error() << "\"";
  const std::string error = d.editor().error();
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  EXPECT_NE(error.find("NSB_MEMORY_BUDGET="), std::string::npos) << error;
  d.frame();
  EXPECT_TRUE(d.widget("notice") && d.shows("memory:")) << "no banner:\n" << d.screenText();
  EXPECT_TRUE(d.latest()->spec == before) << "the refused edit changed the network";
  const std::uint64_t step = e.step();
  EXPECT_TRUE(d.framesUntil([&] { return e.step() > step; }, 150)) << "training stopped";
  // A smaller network fits in the room of one rebuild.
  const std::size_t width = before.hidden[0].width;
  ASSERT_TRUE(d.click("remove-neuron-0"));
  EXPECT_TRUE(d.framesUntil([&] { return d.latest()->spec.hidden[0].width == width - 1; }, 150))
      << "an edit that fits was not applied: " << d.editor().error();
}

// The Surface view (issue 16): drag the start point on the contour map (every run starts again there),
// add an optimizer from the list, press Step: the table shows one step for each, the Step panel its numbers.
TEST(EndToEnd, SurfaceViewDragStartAddOptimizerAndStep) {
  AppOptions options = liveOptions(1, "cpu", "surface-bowl");
  options.width = 1280;  // the editor's default size: the map beside the view's controls
  options.height = 720;
  LiveEditor e(options);
  ASSERT_TRUE(e);
  EditorDriver& d = *e.driver;
  d.frames(3);
  ASSERT_TRUE(d.editor().surfaceMode()) << "surface-bowl opens the Surface view in front";
  SurfaceView& view = d.editor().surface();
  ASSERT_TRUE(d.click("surface-play", 2));
  ASSERT_FALSE(view.playing());
  const std::size_t before = view.lab().runs().size();

  // A drag from the start point to a quarter of the way in from the map's top-right corner.
  const auto handle = d.widget("surface-start", 2);
  ASSERT_TRUE(handle);
  const Rect map = view.mapRect();
  const ImVec2 target(map.min.x + map.width() * 0.75f, map.min.y + map.height() * 0.25f);
  d.input().mouseMove(handle->center().x, handle->center().y);
  d.input().mouseButton(0, true);
  d.drain();
  for (int i = 1; i <= 6; ++i) {
    const float f = static_cast<float>(i) / 6.0f;
    d.input().mouseMove(handle->center().x + (target.x - handle->center().x) * f,
                        handle->center().y + (target.y - handle->center().y) * f);
    d.frame();
  }
  d.input().mouseButton(0, false);
  d.drain();
  const auto range = view.lab().surface().range();
  const descent::Point start = view.lab().start();
  EXPECT_NEAR(start.x, range.xMin + 0.75 * (range.xMax - range.xMin), 0.05 * (range.xMax - range.xMin));
  EXPECT_NEAR(start.y, range.yMin + 0.75 * (range.yMax - range.yMin), 0.05 * (range.yMax - range.yMin));
  for (const auto& r : view.lab().runs()) {
    EXPECT_EQ(r.run.steps(), 0u) << "the drag resets every run";
    EXPECT_EQ(r.run.path().front().x, static_cast<float>(start.x));
  }

  ASSERT_TRUE(d.click("surface-add", 2));
  ASSERT_EQ(view.lab().runs().size(), before + 1);
  for (int press = 1; press <= 2; ++press) {
    ASSERT_TRUE(d.click("surface-step", 2));
    d.frame();
    for (std::size_t i = 0; i < view.lab().runs().size(); ++i) {
      EXPECT_EQ(view.lab().runs()[i].run.steps(), static_cast<std::uint64_t>(press));
      const auto cell = d.widget("surface-steps-" + std::to_string(i));
      ASSERT_TRUE(cell) << "no steps cell for run " << i;
      // The row reads as one line ("2 momentum 1 0.5 ..."): the steps are the word after the name.
      std::string shown;
      for (const auto& line : d.screen()) {
        const float y = line.rect.center().y;
        if (y < cell->min.y || y > cell->max.y || line.rect.max.x < cell->min.x) continue;
        std::istringstream words(line.text);
        std::string number, name;
        words >> number >> name >> shown;
      }
      EXPECT_EQ(shown, std::to_string(press)) << "the table's steps for run " << i << ":\n" << d.screenText();
    }
  }
  const auto& added = view.lab().runs().back();
  EXPECT_TRUE(d.shows("g_x = df/dx = " + descent::equationNumber(added.run.last().gradient.x)))
      << "the Step panel shows the added optimizer's update:\n"
      << d.screenText();
}

}  // namespace
}  // namespace nsb::ui
