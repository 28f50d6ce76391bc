// App: start-up order (GLFW -> Vulkan context with GLFW's extensions -> surface -> ImGui -> renderer
// -> editor -> session on the shared context) and tear-down in reverse; the frame loop. Headless
// frames use a fixed 1/60 s time step and wait for their training steps, so nothing on screen depends
// on the wall clock.
#include "ui/App.h"

#define GLFW_INCLUDE_VULKAN
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_vulkan.h>
#include <dlfcn.h>
#include <imgui.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/Log.h"
#include "data/DatasetCatalog.h"
#include "gpu/VulkanContext.h"
#include "render/HeatmapView.h"
#include "render/Renderer.h"
#include "train/LocalSession.h"
#include "train/Preset.h"
#include "train/RaceSession.h"
#include "train/RaceSpec.h"
#include "ui/Editor.h"
#include "ui/Settings.h"
#include "ui/Theme.h"
#include "ui/panels/PanelSupport.h"

namespace nsb::ui {

#if defined(__SANITIZE_ADDRESS__)
namespace {
// LeakSanitizer reports at exit, after the Vulkan loader has unloaded the driver and the validation
// layer: their own leaks (lavapipe's, from graphics pipelines) would then show up as "<unknown
// module>" and escape tests/lsan.supp. Sanitizer builds keep those system libraries loaded to the end
// so that the suppressions can name them.
void keepVulkanLibrariesLoaded() {
  for (const char* library : {"libvulkan_lvp.so", "libVkLayer_khronos_validation.so"}) {
    dlopen(library, RTLD_NOW | RTLD_NODELETE);
  }
}
}  // namespace
#endif

namespace {

// A dataset the editor could not open, in the editor's words, on one line: the loaders' messages
// speak to the command line ("--dataset: unknown dataset 'x'"); the banner names the file, says
// what is wrong with it and that training goes on with the data it had.
std::string datasetError(const std::string& name, std::string reason, const std::string& current) {
  for (const auto& [flag, words] :
       {std::pair<std::string, std::string>{"--dataset: ", ""}, {"--label-column: ", "label column "}}) {
    if (reason.rfind(flag, 0) == 0) reason = words + reason.substr(flag.size());
  }
  std::error_code error;
  data::SyntheticKind kind{};
  const bool named = data::parseSyntheticKind(name, kind) || name == "mnist" || name == "fashion-mnist";
  if (!named && !std::filesystem::exists(name, error)) reason = name + ": no such file";
  if (reason.find(name) == std::string::npos) reason = name + ": " + reason;
  std::replace(reason.begin(), reason.end(), '\n', ' ');
  return "Could not open the dataset " + reason + ". Training goes on with " + current + ".";
}

// The editor's threads allocate and free blocks of 100 KiB to a few MiB many times a second (snapshots
// with the plotted history, probe results). glibc maps and unmaps each block past its mmap threshold,
// which grows only as larger blocks are freed, and gives the top of a heap back once 128 KiB are free:
// every reuse then faults its pages in again. For the first 5-10 s of a run at max speed, until the
// history reached its plotted size, those faults (a munmap also interrupts the other threads) doubled
// the time lavapipe took for a frame: a click's answer took 130-190 ms instead of 60-80. Blocks up to
// 32 MiB now come from the heaps, and up to 32 MiB of free memory stays there.
void keepFreedMemoryForReuse() {
  constexpr int KEPT = 32 << 20;
  mallopt(M_MMAP_THRESHOLD, KEPT);
  mallopt(M_TRIM_THRESHOLD, KEPT);
}

}  // namespace

AppOptions sessionOptions(std::shared_ptr<train::Session> session, const std::string& presetName) {
  AppOptions options;
  options.dataset = session->dataset().dataset;
  if (options.dataset) options.featureList = panels::featureListOf(*options.dataset);  // the heatmaps' inputs
  options.presetName = presetName;
  options.lockstep = false;
  options.session = std::move(session);
  return options;
}

core::Result<std::unique_ptr<App>> App::create(AppOptions options) {
#if defined(__SANITIZE_ADDRESS__)
  keepVulkanLibrariesLoaded();
#endif
  keepFreedMemoryForReuse();
  std::unique_ptr<App> app(new App());
  app->mOptions = std::move(options);
  NSB_TRY(app->initialise());
  return app;
}

core::Status App::initialise() {
  gpu::ContextOptions contextOptions;
  contextOptions.device = mOptions.config.backendOptions.device;
  contextOptions.validation = mOptions.validation || mOptions.config.backendOptions.validation;
  if (!mOptions.headless) {
    if (!glfwInit()) return core::runtimeError("no display: GLFW could not connect to a window system");
    mGlfw = true;
    if (!glfwVulkanSupported()) return core::runtimeError("GLFW finds no Vulkan loader for windows");
    std::uint32_t count = 0;
    const char** extensions = glfwGetRequiredInstanceExtensions(&count);
    if (!extensions) return core::runtimeError("GLFW cannot make a Vulkan window surface on this display");
    contextOptions.instanceExtensions.assign(extensions, extensions + count);
    contextOptions.presentation = true;
  }
  mContextOptions = contextOptions;
  auto context = gpu::VulkanContext::create(contextOptions);
  if (!context) return context.error();
  mContext = std::move(context.value());
  mMaxFps = mOptions.maxFps.value_or(
      mContext->properties().deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? DEFAULT_CPU_DEVICE_FPS : 0.0);
  if (!mOptions.headless && mMaxFps > 0.0) mPacer.emplace(mMaxFps);

  if (!mOptions.headless) {
    glfwWindowHint(GLFW_CLIENT_API, GLFW_NO_API);
    mWindow = glfwCreateWindow(static_cast<int>(mOptions.width), static_cast<int>(mOptions.height), "Neural Sandbox",
                               nullptr, nullptr);
    if (!mWindow) return core::runtimeError("GLFW could not open a window");
  }

  IMGUI_CHECKVERSION();
  mImGui = ImGui::CreateContext();
  ImGui::SetCurrentContext(mImGui);
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // the layout is fixed; nothing to remember in imgui.ini
  io.LogFilename = nullptr;
  mUiScale = std::clamp(mOptions.uiScale.value_or(mOptions.headless ? 1.0f : loadSettings().uiScale), MIN_UI_SCALE,
                        MAX_UI_SCALE);
  applyDarkTheme(mUiScale);
  buildFonts(mUiScale);
  if (mWindow) {
    // Mouse, keys and characters go through the input queue (none lost between frames); the
    // backend keeps the rest (display size, time, cursors, focus).
    ImGui_ImplGlfw_InitForVulkan(mWindow, false);
    mInput.attach(mWindow);
    mImGuiGlfw = true;
  } else {
    io.DisplaySize = ImVec2(static_cast<float>(mOptions.width), static_cast<float>(mOptions.height));
    io.DeltaTime = 1.0f / 60.0f;
    InputQueue::mapKeys(io);
  }

  NSB_TRY(makeRenderer());

  // Training shares the renderer's device (one queue lock) when it runs on Vulkan.
  train::TrainerConfig config = mOptions.config;
  config.backendOptions.context = mContext;
  double speed = 0.0;
  if (lockstep()) {
    mOptions.stepsPerFrame = std::max<std::uint32_t>(mOptions.stepsPerFrame, 1);
  } else if (mOptions.speed) {
    speed = snapSpeed(*mOptions.speed);
  } else if (mOptions.stepsPerFrame > 0) {
    speed = snapSpeed(mOptions.stepsPerFrame * (mMaxFps > 0.0 ? mMaxFps : 60.0));
  } else {
    // 2D toys at a pace a class can follow; image data as fast as it goes.
    speed = mOptions.dataset && !mOptions.dataset->u8 && !mOptions.dataset->train.points.empty() ? 30.0 : 0.0;
  }
  makeEditor(true, mOptions.stepsPerFrame, speed);

  if (mOptions.session) {
    mSession = mOptions.session;
  } else {
    auto session = mOptions.race.empty()
                       ? train::LocalSession::create(std::move(config), mOptions.dataset, !lockstep(), speed)
                       : train::RaceSession::create({.base = std::move(config), .replicas = mOptions.race},
                                                    mOptions.dataset, !lockstep(), speed);
    if (!session) return session.error();
    mSession = std::move(session.value());
  }
  if (auto probes = mEditor->probeCommand()) mSession->submit(std::move(*probes));
  return core::Ok{};
}

core::Status App::makeRenderer() {
  render::RendererConfig rendererConfig;
  rendererConfig.vsync = mOptions.vsync;
  rendererConfig.width = mOptions.width;
  rendererConfig.height = mOptions.height;
  if (mWindow) {
    VkSurfaceKHR surface = VK_NULL_HANDLE;
    if (glfwCreateWindowSurface(mContext->instance(), mWindow, nullptr, &surface) != VK_SUCCESS) {
      return core::runtimeError("could not make a Vulkan surface for the window");
    }
    mSurface = gpu::Handle<VkSurfaceKHR, VkInstance>(mContext->instance(), surface, vkDestroySurfaceKHR);
    rendererConfig.surface = surface;
    int w = 0, h = 0;
    glfwGetFramebufferSize(mWindow, &w, &h);
    rendererConfig.width = static_cast<std::uint32_t>(w);
    rendererConfig.height = static_cast<std::uint32_t>(h);
  }
  auto renderer = render::Renderer::create(mContext, rendererConfig);
  if (!renderer) return renderer.error();
  mRenderer = std::move(renderer.value());
  ++mRenderers;
  auto heatmaps = render::HeatmapView::create(*mRenderer);
  if (!heatmaps) return heatmaps.error();
  mHeatmaps = std::move(heatmaps.value());
  return core::Ok{};
}

// A lost device (the driver's VK_ERROR_DEVICE_LOST under a frame) is lost for training too when the
// session trains on it: one step there meets the loss, and the session's own path for a lost device
// (LocalSession::stopOnDeviceError) writes the weights it holds to $TMPDIR. The editor goes on on a
// device made again (a new context, surface, swapchain and ImGui Vulkan backend; the editor itself is
// made again, its runs kept), and so does training, from those weights, on the backend it was on: the
// session gets the new context for this switch and every later one to vulkan. Training goes to the CPU
// backend only when no device can be made or the new one takes no vulkan backend. Any other failure of the renderer
// (out of memory) makes a new renderer on the same device. When no renderer can be made (no device either), or one made
// again fails before its first frame, there is nothing to draw with: frame() returns false and run() exits 1 with one
// line, the weights already saved. UI thread, between frames.
bool App::recoverRenderer() {
  const bool lost = mRenderer->deviceLost();
  std::string message =
      (lost ? "The Vulkan device was lost while drawing (" : "Drawing failed (") + mRenderer->failure()->message + ")";
  core::log().error("{}", message);
  const bool playing = mEditor->playing();
  // A renderer made again that fails before its first frame would fail on every frame: give up.
  const bool drewSince = mRenderers == 1 || mRenderer->frameCount() > 0;
  if (mRenderer) mRenderer->waitIdle();
  mHeatmaps.reset();
  mRenderer.reset();  // shuts ImGui's Vulkan backend down
  mSurface.reset();   // before its instance, which a new device replaces
  core::Status made = core::Ok{};
  if (lost) {
    gpu::ContextOptions options = mContextOptions;
    options.remade = true;
    auto context = gpu::VulkanContext::create(options);
    if (context) {
      mContext = std::move(context.value());
    } else {
      made = context.error();
    }
  }
  // The session: one step meets the loss (and saves the weights), then the switch onto the new device,
  // queued before the failure's own Pause so that it reports no failure left; a session on another
  // backend is only handed the new context.
  const std::string backend = mSession->latest()->backend;
  const bool training = lost && backend == "vulkan";
  std::uint64_t switched = 0;
  bool answered = true;
  if (training) mSession->submit(train::Step{1});
  if (lost && made) {
    switched = mSession->submit(train::SwitchBackend{backend, mContext});
  } else if (training) {
    switched = mSession->submit(train::SwitchBackend{"cpu"});
  }
  if (training) {
    answered = mSession->sync(std::chrono::seconds(30)) == train::SyncStatus::Synced;
    message += answered ? "; the session's weights went to a checkpoint in " +
                              std::filesystem::temp_directory_path().string() + " (its log line names the file)"
                        : "; the session did not answer";
  }
  mRendererFrames = 0;
  if (made && !drewSince) made = core::runtimeError("the renderer made again failed before its first frame");
  if (made) made = makeRenderer();
  if (!made) {
    // run() says it on its one line.
    mRenderFailed = core::runtimeError(message + "; the editor cannot draw again: " + made.message());
    mQuit = true;
    return false;
  }
  if (training && answered) {
    // Whether the session applied the command numbered `sequence`.
    const auto applied = [this](std::uint64_t sequence) {
      const auto newest = mSession->latest();  // held: the outcome lives in this snapshot
      const train::Outcome* outcome = train::findOutcome(*newest, sequence);
      return outcome && outcome->ok;
    };
    std::string goesOn;
    if (applied(switched)) {
      goesOn = "vulkan backend of the device made again";
    } else if (const std::uint64_t cpu = mSession->submit(train::SwitchBackend{"cpu"});
               mSession->sync(std::chrono::seconds(30)) == train::SyncStatus::Synced && applied(cpu)) {
      goesOn = "CPU backend";
    }
    // The failure's own Pause was applied before the Resume: the Resume wins.
    if (!goesOn.empty() && playing && !lockstep()) mSession->submit(train::Resume{});
    message += goesOn.empty() ? "; training cannot go on (see the log)" : "; training goes on on the " + goesOn;
  }
  makeEditor(playing, mEditor->stepsPerFrame(), mEditor->speed());
  if (auto probes = mEditor->probeCommand()) mSession->submit(std::move(*probes));
  mEditor->warn(message + "; drawing goes on");
  return true;
}

void App::makeEditor(bool playing, std::uint32_t stepsPerFrame, double speed) {
  EditorConfig editorConfig;
  editorConfig.submit = [this](train::Command command) -> std::uint64_t {
    return mSession ? mSession->submit(std::move(command)) : 0;
  };
  editorConfig.fetchDataset = [this] { return mSession ? mSession->dataset() : train::VersionedDataset{}; };
  editorConfig.deviceProbes = [this](std::uint64_t version) {
    return mSession ? mSession->deviceProbes(version) : nullptr;
  };
  editorConfig.link = [this] { return mSession ? mSession->link() : train::SessionLink{}; };
  editorConfig.takeControl = [this] {
    if (mSession) mSession->takeControl();
  };
  editorConfig.lockstep = lockstep();
  editorConfig.speed = speed;
  editorConfig.dataset = mOptions.dataset;
  editorConfig.presetName = mOptions.presetName;
  editorConfig.featureList = mOptions.featureList;
  editorConfig.heatmaps = mHeatmaps.get();
  editorConfig.deterministic = lockstep();
  editorConfig.playing = playing;
  editorConfig.stepsPerFrame = stepsPerFrame;
  editorConfig.seed = mOptions.config.seed;
  editorConfig.noise = mOptions.noise;
  editorConfig.uiScale = mUiScale;
  editorConfig.surface = mOptions.surface;
  editorConfig.lesson = mOptions.lesson;
  editorConfig.watchPage = mOptions.watchPage;
  editorConfig.processLog = mOptions.processLog;
  const bool orbit = mEditor ? mEditor->orbitMode() : mOptions.orbit;  // kept when a preset opens
  // The runs so far stay as faded curves behind the new session's (Reset does the same in a session).
  std::optional<Plots> runs;
  if (mEditor) runs = mEditor->plots();
  std::optional<SurfaceView> surface;  // View > Surface stays, its runs with it, when a network preset opens
  if (mEditor && mEditor->surfaceMode() && !mOptions.surface) surface = std::move(mEditor->surface());
  mEditor = std::make_unique<Editor>(std::move(editorConfig));
  mEditor->setOrbitMode(orbit);
  if (surface) {
    mEditor->surface() = std::move(*surface);
    mEditor->setSurfaceMode(true);
  }
  if (runs) mEditor->continueRuns(std::move(*runs));
  if (!mOptions.race.empty()) mEditor->selectTab("Race");  // a race opens on its ranking
}

core::Status App::setUiScale(float scale, bool remember) {
  if (!std::isfinite(scale)) return core::badInput("UI scale: not a number");
  mUiScale = std::clamp(scale, MIN_UI_SCALE, MAX_UI_SCALE);
  applyDarkTheme(mUiScale);
  buildFonts(mUiScale);
  NSB_TRY(mRenderer->rebuildImGui());
  mEditor->setUiScale(mUiScale);
  if (!remember) return core::Ok{};
  Settings settings = loadSettings();
  settings.uiScale = mUiScale;
  return saveSettings(settings);
}

core::Status App::openPreset(const std::string& nameOrPath) {
  auto preset = train::Preset::load(nameOrPath);
  if (!preset) return preset.error();
  return start(preset.value());
}

core::Status App::openDataset(const data::DatasetRequest& request) {
  // The network and hyperparameters of now, on the data the session trains on now (new points or a
  // new noise since the start leave mOptions.dataset behind); the data then replaced by the request.
  const auto snapshot = mSession->latest();
  const auto current = mSession->dataset().dataset;
  train::Preset preset =
      Editor::presetOf(*snapshot, *current, mOptions.noise, mOptions.config.seed, mOptions.presetName);
  preset.dataset = request;
  data::SyntheticKind kind{};
  if (data::parseSyntheticKind(request.name, kind)) {
    preset.dataset.synthetic.points = 500;
    preset.dataset.synthetic.trainRatio = 0.5f;
  }
  preset.head.reset();  // from the new data's task and classes
  preset.loss.reset();
  auto started = start(preset);
  if (!started)
    return core::Error{datasetError(request.name, started.message(), mOptions.dataset->name), started.error().kind};
  return started;
}

core::Status App::start(const train::Preset& p) {
  // A session from elsewhere (a server's job) is not this editor's to replace.
  if (mOptions.session)
    return core::badInput("the editor shows a session it did not start: open this in an editor of its own");
  auto dataset = data::loadDataset(p.dataset);
  if (!dataset) return dataset.error();
  auto shared = std::make_shared<const data::Dataset>(std::move(dataset.value()));
  auto spec = p.modelFor(*shared);
  if (!spec) return spec.error();
  train::TrainerConfig config = mOptions.config;
  config.backend = mSession->latest()->backend;
  config.backendOptions.context = mContext;
  config.spec = spec.value();
  config.hyperparams = p.hyperparams;
  config.seed = p.seed;
  config.data = p.dataset;
  const bool playing = mEditor->playing();
  const double speed = mEditor->speed();
  std::vector<train::Hyperparams> race;
  if (p.race) {
    auto replicas = train::parseRace(*p.race, p.hyperparams, "preset " + p.name + ": race");
    if (!replicas) return replicas.error();
    race = std::move(replicas.value());
  }
  auto session = race.empty() ? train::LocalSession::create(config, shared, !lockstep() && playing, speed)
                              : train::RaceSession::create({.base = config, .replicas = race}, shared,
                                                           !lockstep() && playing, speed);
  if (!session) return session.error();
  mSession = std::move(session.value());  // the old session's thread stops here
  mOptions.config = config;
  mOptions.dataset = shared;
  mOptions.race = std::move(race);
  mOptions.presetName = p.name;
  mOptions.surface = p.surface;
  data::SyntheticKind kind{};
  mOptions.featureList = data::parseSyntheticKind(p.dataset.name, kind) ? p.dataset.features.toString() : "";
  mOptions.noise = p.dataset.synthetic.noise;
  makeEditor(playing, mEditor->stepsPerFrame(), speed);
  if (auto probes = mEditor->probeCommand()) mSession->submit(std::move(*probes));
  core::log().info("opened {} on {}", p.name, shared->name);
  return core::Ok{};
}

void App::handle(const EditorRequests& requests) {
  if (requests.quit) mQuit = true;
  if (requests.uiScale) {
    if (auto done = setUiScale(*requests.uiScale); !done) core::log().error("{}", done.message());
  }
  if (requests.presenterScale) {
    if (auto done = setUiScale(*requests.presenterScale, false); !done) core::log().error("{}", done.message());
  }
  if (requests.screenshot) {
    mScreenshotPath = requests.screenshotPath;
    mScreenshotPanel = requests.panel;
  }
  if (requests.stopRecording) {
    const std::uint64_t frames = mRecorder ? mRecorder->frameCount() : 0;
    const std::string path = mRecorder ? mRecorder->path() : "";
    if (auto stopped = stopRecording(); !stopped) {
      core::log().error("{}", stopped.message());
      mEditor->warn(stopped.message());
    } else if (!path.empty()) {
      const std::string line = "recording written to " + path + " (" + std::to_string(frames) + " frames)";
      core::log().info("{}", line);
      mEditor->notify(line);
    }
  }
  if (requests.record) {
    auto recorder = Recorder::open(*requests.record, mOptions.recordFps);
    if (!recorder) {
      core::log().error("{}", recorder.message());
      mEditor->warn(recorder.message());
    } else {
      record(std::move(recorder.value()));
      mShowRecording = true;
      mEditor->notify("recording to " + *requests.record + ": File > Stop recording finishes it");
    }
  }
  core::Status done = core::Ok{};
  if (!requests.openPreset.empty()) done = openPreset(requests.openPreset);
  if (requests.openDataset) done = openDataset(*requests.openDataset);
  if (!done) {
    core::log().error("{}", done.message());
    mEditor->warn(done.message());
  }
}

void App::record(std::unique_ptr<Recorder> recorder) {
  if (mRecorder) {
    if (auto stopped = stopRecording(); !stopped) core::log().error("{}", stopped.message());
  }
  mRecorder = std::move(recorder);
  // The toolbar's "recording N frames" is for someone watching: not in the frames of a headless run.
  mShowRecording = !mOptions.headless;
}

core::Status App::stopRecording() {
  if (!mRecorder) return core::Ok{};
  auto finished = mRecorder->finish();
  mRecorder.reset();
  return finished;
}

App::~App() {
  if (mImGui) ImGui::SetCurrentContext(mImGui);  // ImGui's Vulkan backend shuts down in this one
  mRecorder.reset();                             // an unfinished video is abandoned, its temporary file removed
  mSession.reset();                              // the training thread stops before the device goes
  if (mRenderer) mRenderer->waitIdle();
  mEditor.reset();
  mHeatmaps.reset();
  mRenderer.reset();  // shuts ImGui's Vulkan backend down
  if (mImGuiGlfw) ImGui_ImplGlfw_Shutdown();
  if (mImGui) ImGui::DestroyContext(mImGui);
  mSurface.reset();  // before the instance
  mContext.reset();
  if (mWindow) glfwDestroyWindow(mWindow);
  if (mGlfw) glfwTerminate();
}

bool App::frame(bool capture) {
  if (mQuit) return false;
  ImGui::SetCurrentContext(mImGui);
  // After an undrawn frame (it sent a Pause, a Reset, a structural edit), wait for the answer beyond the
  // frame cap's slot, up to ANSWER_HOLD: a frame drawn before it would only show the old state again
  // and, on lavapipe, hold up on the shared queue the very submit that answers.
  if (!mDrewLastFrame) awaitAnswer(std::chrono::steady_clock::now() + ANSWER_HOLD);
  std::uint32_t width = mOptions.width, height = mOptions.height;
  if (mWindow) {
    // The frame cap (ui/FramePacer); the time left in a slot goes to training.
    if (mPacer) mPacer->wait([this](FramePacer::Clock::time_point deadline) { return awaitAnswer(deadline); });
    glfwPollEvents();
    if (glfwWindowShouldClose(mWindow)) return false;
    int w = 0, h = 0;
    glfwGetFramebufferSize(mWindow, &w, &h);
    if (w <= 0 || h <= 0) {  // minimised: nothing to draw, wait for events
      glfwWaitEventsTimeout(0.05);
      return true;
    }
    width = static_cast<std::uint32_t>(w);
    height = static_cast<std::uint32_t>(h);
    const double now = glfwGetTime();
    if (mLastFrameTime > 0) {
      const double dt = now - mLastFrameTime;
      mFrameMs = dt * 1000.0;
      mFps = mFps == 0.0 ? 1.0 / dt : mFps * 0.95 + 0.05 / dt;
    }
    mLastFrameTime = now;
  }

  // Lockstep: S steps a frame, waited for (and every edit sent last frame). Otherwise the session
  // trains at its own pace and the frame shows its latest snapshot.
  if (lockstep()) {
    if (mEditor->playing()) mSession->submit(train::Step{std::max<std::uint32_t>(mEditor->stepsPerFrame(), 1)});
    mSession->sync();
  }
  // A click or a key: training stands aside while the frames that answer it are made (not in lockstep,
  // whose frames wait for their steps anyway).
  if (!lockstep() && mInput.actionPending()) mSession->holdTraining(std::chrono::steady_clock::now() + INPUT_HOLD);
  const auto snapshot = mSession->latest();

  mHeatmaps->newFrame();
  if (mWindow) {
    ImGui_ImplGlfw_NewFrame();
  } else {
    ImGui::GetIO().DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
    ImGui::GetIO().DeltaTime = 1.0f / 60.0f;
  }
  mInput.feed(ImGui::GetIO());
  ImGui_ImplVulkan_NewFrame();
  ImGui::NewFrame();
  FrameStats stats{mFps, mFrameMs};
  if (mRecorder && mShowRecording) stats.recordedFrames = mRecorder->frameCount() + 1;  // this frame counted
  const EditorRequests requests = mEditor->draw(*snapshot, stats);
  // A frame whose input sent a Pause, a Reset or a structural edit would only show the state before it:
  // it is not drawn, and the next one goes out as soon as the session answers (FramePacer), so the
  // effect is on screen one frame's rendering sooner. Not in lockstep (the headless PNGs stay the
  // same), nor when this frame is captured or recorded.
  // Nor is a frame that fed part of a click or a keystroke whose rest is already queued (a tap shorter
  // than a frame: the button acts on its release, a frame later): the next one starts at once. At most
  // INPUT_ONLY_FRAMES in a row, so that a stream of typing still shows.
  const bool inputFollows = mInput.actionPending() && mInputOnlyFrames < INPUT_ONLY_FRAMES;
  mInputOnlyFrames = inputFollows ? mInputOnlyFrames + 1 : 0;
  mDrewLastFrame =
      lockstep() || (!mEditor->awaitsAnswerToShow() && !inputFollows) || capture || mScreenshotPath || mRecorder;
  if (!mDrewLastFrame) {
    ImGui::EndFrame();
    handle(requests);
    return !mQuit;
  }
  ImGui::Render();
  // File > Save screenshot: this frame, which no longer shows the dialog that asked for it. A recording
  // leaves out the frames with the File menu or a dialog open, and the one that stops it.
  const bool screenshot = mScreenshotPath.has_value();
  const bool record = mRecorder && !requests.stopRecording && !mEditor->hidesFromRecording();
  if (mRenderer->beginFrame(width, height)) {
    mHeatmaps->upload();
    mRenderer->endFrame(ImGui::GetDrawData(), capture || screenshot || record);
  }
  if (!mRenderer->failure() && mRenderer->frameCount() > mRendererFrames) {
    mRendererFrames = mRenderer->frameCount();
    ++mFrames;
    if (record) {
      auto image = mRenderer->capturedImage();
      auto added = image ? mRecorder->add(image.value()) : core::Status(image.error());
      if (!added) {
        // Headless, run() says it on its one line and fails; a window shows it and goes on.
        if (mOptions.headless) {
          mRecordingFailed = added.error();
        } else {
          core::log().error("{}", added.message());
          mEditor->warn(added.message());
        }
        mRecorder.reset();
      }
    }
    if (screenshot) {
      auto image = mRenderer->capturedImage();
      if (image) saveScreenshot(image.value());
      mScreenshotPath.reset();
      mScreenshotPanel.clear();
    }
  }
  if (mRenderer->failure() && !recoverRenderer()) return false;
  handle(requests);  // after the frame: a new scale or preset changes what the next frame draws
  return !mQuit;
}

void App::waitForFrames() {
  if (mRenderer) mRenderer->waitIdle();
}

bool App::awaitAnswer(std::chrono::steady_clock::time_point deadline) {
  using namespace std::chrono_literals;
  using Clock = std::chrono::steady_clock;
  for (;;) {
    // The answer to a command sent comes first: the frame after it shows what it did. With nothing
    // awaited, a click, a key or typing starts its frame at once, not at the frame cap's next slot.
    const std::uint64_t awaited = mEditor ? mEditor->awaited() : 0;
    if (awaited > 0 && mSession->latest()->appliedSequence >= awaited) return true;
    if (awaited == 0 && mInput.actionPending()) return true;
    const auto now = Clock::now();
    if (now >= deadline) return false;
    if (!mWindow) {
      // Headless (the end-to-end driver): input comes from this thread, only an answer can arrive.
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
      return awaited > 0 && mSession->awaitApplied(awaited, left);
    }
    // A window: the session's answer in slices of 2 ms, or GLFW's events until one acts.
    if (awaited > 0) {
      if (mSession->awaitApplied(awaited, 2ms)) return true;
    } else {
      glfwWaitEventsTimeout(std::chrono::duration<double>(deadline - now).count());
    }
  }
}

core::Result<render::Image> App::captured() { return mRenderer->capturedImage(); }

namespace {

// The pixels of `image` inside `rect` (ImGui coordinates, `scale` pixels a unit), clamped to the image.
render::Image crop(const render::Image& image, const Rect& rect, ImVec2 scale) {
  auto clampTo = [](float v, std::uint32_t most) {
    return static_cast<std::uint32_t>(std::clamp<long>(std::lround(v), 0L, static_cast<long>(most)));
  };
  const std::uint32_t x0 = clampTo(rect.min.x * scale.x, image.width), x1 = clampTo(rect.max.x * scale.x, image.width);
  const std::uint32_t y0 = clampTo(rect.min.y * scale.y, image.height),
                      y1 = clampTo(rect.max.y * scale.y, image.height);
  render::Image out;
  out.width = x1 > x0 ? x1 - x0 : 0;
  out.height = y1 > y0 ? y1 - y0 : 0;
  out.rgba.resize(std::size_t{out.width} * out.height * 4);
  for (std::uint32_t y = 0; y < out.height; ++y) {
    std::copy_n(image.pixel(x0, y0 + y), std::size_t{out.width} * 4, &out.rgba[std::size_t{y} * out.width * 4]);
  }
  return out;
}

}  // namespace

void App::saveScreenshot(const render::Image& frame) {
  const std::string path = !mScreenshotPath->empty()     ? *mScreenshotPath
                           : mOptions.screenshot.empty() ? "neural-sandbox.png"
                                                         : mOptions.screenshot;
  core::Status written = core::Ok{};
  std::string line = "screenshot written to " + path;
  if (mScreenshotPanel.empty()) {
    written = render::writePng(path, frame);
  } else if (const auto rect = mEditor->widgetRect("panel-" + mScreenshotPanel)) {
    // The frame's pixels against ImGui's units (a window's framebuffer may be larger on a HiDPI screen).
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    const ImVec2 scale(display.x > 0 ? static_cast<float>(frame.width) / display.x : 1.0f,
                       display.y > 0 ? static_cast<float>(frame.height) / display.y : 1.0f);
    const render::Image panel = crop(frame, *rect, scale);
    written = render::writePng(path, panel);
    line = "panel " + mScreenshotPanel + " written to " + path + " (" + std::to_string(panel.width) + "x" +
           std::to_string(panel.height) + ")";
  } else {
    written = core::runtimeError("panel " + mScreenshotPanel + ": not on screen, nothing written");
  }
  if (written) {
    core::log().info("{}", line);
    mEditor->notify(line);
  } else {
    core::log().error("{}", written.message());
    mEditor->warn(written.message());
  }
}

namespace {

// Seconds since this process was exec'd (/proc/self/stat's start time against the uptime), so that
// the start-up figure includes loading and Vulkan set-up; negative where /proc cannot tell.
double secondsSinceExec() {
  std::ifstream stat("/proc/self/stat"), uptime("/proc/uptime");
  std::string line;
  double up = 0.0;
  if (!std::getline(stat, line) || !(uptime >> up)) return -1.0;
  const auto close = line.rfind(')');  // the command name may hold spaces; fields follow it
  if (close == std::string::npos) return -1.0;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) return up - std::stod(field) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return -1.0;
}

}  // namespace

int App::run() {
  const bool wantShot = !mOptions.screenshot.empty();
  using Clock = std::chrono::steady_clock;
  std::vector<double> frameMs;
  double firstFrame = -1.0;
  std::uint64_t firstStep = 0;
  Clock::time_point start;
  std::uint32_t i = 0;
  for (; mOptions.frames == 0 || i < mOptions.frames; ++i) {
    const bool last = mOptions.frames > 0 && i + 1 == mOptions.frames;
    const auto begin = Clock::now();
    if (!frame(last && wantShot)) break;
    if (mRecordingFailed && mOptions.headless) break;
    const auto end = Clock::now();
    if (i == 0) {
      firstFrame = secondsSinceExec();
      firstStep = mSession->latest()->step;
      start = end;
    } else {
      frameMs.push_back(std::chrono::duration<double, std::milli>(end - begin).count());
    }
  }
  // One line for benchmarks: the rate after the first frame, the median frame time, training speed
  // while rendering and the start-up time (exec to the first frame drawn).
  if (!frameMs.empty()) {
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::sort(frameMs.begin(), frameMs.end());
    // None when the count went back (a lost device: training goes on from the last good step).
    const std::uint64_t step = mSession->latest()->step;
    const double steps = step > firstStep ? static_cast<double>(step - firstStep) : 0.0;
    std::printf(
        "gui: %zu frames in %.2f s: %.1f frames/s, median frame %.2f ms, training %.0f steps/s, "
        "first frame %.3f s after start\n",
        frameMs.size() + 1, seconds, static_cast<double>(frameMs.size()) / seconds, frameMs[frameMs.size() / 2],
        steps / seconds, firstFrame);
  }
  if (auto finished = stopRecording(); !finished) mRecordingFailed = finished.error();
  if (mRenderFailed) {
    std::fprintf(stderr, "neural-sandbox: %s\n", mRenderFailed->message.c_str());
    return 1;
  }
  if (mRecordingFailed) {
    std::fprintf(stderr, "neural-sandbox: %s\n", mRecordingFailed->message.c_str());
    return mRecordingFailed->kind == core::ErrorKind::BadInput ? 2 : 1;
  }
  if (wantShot) {
    auto image = captured();
    if (!image) {
      std::fprintf(stderr, "neural-sandbox: --screenshot %s: %s\n", mOptions.screenshot.c_str(),
                   image.message().c_str());
      return 1;
    }
    auto written = render::writePng(mOptions.screenshot, image.value());
    if (!written) {
      std::fprintf(stderr, "neural-sandbox: %s\n", written.message().c_str());
      return written.error().kind == core::ErrorKind::BadInput ? 2 : 1;
    }
  }
  return 0;
}

}  // namespace nsb::ui
