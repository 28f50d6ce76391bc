// `neural-sandbox serve`: the training server (engine/remote/Server.h). Jobs are made here, from a
// request's fields, by the same buildTraining as `train`, so that a job trains what `train` with the
// same flags would. Prints the URL it listens on as its first line; SIGINT or SIGTERM stop it (the jobs
// stay in the data folder and resume at the next start).
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <regex>
#include <thread>

#include "Commands.h"
#include "Evaluate.h"
#include "TrainOptions.h"
#include "compute/MemoryBudget.h"
#include "core/Log.h"
#include "data/DatasetCatalog.h"
#include "remote/Server.h"
#include "render/Image.h"
#include "train/LocalSession.h"
#include "train/Preset.h"
#include "ui/SessionPainter.h"

namespace nsb::sandbox {

namespace {

int stopPipe[2] = {-1, -1};  // the signal handler's way to the thread that stops the server

TrainOptions trainOptions(const remote::JobSpec& s) {
  TrainOptions o;
  o.preset = s.preset;
  o.dataset = s.datasetPath ? s.datasetPath : s.dataset;
  o.activation = s.activation;
  o.loss = s.loss;
  o.optimizer = s.optimizer;
  o.schedule = s.schedule;
  o.init = s.init;
  o.features = s.features;
  if (s.backend) o.backend = *s.backend;
  if (s.hidden) {
    std::string list;
    for (const auto w : *s.hidden) list += (list.empty() ? "" : ",") + std::to_string(w);
    o.hidden = list;
  }
  o.lr = s.lr;
  o.l1 = s.l1;
  o.l2 = s.l2;
  o.optimizerValues = {s.momentum, s.beta1, s.beta2, s.rho, s.eps, s.weightDecay};
  o.noise = s.noise;
  o.trainRatio = s.trainRatio;
  o.seed = s.seed;
  o.epochs = s.epochs;
  o.batch = s.batch;
  o.points = s.points;
  o.stopAtLoss = s.stopAtLoss;
  o.stopAtAccuracy = s.stopAtAccuracy;
  if (s.stepsPerSubmit) o.stepsPerSubmit = *s.stepsPerSubmit;
  if (s.metricsEvery) o.metricsEvery = *s.metricsEvery;
  return o;
}

// buildTraining's messages name the flag ("--lr: ..."); a request names the field ("lr: ...").
core::Error asFieldError(core::Error error) {
  if (error.message.rfind("--", 0) == 0) error.message.erase(0, 2);
  return error;
}

// buildTraining loads a catalog dataset (mnist, fashion-mnist) whole before the network's own memory
// check: its size, from its files' IDX headers, against the server's budget first (the server checks an
// upload's from its upload.json). The dataset is the request's, else its preset's.
core::Status catalogDatasetFits(const remote::JobSpec& spec, const remote::MemoryGate& memory) {
  if (spec.datasetPath) return core::Ok{};
  std::string name;
  if (spec.dataset) {
    name = *spec.dataset;
  } else {
    auto preset = train::Preset::load(spec.preset.value_or(TrainOptions{}.defaultPreset));
    if (!preset) return core::Ok{};  // buildTraining says why
    name = preset->dataset.name;
  }
  const auto shape = data::catalogDatasetShape(name);
  if (!shape) return core::Ok{};  // generated, or not found (buildTraining says so)
  return remote::MemoryGate::check(memory.budget(), remote::imageDatasetBytes(shape->samples, shape->features),
                                   "dataset " + name);
}

core::Result<remote::JobStart> makeJob(const remote::JobSpec& spec, std::vector<train::MetricPoint> history,
                                       const remote::MemoryGate& memory) {
  NSB_TRY(catalogDatasetFits(spec, memory));
  auto training = buildTraining(trainOptions(spec));
  if (!training) return asFieldError(training.error());
  Training& run = training.value();
  run.config.history = std::move(history);
  // The memory check (MemoryEstimate against the backend's MemoryBudget) runs here, in the trainer's
  // creation, before any of its buffers is allocated: a network too large is bad input.
  auto session = train::LocalSession::create(run.config, run.dataset, false);
  if (!session) return asFieldError(session.error());
  return remote::JobStart{std::move(session.value()),
                          run.endStep,
                          run.stopAtLoss,
                          run.stopAtAccuracy,
                          run.presetName,
                          {{"preset", run.presetSource}, {"features", run.featureList}, {"epochs", run.epochs}}};
}

core::Result<nlohmann::json> evaluate(const nn::Checkpoint& checkpoint, const std::string& dataset,
                                      const std::string& backend) {
  auto evaluated = evaluateCheckpoint(checkpoint, dataset, backend, -1);
  if (!evaluated) return asFieldError(evaluated.error());
  return evaluated->fields;
}

bool isLoopback(const std::string& host) { return host == "127.0.0.1" || host == "localhost" || host == "::1"; }

// The watch page's frames: the editor's views of the job drawn headless, as `gui --headless` draws them,
// at the size the page shows them (the 1280 x 720 layout at UI scale 0.75: half the pixels to draw and
// encode).
constexpr std::uint32_t WATCH_WIDTH = 960, WATCH_HEIGHT = 540;
constexpr float WATCH_UI_SCALE = 0.75f;

core::Result<remote::FramePainter> makePainter(std::shared_ptr<train::Session> session, const std::string& preset,
                                               double fps) {
  auto painter = ui::SessionPainter::create(std::move(session), preset, WATCH_WIDTH, WATCH_HEIGHT, WATCH_UI_SCALE, fps);
  if (!painter) return painter.error();
  return remote::FramePainter(
      [painter = std::shared_ptr<ui::SessionPainter>(std::move(painter.value()))]() -> core::Result<std::string> {
        auto image = painter->paint();
        if (!image) return image.error();
        std::string jpeg = render::encodeJpeg(image.value(), 80);
        if (jpeg.empty()) return core::runtimeError("the frame could not be encoded as JPEG");
        return jpeg;
      });
}

}  // namespace

Action addServeCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Serve training jobs over HTTP (see `remote`)");
  auto bind = std::make_shared<std::string>("127.0.0.1:8470");
  auto config = std::make_shared<remote::ServerConfig>();
  cmd->add_option("--bind", *bind, "ADDRESS:PORT to listen on (port 0: a free one, printed)")->capture_default_str();
  cmd->add_option("--data-dir", config->dataDir, "Folder of the jobs' specs, checkpoints and metrics")
      ->capture_default_str();
  cmd->add_option("--max-viewers", config->maxViewers, "Live streams open at once, all jobs together")
      ->capture_default_str();
  cmd->add_option("--max-jobs", config->maxJobs, "Jobs the server holds at once")->capture_default_str();
  cmd->add_option("--checkpoint-every", config->checkpointSeconds,
                  "Seconds between a running job's checkpoints (what a crash can lose)")
      ->capture_default_str();
  // Sizes in bytes, or with a suffix: 64k, 1M, 2G (powers of 1024).
  const CLI::AsSizeValue size(false);
  cmd->add_option("--max-upload", config->uploads.maxUpload, "Bytes of one upload's files together")
      ->transform(size)
      ->capture_default_str();
  cmd->add_option("--max-disk", config->uploads.maxDisk,
                  "Bytes the data folder may hold: uploads and checkpoints past it are refused (0: no quota)")
      ->transform(size)
      ->capture_default_str();
  cmd->add_option("--max-rate", config->maxRate,
                  "Bytes a second of each live stream (64k, 1M): a viewer over it skips frames (0: unlimited)")
      ->transform(size)
      ->capture_default_str();
  auto tokenFile = std::make_shared<std::string>(), viewerTokenFile = std::make_shared<std::string>();
  cmd->add_option("--token-file", *tokenFile,
                  "The owner's token (upload, train, steer, download, delete); required off loopback");
  cmd->add_option("--viewer-token-file", *viewerTokenFile, "A viewer's token (watch only)");
  cmd->add_option("--tls-cert", config->tlsCert, "PEM certificate: serve HTTPS (with --tls-key)");
  cmd->add_option("--tls-key", config->tlsKey, "PEM private key of --tls-cert");
  cmd->add_option("--watch-fps", config->watchFps,
                  "Frames a second of the watch page (http://ADDRESS:PORT/), drawn once per watched job")
      ->capture_default_str();
  config->painter = makePainter;
  return [=]() -> int {
    // An attached editor's frames are megabytes encoded up to 30 times a second: glibc served each from
    // a fresh mmap and the kernel zeroed its pages every time (a fifth of the server's CPU on spiral).
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    static const std::regex address(R"(([0-9A-Za-z.\-]+):([0-9]{1,5}))");
    std::smatch match;
    if (!std::regex_match(*bind, match, address) || std::stoi(match[2]) > 65535) {
      return fail(core::badInput("--bind " + *bind + ": expected ADDRESS:PORT, e.g. 127.0.0.1:8470"));
    }
    if (!tokenFile->empty()) {
      auto token = remote::readTokenFile(*tokenFile, "--token-file");
      if (!token) return fail(token.error());
      config->tokens.owner = token.value();
    }
    if (!viewerTokenFile->empty()) {
      auto token = remote::readTokenFile(*viewerTokenFile, "--viewer-token-file");
      if (!token) return fail(token.error());
      config->tokens.viewer = token.value();
    }
    if (!isLoopback(match[1]) && config->tokens.owner.empty()) {
      return fail(core::badInput("--bind " + *bind + ": a non-loopback address needs an owner token (--token-file)"));
    }
    auto budget = compute::memoryBudgetFromEnvironment();
    if (!budget) return fail(budget.error());
    config->memory.fixed = budget.value();
    config->host = match[1];
    config->port = std::stoi(match[2]);
    auto server = remote::Server::create(
        *config,
        [memory = config->memory](const remote::JobSpec& spec, std::vector<train::MetricPoint> history) {
          return makeJob(spec, std::move(history), memory);
        },
        evaluate);
    if (!server) return fail(server.error());
    // SIGINT and SIGTERM stop the server: the handler writes to a pipe that a thread waits on (threads
    // started before main, OpenBLAS's, may take the signal, so it cannot be blocked and waited for).
    if (::pipe(stopPipe) != 0) return fail(core::runtimeError("serve: cannot make a pipe"));
    struct sigaction action {};
    action.sa_handler = [](int) { (void)!::write(stopPipe[1], "x", 1); };
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    std::printf("%s://%s:%d\n", config->tlsCert.empty() ? "http" : "https", config->host.c_str(),
                server.value()->port());
    std::fflush(stdout);
    std::thread stopper([&] {
      char byte = 0;
      while (::read(stopPipe[0], &byte, 1) < 0 && errno == EINTR) {
      }
      server.value()->stop();
    });
    auto served = server.value()->run();
    (void)!::write(stopPipe[1], "x", 1);  // ends the stopper when run() ended by itself
    stopper.join();
    if (!served) return fail(served.error());
    return 0;
  };
}

}  // namespace nsb::sandbox
