// `train --race`: the replicas of a race trained headless in lockstep (train::Race), one line per
// metric point on stderr and with --json one object with every replica's results as the last line;
// --timeline-every and --branch-at go back and branch every replica at once.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "Commands.h"
#include "TrainOptions.h"
#include "compute/Op.h"
#include "core/Format.h"
#include "core/Timer.h"
#include "train/Race.h"
#include "train/RaceSpec.h"

namespace nsb::sandbox {

using nlohmann::json;

namespace {

json numberOrNull(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string replicaName(const train::Hyperparams& h) {
  return std::string(compute::optimizerName(h.optimizer)) + ":" + core::formatNumber(h.learningRate);
}

std::string shortNumber(const char* format, double value) {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

// Whether a replica's last metric point reached the run's target.
bool reached(const Training& run, const train::MetricPoint& p) {
  const double loss = std::isfinite(p.test.loss) ? p.test.loss : p.trainLoss;
  return (run.stopAtLoss && loss <= *run.stopAtLoss) ||
         (run.stopAtAccuracy && std::isfinite(p.test.accuracy) && p.test.accuracy >= *run.stopAtAccuracy);
}

}  // namespace

std::string replicaPath(const std::string& path, std::size_t replica) {
  const std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + "-" + std::to_string(replica + 1) + p.extension().string())).string();
}

int trainRace(const Training& run, const RaceRun& o) {
  const bool jsonOutput = o.json;
  const std::uint64_t maxSteps = o.maxSteps;
  train::RaceConfig config{.base = run.config, .replicas = run.race};
  // A resumed race: every replica's file, and its settings the spec's over that file's.
  std::vector<nn::Checkpoint> resumed;
  if (!o.resumePath.empty()) {
    std::vector<std::string_view> texts;
    for (std::size_t start = 0; start <= run.raceSpec.size();) {
      const std::size_t comma = std::min(run.raceSpec.find(',', start), run.raceSpec.size());
      texts.emplace_back(std::string_view(run.raceSpec).substr(start, comma - start));
      start = comma + 1;
    }
    for (std::size_t i = 0; i < run.race.size(); ++i) {
      const std::string path = replicaPath(o.resumePath, i);
      auto loaded = nn::loadCheckpoint(path);
      if (!loaded) return fail(core::badInput("--resume: replica " + std::to_string(i + 1) + ": " + loaded.message()));
      train::Hyperparams h = run.race[i];
      if (auto updated = h.update(loaded.value().hyperparams); !updated) return fail(updated.error());
      h.totalSteps = run.race[i].totalSteps;  // the schedule sized by this run's epochs
      h.batchSize = run.race[i].batchSize;
      auto replica = i < texts.size() ? train::parseReplica(texts[i], h) : core::Result<train::Hyperparams>(h);
      if (!replica) return fail(core::badInput("--race: replica " + std::to_string(i + 1) + ": " + replica.message()));
      config.replicas[i] = replica.value();
      resumed.push_back(std::move(loaded.value()));
    }
  }
  // --timeline-every: every replica's state every N steps (a Timeline each, an equal share of the bound),
  // all kept at the same steps, to branch the whole race from one of them; checked before the race is made.
  std::vector<train::Timeline> timelines;
  for (std::size_t i = 0; o.timelineEvery > 0 && i < config.replicas.size(); ++i) {
    train::Timeline timeline;
    if (auto configured =
            timeline.configure(o.timelineEvery, o.timelineBytes / config.replicas.size(), run.config.spec);
        !configured) {
      return fail(core::badInput("--timeline-mib: a race of " + std::to_string(config.replicas.size()) +
                                 " replicas shares it: " + configured.message()));
    }
    timelines.push_back(std::move(timeline));
  }
  auto created = train::Race::create(config, run.dataset);
  if (!created) return fail(created.error());
  train::Race& race = *created.value();
  if (!resumed.empty()) {
    if (auto restored = race.restore(resumed); !restored) return fail(restored.error());
    std::fprintf(stderr, "resuming the race from step %llu\n", static_cast<unsigned long long>(race.step()));
  }
  // --save: one solo checkpoint per replica (eval and train --resume take each alone).
  auto save = [&]() -> core::Status {
    for (std::size_t i = 0; i < race.size(); ++i) {
      nn::Checkpoint checkpoint = race.checkpoint(i);
      checkpoint.extra["preset"] = run.presetSource;
      checkpoint.extra["features"] = run.featureList;
      checkpoint.extra["epochs"] = run.epochs;
      checkpoint.extra["race"] = run.raceSpec;
      checkpoint.extra["replica"] = i + 1;
      NSB_TRY(nn::saveCheckpoint(replicaPath(o.savePath, i), checkpoint));
    }
    return core::Ok{};
  };
  std::string names;
  for (std::size_t i = 0; i < race.size(); ++i) names += (i ? ", " : "") + replicaName(race.hyperparams(i));
  std::fprintf(stderr,
               "racing %zu replicas of %s on %s (%s): %zu train / %zu test samples, batch %zu, %llu epochs: %s\n",
               race.size(), run.presetName.c_str(), race.backend().name().c_str(), race.backend().deviceName().c_str(),
               run.dataset->train.count, run.dataset->test.count, race.batchSize(),
               static_cast<unsigned long long>(run.epochs), names.c_str());

  const auto keepTimeline = [&] {
    if (timelines.empty() || !timelines[0].due(race.step())) return;
    std::vector<train::TimelineState> states = race.timelineStates();
    for (std::size_t i = 0; i < timelines.size(); ++i) timelines[i].keep(std::move(states[i]));
  };
  keepTimeline();

  core::Timer timer;
  std::size_t seen = 0;
  bool stopped = false, branching = false;
  const std::uint64_t startStep = race.step();
  const std::uint64_t endStep = maxSteps > 0 ? std::min(run.endStep, startStep + maxSteps) : run.endStep;
  // Trains to endStep (or every replica at the target); an exit code when the race cannot go on.
  const auto trainToEnd = [&]() -> std::optional<int> {
    while (race.step() < endStep && !stopped) {
      // Chunks end at multiples of 64 steps and at kept steps, wherever the race started: a branch then
      // submits the same steps together as the race, and its train loss (one sample a submit) is the same.
      std::uint64_t chunk = std::min<std::uint64_t>(endStep - race.step(), 64 - race.step() % 64);
      if (o.saveEvery > 0 && !branching) chunk = std::min(chunk, o.saveEvery - race.step() % o.saveEvery);
      if (!timelines.empty()) chunk = std::min(chunk, timelines[0].stepsToNext(race.step()));
      race.run(chunk);
      if (auto status = race.status(); !status) return fail(status.error());
      keepTimeline();
      for (; seen < race.history(0).size(); ++seen) {
        std::string line;
        bool all = run.stopAtLoss || run.stopAtAccuracy;
        for (std::size_t i = 0; i < race.size(); ++i) {
          const train::MetricPoint& p = race.history(i)[seen];
          line += (i ? ", " : "") + replicaName(race.hyperparams(i)) + " " + shortNumber("%.4g", p.test.loss);
          if (std::isfinite(p.test.accuracy)) line += " (" + shortNumber("%.2f", 100.0 * p.test.accuracy) + "%)";
          all = all && reached(run, p);
        }
        const train::MetricPoint& first = race.history(0)[seen];
        std::fprintf(stderr, "%sepoch %.2f step %llu test loss: %s\n", branching ? "branch " : "", first.epoch,
                     static_cast<unsigned long long>(first.step), line.c_str());
        // A target ends the race once every replica has reached it.
        if (all) stopped = true;
      }
      if (o.saveEvery > 0 && !branching && race.step() % o.saveEvery == 0 && race.step() < endStep) {
        if (auto saved = save(); !saved) return fail(saved.error());
      }
    }
    return std::nullopt;
  };
  if (auto failed = trainToEnd()) return *failed;
  const double seconds = timer.seconds();
  const std::vector<train::Evaluation> tests = race.evaluateTest();
  if (auto status = race.status(); !status) return fail(status.error());
  const std::uint64_t samples = (race.step() - startStep) * race.batchSize() * race.size();
  const double samplesPerSec = seconds > 0 ? static_cast<double>(samples) / seconds : 0.0;
  std::fprintf(stderr, "done: %llu steps of %zu replicas in %.2f s (%.0f samples/s)\n",
               static_cast<unsigned long long>(race.step()), race.size(), seconds, samplesPerSec);

  for (std::size_t i = 0; i < race.size() && !o.metricsPath.empty(); ++i) {
    const std::string path = replicaPath(o.metricsPath, i);
    if (auto written = writeFileAtomically(path, metricsText(path, race.history(i), run.config.spec.layerCount()));
        !written) {
      return fail(written.error());
    }
  }
  if (!o.savePath.empty()) {
    if (auto saved = save(); !saved) return fail(saved.error());
  }
  const bool regression = run.dataset->task == data::Task::Regression;
  const std::uint64_t finalStep = race.step();
  const double finalEpochs = race.epochProgress();
  json replicas = json::array();
  for (std::size_t i = 0; i < race.size(); ++i) {
    const train::Hyperparams& h = race.hyperparams(i);
    const auto& history = race.history(i);
    double trainLoss = race.lastLoss(i);
    if (!history.empty() && std::isfinite(history.back().trainLoss)) trainLoss = history.back().trainLoss;
    if (race.divergedAt(i)) {
      trainLoss = NAN;
      std::fprintf(stderr, "%s diverged at step %llu\n", replicaName(h).c_str(),
                   static_cast<unsigned long long>(*race.divergedAt(i)));
    }
    std::fprintf(stderr, "%s: test loss %.4g", replicaName(h).c_str(), tests[i].loss);
    if (std::isfinite(tests[i].accuracy)) std::fprintf(stderr, ", test accuracy %.2f%%", 100.0 * tests[i].accuracy);
    if (std::isfinite(tests[i].mse)) std::fprintf(stderr, ", test mse %.4g", tests[i].mse);
    std::fprintf(stderr, "\n");
    replicas.push_back({{"optimizer", std::string(compute::optimizerName(h.optimizer))},
                        {"lr", core::decimalValue(h.learningRate)},
                        {"train_loss", numberOrNull(trainLoss)},
                        {"test_loss", numberOrNull(tests[i].loss)},
                        {"test_accuracy", regression ? json(nullptr) : numberOrNull(tests[i].accuracy)},
                        {"test_mse", regression ? numberOrNull(tests[i].mse) : json(nullptr)}});
  }
  // The branch: every replica back to its kept state at --branch-at (with --branch's settings), then
  // trained to the same end; each replica's weights are compared with the race's (0 for a branch with
  // nothing changed on the CPU backend).
  json branchResult;
  if (o.branchAt) {
    const std::uint64_t at = *o.branchAt;
    std::vector<const train::TimelineState*> states;
    for (const train::Timeline& timeline : timelines) states.push_back(timeline.find(at));
    if (states.empty() || std::find(states.begin(), states.end(), nullptr) != states.end()) {
      return fail(core::badInput("--branch-at " + std::to_string(at) + ": not a kept step of the timeline"));
    }
    std::vector<std::vector<float>> finals;
    for (std::size_t i = 0; i < race.size(); ++i) finals.push_back(race.parameters(i));
    if (auto restored = race.restoreTimeline(states); !restored) return fail(restored.error());
    for (train::Timeline& timeline : timelines) timeline.dropAfter(at);
    for (std::size_t i = 0; i < o.branch.size() && i < race.size(); ++i) {
      if (auto set = race.setHyperparams(i, o.branch[i]); !set) {
        return fail(core::badInput("--branch: replica " + std::to_string(i + 1) + ": " + set.message()));
      }
    }
    std::string branchNames;
    for (std::size_t i = 0; i < race.size(); ++i) branchNames += (i ? ", " : "") + replicaName(race.hyperparams(i));
    std::fprintf(stderr, "branch from step %llu: %s\n", static_cast<unsigned long long>(at), branchNames.c_str());
    core::Timer branchTimer;
    branching = true;
    stopped = false;
    seen = race.history(0).size();
    if (auto failed = trainToEnd()) return *failed;
    const double branchSeconds = branchTimer.seconds();
    const std::vector<train::Evaluation> branchTests = race.evaluateTest();
    if (auto status = race.status(); !status) return fail(status.error());
    json branchReplicas = json::array();
    for (std::size_t i = 0; i < race.size(); ++i) {
      const train::Hyperparams& h = race.hyperparams(i);
      const std::vector<float> mine = race.parameters(i);
      double largest = 0.0;
      for (std::size_t k = 0; k < mine.size(); ++k)
        largest = std::max(largest, std::abs(static_cast<double>(mine[k]) - finals[i][k]));
      const auto& history = race.history(i);
      std::fprintf(stderr, "branch %s: test loss %.4g, largest weight difference %g\n", replicaName(h).c_str(),
                   branchTests[i].loss, largest);
      branchReplicas.push_back(
          {{"optimizer", std::string(compute::optimizerName(h.optimizer))},
           {"lr", core::decimalValue(h.learningRate)},
           {"train_loss", numberOrNull(history.empty() ? race.lastLoss(i) : history.back().trainLoss)},
           {"test_loss", numberOrNull(branchTests[i].loss)},
           {"test_accuracy", regression ? json(nullptr) : numberOrNull(branchTests[i].accuracy)},
           {"test_mse", regression ? numberOrNull(branchTests[i].mse) : json(nullptr)},
           {"largest_weight_difference", largest}});
    }
    std::fprintf(stderr, "branch done: %llu steps in %.2f s\n", static_cast<unsigned long long>(race.step() - at),
                 branchSeconds);
    branchResult = {{"step", at}, {"steps", race.step()}, {"seconds", branchSeconds}, {"replicas", branchReplicas}};
  }
  if (jsonOutput) {
    json result = {{"replicas", replicas},
                   {"samples_per_sec", samplesPerSec},
                   {"seconds", seconds},
                   {"steps", finalStep},
                   {"epochs", finalEpochs},
                   {"backend", race.backend().name()},
                   {"device", race.backend().deviceName()}};
    if (!timelines.empty()) {
      std::uint64_t bytes = 0, budget = 0;
      for (const train::Timeline& timeline : timelines) bytes += timeline.bytes(), budget += timeline.budget();
      result["timeline"] = {{"every", timelines[0].every()},
                            {"stride", timelines[0].stride()},
                            {"kept", timelines[0].size()},
                            {"bytes", bytes},
                            {"budget", budget}};
    }
    if (o.branchAt) result["branch"] = branchResult;
    std::printf("%s\n", result.dump().c_str());
  }
  return 0;
}

}  // namespace nsb::sandbox
