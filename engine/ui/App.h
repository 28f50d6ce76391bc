#pragma once
// App: the sandbox editor as a program: the Vulkan context shared by the renderer and the training
// backend, the Session, the ImGui context, the Editor and the frame loop; in a GLFW window or headless
// (offscreen images, fixed time step, exactly S training steps per frame, so that the same arguments
// give the same pixels). UI thread only.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/Result.h"
#include "data/Dataset.h"
#include "data/DatasetCatalog.h"
#include "gpu/Handle.h"
#include "gpu/VulkanContext.h"
#include "lesson/Lesson.h"
#include "render/Image.h"
#include "train/Preset.h"
#include "train/Trainer.h"
#include "ui/FramePacer.h"
#include "ui/InputQueue.h"
#include "ui/Recorder.h"

struct GLFWwindow;
struct ImGuiContext;

namespace nsb::render {
class Renderer;
class HeatmapView;
}  // namespace nsb::render
namespace nsb::train {
class Session;
}

namespace nsb::ui {

class Editor;

inline constexpr double DEFAULT_CPU_DEVICE_FPS = 30.0;

struct AppOptions {
  train::TrainerConfig config;
  std::shared_ptr<const data::Dataset> dataset;
  std::string presetName;
  std::string featureList;
  float noise = 0.0f;  // of synthetic data, where the editor's noise slider starts
  bool headless = false;
  std::uint32_t width = 1280, height = 720;
  std::uint32_t frames = 0;  // 0: until the window closes (a window only)
  // Lockstep: the frame loop runs stepsPerFrame steps a frame and waits for them (unset: headless),
  // so the same arguments give the same pictures. Otherwise the session trains on its own thread at
  // the editor's speed and a frame never waits for it (a window; headless, the end-to-end tests).
  std::optional<bool> lockstep;
  std::uint32_t stepsPerFrame = 0;  // lockstep: steps a frame (at least 1); a window: sets the start speed
  // A window's start speed in steps a second (0: max). Unset: stepsPerFrame x the frame cap snapped to
  // the speed control's values when stepsPerFrame > 0, else 30 for 2D data and max for images.
  std::optional<double> speed;
  std::string screenshot;   // written after the last frame
  bool validation = false;  // the Khronos validation layer on the shared context
  // The UI scale; unset: the remembered one (a window) or 1 (headless, so that pictures do not depend
  // on a user's settings).
  std::optional<float> uiScale;
  bool vsync = true;
  // A window draws at most this many frames a second (0: as many as presenting allows). Unset:
  // DEFAULT_CPU_DEVICE_FPS on a CPU device such as lavapipe, whose one queue and cores the frames share
  // with training, and no limit on a GPU.
  std::optional<double> maxFps;
  bool orbit = false;                          // the Viewport starts in its 3D view
  double recordFps = DEFAULT_RECORDING_FPS;    // of the videos File > Record writes (--fps)
  std::optional<train::SurfaceSetup> surface;  // a preset of kind "surface": the Surface view in front
  std::optional<lesson::Lesson> lesson;        // `gui --lesson`: the Lesson panel, kept when a preset opens
  // A race (`gui --race`, a preset's "race"): its replicas, trained in lockstep (train/RaceSession.h).
  std::vector<train::Hyperparams> race;
  // Set: the App shows this session (a server's job for the watch page) instead of starting its own
  // from config and dataset; config then only names the device, and lockstep must be false.
  std::shared_ptr<train::Session> session;
  bool processLog = true;  // the Log tab shows this process's log lines (not the watch page's: the server's)
  // The watch page's: the toolbar shows the job's rate alone, neither a speed to choose (the server sets
  // the pace) nor frames a second (the page's are --watch-fps).
  bool watchPage = false;
};

// An App's options for a session trained by another owner (a server's job for `gui --attach` or the
// watch page): its dataset and the features its heatmaps take; it trains at its owner's pace.
AppOptions sessionOptions(std::shared_ptr<train::Session> session, const std::string& presetName);

class App {
 public:
  // A runtime error when there is no display (window), no Vulkan device or the session cannot start.
  static core::Result<std::unique_ptr<App>> create(AppOptions options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // One frame: events, training steps (headless: S steps, waited for), UI, render. False once the
  // window was closed or Quit chosen, or the renderer failed and could not start again (run() then
  // says why on one line and exits 1).
  bool frame(bool capture = false);
  // Blocks until the session has answered the commands the editor sent and waits for, or, with nothing
  // awaited, until input that may act (a button, a key, typing) is queued (true), or until `deadline`
  // (false; headless, at once when nothing is awaited). A paced frame goes out early on true. A window
  // takes GLFW's events meanwhile.
  bool awaitAnswer(std::chrono::steady_clock::time_point deadline);
  // The pixels of the last frame drawn with capture.
  core::Result<render::Image> captured();
  // Runs the frames asked for (or until closed), writes the screenshot and finishes a recording; returns
  // the exit code.
  int run();
  // Records every frame drawn from the next one on (--record, --video, File > Record), except those that
  // show the File menu or its dialog; a recording running before is finished first.
  void record(std::unique_ptr<Recorder> recorder);
  // Finishes the recording (a video gets its final name); Ok when none runs.
  core::Status stopRecording();
  const Recorder* recorder() const { return mRecorder.get(); }

  // Renderers made so far: 1, plus one for each recovery from a failed renderer or a lost device.
  std::uint32_t renderers() const { return mRenderers; }
  // Between frames: the UI scale (fonts rebuilt, remembered in the settings file unless presenter mode
  // raised it), and another preset
  // (a new session on the same device; the old one keeps running if the new one cannot start).
  core::Status setUiScale(float scale, bool remember = true);
  float uiScale() const { return mUiScale; }
  core::Status openPreset(const std::string& nameOrPath);
  // Between frames: the running network on another dataset (a new session, a new run): the hidden
  // layers and hyperparameters stay, the inputs and outputs fit the data. The old data stays if the
  // new one cannot load.
  core::Status openDataset(const data::DatasetRequest& request);

  Editor& editor() { return *mEditor; }
  train::Session& session() { return *mSession; }
  render::Renderer& renderer() { return *mRenderer; }
  render::HeatmapView& heatmaps() { return *mHeatmaps; }
  GLFWwindow* window() const { return mWindow; }
  // Mouse and keyboard events for the coming frames: a window's come from GLFW, tests push their own.
  InputQueue& input() { return mInput; }
  std::uint64_t frames() const { return mFrames; }
  // Whether the last frame() drew (false: it sent a command only the answer shows, or the rest of a
  // tap waited in the queue; see frame()).
  bool drewLastFrame() const { return mDrewLastFrame; }
  // Returns once the device has finished drawing every frame submitted (frame() returns after the
  // submit): the latency measurement's end, a picture ready to present.
  void waitForFrames();
  double maxFps() const { return mMaxFps; }  // 0: no limit

 private:
  App() = default;
  core::Status initialise();
  // The window's surface (a window only), the renderer and the heatmaps on mContext.
  core::Status makeRenderer();
  // After the renderer failed (see recoverRenderer in App.cpp); false when it cannot start again.
  bool recoverRenderer();
  void makeEditor(bool playing, std::uint32_t stepsPerFrame, double speed);
  // A new session (and editor) for `preset` on this device, replacing the running one.
  core::Status start(const train::Preset& preset);
  bool lockstep() const { return mOptions.lockstep.value_or(mOptions.headless); }
  void handle(const struct EditorRequests& requests);
  // Writes mScreenshotPath: the frame, or the part of it that mScreenshotPanel covered.
  void saveScreenshot(const render::Image& frame);

  AppOptions mOptions;
  GLFWwindow* mWindow = nullptr;
  bool mGlfw = false;
  bool mImGuiGlfw = false;
  gpu::ContextOptions mContextOptions;  // what mContext was made with: a lost device is made again so
  std::shared_ptr<gpu::VulkanContext> mContext;
  gpu::Handle<VkSurfaceKHR, VkInstance> mSurface;
  ImGuiContext* mImGui = nullptr;  // made current by every frame: several Apps may share a thread
  std::unique_ptr<render::Renderer> mRenderer;
  std::unique_ptr<render::HeatmapView> mHeatmaps;
  std::unique_ptr<Editor> mEditor;
  std::shared_ptr<train::Session> mSession;
  std::uint64_t mFrames = 0;
  bool mDrewLastFrame = true;
  // How long the frame after an undrawn one waits for the session's answer at most: long enough for a
  // Pause or a Reset behind a submit on lavapipe, short enough that a slow edit shows as pending soon.
  static constexpr std::chrono::milliseconds ANSWER_HOLD{100};
  int mInputOnlyFrames = 0;  // undrawn in a row because more of a click or a keystroke was queued
  static constexpr int INPUT_ONLY_FRAMES = 8;
  // A click or a key holds training this long (Session::holdTraining), so that the frames that answer
  // it have the CPU: the frame in flight, the one that applies the input and the one after.
  static constexpr std::chrono::milliseconds INPUT_HOLD{150};
  std::uint64_t mRendererFrames = 0;  // the renderer's frameCount() when the last frame was counted
  double mFps = 0.0, mFrameMs = 0.0;
  double mLastFrameTime = 0.0;
  double mMaxFps = 0.0;              // AppOptions::maxFps resolved for the device
  std::optional<FramePacer> mPacer;  // a window with a frame cap
  bool mQuit = false;
  std::optional<std::string> mScreenshotPath;  // File > Save screenshot: taken next frame, without the dialog
  std::string mScreenshotPanel;                // Save panel as PNG: the panel's rectangle of that frame
  std::unique_ptr<Recorder> mRecorder;
  bool mShowRecording = false;  // the toolbar counts the frames (not headless --record/--video)
  std::optional<core::Error>
      mRecordingFailed;  // run()'s line and exit code (a window's failures mid-run are shown instead)
  float mUiScale = 1.0f;
  InputQueue mInput;
  std::uint32_t mRenderers = 0;
  std::optional<core::Error> mRenderFailed;  // the renderer could not start again: run()'s line
};

}  // namespace nsb::ui
