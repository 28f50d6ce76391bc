// Toolbar: play/pause, step, reset, the speed control (steps a second, or steps per frame in
// lockstep), the backend switch, "recording N frames" while File > Record runs and the status line
// (step, epoch, loss, frames/s, steps/s); at the menu bar's right end, the server and job of an attached
// session, whether its connection is up and whether this editor steers or watches (Take control).
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "ui/Editor.h"
#include "ui/panels/PanelSupport.h"

namespace nsb::ui {

using namespace panels;

void Editor::drawToolbar(const train::Snapshot& snapshot, const FrameStats& stats, const Rect& rect) {
  if (beginPanel("##toolbar", rect, ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoScrollbar)) {
    ImGui::SetCursorPosY(std::max((rect.height() - ImGui::GetFrameHeight()) * 0.5f, 0.0f));
    // One button whose label changes: its size stays, so the controls beside it do not move.
    if (pressButton(mPlaying ? "Pause##play" : "Play##play", ImVec2(ImGui::CalcTextSize("Pause").x + 16 * mScale, 0))) {
      play(!mPlaying);
    }
    rememberWidget("play");
    pendingMark(pending(mPlaySequence));
    tooltip(mPlaying ? "Pause training (Space)." : "Train continuously (Space).");
    ImGui::SameLine();
    ImGui::BeginDisabled(mPlaying);
    if (pressButton("Step")) send(train::Step{std::max<std::uint32_t>(mStepsPerFrame, 1)});
    ImGui::EndDisabled();
    rememberWidget("step");
    tooltip(mConfig.lockstep ? "Run the steps per frame once, while paused (S)." : "Run one step while paused (S).");
    ImGui::SameLine();
    if (pressButton("Reset")) send(train::Reset{static_cast<std::uint64_t>(std::max(mSeed, 0))});
    rememberWidget("reset");
    tooltip("Start a new run from the initial weights of the seed (R).");
    ImGui::SameLine();
    // A served job is stepped by its server: the watch page and an attached editor have no speed to set.
    if (!mConfig.watchPage && (!mConfig.link || mConfig.link().where.empty())) {
      drawSpeed(snapshot);
      ImGui::SameLine();
    }
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
    if (mRecording) {
      ImGui::TextDisabled("|");
      ImGui::SameLine();
      ImGui::TextColored(RECORDING_COLOUR, "recording %llu frame%s", static_cast<unsigned long long>(*mRecording),
                         *mRecording == 1 ? "" : "s");
      rememberWidget("recording");
      tooltip("File > Stop recording finishes the file.");
      ImGui::SameLine();
    }
    ImGui::TextDisabled("|");
    ImGui::SameLine();
    const double fps = mConfig.deterministic ? 60.0 : stats.framesPerSecond;
    const double sps = mConfig.deterministic ? 60.0 * mStepsPerFrame * (mPlaying ? 1 : 0) : snapshot.stepsPerSecond;
    // No loss before the first step of a run (not "nan"); four digits in any range (not 0.0000).
    char loss[32] = "-";
    if (std::isfinite(snapshot.lastLoss)) std::snprintf(loss, sizeof loss, "%.4g", snapshot.lastLoss);
    // The parts in the order they go when the toolbar is too narrow (large UI scales): the step stays.
    // The watch page's frames are its own (--watch-fps): no frames/s there.
    char parts[5][64] = {};
    std::snprintf(parts[0], sizeof parts[0], "step %llu", static_cast<unsigned long long>(snapshot.step));
    std::snprintf(parts[1], sizeof parts[1], "   epoch %.2f", snapshot.epoch);
    std::snprintf(parts[2], sizeof parts[2], "   loss %s", loss);
    std::snprintf(parts[3], sizeof parts[3], "   %.0f steps/s", sps);
    if (!mConfig.watchPage) std::snprintf(parts[4], sizeof parts[4], "   %.0f frames/s", fps);
    std::string full, shown;
    for (const char* part : parts) full += part;
    const float room = ImGui::GetContentRegionAvail().x;
    for (const char* part : parts) {
      if (!shown.empty() && ImGui::CalcTextSize((shown + part).c_str()).x > room) break;
      shown += part;
    }
    ImGui::TextUnformatted(shown.c_str());
    rememberWidget("status");
    if (shown != full) tooltip(full.c_str());
  }
  ImGui::End();
}

void Editor::drawSpeed(const train::Snapshot& snapshot) {
  const std::size_t replicas = snapshot.race ? snapshot.race->replicas.size() : 0;
  if (mConfig.lockstep) {
    // Headless pictures step per frame: the same arguments give the same frames.
    ImGui::SetNextItemWidth(130 * mScale);
    int steps = static_cast<int>(mStepsPerFrame);
    if (ImGui::SliderInt("##speed", &steps, 1, 100, "%d steps/frame")) {
      mStepsPerFrame = static_cast<std::uint32_t>(std::max(steps, 1));
    }
    rememberWidget("speed");
    tooltip(speedHelp(true, replicas).c_str());
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
  tooltip(speedHelp(false, replicas).c_str());
}

void Editor::drawLink() {
  if (!mConfig.link) return;
  const train::SessionLink link = mConfig.link();
  if (link.where.empty()) return;
  // A viewer token's editor only ever watches: no button that could only be refused.
  const char* role = link.steering ? "steering" : link.viewer ? "watching (viewer)" : "watching";
  const char* TAKE = "Take control";
  const ImGuiStyle& style = ImGui::GetStyle();
  const bool offer = link.connected && !link.steering && !link.viewer;
  const float button = offer ? ImGui::CalcTextSize(TAKE).x + 2 * style.FramePadding.x + style.ItemSpacing.x : 0.0f;
  // The longest text that fits between the menus and the window's right edge (a narrow window): the
  // server and the job, the job, the role alone. The tooltip has all of it.
  const std::size_t jobAt = link.where.rfind(" job ");
  const std::string job = jobAt == std::string::npos ? link.where : link.where.substr(jobAt + 1);
  const std::vector<std::string> texts =
      link.connected ? std::vector<std::string>{"attached to " + link.where + " - " + role, job + " - " + role, role}
                     : std::vector<std::string>{"connection lost, reconnecting...", "reconnecting..."};
  const float room = ImGui::GetWindowWidth() - ImGui::GetCursorPosX() - style.ItemSpacing.x;
  const auto widthOf = [&](const std::string& text) {
    return ImGui::CalcTextSize(text.c_str()).x + style.ItemSpacing.x + button;
  };
  std::size_t shown = 0;
  while (shown + 1 < texts.size() && widthOf(texts[shown]) > room) ++shown;
  const std::string& text = texts[shown];
  ImGui::SetCursorPosX(std::max(ImGui::GetCursorPosX(), ImGui::GetWindowWidth() - widthOf(text) - style.ItemSpacing.x));
  if (link.connected) {
    ImGui::TextUnformatted(text.c_str());
  } else {
    ImGui::TextColored(WARNING_COLOUR, "%s", text.c_str());
  }
  rememberWidget("link");
  const std::string whole = shown > 0 && link.connected ? texts.front() + "\n" : std::string();
  tooltip(!link.connected ? (link.where + ": " + link.problem + ". The job trains on; the last frame stays.").c_str()
          : link.steering ? (whole + "Training runs on the server; the edits made here go to it.").c_str()
          : link.viewer   ? (whole + "This editor's token only watches (the server's --viewer-token-file): it cannot "
                                     "steer.")
                              .c_str()
                        : (whole + (link.steeredBy.empty() ? std::string("Nobody") : link.steeredBy) +
                           " steers this job; its views are shown here and the controls wait.")
                              .c_str());
  if (offer) {
    ImGui::SameLine();
    if (ImGui::SmallButton(TAKE) && mConfig.takeControl) mConfig.takeControl();
    rememberWidget("take-control");
    tooltip("Steer the job from this editor; the one that steers now watches.");
  }
}

}  // namespace nsb::ui
