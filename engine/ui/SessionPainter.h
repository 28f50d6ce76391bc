#pragma once
// SessionPainter: the editor's views of a session that lives elsewhere (a server's job), drawn headless
// by the same App as `gui --headless` into an image, one frame a paint(). What the watch page shows.
// Read-only: the App it drives reaches the session through a view that passes on only what the views
// need to draw (the probe requests); every edit is dropped. One thread, the caller's, for all of it.
#include <cstdint>
#include <memory>
#include <string>

#include "core/Result.h"
#include "render/Image.h"
#include "train/Session.h"

namespace nsb::ui {

class App;

class SessionPainter {
 public:
  // Makes the App (its own Vulkan context and ImGui context) on `session`, to paint `fps` frames a
  // second: the probes it asks for run no more often while training. A runtime error when no Vulkan
  // device can draw.
  static core::Result<std::unique_ptr<SessionPainter>> create(std::shared_ptr<train::Session> session,
                                                              const std::string& presetName, std::uint32_t width,
                                                              std::uint32_t height, float uiScale, double fps);
  // Stops the probes it asked the session for.
  ~SessionPainter();

  // Draws one frame of the session's latest snapshot and reads its pixels back.
  core::Result<render::Image> paint();

 private:
  SessionPainter() = default;
  std::shared_ptr<train::Session> mSession;
  std::unique_ptr<App> mApp;
};

}  // namespace nsb::ui
