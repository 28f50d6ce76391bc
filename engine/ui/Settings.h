#pragma once
// Settings: the editor's preferences remembered between runs (the UI scale), in a small JSON file in
// the config folder: $XDG_CONFIG_HOME/neural-sandbox/settings.json, else ~/.config/neural-sandbox/.
// A missing or broken file gives the defaults; saving replaces the file atomically.
#include <string>

#include "core/Result.h"

namespace nsb::ui {

inline constexpr float MIN_UI_SCALE = 0.75f, MAX_UI_SCALE = 3.0f;

struct Settings {
  float uiScale = 1.0f;
};

std::string settingsPath();
Settings loadSettings();
core::Status saveSettings(const Settings& settings);

}  // namespace nsb::ui
