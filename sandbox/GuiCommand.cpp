// `neural-sandbox gui` (also what runs without a subcommand): the editor in a window, or with
// --headless offscreen for --frames N frames, writing --screenshot FILE.png, --record DIR (a PNG per
// frame) or --video FILE.mp4|.gif (through ffmpeg). With no display it says so in one line, points to
// --headless and exits 1. With --attach URL the editor shows a server's job (remote/RemoteSession.h)
// instead of training here.
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "Commands.h"
#include "TrainOptions.h"
#include "core/Format.h"
#include "lesson/Lesson.h"
#include "remote/Access.h"
#include "remote/RemoteSession.h"
#include "train/Preset.h"
#include "ui/App.h"
#include "ui/Recorder.h"
#include "ui/Settings.h"

namespace nsb::sandbox {
namespace {

struct GuiOptions {
  TrainOptions train;
  bool headless = false;
  std::uint32_t frames = 0;
  std::string screenshot;
  std::uint32_t width = 1280, height = 720;
  std::optional<std::uint32_t> stepsPerFrame;
  std::optional<std::string> speed;
  bool validation = false;
  bool noVsync = false;
  std::optional<float> uiScale;
  std::optional<double> maxFps;
  bool orbit = false;
  std::string record;  // a folder for a PNG per frame
  std::string video;   // .mp4 or .gif
  std::optional<double> fps;
  std::string lesson;  // a lesson's name or file
  std::string attach;  // a server's URL: its job instead of a session here
  std::string job, tokenFile, tlsCa;
};

// The editor's options for a server's job (--attach), or bad input naming the flag.
core::Result<ui::AppOptions> attachedOptions(const GuiOptions& o) {
  if (o.train.preset || o.train.race || !o.lesson.empty()) {
    return core::badInput(
        "--attach: the editor shows the server's job; --preset, --race and --lesson are for one "
        "trained here");
  }
  auto client = clientOptions(o.tokenFile, o.tlsCa);
  if (!client) return client.error();
  auto session = remote::RemoteSession::attach({.url = o.attach, .job = o.job, .client = client.value()});
  if (!session) return session.error();
  const std::string preset = session.value()->presetName();
  return ui::sessionOptions(std::move(session.value()), preset);
}

bool haveDisplay() {
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  return (x11 && *x11) || (wayland && *wayland);
}

int runGui(const GuiOptions& o) {
  if (o.headless && o.frames == 0) {
    std::fprintf(stderr, "neural-sandbox: --headless needs --frames N (at least 1)\n");
    return 2;
  }
  if (!o.screenshot.empty() && o.frames == 0) {
    std::fprintf(stderr, "neural-sandbox: --screenshot needs --frames N: the picture is taken after the last frame\n");
    return 2;
  }
  if (!o.record.empty() && !o.video.empty()) {
    std::fprintf(stderr, "neural-sandbox: --record and --video: one recording at a time\n");
    return 2;
  }
  const double fps = o.fps.value_or(ui::DEFAULT_RECORDING_FPS);
  if (!(fps >= 1.0 && fps <= 240.0)) {
    std::fprintf(stderr, "neural-sandbox: --fps must be between 1 and 240\n");
    return 2;
  }
  if (!o.video.empty() && !ui::Recorder::isVideo(o.video)) {
    std::fprintf(stderr, "neural-sandbox: --video %s: the file must end in .mp4 or .gif\n", o.video.c_str());
    return 2;
  }
  if (!o.headless && !haveDisplay()) {
    std::fprintf(stderr,
                 "neural-sandbox: no display (DISPLAY is not set); for pictures without a window use "
                 "`neural-sandbox gui --headless --frames N --screenshot FILE.png`\n");
    return 1;
  }
  // lavapipe frees and allocates several MB on its queue thread every frame; glibc handed them back to
  // the kernel each time, and faulting them in again took a tenth of the editor's CPU time.
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
  // The recording's checks (ffmpeg on PATH, a folder to write in) come before any frame is drawn.
  std::unique_ptr<ui::Recorder> recorder;
  if (!o.record.empty() || !o.video.empty()) {
    auto opened = o.video.empty() ? ui::Recorder::frames(o.record) : ui::Recorder::video(o.video, fps);
    if (!opened) {
      return fail(core::Error{(o.video.empty() ? "--record " : "--video ") + opened.message(), opened.error().kind});
    }
    recorder = std::move(opened.value());
  }
  if (o.attach.empty() && (!o.job.empty() || !o.tokenFile.empty() || !o.tlsCa.empty())) {
    std::fprintf(stderr, "neural-sandbox: --job, --token-file and --tls-ca go with --attach URL\n");
    return 2;
  }
  ui::AppOptions options;
  if (!o.attach.empty()) {
    auto attached = attachedOptions(o);
    if (!attached) return fail(attached.error());
    options = std::move(attached.value());
  } else {
    // A lesson starts from its preset unless --preset names another.
    std::optional<lesson::Lesson> opened;
    TrainOptions trainOptions = o.train;
    if (!o.lesson.empty()) {
      auto loaded = lesson::Lesson::load(o.lesson);
      if (!loaded) return fail(loaded.error());
      opened = std::move(loaded.value());
      if (!trainOptions.preset) trainOptions.preset = opened->preset;
    }
    auto training = buildTraining(trainOptions);
    if (!training) return fail(training.error());
    options.config = training.value().config;
    options.dataset = training.value().dataset;
    options.presetName = training.value().presetName;
    options.featureList = training.value().featureList;
    options.lesson = std::move(opened);
    options.race = training.value().race;
    if (o.train.noise) {
      options.noise = *o.train.noise;
    } else if (auto preset = train::Preset::load(training.value().presetSource)) {
      options.noise = preset.value().dataset.synthetic.noise;
    }
    if (auto preset = train::Preset::load(training.value().presetSource)) options.surface = preset.value().surface;
  }
  options.headless = o.headless;
  options.width = o.width;
  options.height = o.height;
  options.frames = o.frames;
  options.stepsPerFrame = o.stepsPerFrame ? *o.stepsPerFrame : (o.headless ? 1u : 0u);
  if (o.speed) {
    char* end = nullptr;
    const double speed = *o.speed == "max" ? 0.0 : std::strtod(o.speed->c_str(), &end);
    if (*o.speed != "max" && (o.speed->empty() || *end != '\0' || !(speed > 0.0 && speed <= 1e6))) {
      std::fprintf(stderr, "neural-sandbox: --speed must be 'max' or steps a second above 0 (got '%s')\n",
                   o.speed->c_str());
      return 2;
    }
    if (o.headless) {
      std::fprintf(stderr, "neural-sandbox: --speed is a window's; headless frames run --steps-per-frame steps each\n");
      return 2;
    }
    options.speed = speed;
  }
  options.screenshot = o.screenshot;
  options.validation = o.validation;
  options.vsync = !o.noVsync;
  options.orbit = o.orbit;
  options.recordFps = fps;
  if (o.maxFps) {
    if (!(*o.maxFps >= 0.0 && *o.maxFps <= 1000.0)) {
      std::fprintf(stderr, "neural-sandbox: --max-fps must be between 0 (no limit) and 1000\n");
      return 2;
    }
    options.maxFps = o.maxFps;
  }
  if (o.uiScale) {
    if (!(*o.uiScale >= ui::MIN_UI_SCALE && *o.uiScale <= ui::MAX_UI_SCALE)) {
      std::fprintf(stderr, "neural-sandbox: --ui-scale must be between %s and %s\n",
                   core::formatNumber(ui::MIN_UI_SCALE).c_str(), core::formatNumber(ui::MAX_UI_SCALE).c_str());
      return 2;
    }
    options.uiScale = o.uiScale;
  }
  auto app = ui::App::create(std::move(options));
  if (!app) {
    if (!o.headless && app.error().kind == core::ErrorKind::Runtime) {
      std::fprintf(stderr,
                   "neural-sandbox: %s; without a window use `neural-sandbox gui --headless --frames N "
                   "--screenshot FILE.png`\n",
                   app.message().c_str());
      return 1;
    }
    return fail(app.error());
  }
  if (recorder) app.value()->record(std::move(recorder));
  return app.value()->run();
}

}  // namespace

Action addGuiCommand(CLI::App& app, bool defaultCommand) {
  auto options = std::make_shared<GuiOptions>();
  CLI::App* gui = app.add_subcommand("gui", "Open the editor (the default): watch the network train, edit it live");
  // Without a subcommand the editor opens with the top-level flags, so they are declared on both.
  for (CLI::App* target : {gui, defaultCommand ? &app : nullptr}) {
    if (!target) continue;
    addTrainOptions(*target, options->train);
    target->add_flag("--headless", options->headless, "Render offscreen, without a window system");
    target->add_option("--frames", options->frames, "Frames to draw, then exit (headless: required)");
    target->add_option("--screenshot", options->screenshot, "Write the last frame to this PNG file");
    target->add_option("--width", options->width, "Width in pixels (headless: of the image)")->capture_default_str();
    target->add_option("--height", options->height, "Height in pixels (headless: of the image)")->capture_default_str();
    target->add_option("--steps-per-frame", options->stepsPerFrame,
                       "Headless: training steps per frame (default 1). A window: the start speed, S x the frame "
                       "cap snapped to the speed control's values (0: max)");
    target->add_option("--speed", options->speed,
                       "A window's start speed in steps a second, snapped to 0.5, 1, 2, 5, 10, 30, 100, 1000, or "
                       "'max' (default: 30 for 2D data, max for images)");
    target->add_flag("--validation", options->validation, "Turn the Khronos validation layer on");
    target->add_flag("--no-vsync", options->noVsync, "Present without waiting for the display");
    target->add_option("--max-fps", options->maxFps,
                       "Frames a second at most in a window, 0: no limit (default: " +
                           std::to_string(static_cast<int>(ui::DEFAULT_CPU_DEVICE_FPS)) +
                           " on a CPU Vulkan device such as lavapipe, where frames take time from training; "
                           "no limit on a GPU)");
    target->add_flag("--3d", options->orbit, "Open the Viewport in its 3D view (orbit camera; key 3 toggles)");
    target->add_option("--record", options->record,
                       "Write every frame as a PNG into this folder (frame-000001.png, ...; made if missing)");
    target->add_option("--video", options->video,
                       "Write the frames as a video, H.264 .mp4 or .gif by the extension (needs ffmpeg, the Debian "
                       "package); headless: every frame, a window: the frames presented, at the frame cap");
    target->add_option("--fps", options->fps, "Frames a second of --video and of File > Record's videos (default 30)");
    target->add_option("--lesson", options->lesson,
                       "Open a lesson (`neural-sandbox lessons` lists them, or a lesson file): the Lesson panel "
                       "on its first page, on the lesson's preset unless --preset is given; F11: presenter mode");
    target->add_option("--race", options->train.race,
                       "Race replicas of the network in lockstep, e.g. \"sgd:0.1,adam:0.01:beta1=0.8\" (as train "
                       "--race; a preset's \"race\" opens one too): the Race tab ranks them, the Viewport shows one");
    target->add_option("--attach", options->attach,
                       "Show a server's job (`serve`'s URL, http(s)://HOST:PORT) instead of training here: every "
                       "control steers it, the job trains on when the editor closes");
    target->add_option("--job", options->job, "With --attach: the job to show (default: the server's only job)");
    target->add_option("--token-file", options->tokenFile,
                       std::string("With --attach: a file holding the server's owner token (else $") +
                           remote::TOKEN_ENVIRONMENT + ")");
    target->add_option("--tls-ca", options->tlsCa, "With --attach to https: the PEM certificate to trust");
    target->add_option("--ui-scale", options->uiScale,
                       "UI scale, 0.75 to 3 (window default: the one last chosen in View > UI scale; headless: 1)");
  }
  return [options] { return runGui(*options); };
}

}  // namespace nsb::sandbox
