// Edit-to-screen latency (issue 12, item 11), a measurement run by engine/bench/editor_bench.sh, not a
// test: DISABLED_ so that CI skips it. The real application in a window's scheduling at 30 frames/s
// (headless renderer, the end-to-end driver): from the input event of an edit until the device has
// drawn the first frame whose picture shows its effect, 50 times each: a value edit (the typed learning rate on
// screen), Pause (the step counter frozen at the step training stopped at), Reset (a step counter
// below the one at the click) and a structural edit (the Viewport's "Hidden 1 (N+1)"). Prints p50 and
// p95 in ms. NSB_LATENCY_BACKEND picks the backend (cpu by default); NSB_E2E_BUSY adds busy threads;
// NSB_LATENCY_SPEED sets the training speed in steps a second (default 0: max, the hardest case; 30 is
// what the 2D presets start at in a window); NSB_LATENCY_THREADS the CPU backend's threads (default 0:
// its own choice). NSB_LATENCY_ATTACH=1: the editor attached to a job of a `serve` child (gui --attach,
// issue 18: p95 <= 150 ms on loopback), which trains at full speed; a Pause counts once the server has
// answered it (the job's session has applied it).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "AttachedServer.h"
#include "EditorDriver.h"
#include "UiTestSupport.h"

namespace nsb::ui {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int MOST_FRAMES = 300;  // an effect not seen in 10 s counts as 10 s

double ms(Clock::time_point from) { return std::chrono::duration<double, std::milli>(Clock::now() - from).count(); }

void report(const char* what, const std::string& backend, std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const auto at = [&](double q) {
    return samples[std::min(samples.size() - 1, static_cast<std::size_t>(q * static_cast<double>(samples.size())))];
  };
  const char* busy = std::getenv("NSB_E2E_BUSY");
  const char* speed = std::getenv("NSB_LATENCY_SPEED");
  const char* attach = std::getenv("NSB_LATENCY_ATTACH");
  std::printf("latency %-10s %-6s speed %s busy %s%s: p50 %.0f ms, p95 %.0f ms, max %.0f ms (%zu edits)\n", what,
              backend.c_str(), speed ? speed : "max", busy ? busy : "0", attach ? " attached" : "", at(0.5), at(0.95),
              samples.back(), samples.size());
}

TEST(EditLatency, DISABLED_EditsPausesResetsAndNeurons) {
  const char* env = std::getenv("NSB_LATENCY_BACKEND");
  const std::string backend = env ? env : "cpu";
  const char* attach = std::getenv("NSB_LATENCY_ATTACH");
  const bool attached = attach && std::string(attach) == "1";
  std::optional<test::AttachedServer> server;
  AppOptions options;
  if (attached) {
    server.emplace("spiral", backend);
    ASSERT_TRUE(*server) << server->err();
    auto made = server->editorOptions(1280, 720);
    ASSERT_TRUE(made) << made.message();
    options = std::move(made.value());
  } else {
    options = test::presetOptions("spiral", backend, 1280, 720);  // wide enough for the layer titles
    options.lockstep = false;
    const char* speed = std::getenv("NSB_LATENCY_SPEED");
    options.speed = speed ? std::atof(speed) : 0.0;  // 0: max, the hardest case for the controls
    if (const char* threads = std::getenv("NSB_LATENCY_THREADS"))
      options.config.backendOptions.threads = std::atoi(threads);
  }
  auto created = App::create(std::move(options));
  ASSERT_TRUE(created.ok()) << created.message();
  App& app = *created.value();
  test::EditorDriver d(app);
  d.framesUntil([&] { return d.latest()->step > 0; }, MOST_FRAMES);
  d.frames(10);

  const char* count = std::getenv("NSB_LATENCY_EDITS");
  const int edits_ = count ? std::atoi(count) : 50;
  // An effect never seen is a failure, not a sample.
  auto seen = [&](const char* what, bool found) {
    EXPECT_TRUE(found) << what << " not on screen in " << MOST_FRAMES << " frames:\n" << d.screenText();
    return found;
  };
  // The end of the first frame drawn after the input event whose picture shows the effect (an undrawn
  // frame leaves the last picture on screen, which for a typed value already shows the typed text).
  // The clock stops once the device has drawn that frame (frame() returns after its submit).
  auto until = [&](auto shown) {
    const bool found = d.framesUntil([&] { return d.app().drewLastFrame() && shown(); }, MOST_FRAMES);
    d.app().waitForFrames();
    return found;
  };
  std::vector<double> edits, pauses, resets, neurons;
  for (int i = 0; i < edits_; ++i) {
    // A typed learning rate: everything but the Enter first, then the Enter as the input event.
    const std::string value = i % 2 ? "0.02" : "0.03";
    ASSERT_TRUE(d.typeInto("lr", value, 2, test::EditorDriver::Enter::Later));
    auto start = Clock::now();
    d.pushTap(GLFW_KEY_ENTER);
    if (!seen("the typed learning rate", until([&] { return d.shows("learning rate", value); }))) return;
    edits.push_back(ms(start));
    d.frames(3);

    // Pause: the first frame whose counter shows the step training stopped at.
    ASSERT_TRUE(d.pushClick("play"));
    start = Clock::now();
    std::uint64_t shown = 0;
    const bool paused = until([&] {
      const auto s = d.latest();
      shown = d.shownStep().value_or(~0ull);
      const bool answered =
          !attached || d.app().session().sync(std::chrono::milliseconds(0)) == train::SyncStatus::Synced;
      return !s->running && shown == s->step && answered;
    });
    if (!seen("the paused step", paused)) return;
    pauses.push_back(ms(start));

    // Reset (paused): step 0 on screen.
    ASSERT_TRUE(d.pushClick("reset"));
    start = Clock::now();
    if (!seen("step 0", until([&] { return d.shownStep() == 0u; }))) return;
    resets.push_back(ms(start));

    // A neuron more (paused, so the picture is the applied edit): the Viewport's layer title.
    const std::size_t width = d.latest()->spec.hidden[0].width;
    ASSERT_TRUE(d.pushClick(i % 2 ? "remove-neuron-0" : "add-neuron-0"));
    const std::string want = "Hidden 1 (" + std::to_string(i % 2 ? width - 1 : width + 1) + ")";
    start = Clock::now();
    if (!seen(want.c_str(), until([&] { return d.shows(want); }))) return;
    neurons.push_back(ms(start));

    // Training again (after a structural edit lavapipe compiles pipelines first), so that the next
    // Reset has steps to undo.
    ASSERT_TRUE(d.click("play"));
    d.framesUntil([&] { return d.latest()->step > 0; }, MOST_FRAMES);
    d.frames(5);
  }
  report("value edit", backend, edits);
  report("pause", backend, pauses);
  report("reset", backend, resets);
  report("neuron", backend, neurons);
}

}  // namespace
}  // namespace nsb::ui
