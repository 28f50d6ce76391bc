// LiveLandscape: refreshes of the loss grid on the session thread, a piece at a time (see the header).
#include "landscape/LiveLandscape.h"

#include <algorithm>
#include <cmath>

#include "train/Trainer.h"

namespace nsb::landscape {

void LiveLandscape::configure(const LiveSettings& settings) {
  std::lock_guard lock(mMutex);
  mSettings = settings;
  ++mSettingsVersion;
}

LiveSettings LiveLandscape::settings() const {
  std::lock_guard lock(mMutex);
  return mSettings;
}

std::shared_ptr<const LiveResult> LiveLandscape::latest() const {
  std::lock_guard lock(mMutex);
  return mLatest;
}

void LiveLandscape::publish(std::shared_ptr<LiveResult> result) {
  std::lock_guard lock(mMutex);
  result->version = ++mVersion;
  mLatest = std::move(result);
}

void LiveLandscape::release() {
  mPass.reset();
  mPending.reset();
  mStarted = false;  // the next advance refreshes on the (new) backend
  mDone = 0;
  mTotal = 0;
}

bool LiveLandscape::advance(train::Trainer& trainer) {
  LiveSettings settings;
  std::uint64_t version;
  {
    std::lock_guard lock(mMutex);
    settings = mSettings;
    version = mSettingsVersion;
  }
  if (mPass && version != mUsedVersion) release();  // new settings: this refresh is stale
  if (!settings.enabled) return false;
  if (!mPass) {
    const std::uint64_t step = trainer.step();
    // Due: new settings, new data, an edit (events), a step back (reset, branch, a kept step shown),
    // or `every` steps trained since the last refresh.
    const bool due = !mStarted || version != mUsedVersion || trainer.sharedDataset().get() != mLastDataset ||
                     trainer.events().size() != mLastEvents || step < mLastStep ||
                     step >= mLastStep + std::max<std::uint64_t>(settings.every, 1);
    if (!due) return false;
    mUsedVersion = version;
    begin(trainer, settings);
    return static_cast<bool>(mPass);
  }
  core::Timer piece;
  mPass->advance();
  mComputeSeconds += piece.seconds();
  mDone = mPass->done();
  if (mPass->finished()) finish();
  return static_cast<bool>(mPass);
}

void LiveLandscape::begin(train::Trainer& trainer, const LiveSettings& settings) {
  core::Timer timer;
  mRefreshTimer.reset();
  mStarted = true;
  mLastStep = trainer.step();
  mLastEvents = trainer.events().size();
  mLastDataset = trainer.sharedDataset().get();
  const nn::ModelSpec& spec = trainer.config().spec;
  const std::vector<float> params = trainer.parameters();

  auto result = std::make_shared<LiveResult>();
  result->step = mLastStep;
  result->settings = settings;
  auto fail = [&](const std::string& message) {
    result->error = message;
    mDone = 0;
    mTotal = 0;
    publish(std::move(result));
  };
  auto batch = evaluationBatch(trainer.dataset(), spec, settings.rows);
  if (!batch) return fail(batch.message());
  mBatch = std::move(batch.value());

  Directions directions;
  float span = settings.span;
  if (spec.parameterCount() == 2) {
    directions = parameterAxes(spec);
    result->exact = true;
  } else if (settings.plane == PlaneKind::Random) {
    directions = randomDirections(spec, params, settings.seed);
  } else {
    // The kept steps of this network's shape (a structural edit starts a new path).
    std::vector<std::vector<float>> path;
    for (const std::uint64_t step : trainer.timeline().steps()) {
      const train::TimelineState* state = trainer.timeline().find(step);
      if (state && state->spec == spec && step <= mLastStep) {
        path.push_back(state->params);
        result->pathSteps.push_back(step);
      }
    }
    // The PCA of at most MAX_PCA_STEPS of them, evenly picked with the first and the last: its cost
    // is n^2 times the parameters, on this thread.
    std::vector<std::vector<float>> picked;
    const std::size_t n = path.size();
    if (n <= MAX_PCA_STEPS) {
      picked = path;
    } else {
      for (std::size_t i = 0; i < MAX_PCA_STEPS; ++i) picked.push_back(path[i * (n - 1) / (MAX_PCA_STEPS - 1)]);
    }
    auto plane = trajectoryPlane(picked, params);
    if (!plane) return fail(plane.message());
    directions = std::move(plane.value().directions);
    result->explained[0] = plane.value().explained[0];
    result->explained[1] = plane.value().explained[1];
    result->path = projectPath(directions, path, params);
    float extent = 0.0f;
    for (const PlanePoint& p : result->path) extent = std::max({extent, std::fabs(p.alpha), std::fabs(p.beta)});
    span = settings.span * (extent > 0.0f ? extent : 1.0f);
  }

  GridConfig config{.points = settings.points, .span = span};
  config.chunk = mSecondsPerPoint > 0.0
                     ? std::clamp<std::size_t>(static_cast<std::size_t>(PIECE_SECONDS / mSecondsPerPoint), 1, 256)
                     : FIRST_CHUNK;
  auto pass = GridPass::start(trainer.backend(), spec, params, directions, mBatch, config);
  if (!pass) return fail(pass.message());
  mPass = std::move(pass.value());
  result->chunk = mPass->chunk();
  mPending = std::move(result);
  mComputeSeconds = timer.seconds();
  mDone = 0;
  mTotal = mPass->total();
}

void LiveLandscape::finish() {
  auto result = std::move(mPending);
  result->grid = mPass->grid();
  result->seconds = mRefreshTimer.seconds();
  result->computeSeconds = mComputeSeconds;
  mSecondsPerPoint = mComputeSeconds / static_cast<double>(mPass->total());
  mPass.reset();
  publish(std::move(result));
}

}  // namespace nsb::landscape
