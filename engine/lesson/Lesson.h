#pragma once
// Lesson: a title, the preset it starts from and pages (assets/lessons/NAME.json, compiled in, or any
// JSON file). A page holds text in a small markup (parseMarkup), the settings applied when it is shown
// (hyperparameters, activation, hidden widths, the number of points, a reset, the surface and its
// optimizers, which view is in front), the controls presenter mode shows (every other one is hidden), a
// widget to point at, and what should happen, as text. No UI here: the editor's Lesson panel, the CLI and the tests
// share it.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compute/Op.h"
#include "core/Result.h"
#include "train/Command.h"
#include "train/Hyperparams.h"
#include "train/Preset.h"

namespace nsb::lesson {

// One run of text in a line: bold or not.
struct Span {
  std::string text;
  bool bold = false;
  bool operator==(const Span&) const = default;
};

enum class LineKind { Heading, Paragraph, Bullet, Blank };

struct MarkupLine {
  LineKind kind = LineKind::Paragraph;
  int level = 0;  // headings: the number of '#'
  std::vector<Span> spans;
};

// The markup, one line at a time: "# Heading" (up to three '#'), "- item", a blank line, else a
// paragraph line; "**bold**" anywhere in a line (an unclosed "**" is kept as text). Nothing else is
// special, so formulas stay as written.
std::vector<MarkupLine> parseMarkup(std::string_view text);

enum class View { Network, Surface };

struct PageSettings {
  // Hyperparameter keys as a preset's "training" object has them, applied over the running ones.
  nlohmann::json training = nlohmann::json::object();
  std::optional<compute::Activation> activation;  // every hidden layer
  bool reset = false;                             // the network's weights drawn again (same seed)
  std::optional<train::SurfaceSetup> surface;     // the Surface view's surface and optimizers
  std::optional<View> view;                       // which view the Viewport shows
  // The hidden layers' widths ("model": {"hidden": [4, 4]}): layers past the list removed, missing
  // ones added (ReLU unless the page sets an activation), the others set to their width.
  std::optional<std::vector<std::size_t>> hidden;
  // Generated datasets: the points, train + test ("dataset": {"points": 600}), drawn again.
  std::optional<std::size_t> points;
};

struct Page {
  std::string id;  // optional: how tests and links name a page
  std::string text;
  std::vector<MarkupLine> lines;  // text, parsed
  PageSettings settings;
  std::vector<std::string> controls;  // widget names (the editor's registry) shown in presenter mode
  std::string pointAt;                // a widget name, or empty
  std::string expect;                 // what should happen, as text
};

struct Lesson {
  std::string name;  // file name without .json
  std::string title;
  std::string preset;  // a preset name or file (train::Preset::load)
  std::vector<Page> pages;

  static core::Result<Lesson> fromJson(const nlohmann::json& json, const std::string& where);
  // NAME (assets/lessons/NAME.json, compiled in) or a path to a JSON file. Errors are one line naming
  // the file (or --lesson NAME) and what is wrong.
  static core::Result<Lesson> load(const std::string& nameOrPath);

  // The page whose id is `id`, or null.
  const Page* page(std::string_view id) const;
};

// The shipped lessons, sorted.
std::vector<std::string> lessonNames();

// What a page's commands change from: the running session as the editor (or a test) sees it.
struct Running {
  train::Hyperparams hyperparams;
  std::vector<std::size_t> hidden;  // the hidden layers' widths
  std::size_t points = 0;           // the dataset's points, train + test
  float noise = 0.0f;               // the points are drawn again with this noise and seed
  std::uint64_t dataSeed = 1;
};

// The commands that apply a page's network settings to the `running` session, as the editor's own
// controls send them: SetHyperparams, the layer edits (RemoveLayer, SetLayerWidth, AddLayer),
// SetActivation per layer, RegenerateData for a new number of points, then Reset. Nothing for what
// is already as the page wants it. (The surface and the view are the editor's own; see PageSettings.)
std::vector<train::Command> pageCommands(const PageSettings& settings, const Running& running);

// Widgets that presenter mode always shows: the lesson's own panel and buttons, the Viewport and the
// divergence banner (a page's outcome may be that banner).
bool alwaysShown(std::string_view widget);
// Whether `widget` is drawn while `page` is shown: outside presenter mode every widget is; in presenter
// mode only those the page names in `controls` and those always shown.
bool controlShown(const Page& page, std::string_view widget, bool presenter);

}  // namespace nsb::lesson
