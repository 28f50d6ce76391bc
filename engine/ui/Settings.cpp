#include "ui/Settings.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace nsb::ui {

std::string settingsPath() {
  std::filesystem::path dir;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    dir = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    dir = std::filesystem::path(home) / ".config";
  } else {
    dir = ".";
  }
  return (dir / "neural-sandbox" / "settings.json").string();
}

Settings loadSettings() {
  Settings settings;
  std::ifstream in(settingsPath());
  if (!in) return settings;
  const auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_object() && json.contains("ui_scale") && json["ui_scale"].is_number()) {
    const float scale = json["ui_scale"].get<float>();
    if (std::isfinite(scale)) settings.uiScale = std::clamp(scale, MIN_UI_SCALE, MAX_UI_SCALE);
  }
  return settings;
}

core::Status saveSettings(const Settings& settings) {
  const std::filesystem::path path = settingsPath();
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) return core::runtimeError(path.parent_path().string() + ": " + error.message());
  const std::filesystem::path temp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    out << nlohmann::json{{"ui_scale", settings.uiScale}}.dump(2) << "\n";
    if (!out) {
      std::filesystem::remove(temp, error);
      return core::runtimeError(path.string() + ": cannot write the settings");
    }
  }
  std::filesystem::rename(temp, path, error);
  if (error) {
    std::filesystem::remove(temp, error);
    return core::runtimeError(path.string() + ": cannot write the settings");
  }
  return core::Ok{};
}

}  // namespace nsb::ui
