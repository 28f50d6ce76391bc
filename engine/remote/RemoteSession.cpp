#include "remote/RemoteSession.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <type_traits>
#include <variant>

#include "core/Log.h"
#include "remote/Wire.h"

namespace nsb::remote {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// The stream sends a keep-alive every second: nothing for this long is a connection gone.
constexpr std::chrono::seconds STREAM_SILENCE{4};
// The commands route answers once the session has the command queued.
constexpr std::chrono::seconds COMMAND_SILENCE{10};
// The views' probes need not run more often than the server sends frames (ServerConfig::frameRate's
// default): more would only take time from the job.
constexpr double PROBE_SECONDS = 0.1;

// Bad input naming --attach (or --job) for what the server says it speaks or holds.
core::Result<std::string> pickJob(Client& client, const std::string& url, const std::string& wanted) {
  auto version = client.get("/version");
  if (!version) return version.error();
  const auto command = version->value("command_protocol", json()),
             snapshot = version->value("snapshot_protocol", json());
  if (command != json(train::COMMAND_PROTOCOL) || snapshot != json(train::SNAPSHOT_PROTOCOL)) {
    const auto shown = [](const json& v) { return v.is_null() ? std::string("none") : v.dump(); };
    return core::badInput("--attach " + url + ": the server speaks command protocol " + shown(command) +
                          " and snapshot protocol " + shown(snapshot) + ", this editor " +
                          std::to_string(train::COMMAND_PROTOCOL) + " and " + std::to_string(train::SNAPSHOT_PROTOCOL) +
                          "; use the same neural-sandbox version on both");
  }
  auto list = client.get("/jobs");
  if (!list) return list.error();
  std::vector<std::string> ids;
  if (list->contains("jobs") && (*list)["jobs"].is_array()) {
    for (const auto& job : (*list)["jobs"]) {
      if (job.is_object() && job.contains("job") && job["job"].is_string())
        ids.push_back(job["job"].get<std::string>());
    }
  }
  std::string all;
  for (const auto& id : ids) all += (all.empty() ? "" : ", ") + id;
  if (!wanted.empty()) {
    if (std::find(ids.begin(), ids.end(), wanted) != ids.end()) return wanted;
    return core::badInput("--job " + wanted + ": no such job on " + url +
                          (ids.empty() ? " (it has none)" : "; its jobs: " + all));
  }
  if (ids.size() == 1) return ids.front();
  if (ids.empty()) {
    return core::badInput("--attach " + url + ": the server has no jobs; start one with `neural-sandbox remote train`");
  }
  return core::badInput("--attach " + url + ": the server has " + std::to_string(ids.size()) +
                        " jobs, choose one with --job: " + all);
}

}  // namespace

core::Result<std::unique_ptr<RemoteSession>> RemoteSession::attach(const AttachOptions& options) {
  auto control = Client::connect(options.url, options.client);
  if (!control) return core::Error{"--attach " + control.message(), control.error().kind};
  auto job = pickJob(control.value(), options.url, options.job);
  if (!job) return job.error();
  auto status = control->get("/jobs/" + job.value());
  if (!status) return status.error();
  ClientOptions streamOptions = options.client, controlOptions = options.client;
  streamOptions.readTimeout = STREAM_SILENCE;
  controlOptions.readTimeout = COMMAND_SILENCE;
  control = Client::connect(options.url, controlOptions);
  auto stream = Client::connect(options.url, streamOptions);
  auto data = Client::connect(options.url, options.client);
  if (!control) return control.error();
  if (!stream) return stream.error();
  if (!data) return data.error();
  std::unique_ptr<RemoteSession> session(new RemoteSession(options.url, job.value(), status->value("preset", ""),
                                                           std::move(control.value()), std::move(stream.value()),
                                                           std::move(data.value())));
  // The first frame (and its dataset), or the first connection's failure.
  RemoteSession& s = *session;
  std::unique_lock lock(s.mMutex);
  s.mChanged.wait_for(lock, options.firstFrame, [&] { return s.mConnections > 0 || s.mFirstFailure.has_value(); });
  if (s.mConnections > 0) return session;
  const core::Error error = s.mFirstFailure
                                ? *s.mFirstFailure
                                : core::runtimeError(options.url + ": no frame of job " + job.value() + " within " +
                                                     std::to_string(options.firstFrame.count()) + " ms");
  lock.unlock();
  return error;
}

RemoteSession::RemoteSession(std::string url, std::string job, std::string presetName, Client control, Client stream,
                             Client data)
    : mUrl(std::move(url)),
      mJob(std::move(job)),
      mPresetName(std::move(presetName)),
      mControl(std::move(control)),
      mStream(std::move(stream)),
      mData(std::move(data)),
      mServer(std::make_shared<const train::Snapshot>()),
      mLatest(mServer) {
  mSender = std::thread([this] { sendLoop(); });
  mReader = std::thread([this] { readLoop(); });
}

RemoteSession::~RemoteSession() {
  {
    std::lock_guard lock(mMutex);
    mStop = true;
  }
  mChanged.notify_all();
  // A request in flight ends at once (a stream would otherwise wait for its next keep-alive).
  mStream.cancel();
  mData.cancel();
  mControl.cancel();
  mSender.join();
  mReader.join();
}

std::uint64_t RemoteSession::submit(train::Command command) {
  std::uint64_t local = 0;
  {
    std::lock_guard lock(mMutex);
    if (auto* probes = std::get_if<train::SetProbes>(&command)) {
      probes->everySeconds = std::max(probes->everySeconds, PROBE_SECONDS);
      mProbes = command;
    }
    if (std::holds_alternative<train::WatchParameter>(command)) mWatch = command;
    const bool view =
        std::holds_alternative<train::SetProbes>(command) || std::holds_alternative<train::WatchParameter>(command);
    local = mNextLocal++;
    mSent.push_back(Sent{.local = local});
    if (!steeringLocked()) {
      // Another editor steers: its views are shown; this one's requests wait until it takes control.
      if (view) {
        mSent.back().answered = true;
      } else {
        refuseLocked(local, "this editor watches: " + (mSteering.name.empty() ? "nobody" : mSteering.name) +
                                " steers job " + mJob + "; Take control to steer");
      }
      publishLocked();
    } else if (std::holds_alternative<train::SetSessionWork>(command)) {
      // Work beside the training (the live landscape) needs the trainer: it is on the server's machine.
      refuseLocked(local, "an attached editor has no landscape: it is computed beside the training, on the server");
      publishLocked();
    } else {
      mOutbox.emplace_back(local, std::move(command));
    }
  }
  mChanged.notify_all();
  return local;
}

std::shared_ptr<const train::Snapshot> RemoteSession::latest() const {
  std::lock_guard lock(mMutex);
  return mLatest;
}

train::SyncStatus RemoteSession::sync(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mMutex);
  const std::uint64_t wanted = mNextLocal - 1;
  mChanged.wait_for(lock, timeout, [&] { return mStop || mAppliedLocal >= wanted; });
  if (mAppliedLocal >= wanted) return train::SyncStatus::Synced;
  return mStop ? train::SyncStatus::Ended : train::SyncStatus::TimedOut;
}

bool RemoteSession::awaitApplied(std::uint64_t sequence, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mMutex);
  mChanged.wait_for(lock, timeout, [&] { return mStop || mAppliedLocal >= sequence; });
  return mAppliedLocal >= sequence;
}

train::VersionedDataset RemoteSession::dataset() const {
  std::lock_guard lock(mMutex);
  return mDataset;
}

train::SessionLink RemoteSession::link() const {
  std::lock_guard lock(mMutex);
  return {.where = mUrl + " job " + mJob,
          .connected = mConnected,
          .problem = mProblem,
          .steering = steeringLocked(),
          .steeredBy = mSteering.name,
          .viewer = mViewer};
}

void RemoteSession::takeControl() {
  {
    std::lock_guard lock(mMutex);
    if (mEditor.empty()) {
      core::log().warn("{}: job {}: this editor attached with a viewer token, which only watches", mUrl, mJob);
      return;
    }
    mTakeControl = true;
  }
  mChanged.notify_all();
}

bool RemoteSession::steeringLocked() const { return !mEditor.empty() && mSteering.id == mEditor; }

void RemoteSession::steerLocked(Steering steering) {
  const bool was = steeringLocked();
  mSteering = std::move(steering);
  if (steeringLocked() && !was) {
    // This editor's views replace the other's on the server.
    for (const auto* request : {&mProbes, &mWatch}) {
      if (*request) mOutbox.emplace_back(0, **request);
    }
    mChanged.notify_all();
  }
}

core::Result<std::string> RemoteSession::attachEditor() {
  std::string rejoin;
  const std::string frames = "/jobs/" + mJob + "/frames";
  {
    std::lock_guard lock(mMutex);
    if (mViewer) return frames;  // a token's role does not change: not asked again
    rejoin = mEditor;
  }
  auto attached = mData.post("/jobs/" + mJob + "/editors", rejoin.empty() ? json::object() : json{{"editor", rejoin}});
  if (!attached && attached.message().find("(HTTP 403)") != std::string::npos) {
    // A viewer token (remote/Client.h's error names the status): this editor watches, without an id.
    core::log().info("{}: job {}: this editor only watches: {}", mUrl, mJob, attached.message());
    std::lock_guard lock(mMutex);
    mViewer = true;
    return frames;
  }
  if (!attached) return attached.error();
  const auto id = attached->value("editor", json());
  if (!id.is_string() || id.get<std::string>().empty()) {
    return core::runtimeError(mUrl + ": POST /jobs/" + mJob + "/editors: the reply has no editor");
  }
  std::lock_guard lock(mMutex);
  mEditor = id.get<std::string>();
  return frames + "?editor=" + mEditor;
}

std::uint64_t RemoteSession::connections() const {
  std::lock_guard lock(mMutex);
  return mConnections;
}

void RemoteSession::sendLoop() {
  const std::string path = "/jobs/" + mJob + "/commands";
  for (;;) {
    std::uint64_t local = 0;
    train::Command command;
    {
      std::unique_lock lock(mMutex);
      mChanged.wait(lock, [&] { return mStop || !mOutbox.empty() || mTakeControl; });
      if (mStop) return;
      if (std::exchange(mTakeControl, false)) {
        const std::string editor = mEditor;
        lock.unlock();
        auto taken = mControl.post("/jobs/" + mJob + "/control", json{{"editor", editor}});
        lock.lock();
        if (!taken) {
          core::log().warn("{}: job {}: control not taken: {}", mUrl, mJob, taken.message());
        } else {
          const json steering = taken->value("steering", json::object());
          steerLocked({steering.value("id", ""), steering.value("name", "")});
          publishLocked();
        }
        continue;
      }
      local = mOutbox.front().first;
      command = std::move(mOutbox.front().second);
      mOutbox.pop_front();
    }
    auto body = commandToJson(command);
    json request{{"command", body ? body.value() : json()}};
    {
      std::lock_guard lock(mMutex);
      if (!mEditor.empty()) request["editor"] = mEditor;
    }
    core::Result<json> reply = body ? mControl.post(path, request) : body.error();
    std::lock_guard lock(mMutex);
    if (local == 0) {
      if (!reply) core::log().warn("{}: the views' request not sent again: {}", mUrl, reply.message());
      continue;
    }
    const auto sequence = reply ? reply->value("sequence", json()) : json();
    if (!sequence.is_number_unsigned() || sequence.get<std::uint64_t>() == 0) {
      refuseLocked(local, !reply ? reply.message() : mUrl + ": POST " + path + ": the reply has no sequence");
    } else {
      for (auto& sent : mSent) {
        if (sent.local == local) sent.server = sequence.get<std::uint64_t>();
      }
    }
    publishLocked();
    mChanged.notify_all();
  }
}

void RemoteSession::readLoop() {
  std::chrono::milliseconds wait{250};
  for (;;) {
    {
      std::lock_guard lock(mMutex);
      if (mStop) return;
    }
    const std::uint64_t before = connections();
    const auto path = attachEditor();
    core::Status ended =
        path ? mStream.frames(path.value(), [this](std::string_view bytes) { return receive(bytes); }) : path.error();
    std::unique_lock lock(mMutex);
    if (mStop) return;
    const std::string why = !ended ? ended.message() : !mDropped.empty() ? mDropped : mUrl + ": the frames stopped";
    mDropped.clear();
    if (mConnections == 0 && !mFirstFailure) {
      // attach() is waiting: the first failure is its answer.
      mFirstFailure = ended ? core::runtimeError(why) : ended.error();
      mChanged.notify_all();
      return;
    }
    if (mConnections > before) wait = std::chrono::milliseconds(250);  // it was up: try again soon
    lock.unlock();
    lost(why);
    lock.lock();
    mProblem = "connection lost (" + why + "); reconnecting...";
    mChanged.wait_for(lock, wait, [&] { return mStop; });
    wait = std::min(wait * 2, RETRY_MOST);
  }
}

bool RemoteSession::receive(std::string_view bytes) {
  if (bytes.empty()) {  // a keep-alive
    std::lock_guard lock(mMutex);
    return !mStop;
  }
  std::uint64_t have = 0;
  std::shared_ptr<const train::ProbeSet> probes;
  {
    std::lock_guard lock(mMutex);
    if (mStop) return false;
    have = mServerDatasetVersion;
    probes = mServer->probes;
  }
  auto decoded = decodeFrame(bytes, probes);
  if (!decoded) {
    // The next frame may keep the probes this one had: the stream starts again.
    std::lock_guard lock(mMutex);
    mDropped = "job " + mJob + ": a frame dropped: " + decoded.message();
    return false;
  }
  const std::uint64_t version = decoded->snapshot->datasetVersion;
  // The data first: a view must never draw a network against data of another shape.
  std::shared_ptr<const data::Dataset> fetched;
  std::uint64_t fetchedVersion = version;
  if (version != have) {
    std::map<std::string, std::string> headers;
    auto bytesOf = mData.download("/jobs/" + mJob + "/dataset", &headers);
    auto dataset =
        bytesOf ? decodeDataset(bytesOf.value()) : core::Result<std::shared_ptr<const data::Dataset>>(bytesOf.error());
    if (!dataset) {
      std::lock_guard lock(mMutex);
      mDropped = "job " + mJob + "'s dataset: " + dataset.message();
      return false;  // the stream starts again, and so does the fetch
    }
    fetched = std::move(dataset.value());
    // The version the bytes are (the data may have changed since the frame was made).
    if (const auto it = headers.find("X-NSB-Dataset-Version"); it != headers.end()) {
      fetchedVersion = std::strtoull(it->second.c_str(), nullptr, 10);
    }
  }
  std::vector<train::Command> replay;
  {
    std::lock_guard lock(mMutex);
    if (mStop) return false;
    if (fetched) {
      mDataset = {train::nextDatasetVersion(), std::move(fetched)};
      mServerDatasetVersion = fetchedVersion;
    }
    if (!mConnected) {
      // A new connection: the server (perhaps a new process) gets the views' requests again.
      mConnected = true;
      mProblem.clear();
      if (++mConnections > 1) {
        // Only while it steers on both sides of the gap: control gained now sends them in steerLocked().
        const bool steers = steeringLocked() && decoded->steering.id == mEditor;
        for (const auto* request : {&mProbes, &mWatch}) {
          if (*request && steers) mOutbox.emplace_back(0, **request);
        }
        core::log().info("{}: job {}: connected again", mUrl, mJob);
      }
    }
    mServer = std::move(decoded->snapshot);
    steerLocked(std::move(decoded->steering));
    publishLocked();
  }
  mChanged.notify_all();
  return true;
}

void RemoteSession::lost(const std::string& why) {
  std::lock_guard lock(mMutex);
  if (mConnected) core::log().warn("{}: job {}: connection lost: {}", mUrl, mJob, why);
  mConnected = false;
  mServerDatasetVersion = 0;  // a server started again numbers its datasets anew
  // The server may have gone with them: a command posted and not answered will never be.
  for (const auto& sent : mSent) {
    if (sent.server != 0 && !sent.answered)
      refuseLocked(sent.local, "not answered: the connection was lost (" + why + ")");
  }
  publishLocked();
  mChanged.notify_all();
}

void RemoteSession::refuseLocked(std::uint64_t local, const std::string& message) {
  for (auto& sent : mSent) {
    if (sent.local != local) continue;
    sent.answered = true;
    mOutcomes.push_back({.sequence = local, .step = mServer->step, .ok = false, .message = message});
    if (mOutcomes.size() > OUTCOMES_KEPT) mOutcomes.pop_front();
  }
}

void RemoteSession::publishLocked() {
  const train::Snapshot& s = *mServer;
  // The server answers in the order posted: the commands it has applied are at the front.
  while (!mSent.empty()) {
    Sent& front = mSent.front();
    if (!front.answered && (front.server == 0 || front.server > s.appliedSequence)) break;
    if (!front.answered) {
      if (const train::Outcome* outcome = train::findOutcome(s, front.server)) {
        train::Outcome local = *outcome;
        local.sequence = front.local;
        mOutcomes.push_back(std::move(local));
        if (mOutcomes.size() > OUTCOMES_KEPT) mOutcomes.pop_front();
      }
    }
    mAppliedLocal = front.local;
    mSent.pop_front();
  }
  if (mSent.empty()) mAppliedLocal = mNextLocal - 1;
  auto shown = std::make_shared<train::Snapshot>(s);
  shown->appliedSequence = mAppliedLocal;
  shown->outcomes.assign(mOutcomes.begin(), mOutcomes.end());
  std::sort(shown->outcomes.begin(), shown->outcomes.end(),
            [](const train::Outcome& a, const train::Outcome& b) { return a.sequence < b.sequence; });
  shown->datasetVersion = mDataset.version;
  mLatest = std::move(shown);
}

}  // namespace nsb::remote
