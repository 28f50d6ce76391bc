// Editor: layout (fixed panels with splitters), the toolbar, Outliner, Details with every
// hyperparameter (each with a one-sentence tooltip), the bottom tabs and the keyboard shortcuts
// (Space play/pause, S step, R reset, F frame the network). Edits go out as Session commands.
#include "ui/Editor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <imgui_internal.h>  // ImGuiContext::HoveredIdTimer: the tooltips' hover delay (ImGui 1.86)

#include "core/Format.h"
#include "core/Log.h"

namespace nsb::ui {
namespace {

constexpr float SPLITTER = 4.0f;
constexpr float TOOLBAR_HEIGHT = 38.0f;
constexpr ImGuiWindowFlags PANEL_FLAGS = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                         ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
                                         ImGuiWindowFlags_NoBringToFrontOnFocus;

bool beginPanel(const char* name, const Rect& rect, ImGuiWindowFlags extra = 0) {
  ImGui::SetNextWindowPos(rect.min);
  ImGui::SetNextWindowSize(ImVec2(std::max(rect.width(), 1.0f), std::max(rect.height(), 1.0f)));
  return ImGui::Begin(name, nullptr, PANEL_FLAGS | extra);
}

constexpr float TOOLTIP_DELAY = 0.5f;  // seconds of hovering before a tooltip shows

// After a hover delay, and below the item (not under the mouse), so that it never covers the control in
// use: a click that moves on to the next button finds it uncovered.
void tooltip(const char* text) {
  if (!ImGui::IsItemHovered() || ImGui::IsItemActive()) return;
  const ImGuiContext& g = *ImGui::GetCurrentContext();
  if (g.HoveredId != 0 && g.HoveredIdTimer < TOOLTIP_DELAY) return;
  ImGui::SetNextWindowPos(ImVec2(ImGui::GetItemRectMin().x, ImGui::GetItemRectMax().y + 4.0f));
  ImGui::SetTooltip("%s", text);
}

std::string featureListOf(const data::Dataset& d) {
  std::string list;
  for (const auto& name : d.featureNames) {
    if (!list.empty()) list += ',';
    list += name;
  }
  return list;
}

bool planarData(const data::Dataset* d) { return d && !d->u8 && !d->train.points.empty(); }

std::string speedLabel(double speed) { return speed <= 0.0 ? "max" : core::formatNumber(static_cast<float>(speed)) + " steps/s"; }

const ImVec4 WARNING_COLOUR(0.95f, 0.6f, 0.3f, 1.0f);
const ImVec4 NOTICE_COLOUR(0.55f, 0.8f, 0.55f, 1.0f);
const ImVec4 PENDING_COLOUR(0.95f, 0.85f, 0.4f, 1.0f);

// Marks the last item as sent and not yet applied.
void pendingMark(bool on) {
  if (!on) return;
  ImGui::SameLine(0, 2);
  ImGui::TextColored(PENDING_COLOUR, "*");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Sent; the session applies it before its next step.");
}

constexpr const char* OPTIMIZERS[] = {"gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"};
constexpr const char* ACTIVATIONS[] = {"linear", "sigmoid", "tanh", "relu", "leaky-relu", "gelu"};

}  // namespace

double snapSpeed(double stepsPerSecond) {
  if (!(stepsPerSecond > 0.0) || stepsPerSecond > 1000.0 * 1.5) return 0.0;
  double best = SPEEDS[0];
  for (const double speed : SPEEDS) {
    if (speed > 0.0 && std::fabs(std::log(speed / stepsPerSecond)) < std::fabs(std::log(best / stepsPerSecond))) best = speed;
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
  mLogSink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(200);
  mLogSink->set_pattern("[%H:%M:%S] %l: %v");
  core::log().sinks().push_back(mLogSink);
}

Editor::~Editor() {
  auto& sinks = core::log().sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), mLogSink), sinks.end());
}

std::optional<train::SetProbes> Editor::probeCommand() const {
  if (mNetwork.planar()) return mNetwork.probes();
  return mImages.probes();
}

std::optional<Rect> Editor::widgetRect(const std::string& name) const {
  for (const auto& [key, rect] : mWidgets) {
    if (key == name) return rect;
  }
  return std::nullopt;
}

void Editor::rememberWidget(const std::string& name) {
  const Rect rect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
  for (auto& [key, value] : mWidgets) {
    if (key == name) {
      value = rect;
      return;
    }
  }
  mWidgets.emplace_back(name, rect);
}

std::uint64_t Editor::send(train::Command command) {
  return mConfig.submit ? mConfig.submit(std::move(command)) : 0;
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
  EditorRequests requests;
  settle(snapshot);
  mSeed = std::max(mSeed, 0);
  // A structural data edit (features, new points) arrives as a new dataset in the snapshot.
  if (snapshot.dataset && snapshot.dataset != mDataset) {
    mDataset = snapshot.dataset;
    mNetwork.setDataset(mDataset, featureListOf(*mDataset));
    mImages.setDataset(mDataset);
  }
  mImages.update(snapshot, mConfig.heatmaps);
  mPlots.setRun(snapshot.run);  // a new run: the old curves become a faded overlay
  recordSpeed(snapshot);

  const ImGuiIO& io = ImGui::GetIO();
  const float W = io.DisplaySize.x, H = io.DisplaySize.y;
  drawMenuBar(requests);
  const float menu = ImGui::GetFrameHeight();
  const float toolbar = TOOLBAR_HEIGHT * mScale;
  mBottomHeight = std::clamp(mBottomHeight, 80.0f, std::max(80.0f, H - menu - toolbar - 160.0f));
  mLeftWidth = std::clamp(mLeftWidth, 120.0f, std::max(120.0f, W * 0.4f));
  mRightWidth = std::clamp(mRightWidth, 160.0f, std::max(160.0f, W * 0.4f));
  const float top = menu + toolbar;
  const float middleBottom = H - mBottomHeight - SPLITTER;

  drawToolbar(snapshot, stats, Rect{ImVec2(0, menu), ImVec2(W, top)});
  drawOutliner(snapshot, Rect{ImVec2(0, top), ImVec2(mLeftWidth, middleBottom)}, requests);
  drawViewport(snapshot, Rect{ImVec2(mLeftWidth + SPLITTER, top), ImVec2(W - mRightWidth - SPLITTER, middleBottom)});
  drawDetails(snapshot, Rect{ImVec2(W - mRightWidth, top), ImVec2(W, middleBottom)});
  drawBottom(snapshot, Rect{ImVec2(0, H - mBottomHeight), ImVec2(W, H)});

  splitter("##split_left", true, Rect{ImVec2(mLeftWidth, top), ImVec2(mLeftWidth + SPLITTER, middleBottom)}, mLeftWidth,
           1.0f, 120.0f, W * 0.4f);
  splitter("##split_right", true, Rect{ImVec2(W - mRightWidth - SPLITTER, top), ImVec2(W - mRightWidth, middleBottom)},
           mRightWidth, -1.0f, 160.0f, W * 0.4f);
  splitter("##split_bottom", false, Rect{ImVec2(0, middleBottom), ImVec2(W, middleBottom + SPLITTER)}, mBottomHeight,
           -1.0f, 80.0f, H - top - 160.0f);
  drawFileDialog(snapshot, requests);
  handleShortcuts();
  return requests;
}

void Editor::setUiScale(float scale) {
  const float ratio = scale / mScale;
  mScale = scale;
  mLeftWidth *= ratio;
  mRightWidth *= ratio;
  mBottomHeight *= ratio;
}

void Editor::beginFileAction(FileAction action, const std::string& path) {
  mFileAction = action;
  mOpenFileDialog = true;
  const char* name = "";
  switch (action) {
    case FileAction::OpenPreset:
    case FileAction::SavePreset:
      name = "preset.json";
      break;
    case FileAction::LoadCheckpoint:
    case FileAction::SaveCheckpoint:
      name = "checkpoint.safetensors";
      break;
    case FileAction::Screenshot:
      name = "neural-sandbox.png";
      break;
    case FileAction::OpenDataset:
      name = "data.csv";
      break;
    case FileAction::None:
      break;
  }
  std::snprintf(mPath.data(), mPath.size(), "%s", path.empty() ? name : path.c_str());
}

train::Preset Editor::presetOf(const train::Snapshot& snapshot, const data::Dataset& dataset, float noise,
                               std::uint64_t seed, const std::string& name) {
  train::Preset preset;
  preset.name = name;
  char description[160];
  std::snprintf(description, sizeof description, "Saved from the editor at step %llu.",
                static_cast<unsigned long long>(snapshot.step));
  preset.description = description;
  preset.dataset.name = dataset.name;
  const std::size_t points = dataset.train.count + dataset.test.count;
  preset.dataset.synthetic.points = points;
  preset.dataset.synthetic.noise = noise;
  preset.dataset.synthetic.trainRatio =
      points ? static_cast<float>(static_cast<double>(dataset.train.count) / static_cast<double>(points)) : 0.5f;
  if (planarData(&dataset)) {
    if (auto features = data::FeatureSet::parse(featureListOf(dataset))) preset.dataset.features = features.value();
  }
  preset.hidden = snapshot.spec.hidden;
  preset.head = snapshot.spec.head;
  preset.loss = snapshot.spec.loss;
  preset.hyperparams = snapshot.hyperparams;
  preset.seed = seed;
  return preset;
}

void Editor::drawFileDialog(const train::Snapshot& snapshot, EditorRequests& requests) {
  if (mOpenFileDialog) {
    ImGui::OpenPopup("File");
    mOpenFileDialog = false;
  }
  ImGui::SetNextWindowSize(ImVec2(460 * mScale, 0));
  if (!ImGui::BeginPopupModal("File", nullptr, ImGuiWindowFlags_NoSavedSettings)) return;
  const char* titles[] = {"", "Open a preset (a JSON file or a built-in name)", "Save the preset (JSON)",
                          "Load a checkpoint (.safetensors)", "Save a checkpoint (.safetensors)",
                          "Save a screenshot (PNG)", "Open a dataset (a CSV or an IDX images file)"};
  ImGui::TextUnformatted(titles[static_cast<int>(mFileAction)]);
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  ImGui::SetNextItemWidth(-1);
  bool ok = ImGui::InputText("##path", mPath.data(), mPath.size(), ImGuiInputTextFlags_EnterReturnsTrue);
  rememberWidget("file-path");
  if (mFileAction == FileAction::OpenDataset) {
    ImGui::SetNextItemWidth(60 * mScale);
    ImGui::InputText("label column (CSV; -1: the last)", mLabelColumn.data(), mLabelColumn.size(),
                     ImGuiInputTextFlags_CharsDecimal);
    ImGui::Checkbox("standardise the inputs", &mStandardize);
  }
  ok = ImGui::Button("OK", ImVec2(90 * mScale, 0)) || ok;
  rememberWidget("file-ok");
  ImGui::SameLine();
  const bool cancel = ImGui::Button("Cancel", ImVec2(90 * mScale, 0));
  const std::string path = mPath.data();
  if (ok && !path.empty()) {
    switch (mFileAction) {
      case FileAction::OpenPreset:
        requests.openPreset = path;
        break;
      case FileAction::SavePreset: {
        if (!mDataset) break;
        const std::string stem = std::filesystem::path(path).stem().string();
        const auto preset = presetOf(snapshot, *mDataset, mNoise, static_cast<std::uint64_t>(std::max(mSeed, 0)), stem);
        std::ofstream out(path, std::ios::trunc);
        out << preset.toJson().dump(2) << "\n";
        notify(out ? "preset saved to " + path : path + ": cannot write the file");
        break;
      }
      case FileAction::LoadCheckpoint:
        send(train::LoadCheckpoint{path});
        break;
      case FileAction::SaveCheckpoint:
        send(train::SaveCheckpoint{path});
        break;
      case FileAction::Screenshot:
        requests.screenshot = true;
        requests.screenshotPath = path;
        break;
      case FileAction::OpenDataset: {
        data::DatasetRequest request;
        request.name = path;
        request.csv.labelColumn = std::atoi(mLabelColumn.data());
        request.csv.standardize = mStandardize;
        requests.openDataset = request;
        break;
      }
      case FileAction::None:
        break;
    }
  }
  if ((ok && !path.empty()) || cancel) {
    mFileAction = FileAction::None;
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
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

void Editor::drawMenuBar(EditorRequests& requests) {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open preset...")) beginFileAction(FileAction::OpenPreset);
    rememberWidget("file-open-preset");
    if (ImGui::MenuItem("Save preset...")) beginFileAction(FileAction::SavePreset);
    rememberWidget("file-save-preset");
    ImGui::Separator();
    if (ImGui::MenuItem("Load checkpoint...")) beginFileAction(FileAction::LoadCheckpoint);
    rememberWidget("file-load-checkpoint");
    if (ImGui::MenuItem("Save checkpoint...")) beginFileAction(FileAction::SaveCheckpoint);
    rememberWidget("file-save-checkpoint");
    ImGui::Separator();
    if (ImGui::MenuItem("Save screenshot...")) beginFileAction(FileAction::Screenshot);
    rememberWidget("file-screenshot");
    ImGui::Separator();
    if (ImGui::MenuItem("Quit")) requests.quit = true;
    ImGui::EndMenu();
  }
  rememberWidget("menu-file");  // open or closed: End() gives the menu's title back as the last item
  if (ImGui::BeginMenu("View")) {
    auto& o = mNetwork.options();
    ImGui::MenuItem("Train points", nullptr, &o.showTrain);
    ImGui::MenuItem("Test points", nullptr, &o.showTest);
    ImGui::MenuItem("Discretize output", nullptr, &o.discretize);
    ImGui::MenuItem("Edges", nullptr, &o.showEdges);
    ImGui::MenuItem("3D view", "3", &mOrbitMode);
    rememberWidget("view-3d");
    if (ImGui::MenuItem("Frame network", "F")) frameNetwork();
    if (ImGui::BeginMenu("UI scale")) {
      for (const float scale : {1.0f, 1.25f, 1.5f, 1.75f, 2.0f, 2.5f}) {
        char label[16];
        std::snprintf(label, sizeof label, "%.0f %%", static_cast<double>(scale * 100.0f));
        if (ImGui::MenuItem(label, nullptr, std::fabs(scale - mScale) < 0.01f)) requests.uiScale = scale;
      }
      ImGui::EndMenu();
    }
    ImGui::EndMenu();
  }
  rememberWidget("menu-view");
  if (ImGui::BeginMenu("Help")) {
    ImGui::TextUnformatted(
        "Space  play / pause\nS      one step (or steps per frame)\nR      reset the weights\n"
        "F      frame the network\n3      3D view on / off");
    ImGui::EndMenu();
  }
  ImGui::EndMainMenuBar();
}

void Editor::drawToolbar(const train::Snapshot& snapshot, const FrameStats& stats, const Rect& rect) {
  if (beginPanel("##toolbar", rect, ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar)) {
    ImGui::SetCursorPosY(std::max((rect.height() - ImGui::GetFrameHeight()) * 0.5f, 0.0f));
    // One button whose label changes: its size stays, so the controls beside it do not move.
    if (ImGui::Button(mPlaying ? "Pause##play" : "Play##play", ImVec2(ImGui::CalcTextSize("Pause").x + 16 * mScale, 0))) {
      play(!mPlaying);
    }
    rememberWidget("play");
    pendingMark(pending(mPlaySequence));
    tooltip(mPlaying ? "Pause training (Space)." : "Train continuously (Space).");
    ImGui::SameLine();
    ImGui::BeginDisabled(mPlaying);
    if (ImGui::Button("Step")) send(train::Step{std::max<std::uint32_t>(mStepsPerFrame, 1)});
    ImGui::EndDisabled();
    rememberWidget("step");
    tooltip(mConfig.lockstep ? "Run the steps per frame once, while paused (S)." : "Run one step while paused (S).");
    ImGui::SameLine();
    if (ImGui::Button("Reset")) send(train::Reset{static_cast<std::uint64_t>(std::max(mSeed, 0))});
    rememberWidget("reset");
    tooltip("Start a new run from the initial weights of the seed (R).");
    ImGui::SameLine();
    drawSpeed();
    ImGui::SameLine();
    ImGui::TextDisabled("|");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(90 * mScale);
    if (ImGui::BeginCombo("##backend", snapshot.backend.c_str())) {
      for (const auto& name : mConfig.backends) {
        if (ImGui::Selectable(name.c_str(), name == snapshot.backend) && name != snapshot.backend) {
          send(train::SwitchBackend{name});
        }
      }
      ImGui::EndCombo();
    }
    rememberWidget("backend");
    tooltip("The backend that trains: weights and optimizer state move over without a reset.");
    ImGui::SameLine();
    ImGui::TextDisabled("|");
    ImGui::SameLine();
    char text[160];
    const double fps = mConfig.deterministic ? 60.0 : stats.framesPerSecond;
    const double sps = mConfig.deterministic ? 60.0 * mStepsPerFrame * (mPlaying ? 1 : 0) : snapshot.stepsPerSecond;
    // No loss before the first step of a run (not "nan"); four digits in any range (not 0.0000).
    char loss[32] = "-";
    if (std::isfinite(snapshot.lastLoss)) std::snprintf(loss, sizeof loss, "%.4g", snapshot.lastLoss);
    std::snprintf(text, sizeof text, "step %llu   epoch %.2f   loss %s   %.0f frames/s   %.0f steps/s",
                  static_cast<unsigned long long>(snapshot.step), snapshot.epoch, loss, fps, sps);
    ImGui::TextUnformatted(text);
    rememberWidget("status");
  }
  ImGui::End();
}

void Editor::drawSpeed() {
  if (mConfig.lockstep) {
    // Headless pictures step per frame: the same arguments give the same frames.
    ImGui::SetNextItemWidth(130 * mScale);
    int steps = static_cast<int>(mStepsPerFrame);
    if (ImGui::SliderInt("##speed", &steps, 1, 100, "%d steps/frame")) {
      mStepsPerFrame = static_cast<std::uint32_t>(std::max(steps, 1));
    }
    rememberWidget("speed");
    tooltip("Training steps per drawn frame.");
    return;
  }
  ImGui::TextUnformatted("speed");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("1000 steps/s").x + ImGui::GetFrameHeight() + 8 * mScale);
  if (ImGui::BeginCombo("##speed", speedLabel(mSpeed).c_str())) {
    for (const double speed : SPEEDS) {
      if (ImGui::Selectable(speedLabel(speed).c_str(), speed == mSpeed) && speed != mSpeed) {
        mSpeed = speed;
        send(train::SetSpeed{speed});
      }
    }
    ImGui::EndCombo();
  }
  rememberWidget("speed");
  tooltip("Training steps a second: slow enough to follow each step, or max. The measured rate is on the right.");
}

void Editor::drawDatasetPicker(EditorRequests& requests) {
  ImGui::SetNextItemWidth(-1);
  const std::string current = mDataset ? mDataset->name : "?";
  if (ImGui::BeginCombo("##dataset", current.c_str())) {
    for (const auto& info : data::listDatasets()) {
      ImGui::BeginDisabled(!info.available);
      if (ImGui::Selectable(info.name.c_str(), info.name == current) && info.name != current) {
        data::DatasetRequest request;
        request.name = info.name;
        data::SyntheticKind kind{};
        if (data::parseSyntheticKind(info.name, kind)) request.synthetic.noise = mNoise;
        requests.openDataset = request;
      }
      ImGui::EndDisabled();
      if (!info.available) tooltip(info.howToGet.c_str());
    }
    ImGui::Separator();
    if (ImGui::Selectable("Open file (CSV or IDX)...")) beginFileAction(FileAction::OpenDataset);
    ImGui::EndCombo();
  }
  rememberWidget("dataset");
  tooltip("What the network learns from. Another dataset starts a new run, the network rebuilt to fit its inputs "
          "and outputs; the hidden layers and the hyperparameters stay.");
}

void Editor::drawOutliner(const train::Snapshot& snapshot, const Rect& rect, EditorRequests& requests) {
  if (beginPanel("Outliner", rect)) {
    auto item = [&](const char* label, SelectionKind kind, std::size_t layer = 0) {
      const bool selected = mSelection.kind == kind && (kind != SelectionKind::Layer || mSelection.layer == layer);
      if (ImGui::Selectable(label, selected)) mSelection = Selection{kind, layer, 0};
    };
    char label[128];
    const auto& spec = snapshot.spec;
    ImGui::TextDisabled("preset %s", mConfig.presetName.c_str());
    item("Dataset", SelectionKind::Dataset);
    rememberWidget("outliner-dataset");
    drawDatasetPicker(requests);
    std::snprintf(label, sizeof label, "Input features  (%zu)", spec.inputs);
    item(label, SelectionKind::Features);
    if (planarData(mDataset.get())) {
      ImGui::Indent();
      drawFeatures();
      ImGui::Unindent();
    }
    const float buttons = ImGui::GetFrameHeight() * 3.0f + ImGui::GetStyle().ItemSpacing.x * 2.0f;
    for (std::size_t l = 0; l < spec.hidden.size(); ++l) {
      const std::size_t width = targetWidth(snapshot, l);
      const bool widthPending = width != spec.hidden[l].width;
      std::snprintf(label, sizeof label, "Hidden %zu  %zu x %s%s##layer%zu", l + 1, width,
                    std::string(compute::activationName(spec.hidden[l].activation)).c_str(), widthPending ? " *" : "", l);
      const bool selected = mSelection.kind == SelectionKind::Layer && mSelection.layer == l;
      if (ImGui::Selectable(label, selected, 0, ImVec2(std::max(ImGui::GetContentRegionAvail().x - buttons, 40.0f), 0))) {
        mSelection = Selection{SelectionKind::Layer, l};
      }
      ImGui::SameLine();
      ImGui::PushID(static_cast<int>(l));
      const float side = ImGui::GetFrameHeight();
      if (ImGui::Button("+", ImVec2(side, 0))) setLayerWidth(l, width + 1);
      rememberWidget("add-neuron-" + std::to_string(l));
      tooltip("Add a neuron to this layer: it starts with zero outgoing weights, so nothing jumps.");
      ImGui::SameLine();
      ImGui::BeginDisabled(width <= 1);
      if (ImGui::Button("-", ImVec2(side, 0))) setLayerWidth(l, width - 1);
      ImGui::EndDisabled();
      rememberWidget("remove-neuron-" + std::to_string(l));
      tooltip("Remove this layer's last neuron; the other weights stay.");
      ImGui::SameLine();
      if (ImGui::Button("x", ImVec2(side, 0))) send(train::RemoveLayer{l});
      rememberWidget("remove-layer-" + std::to_string(l));
      tooltip("Remove this layer: its weights are folded into the next layer as if it were linear.");
      ImGui::PopID();
    }
    if (ImGui::Button("+ hidden layer")) {
      const std::size_t in = spec.layerInputs(spec.hidden.size());
      const auto activation = spec.hidden.empty() ? compute::Activation::Relu : spec.hidden.back().activation;
      send(train::AddLayer{spec.hidden.size(), in <= 64 ? 0u : 32u, activation});
    }
    rememberWidget("add-layer");
    tooltip("Add a hidden layer before the output: it starts close to an identity, so training goes on.");
    std::snprintf(label, sizeof label, "Output  %zu x %s, %s", spec.outputs,
                  std::string(compute::headName(spec.head)).c_str(), std::string(compute::lossName(spec.loss)).c_str());
    item(label, SelectionKind::Output);
    std::snprintf(label, sizeof label, "Optimizer  %s",
                  std::string(compute::optimizerName(snapshot.hyperparams.optimizer)).c_str());
    item(label, SelectionKind::Optimizer);
    ImGui::Separator();
    ImGui::TextDisabled("%s", snapshot.backend.c_str());
    ImGui::TextWrapped("%s", snapshot.device.c_str());
  }
  ImGui::End();
}

void Editor::drawHyperparams(const train::Snapshot& snapshot) {
  train::Hyperparams h = mSentHyper ? *mSentHyper : snapshot.hyperparams;
  train::Hyperparams& editing = mEditing;  // the value under an active widget, kept across frames
  if (!mEditingActive) editing = h;
  bool anyActive = false;
  bool commit = false;
  auto track = [&](const char* tip) {
    anyActive = anyActive || ImGui::IsItemActive();
    if (ImGui::IsItemDeactivatedAfterEdit()) commit = true;
    tooltip(tip);
  };

  int optimizer = static_cast<int>(editing.optimizer);
  if (ImGui::Combo("optimizer", &optimizer, OPTIMIZERS, IM_ARRAYSIZE(OPTIMIZERS))) {
    editing.optimizer = static_cast<compute::OptimizerKind>(optimizer);
    commit = true;
  }
  rememberWidget("optimizer");
  track("The update rule; a new optimizer starts with fresh state, the weights stay.");
  ImGui::SliderFloat("learning rate", &editing.learningRate, 1e-5f, 1.0f, "%g", ImGuiSliderFlags_Logarithmic);
  rememberWidget("lr");
  track("How far each step moves the weights along the negative gradient.");
  if (editing.optimizer == compute::OptimizerKind::Momentum || editing.optimizer == compute::OptimizerKind::Nesterov) {
    ImGui::SliderFloat("momentum", &editing.momentum, 0.0f, 0.999f, "%.3f");
    track("The share of the previous update carried into the next one.");
  }
  if (editing.optimizer == compute::OptimizerKind::Adam || editing.optimizer == compute::OptimizerKind::AdamW) {
    ImGui::SliderFloat("beta1", &editing.beta1, 0.0f, 0.999f, "%.3f");
    track("Decay of Adam's running mean of the gradient.");
    ImGui::SliderFloat("beta2", &editing.beta2, 0.9f, 0.99999f, "%.5f");
    track("Decay of Adam's running mean of the squared gradient.");
  }
  if (editing.optimizer == compute::OptimizerKind::RmsProp) {
    ImGui::SliderFloat("rho", &editing.rho, 0.0f, 0.999f, "%.3f");
    track("Decay of RMSprop's running mean of the squared gradient.");
  }
  if (editing.optimizer == compute::OptimizerKind::AdamW) {
    ImGui::SliderFloat("weight decay", &editing.weightDecay, 0.0f, 0.5f, "%.4f");
    track("AdamW's decoupled pull of every weight towards zero.");
  }
  ImGui::SliderFloat("L1", &editing.l1, 0.0f, 0.1f, "%g", ImGuiSliderFlags_Logarithmic);
  track("Penalty on the sum of |w|: pushes weights to exactly zero.");
  ImGui::SliderFloat("L2", &editing.l2, 0.0f, 0.1f, "%g", ImGuiSliderFlags_Logarithmic);
  rememberWidget("l2");
  track("Penalty on the sum of w squared: keeps weights small.");
  int batch = static_cast<int>(editing.batchSize);
  ImGui::BeginDisabled(editing.optimizer == compute::OptimizerKind::Gd);
  if (ImGui::SliderInt("batch size", &batch, 1, 256)) editing.batchSize = static_cast<std::size_t>(std::max(batch, 1));
  ImGui::EndDisabled();
  track("Samples averaged per step; gd always uses the whole training set.");
  ImGui::InputInt("seed", &mSeed);
  tooltip("Seed of the initial weights and shuffles: Reset with the same seed gives the same run.");
  if (ImGui::Button("Reset with this seed")) send(train::Reset{static_cast<std::uint64_t>(std::max(mSeed, 0))});
  tooltip("Starts again from the seed's initial weights, keeping the hyperparameters.");
  mEditingActive = anyActive;
  if (commit && !(editing == h)) sendHyperparams(editing);
}

void Editor::parameterField(const char* label, const train::Snapshot& snapshot, std::size_t index) {
  const auto& params = snapshot.probes->parameters;
  if (index >= params.size()) return;
  float value = params[index];
  ImGui::PushID(static_cast<int>(index));
  if (ImGui::InputFloat(label, &value, 0.0f, 0.0f, "%.4f", ImGuiInputTextFlags_EnterReturnsTrue) && std::isfinite(value)) {
    send(train::SetParameter{index, value});
  }
  ImGui::PopID();
  rememberWidget(std::string("param-") + label);
  tooltip("Type a value and press Enter: training goes on from it.");
}

void Editor::drawDataset() {
  if (!mDataset) return;
  const auto& d = *mDataset;
  ImGui::Text("Dataset %s", d.name.c_str());
  ImGui::TextWrapped("%s", d.source.c_str());
  ImGui::Text("%zu train, %zu test samples", d.train.count, d.test.count);
  ImGui::Text("%zu features, %s", d.features, d.task == data::Task::Classification ? "classification" : "regression");
  if (!planarData(&d)) return;
  ImGui::Separator();
  ImGui::SliderFloat("noise", &mNoise, 0.0f, 0.5f, "%.2f");
  rememberWidget("noise");
  if (ImGui::IsItemDeactivatedAfterEdit()) send(train::RegenerateData{mNoise, mDataSeed});
  tooltip("How far the points scatter from their pattern; the points are drawn again, the weights stay.");
  if (ImGui::Button("Regenerate")) send(train::RegenerateData{mNoise, ++mDataSeed});
  rememberWidget("regenerate");
  tooltip("Draws new points from the same pattern (a new data seed); the network keeps training on them.");
}

void Editor::drawFeatures() {
  auto current = data::FeatureSet::parse(featureListOf(*mDataset));
  if (!current) return;
  for (std::size_t f = 0; f < data::FEATURE_COUNT; ++f) {
    const auto feature = static_cast<data::Feature>(f);
    bool on = current.value().has(feature);
    const std::string name = data::featureName(feature);
    if (ImGui::Checkbox(name.c_str(), &on)) {
      data::FeatureSet next = current.value();
      next.set(feature, on);
      if (next.size() > 0) {
        send(train::SetFeatures{next});
        send(NetworkView::probesFor(next));
      }
    }
    rememberWidget("feature-" + name);
    tooltip("Feed this function of the point to the network; the weights of the other inputs stay.");
  }
}

std::size_t Editor::targetWidth(const train::Snapshot& snapshot, std::size_t layer) const {
  for (const auto& [l, target] : mPendingWidths) {
    if (l == layer) return target.first;
  }
  return snapshot.spec.hidden[layer].width;
}

void Editor::drawLayerButtons(const train::Snapshot& snapshot, std::size_t l) {
  const auto& spec = snapshot.spec;
  const std::size_t width = targetWidth(snapshot, l);
  if (ImGui::Button("Add neuron")) setLayerWidth(l, width + 1);
  tooltip("A new neuron with zero outgoing weights: the outputs do not jump.");
  ImGui::SameLine();
  ImGui::BeginDisabled(width <= 1);
  if (ImGui::Button("Remove last neuron")) setLayerWidth(l, width - 1);
  ImGui::EndDisabled();
  tooltip("Drops the layer's last neuron; the other weights stay.");
  if (ImGui::Button("Insert layer before")) send(train::AddLayer{l, 0, spec.hidden[l].activation});
  tooltip("A new layer as wide as its input, starting close to an identity.");
  ImGui::SameLine();
  if (ImGui::Button("Remove layer")) {
    send(train::RemoveLayer{l});
    mSelection = Selection{};
  }
  tooltip("Folds this layer's weights into the next one as if it were linear.");
}

void Editor::drawDetails(const train::Snapshot& snapshot, const Rect& rect) {
  if (beginPanel("Details", rect)) {
    const auto& spec = snapshot.spec;
    const auto* params = snapshot.probes && snapshot.probes->parameters.size() == spec.parameterCount()
                             ? &snapshot.probes->parameters
                             : nullptr;
    ImGui::PushItemWidth(-100);
    switch (mSelection.kind) {
      case SelectionKind::Optimizer:
        ImGui::TextUnformatted("Training");
        pendingMark(mSentHyper.has_value());
        ImGui::Separator();
        drawHyperparams(snapshot);
        break;
      case SelectionKind::Dataset:
        drawDataset();
        break;
      case SelectionKind::Features:
        ImGui::Text("%zu input features", spec.inputs);
        if (planarData(mDataset.get())) {
          drawFeatures();
        } else if (mDataset && mDataset->featureNames.size() <= 64) {
          for (const auto& name : mDataset->featureNames) ImGui::BulletText("%s", name.c_str());
        }
        break;
      case SelectionKind::Layer: {
        const std::size_t l = mSelection.layer;
        if (l >= spec.hidden.size()) break;
        ImGui::Text("Hidden layer %zu: %zu neurons", l + 1, targetWidth(snapshot, l));
        int activation = static_cast<int>(spec.hidden[l].activation);
        if (ImGui::Combo("activation", &activation, ACTIVATIONS, IM_ARRAYSIZE(ACTIVATIONS))) {
          send(train::SetActivation{l, static_cast<compute::Activation>(activation)});
        }
        tooltip("The function each neuron applies to its weighted sum; the weights stay when it changes.");
        drawLayerButtons(snapshot, l);
        break;
      }
      case SelectionKind::Output:
        ImGui::Text("Output layer: %zu neurons", spec.outputs);
        ImGui::Text("head %s, loss %s", std::string(compute::headName(spec.head)).c_str(),
                    std::string(compute::lossName(spec.loss)).c_str());
        break;
      case SelectionKind::Neuron: {
        const std::size_t layer = mSelection.layer;  // 1.. (the picture's column)
        if (layer == 0) {
          ImGui::Text("Input %zu", mSelection.neuron);
          break;
        }
        const std::size_t l = layer - 1;
        if (l >= spec.layerCount() || mSelection.neuron >= spec.layerOutputs(l)) break;
        ImGui::Text("Neuron %zu of layer %zu", mSelection.neuron, layer);
        if (params) {
          parameterField("bias", snapshot, spec.biasOffset(l) + mSelection.neuron);
          const std::size_t in = spec.layerInputs(l);
          ImGui::TextDisabled("incoming weights (Enter sets one)");
          for (std::size_t j = 0; j < std::min<std::size_t>(in, 32); ++j) {
            char label[32];
            std::snprintf(label, sizeof label, "w[%zu]", j);
            parameterField(label, snapshot, spec.weightOffset(l) + mSelection.neuron * in + j);
          }
        }
        if (l < spec.hidden.size()) {
          ImGui::BeginDisabled(spec.hidden[l].width <= 1);
          if (ImGui::Button("Remove this neuron")) {
            send(train::RemoveNeuron{l, mSelection.neuron});
            mSelection = Selection{SelectionKind::Layer, l};
          }
          ImGui::EndDisabled();
          tooltip("Takes the neuron out with its weights; every other weight stays.");
        }
        break;
      }
      case SelectionKind::Weight: {
        const std::size_t l = mSelection.layer;
        if (l >= spec.layerCount() || mSelection.neuron >= spec.layerOutputs(l) || mSelection.from >= spec.layerInputs(l)) {
          break;
        }
        ImGui::Text("Weight from neuron %zu of layer %zu", mSelection.from, l);
        ImGui::Text("to neuron %zu of layer %zu", mSelection.neuron, l + 1);
        if (params) parameterField("value", snapshot, spec.weightOffset(l) + mSelection.neuron * spec.layerInputs(l) + mSelection.from);
        break;
      }
    }
    ImGui::PopItemWidth();
    if (mSelection.kind != SelectionKind::Optimizer) {
      ImGui::Spacing();
      if (ImGui::Button("Show the optimizer")) mSelection = Selection{};
    }
  }
  ImGui::End();
}

void Editor::drawViewport(const train::Snapshot& snapshot, const Rect& rect) {
  mViewportRect = rect;
  ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0.060f, 0.063f, 0.070f, 1.0f));
  if (beginPanel("Viewport", rect, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse)) {
    drawBanners(snapshot);
    const ImVec2 min = ImGui::GetCursorScreenPos();
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const Rect area{min, ImVec2(min.x + avail.x, min.y + avail.y)};
    if (mOrbitMode) {
      mOrbit.draw(snapshot, area);
      ImGui::End();
      ImGui::PopStyleColor();
      return;
    }
    const auto clicked = mNetwork.draw(snapshot, mConfig.heatmaps, area);
    if (clicked) mSelection = Selection{SelectionKind::Neuron, clicked->first, clicked->second};
    if (const auto weight = mNetwork.clickedWeight()) {
      mSelection = Selection{SelectionKind::Weight, weight->layer, weight->to, weight->from};
    }
  }
  ImGui::End();
  ImGui::PopStyleColor();
}

void Editor::drawBanners(const train::Snapshot& snapshot) {
  if (snapshot.divergence && !mDivergenceDismissed && !snapshot.running) {
    const train::Divergence& d = *snapshot.divergence;
    ImGui::PushStyleColor(ImGuiCol_Text, WARNING_COLOUR);
    ImGui::TextWrapped("Training diverged at step %llu: %s. Paused with the weights of step %llu.",
                       static_cast<unsigned long long>(d.step), d.what.c_str(), static_cast<unsigned long long>(d.goodStep));
    ImGui::PopStyleColor();
    rememberWidget("divergence");
    if (ImGui::Button("Resume from there")) play(true);
    rememberWidget("divergence-resume");
    tooltip("Go on from the last good weights with the same settings.");
    ImGui::SameLine();
    const float lower = snapshot.hyperparams.learningRate * 0.1f;
    if (ImGui::Button(("Lower the rate to " + core::formatNumber(lower) + " and resume").c_str())) {
      train::Hyperparams h = snapshot.hyperparams;
      h.learningRate = lower;
      sendHyperparams(h);
      play(true);
    }
    rememberWidget("divergence-lower");
    ImGui::SameLine();
    if (ImGui::Button("Reset##divergence")) {
      send(train::Reset{static_cast<std::uint64_t>(std::max(mSeed, 0))});
      mDivergenceDismissed = true;
    }
    rememberWidget("divergence-reset");
  }
  if (!mError.empty() || !mNotice.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, mError.empty() ? NOTICE_COLOUR : WARNING_COLOUR);
    ImGui::TextWrapped("%s", mError.empty() ? mNotice.c_str() : mError.c_str());
    ImGui::PopStyleColor();
    rememberWidget("notice");
    if (ImGui::IsItemClicked()) {
      mError.clear();
      mNotice.clear();
    }
    tooltip("Click to dismiss.");
  }
}

void Editor::drawBottom(const train::Snapshot& snapshot, const Rect& rect) {
  const std::string select = std::move(mSelectTab);
  mSelectTab.clear();
  auto tabFlags = [&](const char* name) { return select == name ? ImGuiTabItemFlags_SetSelected : 0; };
  if (beginPanel("##bottom", rect, ImGuiWindowFlags_NoTitleBar)) {
    if (ImGui::BeginTabBar("##tabs")) {
      if (ImGui::BeginTabItem("Plots", nullptr, tabFlags("Plots"))) {
        mPlots.draw(snapshot);
        ImGui::EndTabItem();
      }
      if (mImages.active() && ImGui::BeginTabItem("Images", nullptr, tabFlags("Images"))) {
        if (auto probes = mImages.drawTab(snapshot, mConfig.heatmaps)) send(std::move(*probes));
        ImGui::EndTabItem();
      }
      if (ImGui::BeginTabItem("Histograms", nullptr, tabFlags("Histograms"))) {
        mPlots.drawHistograms(snapshot);
        ImGui::EndTabItem();
      }
      if (ImGui::BeginTabItem("Log", nullptr, tabFlags("Log"))) {
        ImGui::BeginChild("##log");
        for (const auto& e : snapshot.events) {
          ImGui::Text("step %llu  %s: %s -> %s", static_cast<unsigned long long>(e.step), e.what.c_str(),
                      e.before.c_str(), e.after.c_str());
        }
        drawLog();
        ImGui::EndChild();
        ImGui::EndTabItem();
      }
      if (ImGui::BeginTabItem("Benchmark", nullptr, tabFlags("Benchmark"))) {
        drawBenchmark(snapshot);
        ImGui::EndTabItem();
      }
      ImGui::EndTabBar();
    }
  }
  ImGui::End();
}

void Editor::drawLog() {
  for (const auto& line : mLogSink->last_formatted()) ImGui::TextUnformatted(line.c_str());
}

void Editor::recordSpeed(const train::Snapshot& snapshot) {
  if (!snapshot.running || snapshot.stepsPerSecond <= 0.0 || snapshot.backend.empty()) return;
  auto it = std::find_if(mSpeeds.begin(), mSpeeds.end(), [&](const auto& e) { return e.first == snapshot.backend; });
  if (it == mSpeeds.end()) it = mSpeeds.insert(mSpeeds.end(), {snapshot.backend, BackendSpeed{}});
  BackendSpeed& speed = it->second;
  if (snapshot.step == speed.lastStep) return;  // one sample per new snapshot, not per frame
  speed.lastStep = snapshot.step;
  speed.device = snapshot.device;
  const double batch = static_cast<double>(snapshot.hyperparams.batchSize ? snapshot.hyperparams.batchSize : 1);
  speed.samplesPerSecond.push_back(snapshot.stepsPerSecond * batch);
  constexpr std::size_t KEEP = 600;
  if (speed.samplesPerSecond.size() > KEEP) speed.samplesPerSecond.erase(speed.samplesPerSecond.begin());
}

double Editor::measuredSamplesPerSecond(const std::string& backend) const {
  for (const auto& [name, speed] : mSpeeds) {
    if (name != backend || speed.samplesPerSecond.empty()) continue;
    std::vector<double> sorted = speed.samplesPerSecond;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
    return sorted[sorted.size() / 2];
  }
  return 0.0;
}

void Editor::drawBenchmark(const train::Snapshot& snapshot) {
  ImGui::Text("Training on %s (%s): %.0f steps/s", snapshot.backend.c_str(), snapshot.device.c_str(),
              snapshot.stepsPerSecond);
  ImGui::TextDisabled("Switch the backend in the toolbar: each one's speed while training is kept here (median of "
                      "its recent samples, the whole editor running).");
  std::vector<std::pair<std::string, double>> medians;
  for (const auto& entry : mSpeeds) {
    if (!entry.second.samplesPerSecond.empty()) medians.emplace_back(entry.first, measuredSamplesPerSecond(entry.first));
  }
  double fastest = 0.0;
  for (const auto& m : medians) fastest = std::max(fastest, m.second);
  if (!medians.empty() && ImGui::BeginTable("##speeds", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("backend");
    ImGui::TableSetupColumn("device");
    ImGui::TableSetupColumn("samples/s");
    ImGui::TableSetupColumn("vs fastest");
    ImGui::TableHeadersRow();
    for (std::size_t i = 0; i < medians.size(); ++i) {
      const auto& speed = std::find_if(mSpeeds.begin(), mSpeeds.end(), [&](const auto& e) { return e.first == medians[i].first; })->second;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(medians[i].first.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(speed.device.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%.0f", medians[i].second);
      ImGui::TableNextColumn();
      ImGui::ProgressBar(static_cast<float>(medians[i].second / fastest), ImVec2(-1, 0),
                         (std::to_string(static_cast<int>(std::lround(100.0 * medians[i].second / fastest))) + " %").c_str());
    }
    ImGui::EndTable();
  }
  ImGui::TextDisabled("Per-op times, GFLOP/s, drift and PyTorch: `neural-sandbox bench --backends cpu,vulkan`.");
}

void Editor::handleShortcuts() {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput || ImGui::IsAnyItemActive()) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false)) play(!mPlaying);
  if (ImGui::IsKeyPressed('S', false) && !mPlaying) send(train::Step{std::max<std::uint32_t>(mStepsPerFrame, 1)});
  if (ImGui::IsKeyPressed('R', false)) send(train::Reset{static_cast<std::uint64_t>(std::max(mSeed, 0))});
  if (ImGui::IsKeyPressed('F', false)) frameNetwork();
  if (ImGui::IsKeyPressed('3', false)) mOrbitMode = !mOrbitMode;
}

void Editor::frameNetwork() {
  mNetwork.frame();
  mOrbit.frame();
}

}  // namespace nsb::ui
