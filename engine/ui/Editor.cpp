// Editor: the layout (fixed panels with draggable splitters), the keyboard shortcuts (Space play/pause,
// S step, R reset, F frame the network, 3 the 3D view; in the Surface view the first three and 3 act on
// the surface's runs; each only where the control it stands for is shown), the pending-edit bookkeeping
// (what was sent and not yet applied) and the widget registry. The panels themselves are drawn in
// ui/panels/.
#include "ui/Editor.h"

#include <algorithm>
#include <cmath>

#include "ui/panels/PanelSupport.h"

namespace nsb::ui {
namespace {

constexpr float SPLITTER = 4.0f;
constexpr float TOOLBAR_HEIGHT = 38.0f;
// What the Viewport keeps of the window, whatever the UI scale or the splitters: the side panels and
// the bottom tabs give way first. At UI scale 2.5 in 1280x800 that is 512x280 px: the output view
// (a square as high as the Viewport's content) and the columns of neurons beside it still fit.
constexpr float VIEWPORT_MIN_WIDTH = 0.4f;
constexpr float VIEWPORT_MIN_HEIGHT = 0.35f;

}  // namespace

double snapSpeed(double stepsPerSecond) {
  if (!(stepsPerSecond > 0.0) || stepsPerSecond > 1000.0 * 1.5) return 0.0;
  double best = SPEEDS[0];
  for (const double speed : SPEEDS) {
    if (speed > 0.0 && std::fabs(std::log(speed / stepsPerSecond)) < std::fabs(std::log(best / stepsPerSecond)))
      best = speed;
  }
  return best;
}

Editor::Editor(EditorConfig config) : mConfig(std::move(config)) {
  setUiScale(mConfig.uiScale);
  mPlaying = mConfig.playing;
  mStepsPerFrame = mConfig.stepsPerFrame;
  mSpeed = mConfig.speed;
  mSeed = static_cast<int>(mConfig.seed);
  mDataset = mConfig.dataset;
  mNoise = mConfig.noise;
  mDataSeed = mConfig.seed;
  mNetwork.setDataset(mConfig.dataset, mConfig.featureList);
  mImages.setDataset(mConfig.dataset);
  mNetwork.setImages(&mImages);
  mNetwork.setDeviceProbes(mConfig.deviceProbes);
  // The editor outlives its views (it owns them), so they may ask it.
  mNetwork.setControlFilter([this](std::string_view widget) { return controlShown(widget); });
  mSurface.setControlFilter([this](std::string_view widget) { return controlShown(widget); });
  if (mConfig.surface) {
    const auto configured = mSurface.configure(*mConfig.surface);
    mSurfaceMode = configured.ok();
    if (!configured) warn(configured.message());
  }
}

std::optional<train::SetProbes> Editor::probeCommand() const {
  if (mNetwork.planar()) return mNetwork.probes();
  return mImages.probes();
}

bool Editor::controlShown(std::string_view widget) const {
  if (!mPresenter || !currentLesson()) return true;
  return lesson::controlShown(currentLesson()->pages[mLessonPage], widget, true);
}

std::optional<Rect> Editor::widgetRect(const std::string& name) const {
  for (const auto& [key, rect] : mWidgets) {
    if (key == name) return rect;
  }
  if (mSurfaceMode) return mSurface.widgetRect(name);
  if (mLandscapeMode) {
    for (const auto& [key, rect] : mLandscape.widgets())
      if (key == name) return rect;
  }
  if (!mOrbitMode && mNetwork.showsImages()) return mNetwork.imageNetwork().widgetRect(name);
  return std::nullopt;
}

void Editor::rememberWidget(const std::string& name) {
  rememberWidget(name, Rect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()});
}

void Editor::rememberWidget(const std::string& name, const Rect& rect) {
  for (auto& [key, value] : mWidgets) {
    if (key == name) {
      value = rect;
      return;
    }
  }
  mWidgets.emplace_back(name, rect);
}

std::uint64_t Editor::send(train::Command command) {
  // What the session shows in its answer, and no widget of the editor before it.
  using namespace train;
  const bool shownByAnswer = std::visit(
      []<typename T>(const T&) {
        return !std::is_same_v<T, SetHyperparams> && !std::is_same_v<T, SetSpeed> && !std::is_same_v<T, SetProbes> &&
               !std::is_same_v<T, SetParameter> && !std::is_same_v<T, SaveCheckpoint> &&
               !std::is_same_v<T, SetSessionWork>;
      },
      command);
  const std::uint64_t sequence = mConfig.submit ? mConfig.submit(std::move(command)) : 0;
  mLastSent = std::max(mLastSent, sequence);
  mAwaitsAnswerToShow = mAwaitsAnswerToShow || (shownByAnswer && sequence > 0);
  return sequence;
}

void Editor::sendHyperparams(const train::Hyperparams& hyperparams) {
  mSentHyper = hyperparams;
  mSentSequence = send(train::SetHyperparams{hyperparams});
}

void Editor::play(bool on) {
  mPlaying = on;
  mDivergenceDismissed = true;
  // In lockstep the application steps the session itself, which stays paused.
  mPlaySequence = send(on && !mConfig.lockstep ? train::Command{train::Resume{}} : train::Command{train::Pause{}});
}

void Editor::setLayerWidth(std::size_t layer, std::size_t width) {
  const std::uint64_t sequence = send(train::SetLayerWidth{layer, width});
  std::erase_if(mPendingWidths, [&](const auto& p) { return p.first == layer; });
  mPendingWidths.push_back({layer, {width, sequence}});
}

void Editor::settle(const train::Snapshot& snapshot) {
  mApplied = snapshot.appliedSequence;
  if (mSentHyper && !pending(mSentSequence)) mSentHyper.reset();
  std::erase_if(mPendingWidths, [&](const auto& p) { return !pending(p.second.second); });
  // Not playing once the session stopped by itself (a divergence); what the user asked for otherwise.
  if (!mConfig.lockstep && !pending(mPlaySequence)) mPlaying = snapshot.running;
  if (snapshot.divergence && snapshot.divergence->count != mDivergenceSeen) {
    mDivergenceSeen = snapshot.divergence->count;
    mDivergenceDismissed = false;
    mPlaying = false;
  }
  for (const auto& outcome : snapshot.outcomes) {
    if (outcome.sequence <= mOutcomesSeen) continue;
    mOutcomesSeen = outcome.sequence;
    if (!outcome.ok) {
      mError = outcome.message;
      mNotice.clear();
    } else if (!outcome.message.empty()) {
      mNotice = outcome.message;
      mError.clear();
    }
  }
}

EditorRequests Editor::draw(const train::Snapshot& snapshot, const FrameStats& stats) {
  ++mFrame;
  mWidgets.clear();  // widgetRect() names what this frame drew (a closed menu's items are gone)
  mHideFromRecording = false;
  mAwaitsAnswerToShow = false;
  mRecording = stats.recordedFrames;
  EditorRequests requests;
  settle(snapshot);
  mSeed = std::max(mSeed, 0);
  // A structural data edit (features, new points) arrives as a new dataset version in the snapshot;
  // the data itself comes from the session, once per version.
  if (snapshot.datasetVersion != mDatasetVersion && mConfig.fetchDataset) {
    const train::VersionedDataset fetched = mConfig.fetchDataset();
    mDatasetVersion = fetched.version;
    if (fetched.dataset && fetched.dataset != mDataset) {
      mDataset = fetched.dataset;
      mNetwork.setDataset(mDataset, panels::featureListOf(*mDataset));
      mImages.setDataset(mDataset);
    }
  }
  mImages.update(snapshot, mConfig.heatmaps);
  mPlots.setRun(snapshot.run);  // a new run: the old curves become a faded overlay
  mRaceCurves.setRun(snapshot.run);
  mSpeeds.record(snapshot);

  const ImGuiIO& io = ImGui::GetIO();
  const float W = io.DisplaySize.x, H = io.DisplaySize.y;
  // Presenter mode has no menu bar: its items (the view toggles among them) are no page's controls, and
  // F11 or the Lesson panel's button leave presenter mode.
  const bool menuBar = !mPresenter || !currentLesson();
  if (menuBar) drawMenuBar(requests);
  const float menu = menuBar ? ImGui::GetFrameHeight() : 0.0f;
  const float toolbar = TOOLBAR_HEIGHT * mScale;
  const float top = menu + toolbar;
  const float bottomMost = H - top - SPLITTER - std::max(160.0f, H * VIEWPORT_MIN_HEIGHT);
  mBottomHeight = std::clamp(mBottomHeight, 80.0f, std::max(80.0f, bottomMost));
  mLeftWidth = std::clamp(mLeftWidth, 120.0f, std::max(120.0f, W * 0.4f));
  mRightWidth = std::clamp(mRightWidth, 160.0f, std::max(160.0f, W * 0.4f));
  // Both side panels shrink in proportion when together they would leave the Viewport too narrow.
  const float sidesMost = W * (1.0f - VIEWPORT_MIN_WIDTH) - 2 * SPLITTER;
  if (mLeftWidth + mRightWidth > sidesMost && sidesMost > 280.0f) {
    const float shrink = sidesMost / (mLeftWidth + mRightWidth);
    mLeftWidth = std::max(120.0f, mLeftWidth * shrink);
    mRightWidth = std::max(160.0f, mRightWidth * shrink);
  }
  const float middleBottom = H - mBottomHeight - SPLITTER;

  if (mPresenterScale) requests.presenterScale = std::exchange(mPresenterScale, std::nullopt);
  if (currentLesson()) applyLessonPage(snapshot);
  if (mPresenter && currentLesson()) {  // the View menu may have turned it on just now
    // Presenter mode: the Viewport and the Lesson panel, whose controls are the page's; the Viewport's
    // views draw only the controls of their own that the page names (controlShown).
    const float lessonWidth = std::clamp(W * 0.36f, std::min(320.0f * mScale, W * 0.5f), W * 0.5f);
    drawViewport(snapshot, Rect{ImVec2(0, menu), ImVec2(W - lessonWidth, H)});
    drawLesson(snapshot, Rect{ImVec2(W - lessonWidth, menu), ImVec2(W, H)});
    pointAtWidget();
    drawFileDialog(snapshot, requests);
    handleShortcuts();
    return requests;
  }
  // An editor that watches another steer shows the controls it would steer with, disabled.
  const bool watches = watching();
  ImGui::BeginDisabled(watches);
  drawToolbar(snapshot, stats, Rect{ImVec2(0, menu), ImVec2(W, top)});
  drawOutliner(snapshot, Rect{ImVec2(0, top), ImVec2(mLeftWidth, middleBottom)}, requests);
  ImGui::EndDisabled();
  // An open lesson's panel stands between the Viewport and Details.
  const float lessonWidth = currentLesson() ? std::min(340.0f * mScale, W * 0.3f) : 0.0f;
  drawViewport(snapshot, Rect{ImVec2(mLeftWidth + SPLITTER, top),
                              ImVec2(W - mRightWidth - SPLITTER - lessonWidth, middleBottom)});
  ImGui::BeginDisabled(watches);
  drawDetails(snapshot, Rect{ImVec2(W - mRightWidth, top), ImVec2(W, middleBottom)});
  ImGui::EndDisabled();
  drawBottom(snapshot, Rect{ImVec2(0, H - mBottomHeight), ImVec2(W, H)});

  splitter("##split_left", true, Rect{ImVec2(mLeftWidth, top), ImVec2(mLeftWidth + SPLITTER, middleBottom)}, mLeftWidth,
           1.0f, 120.0f, std::min(W * 0.4f, sidesMost - mRightWidth));
  splitter("##split_right", true, Rect{ImVec2(W - mRightWidth - SPLITTER, top), ImVec2(W - mRightWidth, middleBottom)},
           mRightWidth, -1.0f, 160.0f, std::min(W * 0.4f, sidesMost - mLeftWidth));
  splitter("##split_bottom", false, Rect{ImVec2(0, middleBottom), ImVec2(W, middleBottom + SPLITTER)}, mBottomHeight,
           -1.0f, 80.0f, bottomMost);
  if (currentLesson()) {
    drawLesson(snapshot, Rect{ImVec2(W - mRightWidth - SPLITTER - lessonWidth, top),
                              ImVec2(W - mRightWidth - SPLITTER, middleBottom)});
    pointAtWidget();
  }
  drawFileDialog(snapshot, requests);
  handleShortcuts();
  return requests;
}

void Editor::continueRuns(Plots plots) {
  mPlots = std::move(plots);
  mPlots.endRun();
}

void Editor::setUiScale(float scale) {
  const float ratio = scale / mScale;
  mScale = scale;
  mLeftWidth *= ratio;
  mRightWidth *= ratio;
  mBottomHeight *= ratio;
}

void Editor::splitter(const char* id, bool vertical, const Rect& rect, float& size, float sign, float min, float max) {
  ImGui::SetNextWindowPos(rect.min);
  ImGui::SetNextWindowSize(ImVec2(std::max(rect.width(), 1.0f), std::max(rect.height(), 1.0f)));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowMinSize, ImVec2(1, 1));
  ImGui::Begin(id, nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoBackground | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings);
  ImGui::InvisibleButton(id, ImVec2(std::max(rect.width(), 1.0f), std::max(rect.height(), 1.0f)));
  if (ImGui::IsItemHovered() || ImGui::IsItemActive()) {
    ImGui::SetMouseCursor(vertical ? ImGuiMouseCursor_ResizeEW : ImGuiMouseCursor_ResizeNS);
    ImGui::GetWindowDrawList()->AddRectFilled(rect.min, rect.max, ImGui::GetColorU32(ImGuiCol_SeparatorHovered));
  }
  if (ImGui::IsItemActive()) {
    const ImVec2 delta = ImGui::GetIO().MouseDelta;
    size = std::clamp(size + sign * (vertical ? delta.x : delta.y), min, std::max(min, max));
  }
  ImGui::End();
  ImGui::PopStyleVar(2);
}

std::size_t Editor::targetWidth(const train::Snapshot& snapshot, std::size_t layer) const {
  for (const auto& [l, target] : mPendingWidths) {
    if (l == layer) return target.first;
  }
  return snapshot.spec.hidden[layer].width;
}

bool Editor::watching() const { return mConfig.link && !mConfig.link().steering; }

void Editor::handleShortcuts() {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput || ImGui::IsAnyItemActive()) return;
  // Presenter mode whatever view is in front (a lesson's page may show the Surface view).
  if (ImGui::IsKeyPressed(PRESENTER_KEY, false) && currentLesson()) setPresenter(!mPresenter);
  // A key stands for a control and acts only where that control is shown (presenter mode: where the
  // page names it), by the rule the views ask before they draw it.
  const auto pressed = [&](int key, std::string_view control) {
    return ImGui::IsKeyPressed(key, false) && controlShown(control);
  };
  // A watcher's keys only change what it shows (F, 3, L): the others send commands the server refuses it.
  const bool watches = watching();
  const int space = ImGui::GetKeyIndex(ImGuiKey_Space);
  if (mSurfaceMode) {
    // The Surface view is in front: the keys act on its runs, not on the network session behind it, and
    // stand for its own buttons or for the Lesson panel's, which drive the same runs here.
    const auto either = [&](int key, std::string_view own, std::string_view lessons) {
      return pressed(key, own) || pressed(key, lessons);
    };
    if (either(space, "surface-play", "play")) mSurface.setPlaying(!mSurface.playing());
    if (either('S', "surface-step", "step")) mSurface.step();
    if (either('R', "surface-reset", "reset")) mSurface.reset();
    if (pressed('3', mSurface.threeD() ? "surface-tab-contour" : "surface-tab-3d"))
      mSurface.setThreeD(!mSurface.threeD());
    return;
  }
  if (!watches && pressed(space, "play")) play(!mPlaying);
  if (!watches && pressed('S', "step") && !mPlaying) send(train::Step{std::max<std::uint32_t>(mStepsPerFrame, 1)});
  if (!watches && pressed('R', "reset")) send(train::Reset{static_cast<std::uint64_t>(std::max(mSeed, 0))});
  if (pressed('F', "view-frame")) frameNetwork();
  if (pressed('3', "view-3d")) mOrbitMode = !mOrbitMode;
  if (pressed('L', "view-landscape")) mLandscapeMode = !mLandscapeMode;
}

void Editor::frameNetwork() {
  mNetwork.frame();
  mOrbit.frame();
}

}  // namespace nsb::ui
