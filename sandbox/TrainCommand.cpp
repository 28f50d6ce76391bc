// `neural-sandbox train`: trains a preset (flags override its values) headless on any backend, with a
// progress bar on a terminal (plain lines otherwise), periodic validation, final test metrics,
// --metrics FILE (CSV or JSON lines), --save / --resume checkpoints (--save-every keeps the file
// current, --max-steps stops early as an interruption would) and --json.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "Commands.h"
#include "TrainOptions.h"
#include "core/Format.h"
#include "core/Log.h"
#include "core/Timer.h"
#include "data/Synthetic2D.h"
#include "nn/Checkpoint.h"
#include "train/RaceSpec.h"
#include "train/Trainer.h"

namespace nsb::sandbox {

using nlohmann::json;

int fail(const core::Error& error) {
  std::fprintf(stderr, "neural-sandbox: %s\n", error.message.c_str());
  return error.kind == core::ErrorKind::BadInput ? 2 : 1;
}

core::Status writeFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return core::badInput(path + ": cannot write the file");
    out << text;
    out.flush();
    if (!out) {
      std::filesystem::remove(tmp);
      return core::runtimeError(path + ": write failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    return core::runtimeError(path + ": " + ec.message());
  }
  return core::Ok{};
}

namespace {

json numberOrNull(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

}  // namespace

std::string metricsText(const std::string& path, const std::vector<train::MetricPoint>& history, std::size_t layers) {
  const bool csv = std::filesystem::path(path).extension() == ".csv";
  std::ostringstream out;
  auto cell = [](double v) { return std::isfinite(v) ? core::formatNumber(v) : std::string(); };
  if (csv) {
    out << "step,epoch,train_loss,test_loss,test_accuracy,test_mse,learning_rate";
    for (std::size_t l = 0; l < layers; ++l) out << ",grad_norm_" << l << ",update_ratio_" << l;
    out << "\n";
  }
  for (const auto& p : history) {
    if (csv) {
      out << p.step << "," << p.epoch << "," << cell(p.trainLoss) << "," << cell(p.test.loss) << ","
          << cell(p.test.accuracy) << "," << cell(p.test.mse) << "," << cell(p.learningRate);
      for (std::size_t l = 0; l < layers; ++l) {
        out << "," << (l < p.gradientNorm.size() ? cell(p.gradientNorm[l]) : "") << ","
            << (l < p.updateRatio.size() ? cell(p.updateRatio[l]) : "");
      }
      out << "\n";
    } else {
      out << json{{"step", p.step},
                  {"epoch", p.epoch},
                  {"train_loss", numberOrNull(p.trainLoss)},
                  {"test_loss", numberOrNull(p.test.loss)},
                  {"test_accuracy", numberOrNull(p.test.accuracy)},
                  {"test_mse", numberOrNull(p.test.mse)},
                  {"learning_rate", p.learningRate},
                  {"gradient_norm", p.gradientNorm},
                  {"update_ratio", p.updateRatio}}
                 .dump()
          << "\n";
    }
  }
  return out.str();
}

namespace {

class Progress {
 public:
  Progress(std::uint64_t totalSteps, bool quiet)
      : mTotal(totalSteps), mTty(::isatty(STDERR_FILENO) == 1), mQuiet(quiet) {}

  void update(const train::Trainer& t) {
    if (mQuiet || !mTty || mTimer.seconds() < 0.1) return;
    mTimer.reset();
    const double fraction = mTotal ? static_cast<double>(t.step()) / static_cast<double>(mTotal) : 0.0;
    const int width = 30;
    const int filled = static_cast<int>(fraction * width);
    std::fprintf(stderr, "\r[%-*s] %3.0f%% step %llu epoch %.2f loss %.4g %.0f steps/s ", width,
                 std::string(static_cast<std::size_t>(std::max(0, filled)), '#').c_str(), 100.0 * fraction,
                 static_cast<unsigned long long>(t.step()), t.epochProgress(), t.lastLoss(), rate(t));
    mDirty = true;
  }

  void point(const train::Trainer& t, const train::MetricPoint& p) {
    if (mQuiet) return;
    clear();
    std::fprintf(stderr, "epoch %.2f step %llu: train loss %.4g, test loss %.4g", p.epoch,
                 static_cast<unsigned long long>(p.step), p.trainLoss, p.test.loss);
    if (std::isfinite(p.test.accuracy)) std::fprintf(stderr, ", test accuracy %.2f%%", 100.0 * p.test.accuracy);
    if (std::isfinite(p.test.mse)) std::fprintf(stderr, ", test mse %.4g", p.test.mse);
    std::fprintf(stderr, ", %.0f steps/s\n", rate(t));
  }

  void clear() {
    if (mDirty) std::fprintf(stderr, "\r%80s\r", "");
    mDirty = false;
  }

 private:
  double rate(const train::Trainer& t) const {
    const double s = mStart.seconds();
    return s > 0 ? static_cast<double>(t.step() - mFirstStep) / s : 0.0;
  }

 public:
  std::uint64_t mFirstStep = 0;

 private:
  std::uint64_t mTotal;
  bool mTty, mQuiet;
  bool mDirty = false;
  core::Timer mTimer, mStart;
};

}  // namespace

Action addTrainCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a network headless");
  auto options = std::make_shared<TrainOptions>();
  addTrainOptions(*cmd, *options);
  auto json_ = std::make_shared<bool>(false);
  auto metricsPath = std::make_shared<std::string>();
  auto savePath = std::make_shared<std::string>();
  auto resumePath = std::make_shared<std::string>();
  auto saveEvery = std::make_shared<std::uint64_t>(0);
  auto maxSteps = std::make_shared<std::uint64_t>(0);
  cmd->add_option("--metrics", *metricsPath, "Write the metric history to FILE (.csv, else JSON lines)");
  cmd->add_option("--save", *savePath, "Save a checkpoint (safetensors) at the end");
  cmd->add_option("--save-every", *saveEvery, "With --save: also rewrite the checkpoint every N steps while training");
  cmd->add_option("--max-steps", *maxSteps,
                  "Stop after N steps of this run, as if interrupted (the schedule is still sized by --epochs)");
  cmd->add_option("--resume", *resumePath,
                  "Continue from a checkpoint saved with --save (flags given override its values)");
  auto timelineEvery = std::make_shared<std::uint64_t>(0);
  auto timelineMib = std::make_shared<std::uint64_t>(train::Timeline::DEFAULT_BYTES >> 20);
  auto branchAt = std::make_shared<std::optional<std::uint64_t>>();
  auto branchSpec = std::make_shared<std::string>();
  cmd->add_option("--timeline-every", *timelineEvery,
                  "Keep a snapshot of the run every N steps to branch from (0: none; 100 with --branch-at)");
  cmd->add_option("--timeline-mib", *timelineMib, "The snapshots' memory bound in MiB; older ones are thinned past it");
  cmd->add_option("--branch-at", *branchAt,
                  "After the run, go back to kept step STEP and train a branch from it to the same end");
  cmd->add_option("--branch", *branchSpec,
                  "The branch's optimizer:lr[:key=value] (keys as in --race; in a race, a race spec with one for each "
                  "replica); unset: the run's own, unchanged");
  cmd->add_flag("--json", *json_, "Print one JSON object with the results as the last line of stdout");
  cmd->add_option("--race", options->race,
                  "Train 2 to 8 replicas in lockstep on the same batches: \"sgd:0.1,adam:0.01:beta1=0.8\" "
                  "(optimizer:lr[:key=value], keys momentum, beta1, beta2, rho, eps, weight-decay, l1, l2)");

  return [=]() -> int {
    // Outputs are checked before training, so that a typo does not cost a whole run.
    for (const auto& [flag, path] : {std::pair{"--save", *savePath}, std::pair{"--metrics", *metricsPath}}) {
      if (path.empty()) continue;
      const auto parent = std::filesystem::absolute(path).parent_path();
      if (!std::filesystem::is_directory(parent)) {
        return fail(
            core::badInput(std::string(flag) + " " + path + ": the folder " + parent.string() + " does not exist"));
      }
      if (std::filesystem::is_directory(path))
        return fail(core::badInput(std::string(flag) + " " + path + ": is a folder"));
    }
    if (*saveEvery > 0 && savePath->empty()) return fail(core::badInput("--save-every: needs --save FILE"));
    std::optional<nn::Checkpoint> resume;
    if (!resumePath->empty()) {
      // A race's save is one file per replica (TrainRace.cpp): the first is the run's base.
      const std::string first = std::filesystem::exists(*resumePath) ? *resumePath : replicaPath(*resumePath, 0);
      auto loaded = nn::loadCheckpoint(std::filesystem::exists(first) ? first : *resumePath);
      if (!loaded) return fail(loaded.error());
      resume = std::move(loaded.value());
    }
    auto setup = buildTraining(*options, resume ? &*resume : nullptr);
    if (!setup) return fail(setup.error());
    Training& run = setup.value();
    if (!branchSpec->empty() && !*branchAt) return fail(core::badInput("--branch: needs --branch-at STEP"));
    if (*branchAt && *timelineEvery == 0) *timelineEvery = train::Timeline::DEFAULT_EVERY;
    if (*branchAt && *timelineEvery > 0 && **branchAt % *timelineEvery != 0) {
      return fail(core::badInput("--branch-at " + std::to_string(**branchAt) + ": not a multiple of --timeline-every " +
                                 std::to_string(*timelineEvery) + " (the steps kept)"));
    }
    if (*branchAt && **branchAt > run.endStep) {
      return fail(core::badInput("--branch-at " + std::to_string(**branchAt) + ": past the run's last step " +
                                 std::to_string(run.endStep)));
    }
    if (!run.race.empty()) {
      // A race's branch: every replica goes back; --branch is a race spec, a replica for each.
      std::vector<train::Hyperparams> branchRace;
      if (!branchSpec->empty()) {
        auto parsed = train::parseRace(*branchSpec, run.config.hyperparams, "--branch");
        if (!parsed) return fail(parsed.error());
        if (parsed.value().size() != run.race.size()) {
          return fail(core::badInput("--branch: " + std::to_string(parsed.value().size()) + " replicas for a race of " +
                                     std::to_string(run.race.size()) + " (one for each, in order)"));
        }
        branchRace = parsed.value();
      }
      return trainRace(run, {.json = *json_,
                             .maxSteps = *maxSteps,
                             .savePath = *savePath,
                             .saveEvery = *saveEvery,
                             .metricsPath = *metricsPath,
                             .resumePath = *resumePath,
                             .timelineEvery = *timelineEvery,
                             .timelineBytes = *timelineMib << 20,
                             .branchAt = *branchAt,
                             .branch = branchRace});
    }
    std::optional<train::Hyperparams> branchHyper;
    if (!branchSpec->empty()) {
      auto parsed = train::parseReplica(*branchSpec, run.config.hyperparams);
      if (!parsed) return fail(core::badInput("--branch '" + *branchSpec + "': " + parsed.message()));
      branchHyper = parsed.value();
    }
    run.config.timelineEvery = *timelineEvery;
    run.config.timelineBytes = *timelineMib << 20;
    for (const auto& note : run.notes) std::fprintf(stderr, "%s\n", note.c_str());
    auto created = train::Trainer::create(run.config, run.dataset);
    if (!created) return fail(created.error());
    train::Trainer& trainer = *created.value();
    if (resume) {
      // The trainer restores the checkpoint's hyperparameters and seed: hand it the resolved ones
      // (the checkpoint's with the flags over them). Another optimizer starts from empty state.
      resume->hyperparams = run.config.hyperparams.toJson();
      resume->seed = run.config.seed;
      if (run.config.hyperparams.optimizer != resume->optimizer) {
        resume->state1.clear();
        resume->state2.clear();
        resume->optimizer = run.config.hyperparams.optimizer;
      }
      auto restored = trainer.restore(*resume);
      if (!restored) return fail(restored.error());
    }
    auto save = [&]() -> core::Status {
      auto checkpoint = trainer.checkpoint();
      checkpoint.extra["preset"] = run.presetSource;
      checkpoint.extra["features"] = run.featureList;
      checkpoint.extra["epochs"] = run.epochs;
      return nn::saveCheckpoint(*savePath, checkpoint);
    };

    const std::uint64_t totalSteps = run.endStep;
    Progress progress(totalSteps, false);
    progress.mFirstStep = trainer.step();
    if (!*json_ || ::isatty(STDERR_FILENO)) {
      const auto& h = run.config.hyperparams;
      std::fprintf(stderr,
                   "training %s on %s (%s): %zu train / %zu test samples, batch %zu, %s lr %s (%s), %llu epochs",
                   run.presetName.c_str(), trainer.backend().name().c_str(), trainer.backend().deviceName().c_str(),
                   run.dataset->train.count, run.dataset->test.count, trainer.batchSize(),
                   std::string(compute::optimizerName(h.optimizer)).c_str(), core::formatNumber(h.learningRate).c_str(),
                   train::scheduleName(h.schedule), static_cast<unsigned long long>(run.epochs));
      if (resume) std::fprintf(stderr, ", from step %llu", static_cast<unsigned long long>(trainer.step()));
      std::fprintf(stderr, "\n");
    }
    core::Timer timer;
    const std::uint64_t startStep = trainer.step();
    std::size_t seenPoints = trainer.history().size();
    const std::uint64_t endStep = *maxSteps > 0 ? std::min(totalSteps, startStep + *maxSteps) : totalSteps;
    bool stopped = false;
    // Trains to endStep (or a stop condition); an exit code when the run cannot go on.
    const auto trainToEnd = [&]() -> std::optional<int> {
      while (trainer.step() < endStep && !stopped) {
        // Chunks end at multiples of 64 steps, wherever the run started: a branch (or a resumed run) then
        // submits the same steps together as the run, and its train loss (one sample a submit) is the same.
        std::uint64_t chunk = std::min<std::uint64_t>(endStep - trainer.step(), 64 - trainer.step() % 64);
        if (*saveEvery > 0) chunk = std::min(chunk, *saveEvery - trainer.step() % *saveEvery);
        trainer.run(chunk);
        if (auto status = trainer.status(); !status) {  // the device failed: one line, exit 1
          progress.clear();
          return fail(status.error());
        }
        if (trainer.diverged()) {
          progress.clear();
          const auto& e = trainer.events().back();
          std::fprintf(stderr, "neural-sandbox: training diverged at step %llu (%s); stopped\n",
                       static_cast<unsigned long long>(e.step), e.before.c_str());
          return 1;
        }
        while (seenPoints < trainer.history().size()) {
          const auto& p = trainer.history()[seenPoints++];
          progress.point(trainer, p);
          const double loss = std::isfinite(p.test.loss) ? p.test.loss : p.trainLoss;
          if (run.stopAtLoss && loss <= *run.stopAtLoss) stopped = true;
          if (run.stopAtAccuracy && std::isfinite(p.test.accuracy) && p.test.accuracy >= *run.stopAtAccuracy)
            stopped = true;
        }
        progress.update(trainer);
        if (*saveEvery > 0 && trainer.step() % *saveEvery == 0 && trainer.step() < endStep) {
          auto saved = save();
          if (!saved) return fail(saved.error());
        }
      }
      return std::nullopt;
    };
    if (auto failed = trainToEnd()) return *failed;
    const double seconds = timer.seconds();
    progress.clear();
    const train::Evaluation test = trainer.evaluateTest();
    if (auto status = trainer.status(); !status) return fail(status.error());
    const std::uint64_t steps = trainer.step() - startStep;
    const double samplesPerSec = seconds > 0 ? static_cast<double>(steps * trainer.batchSize()) / seconds : 0.0;
    double trainLoss = trainer.lastLoss();
    if (!trainer.history().empty() && std::isfinite(trainer.history().back().trainLoss)) {
      trainLoss = trainer.history().back().trainLoss;
    }
    std::fprintf(stderr, "done: %llu steps in %.2f s (%.0f samples/s); test loss %.4g",
                 static_cast<unsigned long long>(steps), seconds, samplesPerSec, test.loss);
    if (std::isfinite(test.accuracy)) std::fprintf(stderr, ", test accuracy %.2f%%", 100.0 * test.accuracy);
    if (std::isfinite(test.mse)) std::fprintf(stderr, ", test mse %.4g", test.mse);
    std::fprintf(stderr, "\n");

    if (!metricsPath->empty()) {
      auto written =
          writeFileAtomically(*metricsPath, metricsText(*metricsPath, trainer.history(), run.config.spec.layerCount()));
      if (!written) return fail(written.error());
    }
    if (!savePath->empty()) {
      auto saved = save();
      if (!saved) return fail(saved.error());
    }
    // The branch: back to its kept step, then trained to the same end; its weights are compared with the
    // run's (0 for a branch with nothing changed on the CPU backend).
    json branchResult;
    if (*branchAt) {
      const auto params = trainer.parameters();
      auto branched = trainer.apply(train::Branch{**branchAt, branchHyper});
      if (!branched)
        return fail(core::badInput("--branch-at " + std::to_string(**branchAt) + ": " + branched.message()));
      const auto& h = trainer.config().hyperparams;
      std::fprintf(stderr, "branch from step %llu: %s lr %s\n", static_cast<unsigned long long>(**branchAt),
                   std::string(compute::optimizerName(h.optimizer)).c_str(),
                   core::formatNumber(h.learningRate).c_str());
      core::Timer branchTimer;
      stopped = false;
      seenPoints = trainer.history().size();
      if (auto failed = trainToEnd()) return *failed;
      const double branchSeconds = branchTimer.seconds();
      progress.clear();
      const train::Evaluation branchTest = trainer.evaluateTest();
      if (auto status = trainer.status(); !status) return fail(status.error());
      const auto mine = trainer.parameters();
      double largest = 0.0;
      if (mine.size() == params.size()) {
        for (std::size_t i = 0; i < mine.size(); ++i)
          largest = std::max(largest, std::abs(static_cast<double>(mine[i]) - params[i]));
      }
      std::fprintf(stderr, "branch done: %llu steps in %.2f s; test loss %.4g, largest weight difference %g\n",
                   static_cast<unsigned long long>(trainer.step() - **branchAt), branchSeconds, branchTest.loss,
                   largest);
      const bool regression = run.dataset->task == data::Task::Regression;
      branchResult = {{"step", **branchAt},
                      {"optimizer", std::string(compute::optimizerName(h.optimizer))},
                      {"lr", h.learningRate},
                      {"steps", trainer.step()},
                      {"seconds", branchSeconds},
                      {"train_loss", numberOrNull(trainer.history().empty() ? trainer.lastLoss()
                                                                            : trainer.history().back().trainLoss)},
                      {"test_loss", numberOrNull(branchTest.loss)},
                      {"test_accuracy", regression ? json(nullptr) : numberOrNull(branchTest.accuracy)},
                      {"test_mse", regression ? numberOrNull(branchTest.mse) : json(nullptr)},
                      {"largest_weight_difference", mine.size() == params.size() ? json(largest) : json(nullptr)}};
    }
    if (*json_) {
      const bool regression = run.dataset->task == data::Task::Regression;
      json result = {{"backend", trainer.backend().name()},
                     {"device", trainer.backend().deviceName()},
                     {"steps", trainer.step()},
                     {"epochs", trainer.epochProgress()},
                     {"seconds", seconds},
                     {"samples_per_sec", samplesPerSec},
                     {"train_loss", numberOrNull(trainLoss)},
                     {"test_loss", numberOrNull(test.loss)},
                     {"test_accuracy", regression ? json(nullptr) : numberOrNull(test.accuracy)},
                     {"test_mse", regression ? numberOrNull(test.mse) : json(nullptr)}};
      if (trainer.timeline().enabled()) {
        result["timeline"] = {{"every", trainer.timeline().every()},
                              {"stride", trainer.timeline().stride()},
                              {"kept", trainer.timeline().size()},
                              {"bytes", trainer.timeline().bytes()},
                              {"budget", trainer.timeline().budget()}};
      }
      if (*branchAt) result["branch"] = branchResult;
      std::printf("%s\n", result.dump().c_str());
    }
    return 0;
  };
}

}  // namespace nsb::sandbox
