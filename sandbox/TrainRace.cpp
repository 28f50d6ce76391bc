// `train --race`: the replicas of a race trained headless in lockstep (train::Race), one line per
// metric point on stderr and with --json one object with every replica's results as the last line.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "Commands.h"
#include "TrainOptions.h"
#include "compute/Op.h"
#include "core/Format.h"
#include "core/Timer.h"
#include "train/Race.h"

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

int trainRace(const Training& run, bool jsonOutput, std::uint64_t maxSteps) {
  train::RaceConfig config{.base = run.config, .replicas = run.race};
  auto created = train::Race::create(config, run.dataset);
  if (!created) return fail(created.error());
  train::Race& race = *created.value();
  std::string names;
  for (std::size_t i = 0; i < race.size(); ++i) names += (i ? ", " : "") + replicaName(race.hyperparams(i));
  std::fprintf(stderr,
               "racing %zu replicas of %s on %s (%s): %zu train / %zu test samples, batch %zu, %llu epochs: %s\n",
               race.size(), run.presetName.c_str(), race.backend().name().c_str(), race.backend().deviceName().c_str(),
               run.dataset->train.count, run.dataset->test.count, race.batchSize(),
               static_cast<unsigned long long>(run.epochs), names.c_str());

  core::Timer timer;
  std::size_t seen = 0;
  bool stopped = false;
  const std::uint64_t endStep = maxSteps > 0 ? std::min(run.endStep, maxSteps) : run.endStep;
  while (race.step() < endStep && !stopped) {
    race.run(std::min<std::uint64_t>(endStep - race.step(), 64));
    if (auto status = race.status(); !status) return fail(status.error());
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
      std::fprintf(stderr, "epoch %.2f step %llu test loss: %s\n", first.epoch,
                   static_cast<unsigned long long>(first.step), line.c_str());
      // A target ends the race once every replica has reached it.
      if (all) stopped = true;
    }
  }
  const double seconds = timer.seconds();
  const std::vector<train::Evaluation> tests = race.evaluateTest();
  if (auto status = race.status(); !status) return fail(status.error());
  const std::uint64_t samples = race.step() * race.batchSize() * race.size();
  const double samplesPerSec = seconds > 0 ? static_cast<double>(samples) / seconds : 0.0;
  std::fprintf(stderr, "done: %llu steps of %zu replicas in %.2f s (%.0f samples/s)\n",
               static_cast<unsigned long long>(race.step()), race.size(), seconds, samplesPerSec);

  const bool regression = run.dataset->task == data::Task::Regression;
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
  if (jsonOutput) {
    const json result = {{"replicas", replicas},
                         {"samples_per_sec", samplesPerSec},
                         {"seconds", seconds},
                         {"steps", race.step()},
                         {"epochs", race.epochProgress()},
                         {"backend", race.backend().name()},
                         {"device", race.backend().deviceName()}};
    std::printf("%s\n", result.dump().c_str());
  }
  return 0;
}

}  // namespace nsb::sandbox
