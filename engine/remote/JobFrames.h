#pragma once
// JobFrames: the messages of GET /jobs/ID/frames (remote/SessionRoutes.h) and their one encoding for all
// of a job's editors. A frame is a header (FRAME_MAGIC, who steers the job: remote/ControlLease.h, and
// whether the probes were left out) and a snapshot's bytes (remote/Wire.h). A snapshot's ProbeSet is the
// bulk of a frame (an output grid of 256 x 256 x 7 floats) and changes less often than the frames come:
// a stream sends it only when its version differs from the one that stream sent last, and the editor
// keeps the last one it received. Every editor of a job gets the same bytes for the same state, encoded
// once (by the first stream that asks) rather than once per stream.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/Result.h"
#include "train/Snapshot.h"

namespace nsb::remote {

// Who steers the job: ControlLease::Editor's fields (empty: nobody).
struct Steering {
  std::string id, name;
  bool operator==(const Steering&) const = default;
};

struct Frame {
  Steering steering;
  std::shared_ptr<const train::Snapshot> snapshot;
};

// A frame's bytes (without the stream's 4-byte length): `probesKept` leaves the snapshot's probes out (the
// receiver has that version: the frame names it); `running` is written in the snapshot's.
std::string encodeFrame(const Steering& steering, const train::Snapshot& snapshot, bool running, bool probesKept);
// `previous`: the probes of the last frame decoded on this stream, which a frame that left its own out
// carries on. Bad input naming the field for anything malformed, or a frame that keeps other probes.
core::Result<Frame> decodeFrame(std::string_view bytes, const std::shared_ptr<const train::ProbeSet>& previous);

// One job's latest frame, shared by its streams. Thread-safe.
class JobFrames {
 public:
  // What a stream writes next: the frame `number` (a new one each time the job's state changes) as
  // framed bytes (4-byte little-endian length first), and the version of the probes those bytes leave
  // the receiver with. Null bytes: the frame is over MAX_FRAME_BYTES (Wire.h).
  struct Encoded {
    std::uint64_t number = 0;
    std::optional<std::uint64_t> probes;
    std::shared_ptr<const std::string> bytes;
  };
  // The frame of this state for a stream whose receiver holds the probes of version `held`.
  Encoded frame(const std::shared_ptr<const train::Snapshot>& snapshot, bool running, const Steering& steering,
                std::optional<std::uint64_t> held);
  // Frames encoded so far (each state once with its probes and once without, at most).
  std::uint64_t encodes() const;

 private:
  mutable std::mutex mMutex;
  std::shared_ptr<const train::Snapshot> mSnapshot;
  bool mRunning = false;
  Steering mSteering;
  std::uint64_t mNumber = 0, mEncodes = 0;
  std::shared_ptr<const std::string> mWhole, mWithoutProbes;
};

}  // namespace nsb::remote
