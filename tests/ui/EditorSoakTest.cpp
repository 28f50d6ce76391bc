// The editor's soak: 60 s of random live edits, one every 50 ms from a second thread (as the UI
// thread's widgets would send them), while the spiral trains on Vulkan with the validation layer on
// and the UI thread draws frames: every kind of edit, backend switches, play/pause and UI-scale
// changes (those two on the UI thread). No crash, no validation message, and the floor of resident
// memory (its minimum over the second quarter against its minimum over the last quarter) grows by
// under 64 MiB: resident memory swings by hundreds of MiB as backends are created and lavapipe
// compiles pipelines, so a leak shows as a rising floor, not as the difference of two samples. It is
// sampled every 100 ms on a thread of its own, not per frame: on a loaded machine a frame can take
// seconds, and a run once had a quarter without a sample. The edits stay within a
// few network shapes (widths 15..17, up to three hidden layers, two batch sizes, three feature sets): the Vulkan
// backend compiles and keeps a pipeline per shape, so unbounded random shapes measure that cache, not leaks. Runs only
// with NSB_SOAK set (ctest -L soak sets it; NSB_SOAK=N runs N seconds; NSB_SOAK_BACKEND=cpu trains on the CPU,
// NSB_SOAK_VALIDATION=0 turns the layer off); prints its figures.
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stop_token>
#include <thread>

#include "UiTestSupport.h"
#include "core/Rng.h"
#include "train/Session.h"
#include "ui/Editor.h"

namespace nsb::ui {
namespace {

// Resident memory after giving glibc's free lists back to the system: without the trim, memory freed
// by the session thread stays in its malloc arena and RSS measures fragmentation, not leaks.
double residentMiB() {
  malloc_trim(0);
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

TEST(EditorSoak, RandomEditsWhileTraining) {
  const char* gate = std::getenv("NSB_SOAK");
  if (!gate || !*gate) GTEST_SKIP() << "the soak runs with `ctest -L soak` (or NSB_SOAK=seconds)";
  if (!test::haveVulkan()) GTEST_SKIP() << "no Vulkan device (lavapipe) to render with";
  const double seconds = std::atof(gate) > 1.0 ? std::atof(gate) : 60.0;
  constexpr double MAX_GROWTH_MIB = 64.0;
  const char* backend = std::getenv("NSB_SOAK_BACKEND");
  const std::string trainOn = backend && *backend ? backend : "vulkan";
  const std::uint32_t before = gpu::VulkanContext::validationMessages();
  auto options = test::spiralOptions(trainOn, 1024, 640);
  const char* validation = std::getenv("NSB_SOAK_VALIDATION");
  options.validation = !(validation && std::string(validation) == "0");
  options.stepsPerFrame = 4;
  auto app = App::create(options);
  ASSERT_TRUE(app.ok()) << app.message();
  App& a = *app.value();
  auto& session = a.session();
  core::Rng rng(2024);
  const auto activations = {compute::Activation::Tanh,      compute::Activation::Relu, compute::Activation::Sigmoid,
                            compute::Activation::LeakyRelu, compute::Activation::Gelu, compute::Activation::Linear};
  auto pick = [&](std::uint32_t n) { return rng.below(n); };
  auto randomActivation = [&] { return *(activations.begin() + pick(static_cast<std::uint32_t>(activations.size()))); };

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  std::atomic<std::size_t> edits{0}, switches{0};
  // The editor's commands, every 50 ms; every 20 edits it waits for the session to catch up, so
  // that the backlog stays bounded when structural edits take longer than 50 ms to apply.
  // jthreads: a failed ASSERT on the UI thread stops and joins them on its way out.
  std::jthread editor([&](const std::stop_token& stop) {
    while (!stop.stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (++edits % 20 == 0) session.sync();
      const auto s = session.latest();
      const auto& spec = s->spec;
      train::Hyperparams h = s->hyperparams;
      const std::size_t hidden = spec.hidden.size();
      const std::size_t layer = hidden ? pick(static_cast<std::uint32_t>(hidden)) : 0;
      switch (pick(15)) {
        case 0:
          h.learningRate = std::pow(10.0f, -4.0f + 3.0f * rng.uniform());
          session.submit(train::SetHyperparams{h});
          break;
        case 1:
          h.optimizer = static_cast<compute::OptimizerKind>(pick(8));
          session.submit(train::SetHyperparams{h});
          break;
        case 2:
          h.batchSize = pick(2) ? 10 : 32;
          session.submit(train::SetHyperparams{h});
          break;
        case 3:
          if (hidden) session.submit(train::SetActivation{layer, randomActivation()});
          break;
        case 4:
          if (hidden && spec.hidden[layer].width < 17)
            session.submit(train::SetLayerWidth{layer, spec.hidden[layer].width + 1});
          break;
        case 5:
          if (hidden && spec.hidden[layer].width > 15) {
            session.submit(train::RemoveNeuron{layer, pick(static_cast<std::uint32_t>(spec.hidden[layer].width))});
          }
          break;
        case 6:
          if (hidden < 3) session.submit(train::AddLayer{hidden, 16, randomActivation()});
          break;
        case 7:
          if (hidden > 2) session.submit(train::RemoveLayer{layer});
          break;
        case 8: {
          data::FeatureSet features;
          constexpr std::uint32_t MASKS[] = {0b0000011, 0b1100011, 0b0011111};
          features.mask = MASKS[pick(3)];
          session.submit(train::SetFeatures{features});
          session.submit(NetworkView::probesFor(features));
          break;
        }
        case 9:
          session.submit(train::RegenerateData{0.5f * rng.uniform(), 1 + pick(1000)});
          break;
        case 10:
          session.submit(
              train::SetParameter{pick(static_cast<std::uint32_t>(spec.parameterCount())), rng.uniform(-1.0f, 1.0f)});
          break;
        case 11:
          session.submit(train::Reset{1 + pick(100)});
          break;
        case 12:
          if (pick(4) == 0) {
            session.submit(train::SwitchBackend{s->backend == "vulkan" ? "cpu" : "vulkan"});
            ++switches;
          }
          break;
        default:
          h.l1 = pick(2) ? 0.0f : 1e-4f;
          h.l2 = pick(2) ? 0.0f : 1e-3f;
          session.submit(train::SetHyperparams{h});
          break;
      }
    }
  });
  constexpr double NONE = 1e30;
  const auto quarter = [&] { return std::min<std::size_t>(3, static_cast<std::size_t>(4.0 * elapsed() / seconds)); };
  // The resident-memory floor (minimum) and samples of each quarter of the run (the sampler's), and
  // its frames and edits (the UI thread's).
  std::array<double, 4> floors{NONE, NONE, NONE, NONE};
  std::array<std::size_t, 4> samples{}, quarterFrames{}, quarterEdits{};
  double rssPeak = 0.0;
  constexpr auto SAMPLE_EVERY = std::chrono::milliseconds(100);
  std::jthread sampler([&](const std::stop_token& stop) {
    while (!stop.stop_requested()) {
      const double rss = residentMiB();
      const std::size_t q = quarter();
      rssPeak = std::max(rssPeak, rss);
      floors[q] = std::min(floors[q], rss);
      ++samples[q];
      std::this_thread::sleep_for(SAMPLE_EVERY);
    }
  });
  std::size_t frames = 0, scales = 0;
  core::Rng uiRng(7);
  while (elapsed() < seconds) {
    if (uiRng.below(40) == 0) a.editor().setPlaying(!a.editor().playing());
    if (frames % 50 == 49) {
      ASSERT_TRUE(a.setUiScale(1.0f + 0.25f * static_cast<float>(uiRng.below(5))).ok());
      ++scales;
    }
    ASSERT_TRUE(a.frame());
    ++frames;
    const std::size_t q = quarter();
    ++quarterFrames[q];
    quarterEdits[q] = edits.load();
  }
  sampler.request_stop();
  sampler.join();
  editor.request_stop();
  editor.join();
  session.sync();
  const auto last = session.latest();
  const double floorEarly = floors[1], floorLate = floors[3];
  std::printf(
      "soak on %s: %.0f s, %zu frames, %zu edits (%zu backend switches, %zu UI-scale changes), step %llu, "
      "hidden %zu layers, resident floor %.1f MiB in the 2nd quarter -> %.1f MiB in the 4th (peak %.1f), last outcome "
      "'%s'\n",
      trainOn.c_str(), elapsed(), frames, edits.load(), switches.load(), scales,
      static_cast<unsigned long long>(last->step), last->spec.hidden.size(), floorEarly, floorLate, rssPeak,
      last->outcomes.empty() ? "" : last->outcomes.back().message.c_str());
  for (std::size_t q = 0; q < 4; ++q) {
    std::printf("soak quarter %zu: %zu frames, %zu edits so far, resident floor %.1f MiB of %zu samples\n", q + 1,
                quarterFrames[q], quarterEdits[q], floors[q], samples[q]);
  }
  // 20 a second between the catch-up waits; structural edits rebuild the programs (and compile
  // pipelines under the validation layer on lavapipe), so the applied rate is lower.
  EXPECT_GE(edits, static_cast<std::size_t>(seconds)) << "at least one edit a second applied";
  // One a second, a tenth of the timer's rate: under load the sampler waits for a core (and malloc_trim
  // for the arenas' locks) too, but not for seconds on end as a frame does.
  const auto fewest = static_cast<std::size_t>(seconds / 4.0);
  ASSERT_GE(samples[1], fewest) << "resident memory sampled too rarely in the 2nd quarter";
  ASSERT_GE(samples[3], fewest) << "resident memory sampled too rarely in the 4th quarter";
  EXPECT_LT(floorLate - floorEarly, MAX_GROWTH_MIB) << "growth of the resident-memory floor";
  app.value().reset();
  EXPECT_EQ(gpu::VulkanContext::validationMessages(), before) << "validation messages (see the log above)";
}

}  // namespace
}  // namespace nsb::ui
