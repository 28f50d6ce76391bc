#include "lesson/Lesson.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/Embedded.h"

namespace nsb::lesson {

using nlohmann::json;

namespace {

// A lesson file is small; these bounds keep a hostile one from costing much.
constexpr std::size_t MAX_PAGES = 200;
constexpr std::size_t MAX_TEXT = 64 * 1024;
constexpr std::size_t MAX_CONTROLS = 64;
// The bounds a preset's layers and a generated dataset have (train/Preset.cpp, data/Synthetic2D.cpp).
constexpr std::size_t MAX_LAYERS = 64;
constexpr std::uint64_t MAX_WIDTH = 65536;
constexpr std::uint64_t MIN_POINTS = 10;
constexpr std::uint64_t MAX_POINTS = 1000000;

std::vector<Span> parseSpans(std::string_view line) {
  std::vector<Span> spans;
  auto add = [&](std::string_view text, bool bold) {
    if (!text.empty()) spans.push_back({std::string(text), bold});
  };
  std::size_t at = 0;
  while (at < line.size()) {
    const std::size_t open = line.find("**", at);
    const std::size_t close = open == std::string_view::npos ? open : line.find("**", open + 2);
    if (close == std::string_view::npos) break;
    add(line.substr(at, open - at), false);
    add(line.substr(open + 2, close - open - 2), true);
    at = close + 2;
  }
  add(line.substr(std::min(at, line.size())), false);
  return spans;
}

// The surface object of a page, read by the preset loader's own code (a surface preset around it), so
// that a lesson accepts exactly what a surface preset does.
core::Result<train::SurfaceSetup> surfaceFromJson(const json& surface, const std::string& where) {
  const json wrapper = {{"kind", "surface"}, {"surface", surface}, {"dataset", {{"name", "gauss"}}}};
  auto preset = train::Preset::fromJson(wrapper, where);
  if (!preset) return preset.error();
  return *preset->surface;
}

core::Result<PageSettings> settingsFromJson(const json& s, const std::string& where) {
  auto fail = [&](const std::string& what) { return core::badInput(where + ": " + what); };
  if (!s.is_object()) return fail("'settings' must be an object");
  PageSettings settings;
  for (const auto& [key, value] : s.items()) {
    if (key == "training") {
      if (!value.is_object()) return fail("'settings.training' must be an object like {\"lr\": 0.1}");
      train::Hyperparams check;
      if (auto updated = check.update(value); !updated) return fail(updated.message());
      settings.training = value;
    } else if (key == "activation") {
      compute::Activation a;
      if (!value.is_string() || !compute::parseActivation(value.get<std::string>(), a))
        return fail("unknown activation " + value.dump());
      settings.activation = a;
    } else if (key == "reset") {
      if (!value.is_boolean()) return fail("'settings.reset' must be true or false");
      settings.reset = value.get<bool>();
    } else if (key == "surface") {
      auto setup = surfaceFromJson(value, where);
      if (!setup) return setup.error();
      settings.surface = setup.value();
    } else if (key == "view") {
      if (value == "network") {
        settings.view = View::Network;
      } else if (value == "surface") {
        settings.view = View::Surface;
      } else {
        return fail("'settings.view' must be \"network\" or \"surface\"");
      }
    } else if (key == "model") {
      if (!value.is_object()) return fail("'settings.model' must be an object like {\"hidden\": [4, 4]}");
      for (const auto& [mkey, widths] : value.items()) {
        if (mkey != "hidden") return fail("unknown key 'settings.model." + mkey + "' (only 'hidden')");
        const std::string wrong = "'settings.model.hidden' must be a list of 1 to 64 widths between 1 and 65536";
        if (!widths.is_array() || widths.empty() || widths.size() > MAX_LAYERS) return fail(wrong);
        std::vector<std::size_t> hidden;
        for (const auto& w : widths) {
          if (!w.is_number_unsigned() || w.get<std::uint64_t>() == 0 || w.get<std::uint64_t>() > MAX_WIDTH)
            return fail(wrong);
          hidden.push_back(w.get<std::size_t>());
        }
        settings.hidden = std::move(hidden);
      }
    } else if (key == "dataset") {
      if (!value.is_object()) return fail("'settings.dataset' must be an object like {\"points\": 600}");
      for (const auto& [dkey, points] : value.items()) {
        if (dkey != "points") return fail("unknown key 'settings.dataset." + dkey + "' (only 'points')");
        if (!points.is_number_unsigned() || points.get<std::uint64_t>() < MIN_POINTS ||
            points.get<std::uint64_t>() > MAX_POINTS)
          return fail("'settings.dataset.points' must be a whole number between 10 and 1000000");
        settings.points = points.get<std::size_t>();
      }
    } else {
      return fail("unknown key 'settings." + key + "'");
    }
  }
  return settings;
}

core::Result<Page> pageFromJson(const json& p, const std::string& where) {
  auto fail = [&](const std::string& what) { return core::badInput(where + ": " + what); };
  if (!p.is_object()) return fail("expected an object with 'text'");
  Page page;
  for (const auto& [key, value] : p.items()) {
    if (key == "id" || key == "text" || key == "point_at" || key == "expect") {
      if (!value.is_string()) return fail("'" + key + "' must be a string");
      std::string text = value.get<std::string>();
      if (text.size() > MAX_TEXT) return fail("'" + key + "' is longer than 64 KiB");
      (key == "id" ? page.id : key == "text" ? page.text : key == "point_at" ? page.pointAt : page.expect) = text;
    } else if (key == "controls") {
      if (!value.is_array() || value.size() > MAX_CONTROLS) return fail("'controls' must be a list of widget names");
      for (const auto& c : value) {
        if (!c.is_string() || c.get<std::string>().empty()) return fail("'controls' must be a list of widget names");
        page.controls.push_back(c.get<std::string>());
      }
    } else if (key == "settings") {
      auto settings = settingsFromJson(value, where);
      if (!settings) return settings.error();
      page.settings = std::move(settings.value());
    } else {
      return fail("unknown key '" + key + "'");
    }
  }
  if (page.text.empty()) return fail("needs 'text'");
  page.lines = parseMarkup(page.text);
  return page;
}

}  // namespace

std::vector<MarkupLine> parseMarkup(std::string_view text) {
  std::vector<MarkupLine> lines;
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    MarkupLine out;
    std::size_t hashes = 0;
    while (hashes < line.size() && hashes < 4 && line[hashes] == '#') ++hashes;
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      out.kind = LineKind::Blank;
    } else if (hashes >= 1 && hashes <= 3 && hashes < line.size() && line[hashes] == ' ') {
      out.kind = LineKind::Heading;
      out.level = static_cast<int>(hashes);
      out.spans = parseSpans(line.substr(hashes + 1));
    } else if (line.size() >= 2 && line[0] == '-' && line[1] == ' ') {
      out.kind = LineKind::Bullet;
      out.spans = parseSpans(line.substr(2));
    } else {
      out.spans = parseSpans(line);
    }
    lines.push_back(std::move(out));
    if (end == text.size()) break;
    at = end + 1;
  }
  return lines;
}

core::Result<Lesson> Lesson::fromJson(const json& j, const std::string& where) {
  auto fail = [&](const std::string& what) { return core::badInput(where + ": " + what); };
  if (!j.is_object()) return fail("expected a JSON object with 'title', 'preset' and 'pages'");
  Lesson lesson;
  for (const auto& [key, value] : j.items()) {
    if (key == "title" || key == "preset") {
      if (!value.is_string() || value.get<std::string>().empty()) return fail("'" + key + "' must be a string");
      (key == "title" ? lesson.title : lesson.preset) = value.get<std::string>();
    } else if (key == "pages") {
      if (!value.is_array() || value.empty() || value.size() > MAX_PAGES)
        return fail("'pages' must be a list of 1 to 200 pages");
      for (std::size_t i = 0; i < value.size(); ++i) {
        auto page = pageFromJson(value[i], where + ": page " + std::to_string(i + 1));
        if (!page) return page.error();
        lesson.pages.push_back(std::move(page.value()));
      }
    } else {
      return fail("unknown key '" + key + "'");
    }
  }
  if (lesson.title.empty()) return fail("needs a 'title'");
  if (lesson.preset.empty()) return fail("needs a 'preset' (a preset name or file) to start from");
  if (lesson.pages.empty()) return fail("needs 'pages'");
  return lesson;
}

core::Result<Lesson> Lesson::load(const std::string& nameOrPath) {
  std::string text;
  std::string where;
  const std::filesystem::path path = nameOrPath;
  const bool looksLikePath = nameOrPath.find('/') != std::string::npos || path.extension() == ".json";
  if (looksLikePath) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return core::badInput("--lesson " + nameOrPath + ": cannot open the file");
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
    where = nameOrPath;
  } else {
    const auto& lessons = core::embeddedLessons();
    const auto found =
        std::find_if(lessons.begin(), lessons.end(), [&](const auto& f) { return f.name == nameOrPath; });
    if (found == lessons.end()) {
      std::string known;
      for (const auto& n : lessonNames()) known += (known.empty() ? "" : ", ") + n;
      return core::badInput("--lesson: unknown lesson '" + nameOrPath + "' (known: " + known + ")");
    }
    text = found->text;
    where = "lesson " + nameOrPath;
  }
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return core::badInput(where + ": not valid JSON");
  auto lesson = fromJson(j, where);
  if (lesson) lesson->name = path.stem().string();
  return lesson;
}

const Page* Lesson::page(std::string_view id) const {
  for (const auto& p : pages) {
    if (!p.id.empty() && p.id == id) return &p;
  }
  return nullptr;
}

std::vector<std::string> lessonNames() {
  std::vector<std::string> names;
  for (const auto& file : core::embeddedLessons()) names.emplace_back(file.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<train::Command> pageCommands(const PageSettings& settings, const Running& running) {
  std::vector<train::Command> commands;
  if (!settings.training.empty()) {
    train::Hyperparams h = running.hyperparams;
    if (h.update(settings.training)) commands.push_back(train::SetHyperparams{h});  // checked when loaded
  }
  std::size_t hiddenLayers = running.hidden.size();
  if (settings.hidden) {
    const std::vector<std::size_t>& want = *settings.hidden;
    // From the last layer down, so that each RemoveLayer's index is still the layer meant.
    for (std::size_t layer = hiddenLayers; layer > want.size(); --layer)
      commands.push_back(train::RemoveLayer{layer - 1});
    for (std::size_t layer = 0; layer < std::min(hiddenLayers, want.size()); ++layer) {
      if (running.hidden[layer] != want[layer]) commands.push_back(train::SetLayerWidth{layer, want[layer]});
    }
    for (std::size_t layer = hiddenLayers; layer < want.size(); ++layer) {
      commands.push_back(train::AddLayer{layer, want[layer], settings.activation.value_or(compute::Activation::Relu)});
    }
    hiddenLayers = want.size();
  }
  if (settings.activation) {
    for (std::size_t layer = 0; layer < hiddenLayers; ++layer)
      commands.push_back(train::SetActivation{layer, *settings.activation});
  }
  if (settings.points && *settings.points != running.points)
    commands.push_back(train::RegenerateData{running.noise, running.dataSeed, *settings.points});
  if (settings.reset) commands.push_back(train::Reset{});
  return commands;
}

bool alwaysShown(std::string_view widget) {
  return widget.starts_with("lesson-") || widget == "panel-lesson" || widget == "panel-viewport" ||
         widget.starts_with("divergence") || widget == "notice";
}

bool controlShown(const Page& page, std::string_view widget, bool presenter) {
  if (!presenter || alwaysShown(widget)) return true;
  return std::find(page.controls.begin(), page.controls.end(), widget) != page.controls.end();
}

}  // namespace nsb::lesson
