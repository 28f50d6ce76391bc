// Lesson panel: the open lesson's page (headings, bold, lists in DejaVu Sans), Back/Next with "page n of
// N", and what should happen. Showing a page applies its settings. In presenter mode the panel fills the
// right side beside the Viewport and draws the controls the page names (play, step, reset, speed,
// optimizer, lr, l1, l2, a layer's + and -, the data's noise and Regenerate) itself; the other panels are
// not drawn, so nothing else can be reached. Where the Surface view is in front, play, step, reset and
// speed drive its runs. A frame marks the widget the page points at.
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>

#include "lesson/Lesson.h"
#include "ui/Editor.h"
#include "ui/Settings.h"
#include "ui/Theme.h"
#include "ui/panels/PanelSupport.h"

namespace nsb::ui {

using namespace panels;

static_assert(Editor::PRESENTER_KEY == GLFW_KEY_F11);

namespace {

const ImVec4 POINTER_COLOUR(1.0f, 0.62f, 0.15f, 1.0f);
// The share of the Lesson panel its text keeps, however many controls a page names.
constexpr float MIN_TEXT_SHARE = 0.4f;

// One line of spans, wrapped at the window's right edge word by word (ImGui wraps only plain text).
void drawSpans(const std::vector<lesson::Span>& spans) {
  const float right = ImGui::GetWindowContentRegionMax().x;
  bool first = true;
  for (const auto& span : spans) {
    ImFont* font = textFont(span.bold);
    if (font) ImGui::PushFont(font);
    std::size_t at = 0;
    while (at < span.text.size()) {
      std::size_t end = span.text.find(' ', at);
      end = end == std::string::npos ? span.text.size() : end + 1;  // a word with its space
      const std::string word = span.text.substr(at, end - at);
      at = end;
      const float width = ImGui::CalcTextSize(word.c_str()).x;
      if (!first) {
        ImGui::SameLine(0, 0);
        if (ImGui::GetCursorPosX() + width > right) ImGui::NewLine();
      }
      first = false;
      const ImVec2 pos = ImGui::GetCursorScreenPos();
      ImGui::TextUnformatted(word.c_str());
      if (span.bold && !font) {  // no bold face: the same text again, one pixel to the right
        ImGui::GetWindowDrawList()->AddText(ImVec2(pos.x + 1, pos.y), ImGui::GetColorU32(ImGuiCol_Text), word.c_str());
      }
    }
    if (font) ImGui::PopFont();
  }
  if (first) ImGui::NewLine();
}

void drawMarkup(const std::vector<lesson::MarkupLine>& lines) {
  ImFont* regular = textFont(false);
  if (regular) ImGui::PushFont(regular);
  for (const auto& line : lines) {
    switch (line.kind) {
      case lesson::LineKind::Blank:
        ImGui::Spacing();
        break;
      case lesson::LineKind::Heading: {
        ImGui::Spacing();
        std::vector<lesson::Span> bold = line.spans;
        for (auto& s : bold) s.bold = true;
        if (line.level == 1) ImGui::SetWindowFontScale(1.3f);
        drawSpans(bold);
        ImGui::SetWindowFontScale(1.0f);
        ImGui::Spacing();
        break;
      }
      case lesson::LineKind::Bullet:
        ImGui::Bullet();
        ImGui::SameLine();
        ImGui::BeginGroup();
        drawSpans(line.spans);
        ImGui::EndGroup();
        break;
      case lesson::LineKind::Paragraph:
        drawSpans(line.spans);
        break;
    }
  }
  if (regular) ImGui::PopFont();
}

}  // namespace

void Editor::showLessonPage(std::size_t page) {
  if (!currentLesson()) return;
  mLessonPage = std::min(page, currentLesson()->pages.size() - 1);
}

void Editor::setPresenter(bool on) {
  if (on == mPresenter || (on && !currentLesson())) return;
  mPresenter = on;
  if (on) {
    mScaleBeforePresenter = mScale;
    mPresenterScale = std::min(std::max(mScale * 1.5f, 1.5f), MAX_UI_SCALE);
  } else {
    mPresenterScale = mScaleBeforePresenter;
  }
}

void Editor::applyLessonPage(const train::Snapshot& snapshot) {
  if (mLessonApplied == mLessonPage || snapshot.spec.inputs == 0) return;  // before the session's first snapshot
  mLessonApplied = mLessonPage;
  const lesson::PageSettings& s = currentLesson()->pages[mLessonPage].settings;
  if (s.surface) {
    if (auto configured = mSurface.configure(*s.surface); !configured) warn(configured.message());
  }
  if (s.view) mSurfaceMode = *s.view == lesson::View::Surface;
  lesson::Running running;
  running.hyperparams = mSentHyper ? *mSentHyper : snapshot.hyperparams;
  for (std::size_t l = 0; l < snapshot.spec.hidden.size(); ++l) running.hidden.push_back(targetWidth(snapshot, l));
  if (mDataset) running.points = mDataset->train.count + mDataset->test.count;
  running.noise = mNoise;  // as the Details panel's noise slider and Regenerate button draw them
  running.dataSeed = mDataSeed;
  for (auto& command : lesson::pageCommands(s, running)) {
    if (const auto* set = std::get_if<train::SetHyperparams>(&command)) {
      sendHyperparams(set->hyperparams);
    } else if (const auto* width = std::get_if<train::SetLayerWidth>(&command)) {
      setLayerWidth(width->layer, width->width);  // as the Outliner's - and + buttons send it
    } else {
      send(std::move(command));
    }
  }
}

void Editor::drawLesson(const train::Snapshot& snapshot, const Rect& rect) {
  const lesson::Lesson& lesson = *currentLesson();
  const lesson::Page& page = lesson.pages[mLessonPage];
  if (beginPanel("Lesson", rect)) {
    rememberWidget("panel-lesson", rect);
    panelMenu("lesson");
    ImGui::TextDisabled("%s", lesson.title.c_str());
    ImGui::Separator();
    // Text, then the footer: what should happen, the page's controls (presenter mode), Back/Next. The
    // footer fills the panel's bottom: what should happen is measured before it is drawn, Back/Next as
    // drawn last frame (the same on every page), and the controls get their own region, so Back/Next
    // stay in place from page to page. The text keeps at least MIN_TEXT_SHARE of the panel; the
    // controls get what is left up to their height (as drawn last frame) and scroll beyond it; the
    // text gets the rest and scrolls.
    const ImGuiStyle& style = ImGui::GetStyle();
    const float avail = ImGui::GetContentRegionAvail().y;
    const float rowHeight = ImGui::GetFrameHeightWithSpacing();
    const std::string expect = page.expect.empty() ? "" : "What should happen: " + page.expect;
    const float expectHeight =
        expect.empty() ? 0.0f
                       : ImGui::CalcTextSize(expect.c_str(), nullptr, false, ImGui::GetContentRegionAvail().x).y +
                             style.ItemSpacing.y;
    const float fixed = expectHeight + (mLessonFooter > 0.0f ? mLessonFooter : rowHeight * 2.5f);
    const bool controls = mPresenter && !page.controls.empty();
    const float controlsHeight =
        mLessonControls > 0.0f ? mLessonControls : rowHeight * static_cast<float>(page.controls.size());
    const float textLeast = avail * MIN_TEXT_SHARE;
    const float controlsRoom =
        controls ? std::clamp(avail - fixed - textLeast - style.ItemSpacing.y, rowHeight, controlsHeight) : 0.0f;
    const float controlsTaken = controls ? controlsRoom + style.ItemSpacing.y : 0.0f;
    ImGui::BeginChild("##lesson-text", ImVec2(0, std::max(avail - fixed - controlsTaken, textLeast)));
    drawMarkup(page.lines);
    ImGui::EndChild();
    rememberWidget("lesson-text");
    if (!expect.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, NOTICE_COLOUR);
      ImGui::TextWrapped("%s", expect.c_str());
      ImGui::PopStyleColor();
      rememberWidget("lesson-expect");
    }
    if (controls) {
      ImGui::BeginChild("##lesson-controls", ImVec2(0, controlsRoom));
      drawLessonControls(snapshot);
      // Their height as ImGui measures a window's content (imgui_internal.h): at that height the child
      // needs no scroll bar.
      const ImGuiWindow& window = *ImGui::GetCurrentWindow();
      mLessonControls = std::max(std::ceil(window.DC.CursorMaxPos.y - window.DC.CursorStartPos.y), 1.0f);
      ImGui::EndChild();
      rememberWidget("lesson-controls");
    }
    const float navigationTop = ImGui::GetCursorPosY();
    ImGui::Separator();
    ImGui::BeginDisabled(mLessonPage == 0);
    if (pressButton("< Back")) showLessonPage(mLessonPage - 1);
    ImGui::EndDisabled();
    rememberWidget("lesson-back");
    char pageText[48];
    std::snprintf(pageText, sizeof pageText, "page %zu of %zu", mLessonPage + 1, lesson.pages.size());
    sameLineIfFits(ImGui::CalcTextSize(pageText).x);
    ImGui::TextUnformatted(pageText);
    rememberWidget("lesson-page");
    sameLineIfFits(buttonWidth("Next >"));
    ImGui::BeginDisabled(mLessonPage + 1 >= lesson.pages.size());
    if (pressButton("Next >")) showLessonPage(mLessonPage + 1);
    ImGui::EndDisabled();
    rememberWidget("lesson-next");
    if (ImGui::SmallButton(mPresenter ? "Leave presenter mode" : "Presenter mode")) setPresenter(!mPresenter);
    rememberWidget("lesson-presenter");
    tooltip("F11: only the controls this page names, larger.");
    mLessonFooter = ImGui::GetCursorPosY() - navigationTop;
  }
  ImGui::End();
}

void Editor::drawLessonControls(const train::Snapshot& snapshot) {
  const lesson::Page& page = currentLesson()->pages[mLessonPage];
  const train::Hyperparams h = mSentHyper ? *mSentHyper : snapshot.hyperparams;
  train::Hyperparams& editing = mEditing;  // the Details panel, which shares these, is not drawn now
  if (!mEditingActive) editing = h;
  bool anyActive = false, commit = false;
  auto track = [&] {
    anyActive = anyActive || ImGui::IsItemActive();
    if (ImGui::IsItemDeactivatedAfterEdit()) commit = true;
  };
  ImGui::PushItemWidth(-ImGui::CalcTextSize("learning rate").x - ImGui::GetStyle().ItemInnerSpacing.x);
  std::set<std::size_t> layersDrawn;  // a layer's + and - are drawn together, once
  bool dataDrawn = false;
  bool buttonRow = false;  // the last control drawn was Play, Step or Reset: the next of them joins its row
  for (const auto& name : page.controls) {
    if (!lesson::controlShown(page, name, mPresenter)) continue;
    const bool rowButton = name == "play" || name == "step" || name == "reset";
    if (rowButton && buttonRow)
      sameLineIfFits(buttonWidth(name == "play" ? "Pause" : name == "step" ? "Step" : "Reset"));
    // On a page that shows the Surface view, Play, Step, Reset and the speed drive the surface's runs,
    // as its own buttons do; the network behind it is not what the class sees.
    if (name == "play") {
      const bool playing = mSurfaceMode ? mSurface.playing() : mPlaying;
      if (pressButton(playing ? "Pause##play" : "Play##play")) {
        if (mSurfaceMode)
          mSurface.setPlaying(!playing);
        else
          play(!mPlaying);
      }
      rememberWidget("play");
    } else if (name == "step") {
      ImGui::BeginDisabled(!mSurfaceMode && mPlaying);  // the surface's Step pauses its runs itself
      if (pressButton("Step")) {
        if (mSurfaceMode)
          mSurface.step();
        else
          send(train::Step{std::max<std::uint32_t>(mStepsPerFrame, 1)});
      }
      ImGui::EndDisabled();
      rememberWidget("step");
    } else if (name == "reset") {
      if (pressButton("Reset")) {
        if (mSurfaceMode)
          mSurface.reset();
        else
          send(train::Reset{static_cast<std::uint64_t>(std::max(mSeed, 0))});
      }
      rememberWidget("reset");
    } else if (name == "speed") {
      if (mSurfaceMode) {
        mSurface.drawSpeed("##lesson-speed");
        rememberWidget("speed");
        tooltip(SurfaceView::SPEED_TIP);
      } else {
        drawSpeed(snapshot);
      }
    } else if (name == "optimizer") {
      int optimizer = static_cast<int>(editing.optimizer);
      const int count = static_cast<int>(compute::OptimizerKind::AdamW) + 1;
      const char* current = compute::optimizerName(editing.optimizer).data();  // literals: end in '\0'
      if (ImGui::BeginCombo("optimizer", current)) {
        for (int i = 0; i < count; ++i) {
          const auto kind = static_cast<compute::OptimizerKind>(i);
          if (ImGui::Selectable(compute::optimizerName(kind).data(), i == optimizer)) {
            editing.optimizer = kind;
            commit = true;
          }
        }
        ImGui::EndCombo();
      }
      rememberWidget("optimizer");
    } else if (name == "lr") {
      ImGui::SliderFloat("learning rate", &editing.learningRate, 1e-5f, 10.0f, "%g", ImGuiSliderFlags_Logarithmic);
      rememberWidget("lr");
      track();
    } else if (name == "l1" || name == "l2") {
      float& value = name == "l1" ? editing.l1 : editing.l2;
      ImGui::SliderFloat(name == "l1" ? "L1" : "L2", &value, 0.0f, 0.1f, "%g", ImGuiSliderFlags_Logarithmic);
      rememberWidget(name);
      track();
    } else if (name.rfind("add-neuron-", 0) == 0 || name.rfind("remove-neuron-", 0) == 0) {
      const std::size_t layer = std::strtoul(name.c_str() + name.rfind('-') + 1, nullptr, 10);
      if (layer >= snapshot.spec.hidden.size() || !layersDrawn.insert(layer).second) continue;
      ImGui::AlignTextToFramePadding();
      ImGui::Text("Hidden %zu: %zu neurons", layer + 1, targetWidth(snapshot, layer));
      // Its buttons (at most +, - and x, square) beside it where they fit.
      sameLineIfFits(3.0f * (ImGui::GetFrameHeight() + ImGui::GetStyle().ItemSpacing.x));
      drawLayerButtons(snapshot, layer, true);
    } else if ((name == "noise" || name == "regenerate") && mDataset && planarData(mDataset.get())) {
      if (std::exchange(dataDrawn, true)) continue;
      drawNoiseAndRegenerate();
    } else {
      continue;  // a control of the full editor only: presenter mode leaves it out
    }
    buttonRow = rowButton;
  }
  ImGui::PopItemWidth();
  mEditingActive = anyActive;
  if (commit && !(editing == h)) sendHyperparams(editing);
}

void Editor::pointAtWidget() {
  const std::string& target = currentLesson()->pages[mLessonPage].pointAt;
  if (target.empty()) return;
  const auto rect = widgetRect(target);
  if (!rect) return;
  const float pad = 3.0f * mScale;
  ImGui::GetForegroundDrawList()->AddRect(ImVec2(rect->min.x - pad, rect->min.y - pad),
                                          ImVec2(rect->max.x + pad, rect->max.y + pad),
                                          ImGui::GetColorU32(POINTER_COLOUR), 4.0f * mScale, 0, 3.0f * mScale);
}

}  // namespace nsb::ui
