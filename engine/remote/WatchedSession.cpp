#include "remote/WatchedSession.h"

#include "data/Dataset.h"

namespace nsb::remote {

WatchedSession::WatchedSession(std::shared_ptr<train::Session> session, std::function<WatchedJobState()> state,
                               std::string hidden, std::string datasetSource)
    : mSession(std::move(session)),
      mState(std::move(state)),
      mHidden(std::move(hidden)),
      mDatasetSource(std::move(datasetSource)) {}

std::string WatchedSession::withoutPath(std::string text, const std::string& hidden) {
  if (hidden.empty()) return text;
  const std::string prefix = hidden.back() == '/' ? hidden : hidden + "/";
  for (std::size_t at = 0; (at = text.find(prefix, at)) != std::string::npos;) text.erase(at, prefix.size());
  return text;
}

std::shared_ptr<const train::Snapshot> WatchedSession::latest() const {
  auto source = mSession->latest();
  const WatchedJobState state = mState();
  const bool running = state.running && !source->divergence;
  const double stepsPerSecond = running ? state.stepsPerSecond : 0.0;
  std::lock_guard lock(mMutex);
  if (source != mSource || !mShown || mShown->running != running || mShown->stepsPerSecond != stepsPerSecond) {
    auto shown = std::make_shared<train::Snapshot>(*source);
    shown->running = running;
    shown->stepsPerSecond = stepsPerSecond;
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

train::VersionedDataset WatchedSession::dataset() const {
  train::VersionedDataset given = mSession->dataset();
  if (mDatasetSource.empty() || !given.dataset) return given;
  std::lock_guard lock(mMutex);
  if (!mDataset || mDatasetVersion != given.version) {
    auto shown = std::make_shared<data::Dataset>(*given.dataset);
    shown->source = mDatasetSource;
    mDataset = std::move(shown);
    mDatasetVersion = given.version;
  }
  return {given.version, mDataset};
}

}  // namespace nsb::remote
