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
    if (mApp.drewLastFrame()) readScreen();  // an undrawn frame leaves the last picture on screen
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
  // field takes the focus), Ctrl+A, the characters, Enter. Returns after the Enter's release frame;
  // with Enter::Later, after the characters' frames, the Enter left to the caller (who times it).
  enum class Enter { Now, Later };
  ::testing::AssertionResult typeInto(const std::string& name, const std::string& text, int wait = 0,
                                      Enter enter = Enter::Now) {
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
    if (enter == Enter::Now) pushTap(GLFW_KEY_ENTER);
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

  // One piece of text as the last frame drew it: a run of glyphs of one draw list (window) on one
  // baseline, each at or after the end of the one before (ImGui draws a string's glyphs in order;
  // another string drawn over it starts a new run). Its glyphs' ink boxes as far as they are not
  // clipped, and their union.
  struct TextItem {
    std::string text;
    Rect rect;
    int list = 0;
    std::vector<Rect> glyphs;
  };
  // Read from the last frame's draw lists when asked (not every frame: it walks every triangle).
  std::vector<TextItem> textItems() const {
    const ImDrawData* data = ImGui::GetDrawData();
    if (!data || !data->Valid) return {};
    float space = 0.0f;
    const auto glyphs = glyphMap(space);
    return readItems(*data, glyphs, space);
  }
  // Text drawn over other text in the last frame: each pair of text items of one window whose glyphs
  // overlap (by more than a pixel each way, the ink boxes' rounding), as a line to print. Text over a
  // plot, an image or a popup's text over a panel is not text over text. Empty when none.
  std::vector<std::string> overlappingText() const {
    struct Glyph {
      Rect box;
      std::size_t item;
    };
    std::vector<std::string> found;
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    std::map<int, std::vector<Glyph>> byList;
    const std::vector<TextItem> items = textItems();
    for (std::size_t i = 0; i < items.size(); ++i) {
      for (const Rect& box : items[i].glyphs) byList[items[i].list].push_back({box, i});
    }
    for (auto& [list, glyphs] : byList) {
      std::sort(glyphs.begin(), glyphs.end(), [](const Glyph& a, const Glyph& b) { return a.box.min.x < b.box.min.x; });
      for (std::size_t a = 0; a < glyphs.size(); ++a) {
        for (std::size_t b = a + 1; b < glyphs.size() && glyphs[b].box.min.x < glyphs[a].box.max.x - 1.0f; ++b) {
          if (glyphs[a].item == glyphs[b].item) continue;
          const Rect &p = glyphs[a].box, &q = glyphs[b].box;
          const float w = std::min(p.max.x, q.max.x) - std::max(p.min.x, q.min.x);
          const float h = std::min(p.max.y, q.max.y) - std::max(p.min.y, q.min.y);
          if (w <= 1.0f || h <= 1.0f) continue;
          const std::pair<std::size_t, std::size_t> pair{std::min(glyphs[a].item, glyphs[b].item),
                                                         std::max(glyphs[a].item, glyphs[b].item)};
          if (std::find(pairs.begin(), pairs.end(), pair) != pairs.end()) continue;
          pairs.push_back(pair);
          const TextItem &x = items[pair.first], &y = items[pair.second];
          found.push_back("\"" + y.text + "\" over \"" + x.text + "\" at (" + std::to_string(std::lround(p.min.x)) +
                          ", " + std::to_string(std::lround(p.min.y)) + ")");
        }
      }
    }
    return found;
  }

 private:
  // The text of the frame just drawn, from its draw lists: each glyph quad (four vertices with a
  // glyph's corner UVs) is a character at its origin; a draw list's characters on one baseline make a
  // line, gaps become spaces (about one per space's width).
  void readScreen() {
    mScreen.clear();
    const ImDrawData* data = ImGui::GetDrawData();
    if (!data || !data->Valid) return;
    float space = 0.0f;
    const auto glyphs = glyphMap(space);
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
  // The text items of the frame just drawn (see TextItem), from its draw commands: a glyph is a quad
  // (two triangles over four vertices) whose corners' UVs are a glyph's, clipped by its command's
  // clip rectangle. ImGui's CPU-clipped glyphs (a label cut at a button's edge) have other UVs and are
  // left out: only what is fully drawn or clipped by the GPU counts.
  using GlyphMap = std::map<std::pair<float, float>, const ImFontGlyph*>;  // by the UV of the top-left corner
  // The font's visible glyphs, and the width of a space.
  static GlyphMap glyphMap(float& space) {
    GlyphMap glyphs;
    space = 0.0f;
    for (const ImFont* font : ImGui::GetIO().Fonts->Fonts) {
      for (const ImFontGlyph& g : font->Glyphs) {
        if (g.Visible) glyphs.emplace(std::make_pair(g.U0, g.V0), &g);
        if (g.Codepoint == ' ' && space == 0.0f) space = g.AdvanceX;
      }
    }
    return glyphs;
  }
  static std::vector<TextItem> readItems(const ImDrawData& data, const GlyphMap& glyphs, float space) {
    std::vector<TextItem> items;
    for (int l = 0; l < data.CmdListsCount; ++l) {
      const ImDrawList& list = *data.CmdLists[l];
      const ImVector<ImDrawVert>& v = list.VtxBuffer;
      const ImVector<ImDrawIdx>& index = list.IdxBuffer;
      float baseline = 0.0f, end = 0.0f;
      TextItem* item = nullptr;
      for (const ImDrawCmd& cmd : list.CmdBuffer) {
        if (cmd.UserCallback) continue;
        const Rect clip{ImVec2(cmd.ClipRect.x, cmd.ClipRect.y), ImVec2(cmd.ClipRect.z, cmd.ClipRect.w)};
        for (unsigned k = cmd.IdxOffset; k + 6 <= cmd.IdxOffset + cmd.ElemCount; k += 3) {
          const unsigned i = cmd.VtxOffset + index[static_cast<int>(k)];
          if (index[static_cast<int>(k + 1)] != index[static_cast<int>(k)] + 1 ||
              index[static_cast<int>(k + 5)] != index[static_cast<int>(k)] + 3 ||
              i + 3 >= static_cast<unsigned>(v.Size))
            continue;
          const auto found = glyphs.find({v[i].uv.x, v[i].uv.y});
          if (found == glyphs.end()) continue;
          const ImFontGlyph& g = *found->second;
          if (v[i + 1].uv.x != g.U1 || v[i + 2].uv.y != g.V1 || v[i + 3].uv.x != g.U0) continue;
          k += 3;  // the quad's second triangle
          const Rect box{ImVec2(std::max(v[i].pos.x, clip.min.x), std::max(v[i].pos.y, clip.min.y)),
                         ImVec2(std::min(v[i + 2].pos.x, clip.max.x), std::min(v[i + 2].pos.y, clip.max.y))};
          if (box.width() <= 0.0f || box.height() <= 0.0f) continue;
          const float scale = g.X1 > g.X0 ? (v[i + 1].pos.x - v[i].pos.x) / (g.X1 - g.X0) : 1.0f;
          const float x = v[i].pos.x - g.X0 * scale, y = std::round(v[i].pos.y - g.Y0 * scale);
          const bool follows = item && y == baseline && x >= end - 0.5f && x - end < 4.0f * space * scale + 0.5f;
          if (!follows) {
            items.push_back({std::string(), box, l, {}});
            item = &items.back();
          } else if (space > 0.0f && x - end > 0.5f * space * scale) {
            item->text.append(static_cast<std::size_t>(std::max(1L, std::lround((x - end) / (space * scale)))), ' ');
          }
          appendUtf8(item->text, g.Codepoint);
          item->glyphs.push_back(box);
          item->rect.min = ImVec2(std::min(item->rect.min.x, box.min.x), std::min(item->rect.min.y, box.min.y));
          item->rect.max = ImVec2(std::max(item->rect.max.x, box.max.x), std::max(item->rect.max.y, box.max.y));
          baseline = y;
          end = x + g.AdvanceX * scale;
        }
      }
    }
    return items;
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
