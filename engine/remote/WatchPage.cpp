// WatchPage: the pages, their frames and curves, and the painter thread that draws the frames.
#include "remote/WatchPage.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "core/Embedded.h"
#include "core/Format.h"
#include "core/Log.h"
#include "remote/Reply.h"

namespace nsb::remote {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// A job whose frames nobody fetched for WATCH_IDLE is not drawn; after PAINTER_KEPT its painter (an
// App, a Vulkan context) is let go, so that a page reloaded meanwhile does not make it again.
constexpr auto WATCH_IDLE = std::chrono::seconds(3);
constexpr auto PAINTER_KEPT = std::chrono::seconds(30);
// How long the first request for a job's frame waits for it (making the painter takes about a second
// on lavapipe; more beside training on 2 cores).
constexpr auto FIRST_FRAME_WAIT = std::chrono::seconds(15);
constexpr int PAINTER_NICENESS = 5;

json numberOrNull(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string_view webPage(std::string_view name) {
  for (const auto& file : core::embeddedWebPages()) {
    if (file.name == name) return file.text;
  }
  return {};
}

// `text` with every {{key}} replaced by its value (the values are ids and numbers: nothing to escape).
std::string fill(std::string_view text, const std::vector<std::pair<std::string, std::string>>& values) {
  std::string out(text);
  for (const auto& [key, value] : values) {
    const std::string mark = "{{" + key + "}}";
    for (auto at = out.find(mark); at != std::string::npos; at = out.find(mark, at + value.size())) {
      out.replace(at, mark.size(), value);
    }
  }
  return out;
}

void replyPage(httplib::Response& res, int status, std::string html) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(std::move(html), "text/html; charset=utf-8");
}

// One watched job. `painter`, `lastPaint` and `job`: the painter thread's alone; the rest under the
// mutex.
struct Watch {
  Clock::time_point lastRequest = Clock::now();
  std::shared_ptr<const std::string> frame;
  std::uint64_t number = 0;
  std::optional<std::string> error;
  FramePainter painter;
  Clock::time_point lastPaint{};
};

}  // namespace

struct WatchPage::Impl {
  double fps;
  PainterFactory factory;
  std::function<WatchedJob(const std::string&)> find;
  std::mutex mutex;
  std::condition_variable wake;                           // the painter thread: a new watcher, or stop
  std::condition_variable painted;                        // the requests waiting for a first frame
  std::map<std::string, std::shared_ptr<Watch>> watches;  // only ids of jobs that existed when asked
  bool stopping = false;
  std::thread thread;

  // The painter thread: every watched job's frame when due, at most fps a second each. It runs at a
  // lower priority than training (PAINTER_NICENESS, inherited by the renderer's threads that lavapipe
  // starts from it): on a busy machine the frames come later, the job does not slow down.
  void paintLoop() {
    const int niceness = ::getpriority(PRIO_PROCESS, 0);
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), std::min(19, niceness + PAINTER_NICENESS));
    const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / fps));
    std::unique_lock lock(mutex);
    while (!stopping) {
      const auto now = Clock::now();
      auto next = now + std::chrono::seconds(1);
      std::vector<std::pair<std::string, std::shared_ptr<Watch>>> due;
      std::vector<FramePainter> dropped;  // destroyed outside the lock: an App's teardown takes time
      for (auto it = watches.begin(); it != watches.end();) {
        Watch& w = *it->second;
        const auto idle = now - w.lastRequest;
        if (idle > PAINTER_KEPT) {
          dropped.push_back(std::move(w.painter));
          it = watches.erase(it);
          continue;
        }
        if (idle <= WATCH_IDLE && !w.error) {
          if (w.lastPaint + period <= now) {
            due.emplace_back(it->first, it->second);
          } else {
            next = std::min(next, w.lastPaint + period);
          }
        }
        ++it;
      }
      lock.unlock();
      dropped.clear();
      for (auto& [id, watch] : due) paint(id, *watch);
      lock.lock();
      if (due.empty()) wake.wait_until(lock, next);
    }
    std::vector<FramePainter> painters;
    for (auto& [id, watch] : watches) painters.push_back(std::move(watch->painter));
    lock.unlock();
  }

  // One frame of job `id`, on the painter thread.
  void paint(const std::string& id, Watch& w) {
    w.lastPaint = Clock::now();
    const WatchedJob job = find(id);
    core::Result<std::string> frame = core::runtimeError("no job " + id);
    if (!job.session) {
      w.painter = nullptr;  // removed: its session goes with the painter
    } else if (!w.painter) {
      auto made = factory(job.session, job.presetName, fps);
      if (made) {
        w.painter = std::move(made.value());
      } else {
        frame = core::Error{"the watch page cannot draw job " + id + ": " + made.message(), made.error().kind};
        core::log().warn("{}", frame.message());
      }
    }
    if (w.painter) frame = w.painter();
    std::lock_guard lock(mutex);
    if (frame) {
      w.frame = std::make_shared<const std::string>(std::move(frame.value()));
      ++w.number;
    } else {
      w.error = frame.message();
    }
    painted.notify_all();
  }

  void frame(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    if (!find(id).session) return replyError(res, 404, "no job " + id);
    if (!factory) return replyError(res, 503, "this server draws no frames; the curves go on");
    std::unique_lock lock(mutex);
    auto& slot = watches[id];
    if (!slot) slot = std::make_shared<Watch>();
    const auto w = slot;
    w->lastRequest = Clock::now();
    wake.notify_one();
    painted.wait_for(lock, FIRST_FRAME_WAIT, [&] { return w->frame || w->error || stopping; });
    if (w->error) return replyError(res, 503, *w->error);
    if (!w->frame) return replyError(res, 503, "job " + id + ": no frame drawn yet; try again");
    const auto frame = w->frame;
    const std::uint64_t number = w->number;
    lock.unlock();
    res.status = 200;
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Frame", std::to_string(number));
    res.set_content(*frame, "image/jpeg");
  }

  void curves(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    const WatchedJob job = find(id);
    if (!job.session) return replyError(res, 404, "no job " + id);
    std::optional<std::uint64_t> since;
    if (req.has_param("since")) {
      const std::string text = req.get_param_value("since");
      const bool digits = !text.empty() && text.size() <= 19 &&
                          std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits) return replyError(res, 400, "since: expected a step number (0 or more)");
      since = std::stoull(text);
    }
    const auto snapshot = job.session->latest();
    json points = json::array();
    for (const auto& p : snapshot->history) {
      if (since && p.step <= *since) continue;
      points.push_back(
          json::array({p.step, numberOrNull(p.trainLoss), numberOrNull(p.test.loss), numberOrNull(p.test.accuracy)}));
    }
    res.status = 200;
    res.set_header("Cache-Control", "no-store");
    res.set_content(
        json{{"job", id}, {"run", snapshot->run}, {"step", snapshot->step}, {"points", std::move(points)}}.dump() +
            "\n",
        "application/json");
  }
};

WatchPage::WatchPage(double fps, PainterFactory painter, std::function<WatchedJob(const std::string&)> find)
    : mImpl(std::make_unique<Impl>()) {
  mImpl->fps = fps;
  mImpl->factory = std::move(painter);
  mImpl->find = std::move(find);
  mImpl->thread = std::thread([impl = mImpl.get()] { impl->paintLoop(); });
}

WatchPage::~WatchPage() {
  stop();
  mImpl->thread.join();
}

void WatchPage::stop() {
  {
    std::lock_guard lock(mImpl->mutex);
    mImpl->stopping = true;
  }
  mImpl->wake.notify_all();
  mImpl->painted.notify_all();
}

bool WatchPage::wantsPage(const httplib::Request& req) {
  return req.get_header_value("Accept").find("text/html") != std::string::npos;
}

void WatchPage::jobPage(const std::string& id, httplib::Response& res) {
  if (!mImpl->find(id).session) {
    return replyPage(res, 404, fill(webPage("missing"), {{"job", id}}));
  }
  replyPage(res, 200, fill(webPage("job"), {{"job", id}, {"fps", core::formatNumber(mImpl->fps)}}));
}

void WatchPage::addRoutes(httplib::Server& http, const std::string& id) {
  http.Get("/",
           [](const httplib::Request&, httplib::Response& res) { replyPage(res, 200, std::string(webPage("index"))); });
  http.Get(id + "/frame", [this](const httplib::Request& req, httplib::Response& res) { mImpl->frame(req, res); });
  http.Get(id + "/curves", [this](const httplib::Request& req, httplib::Response& res) { mImpl->curves(req, res); });
}

}  // namespace nsb::remote
