#include "remote/Server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <vector>

#include "core/Log.h"
#include "nn/Checkpoint.h"
#include "remote/DataFolder.h"
#include "remote/DiskQuota.h"
#include "remote/JobStream.h"
#include "remote/JobSupervisor.h"
#include "remote/Reply.h"
#include "remote/ServerJob.h"
#include "remote/SessionRoutes.h"
#include "remote/WatchedSession.h"
#include "remote/Wire.h"
#include "train/Snapshot.h"
#include "train/Thinning.h"

namespace nsb::remote {

using nlohmann::json;

namespace {

// Threads beside the streams' for control requests (each holds one for a request or a keep-alive).
constexpr std::size_t CONTROL_THREADS = 4;
// How long a control request waits for the session to take its command.
constexpr std::chrono::seconds COMMAND_TIMEOUT{10};
// GET /jobs/ID/metrics goes out in pieces of about this many bytes.
constexpr std::size_t METRICS_PIECE = 64 * 1024;

}  // namespace

struct Server::Impl {
  ServerConfig config;
  JobFactory factory;
  DataFolder folder;
  std::unique_ptr<httplib::Server> http;
  Evaluator evaluator;
  Uploads uploads;
  int port = 0;
  std::mutex jobsMutex;
  std::map<std::string, std::shared_ptr<Job>> jobs;
  std::atomic<std::size_t> viewers{0};
  std::atomic<bool> stopping{false};
  std::unique_ptr<JobSupervisor> supervisor;  // made once the data folder's jobs are resumed
  std::unique_ptr<WatchPage> watch;
  std::unique_ptr<SessionRoutes> sessionRoutes;

  Impl(ServerConfig c, JobFactory f, Evaluator e, DataFolder d)
      : config(std::move(c)),
        factory(std::move(f)),
        folder(std::move(d)),
        evaluator(std::move(e)),
        uploads(folder.root(), config.uploads, config.memory) {}

  std::shared_ptr<Job> find(const std::string& id) {
    std::lock_guard lock(jobsMutex);
    const auto it = jobs.find(id);
    return it == jobs.end() ? nullptr : it->second;
  }

  // The job named by the route's first match, or a 404 already written.
  std::shared_ptr<Job> jobOf(const httplib::Request& req, httplib::Response& res) {
    auto job = find(req.matches[1]);
    if (!job) replyError(res, 404, "no job " + std::string(req.matches[1]));
    return job;
  }

  json status(Job& job) {
    const auto snapshot = job.start.session->latest();
    std::lock_guard lock(job.mutex);
    return job.status(*snapshot);
  }

  // Submits and waits until the session has taken it: its outcome, or an error line.
  core::Status command(Job& job, train::Command c) { return applied(job, job.start.session->submit(std::move(c))); }

  // Waits until the session has taken the command of `sequence`: its outcome, or an error line.
  core::Status applied(Job& job, std::uint64_t sequence) {
    auto& session = *job.start.session;
    if (!session.awaitApplied(sequence, COMMAND_TIMEOUT)) {
      return core::runtimeError("job " + job.id + ": the session did not answer in time");
    }
    const auto snapshot = session.latest();
    if (const auto* outcome = train::findOutcome(*snapshot, sequence); outcome && !outcome->ok) {
      return core::badInput(outcome->message);
    }
    return core::Ok{};
  }

  // Makes a job's session from its spec; with a checkpoint in its folder, from there.
  core::Result<std::shared_ptr<Job>> makeJob(const std::string& id, const JobSpec& given, bool resume) {
    JobSpec spec = given;
    if (spec.dataset && isDatasetId(*spec.dataset)) {
      spec.datasetPath = uploads.datasetPath(*spec.dataset);
      if (!spec.datasetPath) return core::badInput("dataset: no upload " + *spec.dataset + " on this server");
    }
    // A resumed job's session starts with its metric history up to its checkpoint's step (from there it
    // trains again), so that the plots of an attached editor or the watch page start at step 0.
    const bool fromCheckpoint = resume && std::filesystem::exists(folder.checkpointPath(id));
    std::vector<train::MetricPoint> history;
    if (fromCheckpoint) {
      auto saved = nn::loadCheckpoint(folder.checkpointPath(id));
      if (!saved) return saved.error();
      history = folder.readHistory(id, saved->step, train::HISTORY_KEPT);
    }
    auto start = factory(spec, std::move(history));
    if (!start) return start.error();
    auto job = std::make_shared<Job>();
    job->id = id;
    job->spec = spec;
    job->start = std::move(start.value());
    job->datasetSource = datasetSource(*job);
    if (fromCheckpoint) {
      NSB_TRY(command(*job, train::LoadCheckpoint{folder.checkpointPath(id)}));
      job->hasCheckpoint = true;
      job->checkpointStep = job->start.session->latest()->step;
    }
    if (resume) {
      folder.readMetrics(id, [&](json&& point) {
        job->metricsStep = point.value("step", std::uint64_t{0});
        job->lastMetric = std::move(point);
        return true;
      });
    }
    return job;
  }

  void resumeJobs() {
    for (const auto& id : folder.jobIds()) {
      auto specJson = folder.readJson(id, "spec.json");
      auto spec = specJson ? parseJobSpec(specJson.value()) : core::Result<JobSpec>(specJson.error());
      if (!spec) {
        core::log().warn("job {}: not resumed: {}", id, spec.message());
        continue;
      }
      auto job = makeJob(id, spec.value(), true);
      if (!job) {
        core::log().warn("job {}: not resumed: {}", id, job.message());
        continue;
      }
      auto state = folder.readJson(id, "state.json");
      const std::string saved = state && state->is_object() ? state->value("state", "paused") : "paused";
      auto& j = *job.value();
      {
        std::lock_guard lock(j.mutex);
        setJobState(folder, j, saved == "running" || saved == "stopped" || saved == "done" ? saved : "paused");
      }
      core::log().info("job {}: resumed at step {} ({})", id, j.checkpointStep, j.state);
      jobs[id] = std::move(job.value());
    }
  }

  // An uploaded dataset is loaded whole before the network's own check (when the trainer is made): its
  // size, from its upload.json, against the memory budget first.
  core::Status uploadedDatasetFits(const JobSpec& spec) {
    if (!spec.dataset || !isDatasetId(*spec.dataset)) return core::Ok{};
    const auto info = uploads.info(*spec.dataset);
    if (!info) return core::Ok{};  // no such upload: makeJob says so
    return MemoryGate::check(config.memory.budget(), uploadedDatasetBytes(*info), "dataset " + *spec.dataset);
  }

  // What a client (the watch page's Details panel, an attached editor) is told a job's dataset came from: an upload by
  // its id and the file the client sent, never its path on this server. Empty: the dataset's own (a catalog's).
  std::string datasetSource(const Job& job) {
    if (!job.spec.dataset || !isDatasetId(*job.spec.dataset)) return {};
    std::string source = "upload " + *job.spec.dataset;
    if (const auto info = uploads.info(*job.spec.dataset)) {
      const json files = info->value("files", json::object());
      const std::string file = files.is_object() ? files.value("csv", files.value("train-images", "")) : "";
      if (!file.empty()) source += " (" + file + ")";
    }
    return source;
  }

  // --- routes ---

  void createJob(const httplib::Request& req, httplib::Response& res) {
    auto body = parseRequestJson(req.body);
    if (!body) return replyError(res, 400, body.message());
    auto spec = parseJobSpec(body.value());
    if (!spec) return replyError(res, 400, spec.message());
    if (auto fits = uploadedDatasetFits(spec.value()); !fits) return replyError(res, 507, fits.message());
    {
      std::lock_guard lock(jobsMutex);
      if (jobs.size() >= config.maxJobs) {
        return replyError(res, 429,
                          "the server holds " + std::to_string(jobs.size()) + " jobs, at most " +
                              std::to_string(config.maxJobs) + " (--max-jobs); remove one first");
      }
    }
    auto id = folder.newJob();
    if (!id) return replyError(res, 500, id.message());
    auto job = makeJob(id.value(), spec.value(), false);
    if (!job) {
      (void)folder.remove(id.value());
      const bool bad = job.error().kind == core::ErrorKind::BadInput;
      return replyError(res, bad && isMemoryRefusal(job.message()) ? 507 : bad ? 400 : 500, job.message());
    }
    if (auto written = folder.writeJson(id.value(), "spec.json", spec->toJson()); !written) {
      (void)folder.remove(id.value());
      return replyError(res, 500, written.message());
    }
    auto& j = *job.value();
    {
      std::lock_guard lock(j.mutex);
      setJobState(folder, j, "running");
    }
    {
      std::lock_guard lock(jobsMutex);
      jobs[id.value()] = job.value();
    }
    core::log().info("job {}: created ({})", id.value(), spec->toJson().dump());
    reply(res, 201, status(j));
  }

  void listJobs(httplib::Response& res) {
    std::vector<std::shared_ptr<Job>> all;
    {
      std::lock_guard lock(jobsMutex);
      for (const auto& [id, job] : jobs) all.push_back(job);
    }
    json list = json::array();
    for (const auto& job : all) list.push_back(status(*job));
    reply(res, 200, json{{"jobs", list}});
  }

  // The job's state as pause, resume and stop change it, and its session's command that does it (a Pause,
  // or a Resume to the job's end step: setJobState); an error reply when the job cannot. An attached
  // editor's Pause and Resume come here too.
  StateChange changeState(Job& job, const std::string& action) {
    std::lock_guard lock(job.mutex);
    const std::string state = job.state;
    if (action == "resume" && (state == "done" || state == "stopped")) {
      return {errorReply(409, "job " + job.id + " is " + state + "; it cannot resume")};
    }
    if (action == "pause" && state != "running")
      return {errorReply(409, "job " + job.id + " is " + state + ", not running")};
    const std::uint64_t sequence = setJobState(folder, job,
                                               action == "resume"  ? "running"
                                               : action == "pause" ? "paused"
                                                                   : "stopped");
    if (action == "stop") job.lastCheckpoint = Clock::time_point{};  // a checkpoint at once
    return {std::nullopt, sequence};
  }

  void control(const httplib::Request& req, httplib::Response& res, const std::string& action) {
    auto job = jobOf(req, res);
    if (!job) return;
    if (!req.body.empty()) {
      auto body = parseRequestJson(req.body);
      if (!body) return replyError(res, 400, body.message());
      if (!body->is_object() || !body->empty()) return replyError(res, 400, "request: " + action + " takes no fields");
    }
    const StateChange changed = changeState(*job, action);
    if (changed.refused) return reply(res, *changed.refused);
    // Nothing is queued on the session before its Pause or Resume but other requests' commands.
    if (auto done = applied(*job, changed.sequence); !done)
      return replyError(res, done.error().kind == core::ErrorKind::BadInput ? 409 : 500, done.message());
    supervisor->wake();
    reply(res, 200, status(*job));
  }

  void editHyperparams(const httplib::Request& req, httplib::Response& res) {
    auto job = jobOf(req, res);
    if (!job) return;
    auto body = parseRequestJson(req.body);
    if (!body) return replyError(res, 400, body.message());
    auto edit = parseHyperparamEdit(body.value());
    if (!edit) return replyError(res, 400, edit.message());
    train::Hyperparams h = job->start.session->latest()->hyperparams;
    if (auto updated = h.update(edit.value()); !updated) return replyError(res, 400, updated.message());
    auto applied = command(*job, train::SetHyperparams{h});
    if (!applied)
      return replyError(res, applied.error().kind == core::ErrorKind::BadInput ? 409 : 500, applied.message());
    reply(res, 200, status(*job));
  }

  // currentCheckpoint saves over the job's checkpoint in the data folder (a new file beside it, renamed
  // over it): the 507 naming --max-disk when that does not fit, before anything is written.
  std::optional<Reply> checkpointRefused(Job& job) {
    const auto snapshot = job.start.session->latest();
    auto room = checkRoom(folder.root(), config.uploads.maxDisk, checkpointBytes(snapshot->spec),
                          "the checkpoint of job " + job.id + " at step " + std::to_string(snapshot->step));
    if (room) return std::nullopt;
    return errorReply(507, room.message());
  }

  // The job's weights now, as `train --save` writes them.
  core::Result<nn::Checkpoint> currentCheckpoint(Job& job) {
    const std::string path = folder.checkpointPath(job.id);
    NSB_TRY(command(job, train::SaveCheckpoint{path}));
    auto checkpoint = nn::loadCheckpoint(path);
    if (!checkpoint) return checkpoint.error();
    checkpoint->extra.update(job.start.checkpointExtra);
    return checkpoint;
  }

  void download(const httplib::Request& req, httplib::Response& res) {
    auto job = jobOf(req, res);
    if (!job) return;
    if (auto refused = checkpointRefused(*job)) return reply(res, *refused);
    auto checkpoint = currentCheckpoint(*job);
    if (!checkpoint) return replyError(res, 500, checkpoint.message());
    auto bytes = nn::serializeCheckpoint(checkpoint.value());
    if (!bytes) return replyError(res, 500, bytes.message());
    res.status = 200;
    res.set_content(std::string(bytes->begin(), bytes->end()), "application/octet-stream");
  }

  // {"dataset": NAME or upload ID}, optional: the job's own dataset by default.
  void evaluate(const httplib::Request& req, httplib::Response& res) {
    auto job = jobOf(req, res);
    if (!job) return;
    auto body = parseRequestJson(req.body.empty() ? "{}" : req.body);
    if (!body) return replyError(res, 400, body.message());
    if (!body->is_object() || body->size() > 1 || (body->size() == 1 && !body->contains("dataset"))) {
      return replyError(res, 400, "request: eval takes one field, dataset");
    }
    auto spec = parseJobSpec(body.value());
    if (!spec) return replyError(res, 400, spec.message());
    std::string dataset = spec->dataset.value_or(job->spec.dataset.value_or(""));
    if (isDatasetId(dataset)) {
      const auto path = uploads.datasetPath(dataset);
      if (!path) return replyError(res, 404, "dataset: no upload " + dataset + " on this server");
      dataset = *path;
    }
    if (!evaluator) return replyError(res, 501, "this server does not evaluate");
    if (auto refused = checkpointRefused(*job)) return reply(res, *refused);
    auto checkpoint = currentCheckpoint(*job);
    if (!checkpoint) return replyError(res, 500, checkpoint.message());
    auto result = evaluator(checkpoint.value(), dataset, job->spec.backend.value_or("auto"));
    if (!result) return replyError(res, result.error().kind == core::ErrorKind::BadInput ? 400 : 500, result.message());
    json fields = result.value();
    fields["job"] = job->id;
    fields["dataset"] = spec->dataset.value_or(job->spec.dataset.value_or(""));
    reply(res, 200, fields);
  }

  void removeDataset(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    {
      std::lock_guard lock(jobsMutex);
      for (const auto& [jobId, job] : jobs) {
        if (job->spec.dataset == id)
          return replyError(res, 409, "dataset " + id + " is used by job " + jobId + "; remove the job first");
      }
    }
    const Reply answer = uploads.remove(id);
    reply(res, answer);
  }

  void metrics(const httplib::Request& req, httplib::Response& res) {
    auto job = jobOf(req, res);
    if (!job) return;
    // {"job": ID, "metrics": [...]} streamed from the file a line at a time, in pieces of about
    // METRICS_PIECE bytes: a long job's history is never whole in memory.
    res.status = 200;
    res.set_chunked_content_provider("application/json", [this, id = job->id](std::size_t, httplib::DataSink& sink) {
      std::string piece = json{{"job", id}}.dump();
      piece.back() = ',';
      piece += "\"metrics\":[";
      bool first = true;
      const bool sent = folder.readMetrics(id, [&](json&& point) {
        if (!first) piece += ',';
        first = false;
        piece += point.dump();
        if (piece.size() < METRICS_PIECE) return true;
        const bool written = sink.write(piece.data(), piece.size());
        piece.clear();
        return written;
      });
      piece += "]}\n";
      if (!sent || !sink.write(piece.data(), piece.size())) return false;
      sink.done();
      return true;
    });
  }

  void removeJob(const httplib::Request& req, httplib::Response& res) {
    std::shared_ptr<Job> job;
    {
      std::lock_guard lock(jobsMutex);
      const auto it = jobs.find(req.matches[1]);
      if (it == jobs.end()) return replyError(res, 404, "no job " + std::string(req.matches[1]));
      job = it->second;
      jobs.erase(it);
    }
    {
      std::lock_guard lock(job->mutex);
      for (auto& viewer : job->viewers) viewer->close();
      job->viewers.clear();
      job->removed = true;
    }
    // The session takes what is queued (a checkpoint being written into the folder) before it goes; it
    // is destroyed with the last request that still holds the job.
    job->start.session->submit(train::Pause{});
    (void)job->start.session->sync(COMMAND_TIMEOUT);
    if (auto removed = folder.remove(job->id); !removed) return replyError(res, 500, removed.message());
    reply(res, 200, json{{"job", job->id}, {"removed", true}});
  }

  void stream(const httplib::Request& req, httplib::Response& res) {
    auto job = jobOf(req, res);
    if (!job) return;
    if (auto refused = streamJob(job, config, viewers, stopping, res)) reply(res, *refused);
  }

  // Every request, before its body is read (remote/Access.h: admit). False: refused, the reply written.
  bool gate(const httplib::Request& req, httplib::Response& res) {
    res.set_header(PROTOCOL_HEADER, std::to_string(REMOTE_PROTOCOL));
    const auto refused = admit(req, config.tokens, REMOTE_PROTOCOL,
                               isCommandRoute(req.method, req.path) ? MAX_COMMAND_BYTES : MAX_REQUEST_BYTES);
    if (!refused) return true;
    if (refused->status == 401) res.set_header("WWW-Authenticate", "Bearer");
    // A body left unread cannot be skipped on a kept-alive connection.
    if (refused->status == 411 || refused->status == 413) res.set_header("Connection", "close");
    reply(res, *refused);
    return false;
  }

  void routes() {
    const std::string id = "/jobs/([0-9a-z]+)";
    http->Get("/version", [this](const httplib::Request&, httplib::Response& res) {
      reply(res, 200,
            json{{"server", "neural-sandbox"},
                 {"max_upload", config.uploads.maxUpload},
                 {"protocol", REMOTE_PROTOCOL},
                 {"snapshot_protocol", train::SNAPSHOT_PROTOCOL},
                 {"command_protocol", train::COMMAND_PROTOCOL}});
    });
    http->Post("/jobs", [this](const httplib::Request& req, httplib::Response& res) { createJob(req, res); });
    http->Get("/jobs", [this](const httplib::Request&, httplib::Response& res) { listJobs(res); });
    http->Get(id, [this](const httplib::Request& req, httplib::Response& res) {
      if (WatchPage::wantsPage(req)) return watch->jobPage(req.matches[1], res);
      if (auto job = jobOf(req, res)) reply(res, 200, status(*job));
    });
    watch = std::make_unique<WatchPage>(config.watchFps, config.painter, [this](const std::string& jobId) {
      const auto job = find(jobId);
      if (!job) return WatchedJob{};
      auto state = [weak = std::weak_ptr<Job>(job)] {
        const auto j = weak.lock();
        if (!j) return WatchedJobState{};
        std::lock_guard lock(j->mutex);
        return WatchedJobState{j->state == "running", j->stepsPerSecond};
      };
      return WatchedJob{
          std::make_shared<WatchedSession>(job->start.session, state, folder.root().string(), job->datasetSource),
          job->start.presetName};
    });
    watch->addRoutes(*http, id);
    for (const std::string action : {"pause", "resume", "stop"}) {
      http->Post(id + "/" + action,
                 [this, action](const httplib::Request& req, httplib::Response& res) { control(req, res, action); });
    }
    http->Post(id + "/hyperparams",
               [this](const httplib::Request& req, httplib::Response& res) { editHyperparams(req, res); });
    http->Get(id + "/checkpoint", [this](const httplib::Request& req, httplib::Response& res) { download(req, res); });
    http->Get(id + "/metrics", [this](const httplib::Request& req, httplib::Response& res) { metrics(req, res); });
    http->Get(id + "/stream", [this](const httplib::Request& req, httplib::Response& res) { stream(req, res); });
    http->Delete(id, [this](const httplib::Request& req, httplib::Response& res) { removeJob(req, res); });
    http->Post(id + "/eval", [this](const httplib::Request& req, httplib::Response& res) { evaluate(req, res); });
    sessionRoutes = std::make_unique<SessionRoutes>(
        SessionRouteHooks{[this](const std::string& jobId) -> std::optional<AttachedJob> {
                            const auto job = find(jobId);
                            if (!job) return std::nullopt;
                            std::lock_guard lock(job->mutex);
                            return AttachedJob{job->start.session, job->state, job->start.endStep, job->datasetSource};
                          },
                          [this](const std::string& jobId, const std::string& action) -> StateChange {
                            const auto job = find(jobId);
                            if (!job) return {errorReply(404, "no job " + jobId)};
                            auto changed = changeState(*job, action);
                            supervisor->wake();
                            return changed;
                          },
                          [this] {
                            if (viewers.fetch_add(1) < config.maxViewers) return true;
                            viewers.fetch_sub(1);
                            return false;
                          },
                          [this] { viewers.fetch_sub(1); }, [this] { return stopping.load(); }});
    sessionRoutes->addRoutes(*http, id);
    http->Post("/datasets",
               [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                 const Reply answer = uploads.receive(req, reader);
                 // A refused upload's body may not have been read to its end: the connection cannot go on.
                 if (answer.status >= 400) res.set_header("Connection", "close");
                 reply(res, answer);
               });
    http->Get("/datasets", [this](const httplib::Request&, httplib::Response& res) {
      reply(res, 200, json{{"datasets", uploads.list()}});
    });
    http->Delete("/datasets/(ds[0-9a-f]{12})",
                 [this](const httplib::Request& req, httplib::Response& res) { removeDataset(req, res); });
    http->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return gate(req, res) ? httplib::Server::HandlerResponse::Unhandled : httplib::Server::HandlerResponse::Handled;
    });
    // Whatever no route answered (or httplib refused: a body over the limit) gets a JSON error.
    http->set_error_handler(
        httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
          // httplib calls this for every status >= 400: the routes' own errors already have their body.
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          if (res.status == 413) {
            replyError(res, 413, "request: the body is over " + std::to_string(MAX_REQUEST_BYTES) + " bytes");
          } else if (res.status == 404) {
            replyError(res, 404, "no route " + req.method + " " + req.path.substr(0, 128));
          } else {
            replyError(res, res.status, "request: refused with HTTP status " + std::to_string(res.status));
          }
          return httplib::Server::HandlerResponse::Handled;
        }));
    http->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
      std::string what = "unknown error";
      try {
        if (e) std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        what = ex.what();
      } catch (...) {
      }
      replyError(res, 500, "internal error: " + what);
    });
    // httplib's own limit is an upload's (with its framing); the gate holds other bodies to MAX_REQUEST_BYTES.
    http->set_payload_max_length(config.uploads.maxUpload + (1u << 20));
    http->set_keep_alive_timeout(2);
    http->set_read_timeout(5);
    http->set_write_timeout(5);
    const std::size_t threads = config.maxViewers + CONTROL_THREADS;
    http->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  }
};

core::Result<std::unique_ptr<Server>> Server::create(const ServerConfig& config, JobFactory factory,
                                                     Evaluator evaluator) {
  if (config.maxViewers < 1 || config.maxViewers > 1024) return core::badInput("--max-viewers: must be 1 to 1024");
  if (config.maxJobs < 1 || config.maxJobs > 1024) return core::badInput("--max-jobs: must be 1 to 1024");
  if (!(config.checkpointSeconds >= 0.1)) return core::badInput("--checkpoint-every: at least 0.1 seconds");
  if (!(config.watchFps >= 0.1 && config.watchFps <= 30.0)) return core::badInput("--watch-fps: must be 0.1 to 30");
  auto folder = DataFolder::open(config.dataDir);
  if (!folder) return folder.error();
  if (config.tlsCert.empty() != config.tlsKey.empty()) return core::badInput("--tls-cert and --tls-key go together");
  if (!config.tokens.viewer.empty() && config.tokens.owner.empty()) {
    return core::badInput("--viewer-token-file needs --token-file (the owner's)");
  }
  auto impl = std::make_unique<Impl>(config, std::move(factory), std::move(evaluator), std::move(folder.value()));
  if (config.tlsCert.empty()) {
    impl->http = std::make_unique<httplib::Server>();
  } else {
    auto tls = std::make_unique<httplib::SSLServer>(config.tlsCert.c_str(), config.tlsKey.c_str());
    if (!tls->is_valid()) {
      return core::badInput("--tls-cert " + config.tlsCert + " / --tls-key " + config.tlsKey +
                            ": not a PEM certificate and its private key");
    }
    impl->http = std::move(tls);
  }
  impl->routes();
  if (config.port == 0) {
    impl->port = impl->http->bind_to_any_port(config.host);
    if (impl->port < 0) return core::badInput("--bind " + config.host + ":0: cannot bind");
  } else {
    if (!impl->http->bind_to_port(config.host, config.port)) {
      return core::badInput("--bind " + config.host + ":" + std::to_string(config.port) +
                            ": cannot bind (in use, or not an address of this machine)");
    }
    impl->port = config.port;
  }
  impl->resumeJobs();
  impl->supervisor = std::make_unique<JobSupervisor>(impl->config, impl->folder, [raw = impl.get()] {
    std::vector<std::shared_ptr<Job>> all;
    std::lock_guard lock(raw->jobsMutex);
    for (const auto& [id, job] : raw->jobs) all.push_back(job);
    return all;
  });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : mImpl(std::move(impl)) {}

Server::~Server() {
  stop();
  mImpl->supervisor.reset();  // joins its thread
}

int Server::port() const { return mImpl->port; }

core::Status Server::run() {
  if (!mImpl->http->listen_after_bind() && !mImpl->stopping) return core::runtimeError("the server stopped listening");
  return core::Ok{};
}

void Server::stop() {
  mImpl->stopping = true;
  if (mImpl->supervisor) mImpl->supervisor->stop();
  if (mImpl->watch) mImpl->watch->stop();
  {
    std::lock_guard lock(mImpl->jobsMutex);
    for (const auto& [id, job] : mImpl->jobs) {
      std::lock_guard jobLock(job->mutex);
      for (auto& viewer : job->viewers) viewer->close();
    }
  }
  mImpl->http->stop();
}

}  // namespace nsb::remote
