// `gui --attach` in the end-to-end editor suite (issue 18, item 3): the real editor (ui::App headless in
// a window's scheduling, driven by widget name) on a job of a real `neural-sandbox serve` child. An
// edit made in the editor reaches the server's session (its status says so) and its marker comes back
// in the editor's snapshot; Pause and Play steer the job; the server killed and started again: the
// editor says the connection is lost, keeps its last frame, reconnects, and the job trains on from its
// checkpoint. Two editors on one job: one steers, the other watches until it takes control. Every wait
// is bounded in frames.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <future>
#include <string>

#include "AttachedServer.h"
#include "EditorDriver.h"

namespace nsb::ui {
namespace {

using test::EditorDriver;

constexpr int MOST_FRAMES = 300;  // 10 s at 30 frames/s

TEST(EndToEndAttach, EditsPauseAndPlayReachTheServerAndTheEditorReconnectsAfterACrash) {
  test::AttachedServer server("spiral", "cpu");
  ASSERT_TRUE(server) << server.err();
  auto options = server.editorOptions(800, 640);
  ASSERT_TRUE(options) << options.message();
  auto created = App::create(std::move(options.value()));
  ASSERT_TRUE(created) << created.message();
  App& app = *created.value();
  EditorDriver d(app);
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->step > 0 && d.shownStep().value_or(0) > 0; }, MOST_FRAMES))
      << d.screenText();
  EXPECT_TRUE(d.shows("attached to " + server.url() + " job " + server.job())) << d.screenText();
  EXPECT_TRUE(d.editor().playing()) << "the job runs: the button offers Pause";

  // A typed learning rate: applied on the server, its event (the plots' marker) back in the snapshot.
  ASSERT_TRUE(d.typeInto("lr", "0.0321", 2));
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->hyperparams.learningRate == 0.0321f; }, MOST_FRAMES))
      << "the server's frames never showed the typed learning rate";
  EXPECT_TRUE(d.shows("learning rate", "0.0321")) << d.screenText();
  EXPECT_NEAR(server.status()["hyperparams"].value("lr", 0.0), 0.0321, 1e-7);
  const auto s = d.latest();
  bool marked = false;
  for (const auto& event : s->events) marked = marked || (event.what == "lr" && event.after.find("0.0321") == 0);
  EXPECT_TRUE(marked) << "no lr event for the edit in the snapshot";
  EXPECT_GE(s->appliedSequence, 1u);

  // Pause: the job stops on the server, and the editor shows the step it stopped at.
  // The job's state changes at once; its session answers the Pause once the Steps queued ahead of it
  // (about a tenth of a second of them, Server.cpp: QUEUE_SECONDS) have run.
  ASSERT_TRUE(d.click("play", 2));
  auto answered = std::async(std::launch::async, [&] { return app.session().sync(std::chrono::seconds(10)); });
  ASSERT_TRUE(d.framesUntil([&] { return answered.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
                            MOST_FRAMES));
  ASSERT_EQ(answered.get(), train::SyncStatus::Synced);
  ASSERT_TRUE(d.framesUntil([&] { return !d.latest()->running && d.shownStep() == d.latest()->step; }, MOST_FRAMES));
  EXPECT_EQ(server.status().value("state", ""), "paused");
  const std::uint64_t paused = d.latest()->step;
  d.frames(15);
  EXPECT_EQ(d.latest()->step, paused) << "a paused job trained on";
  EXPECT_EQ(server.status().value("step", 0ull), paused);
  EXPECT_TRUE(d.shows("Play")) << d.screenText();
  // Play: the job runs again.
  ASSERT_TRUE(d.click("play", 2));
  ASSERT_TRUE(d.framesUntil([&] { return d.latest()->running && d.latest()->step > paused; }, MOST_FRAMES));
  EXPECT_EQ(server.status().value("state", ""), "running");
  // Past a checkpoint written after the edit, so that the job comes back with it.
  ASSERT_TRUE(d.framesUntil([&] { return server.status().value("checkpoint_step", 0ull) > paused; }, MOST_FRAMES));

  // The server dies: the editor says so and keeps its last frame.
  server.kill();
  ASSERT_TRUE(d.framesUntil([&] { return d.shows("connection lost, reconnecting..."); }, MOST_FRAMES))
      << d.screenText();
  const auto kept = d.shownStep();
  ASSERT_TRUE(kept.has_value()) << d.screenText();
  d.frames(10);
  EXPECT_EQ(d.shownStep(), kept) << "the last frame changed while the server was down";
  EXPECT_TRUE(d.shows("connection lost, reconnecting...")) << d.screenText();

  // It comes back on its port: the editor reconnects, the job resumes from its checkpoint and trains on.
  ASSERT_TRUE(server.start()) << server.err();
  ASSERT_TRUE(d.framesUntil([&] { return d.shows("attached to " + server.url()); }, MOST_FRAMES)) << d.screenText();
  const std::uint64_t resumed = d.latest()->step;
  EXPECT_GT(resumed, paused) << "the job did not resume from its checkpoint";
  EXPECT_FLOAT_EQ(d.latest()->hyperparams.learningRate, 0.0321f) << "the edit was lost with the server";
  ASSERT_TRUE(d.framesUntil([&] { return d.shownStep().value_or(0) > resumed + 10; }, MOST_FRAMES))
      << "the step counter did not move after the reconnection:\n"
      << d.screenText();
  EXPECT_TRUE(d.editor().playing());
  // The views' probes were asked of the new server process again: the heatmaps are of the weights now.
  EXPECT_TRUE(d.framesUntil(
      [&] {
        const auto p = d.latest()->probes;
        return p && !p->probes.empty() && p->step > resumed;
      },
      MOST_FRAMES))
      << "no probes from the server started again";
}

// Two editors attached to one job (issue 18, item 5): the first steers, the second says "watching" with
// a Take control button and no speed control, and its timeline disabled; its button moves the steering
// to it, the first then says "watching", and an edit typed in the second reaches the server.
TEST(EndToEndAttach, TheWatchingEditorTakesControlAndTheOtherWatches) {
  test::AttachedServer server("spiral", "cpu");
  ASSERT_TRUE(server) << server.err();
  auto firstOptions = server.editorOptions(780, 640);  // narrow, and large: the menu bar's end must fit
  ASSERT_TRUE(firstOptions) << firstOptions.message();
  firstOptions->uiScale = 1.5f;
  auto first = App::create(std::move(firstOptions.value()));
  ASSERT_TRUE(first) << first.message();
  auto secondOptions = server.editorOptions(800, 640);
  ASSERT_TRUE(secondOptions) << secondOptions.message();
  auto second = App::create(std::move(secondOptions.value()));
  ASSERT_TRUE(second) << second.message();
  EditorDriver a(*first.value()), b(*second.value());
  const auto both = [&](auto done) {
    for (int i = 0; i < MOST_FRAMES; ++i) {
      a.frame();
      b.frame();
      if (done()) return true;
    }
    return false;
  };
  const std::string attached = "attached to " + server.url() + " job " + server.job();
  ASSERT_TRUE(both([&] { return a.shows("steering") && b.shows(attached + " - watching"); }))
      << a.screenText() << "\n---\n"
      << b.screenText();
  EXPECT_TRUE(b.editor().widgetRect("take-control")) << "the watcher offers no Take control";
  EXPECT_FALSE(a.editor().widgetRect("take-control"));
  EXPECT_FALSE(a.editor().widgetRect("speed")) << "a served job is stepped by its server: no speed control";

  // The watcher's timeline (a view of a kept step is a command: the server refuses a watcher's every
  // one) is disabled like its toolbar: a click on it sends nothing to refuse.
  ASSERT_TRUE(both([&] { return b.latest()->timeline && b.latest()->timeline->steps.size() >= 2; }))
      << "the job kept no steps";
  ASSERT_TRUE(b.click("timeline", 2));
  b.frames(3);
  EXPECT_EQ(b.editor().error(), "") << "the watcher's timeline sent a command";
  EXPECT_FALSE(b.latest()->timeline->viewed.has_value());

  ASSERT_TRUE(b.click("take-control", 2));
  ASSERT_TRUE(both([&] { return b.shows(attached + " - steering") && a.shows("watching"); }))
      << a.screenText() << "\n---\n"
      << b.screenText();
  // 780 px wide at UI scale 1.5: the role and the button fit inside the window (the server gives way).
  const auto take = a.editor().widgetRect("take-control");
  ASSERT_TRUE(take) << "the watcher offers no Take control";
  EXPECT_LE(take->max.x, 780.0f);
  EXPECT_LE(a.editor().widgetRect("link").value().max.x, take->min.x);
  ASSERT_TRUE(b.typeInto("lr", "0.0321", 2));
  ASSERT_TRUE(both([&] { return std::abs(server.status()["hyperparams"].value("lr", 0.0) - 0.0321) < 1e-7; }))
      << "the new controller's edit never reached the server";
  EXPECT_TRUE(both([&] { return a.latest()->hyperparams.learningRate == 0.0321f; }))
      << "the watcher never saw the controller's edit";
}

// An editor attached with a viewer token (`gui --attach URL --token-file viewer.token`) watches and
// says so once the server has refused it an editor's id: no Take control button, which could only fail.
TEST(EndToEndAttach, AViewerTokensEditorWatchesWithoutTakeControl) {
  test::AttachedServer server("spiral", "cpu", true);
  ASSERT_TRUE(server) << server.err();
  auto options = server.editorOptions(800, 640, test::AttachedServer::Role::Viewer);
  ASSERT_TRUE(options) << options.message();
  auto created = App::create(std::move(options.value()));
  ASSERT_TRUE(created) << created.message();
  EditorDriver d(*created.value());
  ASSERT_TRUE(d.framesUntil([&] { return d.shows("watching (viewer)"); }, MOST_FRAMES)) << d.screenText();
  d.frames(5);
  EXPECT_FALSE(d.editor().widgetRect("take-control")) << "a viewer is offered Take control";
  EXPECT_TRUE(created.value()->session().link().viewer);
}

}  // namespace
}  // namespace nsb::ui
