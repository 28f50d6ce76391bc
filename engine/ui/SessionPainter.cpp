// SessionPainter: an App on a read-only view of another owner's session.
#include "ui/SessionPainter.h"

#include <type_traits>
#include <variant>

#include "ui/App.h"

namespace nsb::ui {

namespace {

// The session as a watcher may touch it: reads pass through; of the commands only the views' probe
// requests (which heatmaps to compute, which weight to follow) do, the probes at most once a frame
// while training; an edit or a Pause is dropped (sequence 0: nothing to wait for). holdTraining is the
// default no-op: a watcher never slows a job.
class ReadOnlySession final : public train::Session {
 public:
  ReadOnlySession(std::shared_ptr<train::Session> session, double fps) : mSession(std::move(session)), mFps(fps) {}

  std::uint64_t submit(train::Command command) override {
    if (auto* probes = std::get_if<train::SetProbes>(&command)) probes->everySeconds = 1.0 / mFps;
    const bool probe = std::visit(
        []<typename T>(const T&) {
          return std::is_same_v<T, train::SetProbes> || std::is_same_v<T, train::WatchParameter>;
        },
        command);
    return probe ? mSession->submit(std::move(command)) : 0;
  }
  std::shared_ptr<const train::Snapshot> latest() const override { return mSession->latest(); }
  train::SyncStatus sync(std::chrono::milliseconds timeout) override { return mSession->sync(timeout); }
  bool awaitApplied(std::uint64_t sequence, std::chrono::milliseconds timeout) override {
    return mSession->awaitApplied(sequence, timeout);
  }
  train::VersionedDataset dataset() const override { return mSession->dataset(); }

 private:
  std::shared_ptr<train::Session> mSession;
  double mFps;
};

}  // namespace

core::Result<std::unique_ptr<SessionPainter>> SessionPainter::create(std::shared_ptr<train::Session> session,
                                                                     const std::string& presetName, std::uint32_t width,
                                                                     std::uint32_t height, float uiScale, double fps) {
  std::unique_ptr<SessionPainter> painter(new SessionPainter());
  painter->mSession = session;
  AppOptions options = sessionOptions(std::make_shared<ReadOnlySession>(session, fps), presetName);
  options.headless = true;
  options.processLog = false;  // the server's log: other jobs' lines and its paths
  options.watchPage = true;
  options.width = width;
  options.height = height;
  options.uiScale = uiScale;
  auto app = App::create(std::move(options));
  if (!app) return app.error();
  painter->mApp = std::move(app.value());
  return painter;
}

SessionPainter::~SessionPainter() {
  mApp.reset();
  mSession->submit(train::SetProbes{});
}

core::Result<render::Image> SessionPainter::paint() {
  if (!mApp->frame(true)) return core::runtimeError("the watch page's renderer failed");
  return mApp->captured();
}

}  // namespace nsb::ui
