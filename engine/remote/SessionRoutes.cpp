#include "remote/SessionRoutes.h"

#include <httplib.h>

#include <cstring>
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

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

void replyError(httplib::Response& res, int status, const std::string& message) {
  reply(res, status, json{{"error", message}});
}

// One frame: its length (4 bytes, little-endian as the hosts) and its bytes.
std::string framed(const std::string& bytes) {
  const auto size = static_cast<std::uint32_t>(bytes.size());
  std::string out(4, '\0');
  std::memcpy(out.data(), &size, 4);
  return out + bytes;
}

}  // namespace

bool isCommandRoute(const std::string& method, const std::string& path) {
  static const std::regex pattern("/jobs/[0-9a-z]+/commands");
  return method == "POST" && std::regex_match(path, pattern);
}

SessionRoutes::SessionRoutes(SessionRouteHooks hooks) : mHooks(std::move(hooks)) {}

void SessionRoutes::addRoutes(httplib::Server& http, const std::string& id) {
  http.Post(id + "/commands", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string jobId = req.matches[1];
    auto job = mHooks.find(jobId);
    if (!job) return replyError(res, 404, "no job " + jobId);
    auto body = parseRequestJson(req.body, MAX_COMMAND_BYTES);
    if (!body) return replyError(res, 400, body.message());
    if (!body->is_object() || body->size() != 1 || !body->contains("command")) {
      return replyError(res, 400, "request: expected {\"command\": {...}}");
    }
    auto command = commandFromJson((*body)["command"]);
    if (!command) return replyError(res, 400, command.message());
    auto& session = *job->session;
    const bool running = job->state == "running";
    // The job's state first, as POST /jobs/ID/pause and /resume change it: the supervisor queues Steps
    // while it is running and none otherwise, and the session itself stays paused.
    std::optional<Reply> refused;
    std::optional<train::Command> submitted = std::move(command.value());
    std::visit(
        [&]<typename T>(const T& c) {
          // A job that stopped running meanwhile (done) refuses "pause": it is paused all the same.
          if constexpr (std::is_same_v<T, train::Pause>) {
            if (running) (void)mHooks.changeState(jobId, "pause");
          } else if constexpr (std::is_same_v<T, train::ViewStep>) {
            if (c.step && running) (void)mHooks.changeState(jobId, "pause");  // a past step stays on screen
          } else if constexpr (std::is_same_v<T, train::Resume>) {
            refused = mHooks.changeState(jobId, "resume");
            // The session stays paused (the supervisor steps it): a Pause answers in its place, so that
            // the editor still has a sequence number to wait for.
            submitted = train::Pause{};
          } else if constexpr (std::is_same_v<T, train::Step>) {
            if (running) refused = errorReply(409, "job " + jobId + " is running; pause it before stepping");
          } else if constexpr (std::is_same_v<T, train::SaveCheckpoint> || std::is_same_v<T, train::LoadCheckpoint>) {
            refused = errorReply(403, "command.path: the server's files are its own; GET /jobs/" + jobId +
                                          "/checkpoint downloads the weights");
          }
        },
        *submitted);
    if (refused) return reply(res, refused->status, refused->body);
    const std::uint64_t sequence = session.submit(std::move(*submitted));
    reply(res, 200, json{{"sequence", sequence}});
  });

  http.Get(id + "/frames", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string jobId = req.matches[1];
    if (!mHooks.find(jobId)) return replyError(res, 404, "no job " + jobId);
    if (!mHooks.takeViewer()) {
      return replyError(res, 503, "the server has every stream it may open (--max-viewers)");
    }
    // This stream's one slot: the snapshot it sent last. A slow client only ever gets the latest one.
    struct Sent {
      std::shared_ptr<const train::Snapshot> snapshot;
      bool running = false;
      Clock::time_point at{};
    };
    auto sent = std::make_shared<Sent>();
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "application/octet-stream",
        [this, jobId, sent](std::size_t, httplib::DataSink& sink) {
          const auto since = Clock::now();
          std::this_thread::sleep_until(sent->at + std::chrono::duration_cast<Clock::duration>(FRAME_PERIOD));
          while (Clock::now() - since < KEEP_ALIVE) {
            const auto job = mHooks.find(jobId);
            if (!job || mHooks.stopping()) {  // the job was removed, or the server stops
              sink.done();
              return true;
            }
            auto snapshot = job->session->latest();
            const bool running = job->state == "running";
            if (snapshot != sent->snapshot || running != sent->running) {
              sent->snapshot = snapshot;
              sent->running = running;
              sent->at = Clock::now();
              std::string bytes;
              if (snapshot->running == running) {
                bytes = encodeSnapshot(*snapshot);
              } else {
                // `running` as the job runs: its session stays paused and runs the supervisor's Steps.
                train::Snapshot shown = *snapshot;
                shown.running = running;
                bytes = encodeSnapshot(shown);
              }
              if (bytes.size() > MAX_FRAME_BYTES) {
                core::log().warn("job {}: a frame of {} bytes is over the limit; the stream ends", jobId, bytes.size());
                sink.done();
                return true;
              }
              const std::string frame = framed(bytes);
              return sink.write(frame.data(), frame.size());
            }
            std::this_thread::sleep_for(FRAME_PERIOD);
          }
          static constexpr char NOTHING[4] = {0, 0, 0, 0};  // a keep-alive: finds a closed connection
          return sink.write(NOTHING, sizeof NOTHING);
        },
        [this](bool) { mHooks.releaseViewer(); });
  });

  http.Get(id + "/dataset", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string jobId = req.matches[1];
    const auto job = mHooks.find(jobId);
    if (!job) return replyError(res, 404, "no job " + jobId);
    const auto data = job->session->dataset();
    if (!data.dataset) return replyError(res, 500, "job " + jobId + " has no dataset");
    auto bytes = std::make_shared<const std::string>(encodeDataset(*data.dataset));
    res.set_header(DATASET_VERSION_HEADER, std::to_string(data.version));
    // Served from the one encoded copy (an image dataset is tens of megabytes).
    res.set_content_provider(bytes->size(), "application/octet-stream",
                             [bytes](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                               return sink.write(bytes->data() + offset, length);
                             });
  });
}

}  // namespace nsb::remote
