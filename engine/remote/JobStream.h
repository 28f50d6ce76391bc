#pragma once
// JobStream: GET /jobs/ID/stream, a job's frames as Server-Sent Events. Each viewer has one
// latest-frame slot (remote/ServerJob.h: Viewer) that the supervisor overwrites: a slow client only ever
// misses frames, it never blocks a job or another viewer. A viewer over --max-rate skips frames; one
// beyond --max-viewers streams is refused before it takes a thread.
#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>

#include "remote/Reply.h"
#include "remote/Server.h"
#include "remote/ServerJob.h"

namespace nsb::remote {

// Sets `res` to stream the job's frames until the viewer, the job or the server (`stopping`) closes.
// `viewers` counts the server's open streams; beyond config.maxViewers: the 503 to reply instead.
// `viewers` and `stopping` outlive every stream.
std::optional<Reply> streamJob(const std::shared_ptr<Job>& job, const ServerConfig& config,
                               std::atomic<std::size_t>& viewers, const std::atomic<bool>& stopping,
                               httplib::Response& res);

}  // namespace nsb::remote
