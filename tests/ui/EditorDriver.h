#pragma once
// EditorDriver: drives the real editor (a ui::App) by widget name, as a user would, in the spirit of
// Dear ImGui's Test Engine (not in Debian): the mouse to a widget's centre, a press one frame and the
// release the next, keys, text typed into a field, all pushed into the App's InputQueue; frames at
// real speed (30 a second unless asked otherwise). It reads what each frame put on screen as text
// (the glyphs of its draw lists, a line per row of text in each window). Widgets are found through
// the editor's registry (Editor::widgetRect: what the last frame drew). UI thread only.
#include <GLFW/glfw3.h>
#include <gtest/gtest.h>
#include <imgui.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "train/Session.h"
#include "ui/App.h"
#include "ui/Editor.h"

namespace nsb::ui::test {

class EditorDriver {
 public:
  using Clock = std::chrono::steady_clock;

  explicit EditorDriver(App& app, double framesPerSecond = 30.0) : mApp(app), mPacer(framesPerSecond) {}

  App& app() { return mApp; }
  Editor& editor() { return mApp.editor(); }
  InputQueue& input() { return mApp.input(); }
  std::shared_ptr<const train::Snapshot> latest() { return mApp.session().latest(); }
  std::uint64_t frameCount() const { return mFrames; }

  // One frame on the cadence of a window with a frame cap (ui/FramePacer, as App does in a window): it
  // may go out early once the session has answered what the editor sent.
  bool frame() {
    mPacer.wait([this](Clock::time_point deadline) { return mApp.awaitAnswer(deadline); });
    ++mFrames;
    const bool open = mApp.frame();
    readScreen();
    return open;
  }
  void frames(int n) {
    for (int i = 0; i < n; ++i) frame();
  }
  // Frames until `done()` holds after one (true) or `most` frames have passed (false).
  template <typename Predicate>
  bool framesUntil(Predicate done, int most) {
    for (int i = 0; i < most; ++i) {
      frame();
      if (done()) return true;
    }
    return false;
  }
  // Frames until the input queue has fed everything pushed so far; returns how many it took.
  int drain() {
    int n = 0;
    while (input().pending() > 0 && n < 1000) {
      frame();
      ++n;
    }
    return n;
  }

  // The widget's rectangle in the last frame; with `wait`, within that many frames, once it is drawn
  // at the same place in two frames in a row (a popup's first frame may place it elsewhere).
  std::optional<Rect> widget(const std::string& name, int wait = 0) {
    auto rect = editor().widgetRect(name);
    for (int i = 0; i < wait; ++i) {
      frame();
      const auto now = editor().widgetRect(name);
      if (rect && now && rect->min.x == now->min.x && rect->min.y == now->min.y && rect->max.x == now->max.x &&
          rect->max.y == now->max.y) {
        return now;
      }
      rect = now;
    }
    return wait == 0 ? rect : std::nullopt;
  }

  // Pushes a click on the widget (move, press, release) without running a frame: the queue spreads
  // it over two. Fails when the widget was not drawn within `wait` frames.
  ::testing::AssertionResult pushClick(const std::string& name, int wait = 0) {
    const auto rect = widget(name, wait);
    if (!rect) return ::testing::AssertionFailure() << "widget \"" << name << "\" is not on screen";
    const ImVec2 c = rect->center();
    input().mouseMove(c.x, c.y);
    input().mouseButton(0, true);
    input().mouseButton(0, false);
    return ::testing::AssertionSuccess();
  }
  // A click, run: the press frame and the release frame. The release frame is the one in which a
  // button acts.
  ::testing::AssertionResult click(const std::string& name, int wait = 0) {
    auto pushed = pushClick(name, wait);
    if (pushed) drain();
    return pushed;
  }
  // A key pressed and released faster than a frame (both pushed at once).
  void pushTap(int key) {
    input().key(key, true);
    input().key(key, false);
  }
  void pushText(const std::string& text) {
    for (const unsigned char c : text) input().character(c);
  }
  // Replaces a field's text and presses Enter: Ctrl+click (a slider becomes a text field, a text
  // field takes the focus), Ctrl+A, the characters, Enter. Returns after the Enter's release frame.
  ::testing::AssertionResult typeInto(const std::string& name, const std::string& text, int wait = 0) {
    const auto rect = widget(name, wait);
    if (!rect) return ::testing::AssertionFailure() << "field \"" << name << "\" is not on screen";
    const ImVec2 c = rect->center();
    input().key(GLFW_KEY_LEFT_CONTROL, true);
    input().mouseMove(c.x, c.y);
    input().mouseButton(0, true);
    input().mouseButton(0, false);
    input().key(GLFW_KEY_LEFT_CONTROL, false);
    input().key(GLFW_KEY_LEFT_CONTROL, true);
    pushTap(GLFW_KEY_A);
    input().key(GLFW_KEY_LEFT_CONTROL, false);
    pushText(text);
    pushTap(GLFW_KEY_ENTER);
    drain();
    return ::testing::AssertionSuccess();
  }
  // Opens a menu of the menu bar and clicks one of its items.
  ::testing::AssertionResult menu(const std::string& menuName, const std::string& item) {
    auto opened = click(menuName, 2);
    if (!opened) return opened;
    return click(item, 3);
  }

  // A line of text on screen: what it reads and where.
  struct Text {
    std::string text;
    Rect rect;
  };
  // The last frame's text, a line per row of text in each window.
  const std::vector<Text>& screen() const { return mScreen; }
  // The first line of the last frame that holds `a` (and `b`, when given).
  std::optional<std::string> lineWith(const std::string& a, const std::string& b = {}) const {
    for (const auto& line : mScreen) {
      if (line.text.find(a) != std::string::npos && (b.empty() || line.text.find(b) != std::string::npos)) {
        return line.text;
      }
    }
    return std::nullopt;
  }
  // Clicks the line of text that reads exactly `text` (an entry of a list or a combo's popup), once it
  // is on screen, within `wait` frames.
  ::testing::AssertionResult clickText(const std::string& text, int wait = 3) {
    for (int i = 0;; ++i) {
      for (const auto& line : mScreen) {
        if (line.text != text) continue;
        const ImVec2 c = line.rect.center();
        input().mouseMove(c.x, c.y);
        input().mouseButton(0, true);
        input().mouseButton(0, false);
        drain();
        return ::testing::AssertionSuccess();
      }
      if (i >= wait) return ::testing::AssertionFailure() << "no \"" << text << "\" on screen:\n" << screenText();
      frame();
    }
  }
  bool shows(const std::string& a, const std::string& b = {}) const { return lineWith(a, b).has_value(); }
  // The step counter of the toolbar ("step 1234   epoch ..."), as the last frame showed it.
  std::optional<std::uint64_t> shownStep() const {
    // Parsed by hand: GCC 12's std::regex trips -Wmaybe-uninitialized in the asan build (-O2).
    for (const auto& line : mScreen) {
      for (auto at = line.text.find("step "); at != std::string::npos; at = line.text.find("step ", at + 1)) {
        std::size_t end = at + 5;
        while (end < line.text.size() && std::isdigit(static_cast<unsigned char>(line.text[end]))) ++end;
        std::size_t next = end;
        while (next < line.text.size() && line.text[next] == ' ') ++next;
        if (end > at + 5 && next > end && line.text.compare(next, 5, "epoch") == 0) {
          return std::stoull(line.text.substr(at + 5, end - at - 5));
        }
      }
    }
    return std::nullopt;
  }
  std::string screenText() const {
    std::string all;
    for (const auto& line : mScreen) all += line.text + "\n";
    return all;
  }

 private:
  // The text of the frame just drawn, from its draw lists: each glyph quad (four vertices with a
  // glyph's corner UVs) is a character at its origin; a draw list's characters on one baseline make a
  // line, gaps become spaces (about one per space's width).
  void readScreen() {
    mScreen.clear();
    const ImDrawData* data = ImGui::GetDrawData();
    if (!data || !data->Valid) return;
    std::map<std::pair<float, float>, const ImFontGlyph*> glyphs;  // by the UV of the top-left corner
    float space = 0.0f;
    for (const ImFont* font : ImGui::GetIO().Fonts->Fonts) {
      for (const ImFontGlyph& g : font->Glyphs) {
        if (g.Visible) glyphs.emplace(std::make_pair(g.U0, g.V0), &g);
        if (g.Codepoint == ' ' && space == 0.0f) space = g.AdvanceX;
      }
    }
    struct Char {
      float y, x, advance;
      unsigned int codePoint;
    };
    for (int l = 0; l < data->CmdListsCount; ++l) {
      const ImVector<ImDrawVert>& v = data->CmdLists[l]->VtxBuffer;
      std::vector<Char> chars;
      for (int i = 0; i + 3 < v.Size; ++i) {
        const auto found = glyphs.find({v[i].uv.x, v[i].uv.y});
        if (found == glyphs.end()) continue;
        const ImFontGlyph& g = *found->second;
        if (v[i + 1].uv.x != g.U1 || v[i + 2].uv.y != g.V1 || v[i + 3].uv.x != g.U0) continue;
        const float scale = g.X1 > g.X0 ? (v[i + 1].pos.x - v[i].pos.x) / (g.X1 - g.X0) : 1.0f;
        chars.push_back(
            {std::round(v[i].pos.y - g.Y0 * scale), v[i].pos.x - g.X0 * scale, g.AdvanceX * scale, g.Codepoint});
        i += 3;
      }
      std::stable_sort(chars.begin(), chars.end(),
                       [](const Char& a, const Char& b) { return a.y != b.y ? a.y < b.y : a.x < b.x; });
      const float height = ImGui::GetFontSize();
      for (std::size_t c = 0; c < chars.size(); ++c) {
        if (c == 0 || chars[c].y != chars[c - 1].y) {
          mScreen.push_back(
              {std::string(), Rect{ImVec2(chars[c].x, chars[c].y), ImVec2(chars[c].x, chars[c].y + height)}});
        } else if (space > 0.0f) {
          const float gap = chars[c].x - (chars[c - 1].x + chars[c - 1].advance);
          const int spaces = std::clamp(static_cast<int>(std::lround(gap / space)), 0, 4);
          mScreen.back().text.append(static_cast<std::size_t>(gap > 0.5f * space ? std::max(spaces, 1) : 0), ' ');
        }
        appendUtf8(mScreen.back().text, chars[c].codePoint);
        mScreen.back().rect.max.x = chars[c].x + chars[c].advance;
      }
    }
  }
  static void appendUtf8(std::string& out, unsigned int c) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }

  App& mApp;
  FramePacer mPacer;
  std::uint64_t mFrames = 0;
  std::vector<Text> mScreen;
};

}  // namespace nsb::ui::test
