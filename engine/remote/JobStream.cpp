#include "remote/JobStream.h"

#include <algorithm>
#include <chrono>
#include <string>

namespace nsb::remote {

std::optional<Reply> streamJob(const std::shared_ptr<Job>& job, const ServerConfig& config,
                               std::atomic<std::size_t>& viewers, const std::atomic<bool>& stopping,
                               httplib::Response& res) {
  if (viewers.fetch_add(1) >= config.maxViewers) {
    viewers.fetch_sub(1);
    return errorReply(503, "the server has " + std::to_string(config.maxViewers) + " streams open (--max-viewers)");
  }
  auto viewer = std::make_shared<Viewer>(config.maxRate);
  {
    std::lock_guard lock(job->mutex);
    viewer->frame = job->frame;
    job->viewers.push_back(viewer);
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [viewer, &stopping](std::size_t, httplib::DataSink& sink) {
        std::unique_lock lock(viewer->mutex);
        // Over its --max-rate the viewer waits (at most a second at a time, to notice a close); the frames
        // arriving meanwhile replace one another in its slot.
        if (const auto wait = viewer->limit.untilNext(); wait > Clock::duration::zero()) {
          viewer->changed.wait_for(lock, std::min<Clock::duration>(wait, std::chrono::seconds(1)),
                                   [&] { return viewer->closed || stopping.load(); });
          if (viewer->closed || stopping) {
            lock.unlock();
            sink.done();
          }
          return true;
        }
        viewer->changed.wait_for(lock, std::chrono::seconds(1),
                                 [&] { return viewer->frame || viewer->closed || stopping.load(); });
        if (viewer->closed || stopping) {
          lock.unlock();
          sink.done();
          return true;
        }
        if (!viewer->frame) {
          lock.unlock();
          static constexpr char KEEP_ALIVE[] = ": keep-alive\n\n";  // finds a closed connection
          viewer->limit.sent(sizeof KEEP_ALIVE - 1);
          return sink.write(KEEP_ALIVE, sizeof KEEP_ALIVE - 1);
        }
        const std::string event = "data: " + *viewer->frame + "\n\n";
        viewer->frame.reset();
        viewer->limit.sent(event.size());
        lock.unlock();
        return sink.write(event.data(), event.size());
      },
      [job, viewer, &viewers](bool) {
        {
          std::lock_guard lock(job->mutex);
          std::erase(job->viewers, viewer);
        }
        viewers.fetch_sub(1);
      });
  return std::nullopt;
}

}  // namespace nsb::remote
