// LiveLandscape: refreshes of the loss grid on the session thread, a piece at a time (see the header).
#include "landscape/LiveLandscape.h"

#include <algorithm>
#include <cmath>

#include "train/Race.h"
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

bool LiveLandscape::advance(train::Trainer& trainer, const train::RaceContext* race) {
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
    const std::uint64_t step = race ? race->step() : trainer.step();
    const std::size_t events = race ? race->edits : trainer.events().size();
    // Due: new settings, new data, an edit (events), a step back (reset, branch, a kept step shown),
    // another replica shown, or `every` steps trained since the last refresh.
    const bool due = !mStarted || version != mUsedVersion || trainer.sharedDataset().get() != mLastDataset ||
                     events != mLastEvents || step < mLastStep || (race && race->shown != mLastShown) ||
                     step >= mLastStep + std::max<std::uint64_t>(settings.every, 1);
    if (!due) return false;
    mUsedVersion = version;
    begin(trainer, settings, race);
    return static_cast<bool>(mPass);
  }
  core::Timer piece;
  mPass->advance();
  mComputeSeconds += piece.seconds();
  mDone = mPass->done();
  if (mPass->finished()) finish();
  return static_cast<bool>(mPass);
}

namespace {

// The kept steps of `timeline` up to `last`, of `spec` where given (a structural edit starts a new path).
void keptPath(const train::Timeline& timeline, std::uint64_t last, const nn::ModelSpec* spec,
              std::vector<std::vector<float>>& path, std::vector<std::uint64_t>& steps) {
  for (const std::uint64_t step : timeline.steps()) {
    const train::TimelineState* state = timeline.find(step);
    if (state && (!spec || state->spec == *spec) && step <= last) {
      path.push_back(state->params);
      steps.push_back(step);
    }
  }
}

}  // namespace

void LiveLandscape::begin(train::Trainer& trainer, const LiveSettings& settings, const train::RaceContext* race) {
  core::Timer timer;
  mRefreshTimer.reset();
  mStarted = true;
  mLastStep = race ? race->step() : trainer.step();
  mLastEvents = race ? race->edits : trainer.events().size();
  mLastShown = race ? race->shown : 0;
  mLastDataset = trainer.sharedDataset().get();
  const nn::ModelSpec& spec = trainer.config().spec;
  const std::vector<float> params = race ? race->parameters(race->shown) : trainer.parameters();

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
    // The kept steps of this network's shape, or of the shown replica's path (a race's network is not edited).
    std::vector<std::vector<float>> path;
    if (!race) {
      keptPath(trainer.timeline(), mLastStep, &spec, path, result->pathSteps);
    } else if (race->shown < race->paths.size() && race->paths[race->shown]) {
      keptPath(*race->paths[race->shown], mLastStep, nullptr, path, result->pathSteps);
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
    // A race: every replica's kept steps and its weights now on this plane, all inside the map.
    for (std::size_t i = 0; race && i < race->race.size(); ++i) {
      ReplicaPlanePath replica{.id = race->race.id(i)};
      std::vector<std::vector<float>> kept;
      if (i < race->paths.size() && race->paths[i]) keptPath(*race->paths[i], mLastStep, nullptr, kept, replica.steps);
      kept.push_back(race->parameters(i));
      replica.steps.push_back(mLastStep);
      replica.points = projectPath(directions, kept, params);
      for (const PlanePoint& p : replica.points) extent = std::max({extent, std::fabs(p.alpha), std::fabs(p.beta)});
      result->replicas.push_back(std::move(replica));
    }
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
