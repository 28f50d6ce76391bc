#pragma once
// WatchPage: the server's pages for a browser with nothing installed (assets/web, plain HTML and
// JavaScript), read-only. Routes:
//   GET /                       the jobs, listed by the page's script from GET /jobs
//   GET /jobs/ID                (Server.cpp, when the request accepts text/html) one job live: the
//                               frame beside its loss and accuracy curves
//   GET /jobs/ID/frame          the job's views as JPEG, drawn by the server headless (the editor's
//                               renderer, PainterFactory) at `fps`, once per job whoever watches, and
//                               only while someone fetches them: a job unwatched for WATCH_IDLE costs
//                               nothing. The first request waits for the first frame (bounded); later
//                               ones get the latest at once. Header X-Frame: its number.
//   GET /jobs/ID/curves?since=S the metric points after step S: [[step, train_loss, test_loss,
//                               test_accuracy], ...] (null where not measured)
// The page polls both with plain requests (no endless response), so a browser's load completes.
// Threads: one painter thread draws every watched job in turn; request threads only wait on it.
#include <httplib.h>

#include <functional>
#include <memory>
#include <string>

#include "core/Result.h"
#include "train/Session.h"

namespace nsb::remote {

// Draws one frame of a job's views and returns it as JPEG bytes. Made and called on the painter thread.
using FramePainter = std::function<core::Result<std::string>()>;
// `fps`: the rate it will be called at (the session's probes need not run more often).
using PainterFactory = std::function<core::Result<FramePainter>(std::shared_ptr<train::Session> session,
                                                                const std::string& presetName, double fps)>;

// What the page needs of a job; a null session: no such job.
struct WatchedJob {
  std::shared_ptr<train::Session> session;
  std::string presetName;
};

class WatchPage {
 public:
  // `painter` may be empty: frames are then refused with 503 and the page shows the curves only.
  WatchPage(double fps, PainterFactory painter, std::function<WatchedJob(const std::string& id)> find);
  ~WatchPage();  // stop() and joins the painter thread

  // Registers /, /jobs/ID/frame and /jobs/ID/curves (`id` the route's pattern for a job id).
  void addRoutes(httplib::Server& http, const std::string& id);
  // Whether a GET is a browser's asking for a page (Accept names text/html), not a client's for JSON.
  static bool wantsPage(const httplib::Request& req);
  // The job page for job `id` (404 page when there is none).
  void jobPage(const std::string& id, httplib::Response& res);
  // Any thread: the painter stops and waiting requests are answered.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> mImpl;
};

}  // namespace nsb::remote
