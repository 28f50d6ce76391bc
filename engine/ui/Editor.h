#pragma once
// Editor: the sandbox's ImGui layout for one frame: menu bar, toolbar, Outliner (left), Viewport
// (middle), Details (right) and the bottom tabs (Plots, Histograms, Log, Benchmark), separated by
// draggable splitters (ImGui 1.86 has no docking); the panels are drawn in ui/panels/. It reads a
// Snapshot and sends Commands; it never touches the backend. UI thread only; works without a renderer
// (heatmaps then drawn as placeholders).
#include <imgui.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/Dataset.h"
#include "data/Features.h"
#include "lesson/Lesson.h"
#include "train/Command.h"
#include "train/Preset.h"
#include "train/Session.h"
#include "train/Snapshot.h"
#include "ui/BackendSpeeds.h"
#include "ui/ImageViews.h"
#include "ui/LandscapeView.h"
#include "ui/NetworkOrbit.h"
#include "ui/NetworkView.h"
#include "ui/Plots.h"
#include "ui/RaceCurves.h"
#include "ui/Rect.h"
#include "ui/SurfaceView.h"

namespace nsb::render {
class HeatmapView;
}

namespace nsb::ui {

struct EditorConfig {
  // To the Session; returns the command's sequence number (0: nobody took it).
  std::function<std::uint64_t(train::Command)> submit;
  // The Session's side channels (unset in tests of panel logic): the dataset trained on now, fetched
  // again when a snapshot's datasetVersion changes, and probe results left on the renderer's device.
  std::function<train::VersionedDataset()> fetchDataset;
  std::function<std::shared_ptr<const train::DeviceProbes>(std::uint64_t)> deviceProbes;
  // Where the session trains (Session::link): a remote one is named at the menu bar's right end.
  std::function<train::SessionLink()> link;
  // Session::takeControl: an attached editor that watches asks to steer (the menu bar's button).
  std::function<void()> takeControl;
  std::shared_ptr<const data::Dataset> dataset;  // points and labels for the output view
  std::string presetName;
  std::string featureList;                  // the 2D input features, e.g. "x1,x2,sin-x1,sin-x2"
  render::HeatmapView* heatmaps = nullptr;  // null: no GPU heatmaps (tests of panel logic)
  bool deterministic = false;               // headless: no wall-clock numbers on screen
  // Lockstep (headless): the application runs stepsPerFrame steps a frame while playing; otherwise the
  // session trains on its own thread at `speed` steps a second (0: as fast as it can).
  bool lockstep = false;
  bool playing = true;
  std::uint32_t stepsPerFrame = 0;
  double speed = 0.0;
  std::uint64_t seed = 1;
  float noise = 0.0f;  // the synthetic data's noise (the Outliner's slider starts here)
  float uiScale = 1.0f;
  std::vector<std::string> backends{"cpu", "vulkan"};
  std::optional<train::SurfaceSetup> surface;  // a preset of kind "surface": the Surface view in front
  std::optional<lesson::Lesson> lesson;        // `gui --lesson`: the Lesson panel on its first page
  bool processLog = true;                      // the Log tab shows core::recentLogLines()
  bool watchPage = false;                      // the toolbar: the rate alone, no speed or frames/s
};

// Per-frame numbers measured by the application.
struct FrameStats {
  double framesPerSecond = 0.0;
  double frameMilliseconds = 0.0;
  std::optional<std::uint64_t> recordedFrames;  // frames recorded so far while a recording runs
};

// What the editor asks of the application this frame.
struct EditorRequests {
  bool screenshot = false;
  std::string screenshotPath;                       // empty: --screenshot's file or neural-sandbox.png
  std::string panel;                                // with screenshot: only this panel ("panel-" + it in the registry)
  std::optional<std::string> record;                // File > Record: start (a folder of PNGs, or .mp4 / .gif)
  bool stopRecording = false;                       // File > Stop recording: finish the file
  std::string openPreset;                           // a preset file (or a built-in name) to open instead of this one
  std::optional<data::DatasetRequest> openDataset;  // train the same network on another dataset (a new run)
  std::optional<float> uiScale;
  std::optional<float> presenterScale;  // presenter mode's UI scale: applied, not remembered
  bool quit = false;
};

// The File menu's actions that ask for a path.
enum class FileAction {
  None,
  OpenPreset,
  SavePreset,
  LoadCheckpoint,
  SaveCheckpoint,
  Screenshot,
  OpenDataset,
  Record,
  SavePanel
};

// The speed control's choices, in steps a second (0: as fast as training goes).
inline constexpr double SPEEDS[] = {0.5, 1, 2, 5, 10, 30, 100, 1000, 0};
// The listed speed nearest to `stepsPerSecond` (on a log scale; 0 and anything past 1000 are "max").
double snapSpeed(double stepsPerSecond);

enum class SelectionKind { Optimizer, Dataset, Features, Layer, Output, Neuron, Weight };

struct Selection {
  SelectionKind kind = SelectionKind::Optimizer;
  // Layer: the hidden layer (0-based). Neuron: the picture's column (0 the inputs, 1.. the layers).
  // Weight: the weight matrix's layer (0-based), `neuron` the receiving neuron, `from` the sending one.
  std::size_t layer = 0;
  std::size_t neuron = 0;
  std::size_t from = 0;
};

class Editor {
 public:
  // F11 (GLFW_KEY_F11: ImGui 1.86 indexes keys by the GLFW backend's key codes) toggles presenter mode.
  static constexpr int PRESENTER_KEY = 300;
  explicit Editor(EditorConfig config);
  Editor(const Editor&) = delete;
  Editor& operator=(const Editor&) = delete;

  // Builds the editor for one frame, between ImGui::NewFrame() and ImGui::Render().
  EditorRequests draw(const train::Snapshot& snapshot, const FrameStats& stats);
  // The probe grids for the network and output views (sent once at start); empty for non-2D data.
  std::optional<train::SetProbes> probeCommand() const;

  // Whether training is meant to run: what the user last asked for, else what the session does.
  bool playing() const { return mPlaying; }
  // A line for the toolbar (file written, file not found), shown until the next one and kept in the
  // Log tab (the logger's own lines there are warnings and errors only).
  void notify(std::string message) {
    mNotices.push_back(message);
    if (mNotices.size() > 100) mNotices.erase(mNotices.begin());
    mNotice = std::move(message);
    mError.clear();
  }
  // A failure to show until the next notice (a file that did not load).
  void warn(std::string message) {
    mError = std::move(message);
    mNotice.clear();
  }
  const std::string& notice() const { return mNotice; }
  const std::string& error() const { return mError; }
  // Scales the panel sizes (the application rebuilds the fonts and the theme).
  void setUiScale(float scale);
  // Opens the File menu's path dialog as if chosen from the menu (tests, shortcuts).
  void beginFileAction(FileAction action, const std::string& path = {});
  // The preset that reproduces what runs now (dataset, network, hyperparameters, seed) as File >
  // Save preset writes it.
  static train::Preset presetOf(const train::Snapshot& snapshot, const data::Dataset& dataset, float noise,
                                std::uint64_t seed, const std::string& name);
  // Play or pause, as the toolbar's button does.
  void setPlaying(bool on) { play(on); }
  std::uint32_t stepsPerFrame() const { return mStepsPerFrame; }
  double speed() const { return mSpeed; }
  NetworkView& network() { return mNetwork; }
  // The Viewport's 3D mode (key 3 or View > 3D view): an orbit camera around sheets of neurons.
  NetworkOrbit& orbit() { return mOrbit; }
  bool orbitMode() const { return mOrbitMode; }
  void setOrbitMode(bool on) { mOrbitMode = on; }
  ImageViews& images() { return mImages; }
  // The Viewport's Surface mode (View > Surface, or a preset of kind "surface"): ui/SurfaceView.
  SurfaceView& surface() { return mSurface; }
  bool surfaceMode() const { return mSurfaceMode; }
  void setSurfaceMode(bool on) { mSurfaceMode = on; }
  // The Viewport's Landscape mode (View > Landscape, key L): the live loss landscape (ui/LandscapeView).
  LandscapeView& landscape() { return mLandscape; }
  bool landscapeMode() const { return mLandscapeMode; }
  void setLandscapeMode(bool on) { mLandscapeMode = on; }
  // Brings a bottom tab ("Plots", "Images", "Histograms", "Log", "Benchmark") to the front next frame.
  void selectTab(std::string name) { mSelectTab = std::move(name); }
  const Plots& plots() const { return mPlots; }
  const RaceCurves& raceCurves() const { return mRaceCurves; }
  // Carries the runs of an editor this one replaces (another dataset or preset: a new session): its
  // current run joins the faded earlier runs and this session's first run starts on fresh axes.
  void continueRuns(Plots plots);
  // The Benchmark tab's figures: samples/s seen on each backend while training.
  const BackendSpeeds& speeds() const { return mSpeeds; }
  const Selection& selection() const { return mSelection; }
  // The open lesson (panels/LessonPanel.cpp): its page (0-based; showing a page applies its settings) and
  // presenter mode (F11, View > Presenter mode), which hides every control the page does not name and
  // raises the UI scale.
  const lesson::Lesson* currentLesson() const { return mConfig.lesson ? &*mConfig.lesson : nullptr; }
  std::size_t lessonPage() const { return mLessonPage; }
  void showLessonPage(std::size_t page);
  bool presenter() const { return mPresenter; }
  void setPresenter(bool on);
  // Whether a control (its name in the widget registry) is drawn this frame: always outside presenter
  // mode; in it, only what the page names (lesson::controlShown). The one rule the Viewport's views ask
  // before they draw a control of their own.
  bool controlShown(std::string_view widget) const;
  // Screen rectangles of the last frame (tests read rendered pixels there).
  Rect viewportRect() const { return mViewportRect; }
  // The sequence number of the last command sent that the last snapshot drawn had not yet answered (0:
  // none): the application starts a frame early once it is answered (ui/FramePacer).
  std::uint64_t awaited() const { return mLastSent > mApplied ? mLastSent : 0; }
  // Screen rectangle of a named widget of the last frame ("lr"), for tests that drive the mouse; the
  // panels' as "panel-" + their name ("panel-outliner", "panel-plots").
  std::optional<Rect> widgetRect(const std::string& name) const;
  // Whether the last frame showed the File menu, its dialog or a panel's Save-as-PNG menu: frames a
  // recording leaves out, so that it never shows what started or stopped it.
  bool hidesFromRecording() const { return mHideFromRecording; }
  // Whether the last frame sent a command whose effect only the session's answer shows (Pause, Reset,
  // Step, a structural or data edit): that frame would only show the state before it. Value edits are
  // not among them: the widget shows the value set at once, marked pending.
  bool awaitsAnswerToShow() const { return mAwaitsAnswerToShow; }

 private:
  // Editor.cpp: layout, shortcuts, pending edits, commands, the widget registry.
  void splitter(const char* id, bool vertical, const Rect& rect, float& size, float sign, float min, float max);
  void handleShortcuts();
  void frameNetwork();  // both views back to their framing (key F)
  // Pending edits: what was sent and not yet applied stays on screen, marked, until a snapshot has it.
  void settle(const train::Snapshot& snapshot);
  bool pending(std::uint64_t sequence) const { return sequence > mApplied; }
  void setLayerWidth(std::size_t layer, std::size_t width);
  // A hidden layer's width as the user set it (pending) or as the snapshot has it.
  std::size_t targetWidth(const train::Snapshot& snapshot, std::size_t layer) const;
  void play(bool on);
  std::uint64_t send(train::Command command);
  void sendHyperparams(const train::Hyperparams& hyperparams);
  void rememberWidget(const std::string& name);
  void rememberWidget(const std::string& name, const Rect& rect);

  // panels/FileMenu.cpp
  void drawMenuBar(EditorRequests& requests);
  void drawFileDialog(const train::Snapshot& snapshot, EditorRequests& requests);
  // A panel's context menu (right click on its title bar or tab): Save panel as PNG. `panel` names it in
  // the registry and the file; call right after the title bar or tab item.
  void panelMenu(const char* panel);
  // panels/Toolbar.cpp
  void drawToolbar(const train::Snapshot& snapshot, const FrameStats& stats, const Rect& rect);
  void drawSpeed(const train::Snapshot& snapshot);
  void drawLink();
  // Another editor attached to the same job steers it (SessionLink::steering): the controls are disabled.
  bool watching() const;
  // panels/Outliner.cpp
  void drawOutliner(const train::Snapshot& snapshot, const Rect& rect, EditorRequests& requests);
  void drawDatasetPicker(EditorRequests& requests);
  // A hidden layer's buttons: compact (+, -, x in the Outliner's row, named for tests) or in words with
  // "Insert layer before" (Details).
  void drawLayerButtons(const train::Snapshot& snapshot, std::size_t layer, bool compact);
  // panels/Details.cpp
  void drawDetails(const train::Snapshot& snapshot, const Rect& rect);
  void drawNeuronImages(const train::Snapshot& snapshot, std::size_t layer, std::size_t neuron);
  void drawHyperparams(const train::Snapshot& snapshot);
  void drawDataset();
  // The dataset's noise slider and Regenerate button (generated 2D data), in Details and in a lesson.
  void drawNoiseAndRegenerate();
  void drawFeatures();
  // An editable weight or bias (index in the flat layout): Enter sends SetParameter.
  void parameterField(const char* label, const train::Snapshot& snapshot, std::size_t index);
  // panels/Viewport.cpp
  void drawViewport(const train::Snapshot& snapshot, const Rect& rect);
  // Above the Viewport: the divergence banner and the last notice or refusal, wrapped to its width.
  void drawBanners(const train::Snapshot& snapshot);
  // panels/LessonPanel.cpp
  void drawLesson(const train::Snapshot& snapshot, const Rect& rect);
  // Sends the shown page's settings once the session is up (once per page shown).
  void applyLessonPage(const train::Snapshot& snapshot);
  // The controls a page may name that the Lesson panel draws itself in presenter mode.
  void drawLessonControls(const train::Snapshot& snapshot);
  // A frame around the page's widget (point_at), where this frame drew it.
  void pointAtWidget();
  // panels/BottomTabs.cpp
  void drawBottom(const train::Snapshot& snapshot, const Rect& rect);
  void drawLog();
  void drawBenchmark(const train::Snapshot& snapshot);
  // TimelinePanel.cpp: the time-travel strip under the plots, and its height.
  void drawTimeline(const train::Snapshot& snapshot);
  float timelineHeight() const;
  // panels/RacePanel.cpp: a race's tab (the ranking table, the replicas' curves in their colours, the
  // controls that add, remove and edit replicas) and the Viewport's replica picker.
  void drawRace(const train::Snapshot& snapshot);
  void drawReplicaPicker(const train::Snapshot& snapshot);

  EditorConfig mConfig;
  float mScale = 1.0f;
  std::string mNotice;
  std::vector<std::string> mNotices;  // every notice so far (the last 100), for the Log tab
  std::string mSelectTab;
  FileAction mFileAction = FileAction::None;
  bool mOpenFileDialog = false;
  std::array<char, 1024> mPath{};
  std::string mPanelToSave;                 // FileAction::SavePanel's panel
  std::optional<std::uint64_t> mRecording;  // frames recorded so far, while recording
  bool mHideFromRecording = false;
  std::shared_ptr<const data::Dataset> mDataset;  // what is trained on now (fetched from the session)
  std::uint64_t mDatasetVersion = 0;              // of mDataset (0: the config's, not fetched yet)
  float mNoise = 0.0f;
  std::uint64_t mDataSeed = 1;
  bool mPlaying = true;
  std::uint64_t mPlaySequence = 0;  // the last Pause/Resume sent
  std::uint32_t mStepsPerFrame = 0;
  double mSpeed = 0.0;
  std::uint64_t mApplied = 0;         // the snapshot's appliedSequence
  std::uint64_t mOutcomesSeen = 0;    // the last outcome shown
  std::uint64_t mDivergenceSeen = 0;  // Divergence::count of the last one that paused us
  bool mDivergenceDismissed = false;
  std::string mError;  // the last refused command's reason
  // Target widths of hidden layers sent and not yet applied: layer -> (width, sequence).
  std::vector<std::pair<std::size_t, std::pair<std::size_t, std::uint64_t>>> mPendingWidths;
  std::array<char, 8> mLabelColumn{"-1"};
  bool mStandardize = false;
  std::uint64_t mFrame = 0;
  float mLeftWidth = 250.0f, mRightWidth = 300.0f, mBottomHeight = 230.0f;
  Selection mSelection;
  // The hyperparameters last sent, shown until the snapshot has them (or 2 s of frames have passed).
  std::optional<train::Hyperparams> mSentHyper;
  std::uint64_t mSentSequence = 0;
  std::uint64_t mLastSent = 0;       // the highest sequence number send() got
  bool mAwaitsAnswerToShow = false;  // this frame sent a command that only the answer shows
  int mSeed = 1;
  train::Hyperparams mEditing;  // the hyperparameters under an active widget, kept across frames
  bool mEditingActive = false;
  NetworkView mNetwork;
  NetworkOrbit mOrbit;
  bool mOrbitMode = false;
  std::optional<std::size_t> mWatched;  // the weight the session was last asked to watch (WatchParameter)
  SurfaceView mSurface;
  bool mSurfaceMode = false;
  LandscapeView mLandscape;
  bool mLandscapeMode = false;
  ImageViews mImages;
  Plots mPlots;
  // The Benchmark tab's record: the user switches backends from the toolbar and compares them there.
  BackendSpeeds mSpeeds;
  Rect mViewportRect;
  std::vector<std::pair<std::string, Rect>> mWidgets;
  std::size_t mLessonPage = 0;
  std::optional<std::size_t> mLessonApplied;  // the page whose settings were sent
  bool mPresenter = false;
  float mScaleBeforePresenter = 1.0f;
  std::optional<float> mPresenterScale;  // asked of the application with the next frame's requests
  // The Lesson panel's footer in the last frame (0: none yet): the height of Back/Next and the
  // presenter button, and the page's controls' own height.
  float mLessonFooter = 0.0f;
  float mLessonControls = 0.0f;
  std::array<char, 160> mReplicaSpec{};  // the Race tab's replica field ("adam:0.01:beta1=0.8")
  float mRaceTarget = NAN;               // the Race tab's target (NaN: not set yet, from the data's task)
  RaceCurves mRaceCurves;                // the Race tab's curves, this run's and earlier runs'
};

}  // namespace nsb::ui
