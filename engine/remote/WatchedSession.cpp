#include "remote/WatchedSession.h"

namespace nsb::remote {

WatchedSession::WatchedSession(std::shared_ptr<train::Session> session, std::function<bool()> running,
                               std::string hidden)
    : mSession(std::move(session)), mRunning(std::move(running)), mHidden(std::move(hidden)) {}

std::string WatchedSession::withoutPath(std::string text, const std::string& hidden) {
  if (hidden.empty()) return text;
  const std::string prefix = hidden.back() == '/' ? hidden : hidden + "/";
  for (std::size_t at = 0; (at = text.find(prefix, at)) != std::string::npos;) text.erase(at, prefix.size());
  return text;
}

std::shared_ptr<const train::Snapshot> WatchedSession::latest() const {
  auto source = mSession->latest();
  const bool running = mRunning() && !source->divergence;
  std::lock_guard lock(mMutex);
  if (source != mSource || !mShown || mShown->running != running) {
    auto shown = std::make_shared<train::Snapshot>(*source);
    shown->running = running;
    for (auto& e : shown->events) {
      e.what = withoutPath(std::move(e.what), mHidden);
      e.before = withoutPath(std::move(e.before), mHidden);
      e.after = withoutPath(std::move(e.after), mHidden);
    }
    for (auto& o : shown->outcomes) o.message = withoutPath(std::move(o.message), mHidden);
    mSource = std::move(source);
    mShown = std::move(shown);
  }
  return mShown;
}

}  // namespace nsb::remote
