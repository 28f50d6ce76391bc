#include "remote/SessionRoutes.h"

#include <httplib.h>

#include <regex>
#include <thread>

#include "core/Log.h"
#include "remote/JobSpec.h"
#include "remote/Wire.h"

namespace nsb::remote {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto FRAME_PERIOD = std::chrono::duration<double>(1.0 / FRAME_RATE);
constexpr auto KEEP_ALIVE = std::chrono::seconds(1);
// How often a stream looks for a new state: a command's answer waits at most this long.
constexpr auto POLL = std::chrono::milliseconds(5);

// The editor a request names in `field` of its JSON body: empty when left out; bad input when not a string.
core::Result<std::string> editorOf(const json& body, const std::string& field) {
  if (!body.is_object() || !body.contains(field)) return std::string();
  if (!body[field].is_string()) return core::badInput("request." + field + ": expected an editor's id (a string)");
  return body[field].get<std::string>();
}

json steeringJson(const Steering& steering) { return json{{"id", steering.id}, {"name", steering.name}}; }

}  // namespace

bool isCommandRoute(const std::string& method, const std::string& path) {
  static const std::regex pattern("/jobs/[0-9a-z]+/commands");
  return method == "POST" && std::regex_match(path, pattern);
}

SessionRoutes::SessionRoutes(SessionRouteHooks hooks) : mHooks(std::move(hooks)) {}

std::shared_ptr<SessionRoutes::Channel> SessionRoutes::channel(const std::string& jobId) {
  std::lock_guard lock(mMutex);
  auto& found = mChannels[jobId];
  if (!found) {
    // The channels of jobs removed since go first (job ids are random: a removed one does not come back).
    for (auto it = mChannels.begin(); it != mChannels.end();) {
      it = it->second && !mHooks.find(it->first) ? mChannels.erase(it) : std::next(it);
    }
    found = std::make_shared<Channel>();
  }
  return found;
}

Steering SessionRoutes::steering(Channel& channel) {
  const auto editor = channel.lease.controller(Clock::now());
  return {editor.id, editor.name};
}

void SessionRoutes::addRoutes(httplib::Server& http, const std::string& id) {
  http.Post(id + "/commands", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string jobId = req.matches[1];
    auto job = mHooks.find(jobId);
    if (!job) return replyError(res, 404, "no job " + jobId);
    auto body = parseRequestJson(req.body, MAX_COMMAND_BYTES);
    if (!body) return replyError(res, 400, body.message());
    if (!body->is_object() || !body->contains("command") || body->size() != (body->contains("editor") ? 2u : 1u)) {
      return replyError(res, 400, "request: expected {\"command\": {...}, \"editor\": ID}");
    }
    auto editor = editorOf(*body, "editor");
    if (!editor) return replyError(res, 400, editor.message());
    auto command = commandFromJson((*body)["command"]);
    if (!command) return replyError(res, 400, command.message());
    if (const auto steers = channel(jobId)->lease.refuses(editor.value(), Clock::now())) {
      return reply(res, 409,
                   json{{"error", "job " + jobId + ": " + steers->name +
                                      " steers it; this editor watches until it takes control (POST /jobs/" + jobId +
                                      "/control)"},
                        {"steering", steeringJson({steers->id, steers->name})}});
    }
    auto& session = *job->session;
    const bool running = job->state == "running";
    const std::uint64_t at = session.latest()->step;
    // Pause and Resume change the job's state as POST /jobs/ID/pause and /resume do, which send the
    // session's command (a Resume to the job's end step): its sequence is the answer.
    std::optional<Reply> refused;
    std::optional<std::uint64_t> sent;
    train::Command submitted = std::move(command.value());
    std::visit(
        [&]<typename T>(T& c) {
          if constexpr (std::is_same_v<T, train::Pause>) {
            // A job that stopped running meanwhile (done) refuses "pause": its Pause goes as it is.
            if (running) {
              if (const auto changed = mHooks.changeState(jobId, "pause"); !changed.refused) sent = changed.sequence;
            }
          } else if constexpr (std::is_same_v<T, train::Resume>) {
            const auto changed = mHooks.changeState(jobId, "resume");
            refused = changed.refused;
            sent = changed.sequence;
          } else if constexpr (std::is_same_v<T, train::ViewStep>) {
            if (c.step && running) (void)mHooks.changeState(jobId, "pause");  // a past step stays on screen
          } else if constexpr (std::is_same_v<T, train::Step>) {
            // Cut at the job's end step as the latest snapshot has it (Steps sent faster than they run
            // can pass it by those still queued).
            if (running) {
              refused = errorReply(409, "job " + jobId + " is running; pause it before stepping");
            } else if (at >= job->endStep) {
              refused = errorReply(409, "job " + jobId + " is at its end step " + std::to_string(job->endStep));
            } else {
              c.steps = static_cast<std::uint32_t>(std::min<std::uint64_t>(c.steps, job->endStep - at));
            }
          } else if constexpr (std::is_same_v<T, train::SaveCheckpoint> || std::is_same_v<T, train::LoadCheckpoint>) {
            refused = errorReply(403, "command.path: the server's files are its own; GET /jobs/" + jobId +
                                          "/checkpoint downloads the weights");
          }
        },
        submitted);
    if (refused) return reply(res, *refused);
    const std::uint64_t sequence = sent ? *sent : session.submit(std::move(submitted));
    reply(res, 200, json{{"sequence", sequence}});
  });

  http.Post(id + "/editors", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string jobId = req.matches[1];
    if (!mHooks.find(jobId)) return replyError(res, 404, "no job " + jobId);
    auto body = parseRequestJson(req.body.empty() ? "{}" : req.body, MAX_REQUEST_BYTES);
    if (!body) return replyError(res, 400, body.message());
    auto rejoin = editorOf(*body, "editor");
    if (!rejoin) return replyError(res, 400, rejoin.message());
    auto job = channel(jobId);
    const auto editor = job->lease.attach(rejoin.value(), req.remote_addr, Clock::now());
    if (!editor) {
      return replyError(res, 503,
                        "job " + jobId + " has " + std::to_string(ControlLease::MOST_EDITORS) +
                            " editors attached, the most it takes");
    }
    reply(res, 200, json{{"editor", editor->id}, {"name", editor->name}, {"steering", steeringJson(steering(*job))}});
  });

  http.Post(id + "/control", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string jobId = req.matches[1];
    if (!mHooks.find(jobId)) return replyError(res, 404, "no job " + jobId);
    auto body = parseRequestJson(req.body, MAX_REQUEST_BYTES);
    if (!body) return replyError(res, 400, body.message());
    auto editor = editorOf(*body, "editor");
    if (!editor) return replyError(res, 400, editor.message());
    if (editor->empty())
      return replyError(res, 400, "request.editor: expected the id POST /jobs/" + jobId + "/editors gave");
    auto job = channel(jobId);
    if (!job->lease.take(editor.value(), Clock::now())) {
      return replyError(res, 404,
                        "request.editor: no editor " + editor->substr(0, 32) + " is attached to job " + jobId);
    }
    reply(res, 200, json{{"steering", steeringJson(steering(*job))}});
  });

  http.Get(id + "/frames", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string jobId = req.matches[1];
    if (!mHooks.find(jobId)) return replyError(res, 404, "no job " + jobId);
    auto job = channel(jobId);
    const std::string editor = req.get_param_value("editor");
    if (!editor.empty() && !job->lease.knows(editor)) {
      return replyError(
          res, 404,
          "editor " + editor.substr(0, 32) + ": not attached to job " + jobId + " (POST /jobs/" + jobId + "/editors)");
    }
    if (!mHooks.takeViewer()) {
      return replyError(res, 503, "the server has every stream it may open (--max-viewers)");
    }
    job->lease.opened(editor);
    // This stream's one slot: the frame it sent last. A slow client only ever gets the latest one.
    struct Sent {
      std::uint64_t number = 0;
      std::optional<std::uint64_t> probes;  // the probes the receiver has
      std::uint64_t applied = 0;            // the last command the sent snapshot answers
      Clock::time_point at{};
    };
    auto sent = std::make_shared<Sent>();
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "application/octet-stream",
        [this, jobId, job, sent](std::size_t, httplib::DataSink& sink) {
          const auto since = Clock::now();
          while (Clock::now() - since < KEEP_ALIVE) {
            const auto found = mHooks.find(jobId);
            if (!found || mHooks.stopping()) {  // the job was removed, or the server stops
              sink.done();
              return true;
            }
            // A snapshot that answers a command (an edit, Pause) goes out at once: the editor shows the
            // edit's effect without waiting for the frame rate. Other changes, at most FRAME_RATE a second.
            const auto snapshot = found->session->latest();
            const bool answers = snapshot->appliedSequence != sent->applied;
            if (answers || Clock::now() - sent->at >= FRAME_PERIOD) {
              // `running` as the job's state says (set before its session's Resume or Pause applies).
              const auto frame = job->frames.frame(snapshot, found->state == "running", steering(*job), sent->probes);
              if (frame.number != sent->number) {
                if (!frame.bytes) {
                  core::log().warn("job {}: a frame is over {} bytes; the stream ends", jobId, MAX_FRAME_BYTES);
                  sink.done();
                  return true;
                }
                sent->number = frame.number;
                sent->probes = frame.probes;
                sent->applied = snapshot->appliedSequence;
                sent->at = Clock::now();
                return sink.write(frame.bytes->data(), frame.bytes->size());
              }
            }
            std::this_thread::sleep_for(POLL);
          }
          static constexpr char NOTHING[4] = {0, 0, 0, 0};  // a keep-alive: finds a closed connection
          return sink.write(NOTHING, sizeof NOTHING);
        },
        [this, job, editor](bool) {
          job->lease.closed(editor, Clock::now());
          mHooks.releaseViewer();
        });
  });

  http.Get(id + "/dataset", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string jobId = req.matches[1];
    const auto job = mHooks.find(jobId);
    if (!job) return replyError(res, 404, "no job " + jobId);
    const auto data = job->session->dataset();
    if (!data.dataset) return replyError(res, 500, "job " + jobId + " has no dataset");
    auto bytes = std::make_shared<const std::string>(
        encodeDataset(*data.dataset, job->datasetSource.empty() ? std::nullopt : std::optional(job->datasetSource)));
    res.set_header(DATASET_VERSION_HEADER, std::to_string(data.version));
    // Served from the one encoded copy (an image dataset is tens of megabytes).
    res.set_content_provider(bytes->size(), "application/octet-stream",
                             [bytes](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                               return sink.write(bytes->data() + offset, length);
                             });
  });
}

}  // namespace nsb::remote
