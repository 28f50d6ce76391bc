// FileMenu: the menu bar (File, View, Help), the File menu's path dialog, the panels' context menu (Save
// panel as PNG) and what their actions do: File > Save preset writes the preset that reproduces the
// current run; the other actions become requests to the application or Session commands.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "ui/Editor.h"
#include "ui/panels/PanelSupport.h"

namespace nsb::ui {

using namespace panels;

void Editor::drawMenuBar(EditorRequests& requests) {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    mHideFromRecording = true;
    if (ImGui::MenuItem("Open preset...")) beginFileAction(FileAction::OpenPreset);
    rememberWidget("file-open-preset");
    if (ImGui::MenuItem("Save preset...")) beginFileAction(FileAction::SavePreset);
    rememberWidget("file-save-preset");
    ImGui::Separator();
    // Commands to the session: not a watcher's (see watching()).
    if (ImGui::MenuItem("Load checkpoint...", nullptr, false, !watching())) beginFileAction(FileAction::LoadCheckpoint);
    rememberWidget("file-load-checkpoint");
    if (ImGui::MenuItem("Save checkpoint...", nullptr, false, !watching())) beginFileAction(FileAction::SaveCheckpoint);
    rememberWidget("file-save-checkpoint");
    ImGui::Separator();
    if (ImGui::MenuItem("Save screenshot...")) beginFileAction(FileAction::Screenshot);
    rememberWidget("file-screenshot");
    if (!mRecording) {
      if (ImGui::MenuItem("Record...")) beginFileAction(FileAction::Record);
    } else if (ImGui::MenuItem("Stop recording")) {
      requests.stopRecording = true;
    }
    rememberWidget("file-record");
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
    ImGui::MenuItem("Surface", nullptr, &mSurfaceMode);
    rememberWidget("view-surface");
    ImGui::MenuItem("Landscape", "L", &mLandscapeMode);
    rememberWidget("view-landscape");
    if (ImGui::MenuItem("Presenter mode", "F11", mPresenter, currentLesson() != nullptr)) setPresenter(!mPresenter);
    rememberWidget("view-presenter");
    if (ImGui::MenuItem("Frame network", "F")) frameNetwork();
    rememberWidget("view-frame");
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
        "F      frame the network\n3      3D view on / off\nL      loss landscape on / off\nF11    presenter mode "
        "(with a lesson)\n"
        "In presenter mode a key acts only where the page shows its control.");
    ImGui::EndMenu();
  }
  drawLink();
  ImGui::EndMainMenuBar();
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
    case FileAction::Record:
      name = "recording.mp4";
      break;
    case FileAction::SavePanel:
      name = "panel.png";
      break;
    case FileAction::None:
      break;
  }
  std::snprintf(mPath.data(), mPath.size(), "%s", path.empty() ? name : path.c_str());
}

void Editor::panelMenu(const char* panel) {
  const std::string id = std::string("##menu-") + panel;
  if (!ImGui::BeginPopupContextItem(id.c_str())) return;
  mHideFromRecording = true;
  if (ImGui::MenuItem("Save panel as PNG...")) {
    mPanelToSave = panel;
    beginFileAction(FileAction::SavePanel, std::string(panel) + ".png");
  }
  rememberWidget("panel-save-png");
  ImGui::EndPopup();
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
  const char* titles[] = {"",
                          "Open a preset (a JSON file or a built-in name)",
                          "Save the preset (JSON)",
                          "Load a checkpoint (.safetensors)",
                          "Save a checkpoint (.safetensors)",
                          "Save a screenshot (PNG)",
                          "Open a dataset (a CSV or an IDX images file)",
                          "Record (a .mp4 or .gif file, or a folder for a PNG per frame)",
                          "Save the panel as PNG"};
  mHideFromRecording = true;
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
      case FileAction::Record:
        requests.record = path;
        break;
      case FileAction::SavePanel:
        requests.screenshot = true;
        requests.screenshotPath = path;
        requests.panel = mPanelToSave;
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

}  // namespace nsb::ui
