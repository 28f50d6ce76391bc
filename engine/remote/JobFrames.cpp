#include "remote/JobFrames.h"

#include <cstring>

#include "remote/Bytes.h"
#include "remote/Wire.h"

namespace nsb::remote {

namespace {

constexpr std::uint32_t FRAME_MAGIC = 0x52465346;  // "FSFR" read as bytes

// The stream's framing: a 4-byte length (little-endian as the hosts), then the frame.
std::shared_ptr<const std::string> framed(const std::string& bytes) {
  const auto size = static_cast<std::uint32_t>(bytes.size());
  auto out = std::make_shared<std::string>(4, '\0');
  std::memcpy(out->data(), &size, 4);
  *out += bytes;
  return out;
}

}  // namespace

std::string encodeFrame(const Steering& steering, const train::Snapshot& snapshot, bool running, bool probesKept) {
  const bool kept = probesKept && snapshot.probes;
  ByteWriter w;
  w.value(FRAME_MAGIC);
  w.string(steering.id);
  w.string(steering.name);
  w.value(kept);
  w.value(kept ? snapshot.probes->version : std::uint64_t{0});
  return w.take() + encodeSnapshot(snapshot, {.running = running, .probes = !kept});
}

core::Result<Frame> decodeFrame(std::string_view bytes, const std::shared_ptr<const train::ProbeSet>& previous) {
  ByteReader r(bytes);
  std::uint32_t magic = 0;
  r.value(magic, "frame.magic");
  if (r.ok() && magic != FRAME_MAGIC) r.fail("frame.magic", "not a frame of GET /jobs/ID/frames");
  Frame frame;
  bool kept = false;
  std::uint64_t version = 0;
  r.string(frame.steering.id, "frame.steering.id");
  r.string(frame.steering.name, "frame.steering.name");
  r.value(kept, "frame.probes_kept");
  r.value(version, "frame.probes_version");
  if (!r.ok()) return core::badInput(r.error());
  auto snapshot = decodeSnapshot(bytes.substr(bytes.size() - r.left()));
  if (!snapshot) return snapshot.error();
  if (kept) {
    if (!previous || previous->version != version) {
      return core::badInput("frame.probes_version: keeps the probes of version " + std::to_string(version) +
                            (previous ? ", the last frame had " + std::to_string(previous->version) : ", none came"));
    }
    snapshot.value()->probes = previous;
  }
  frame.snapshot = std::move(snapshot.value());
  return frame;
}

JobFrames::Encoded JobFrames::frame(const std::shared_ptr<const train::Snapshot>& snapshot, bool running,
                                    const Steering& steering, std::optional<std::uint64_t> held) {
  std::lock_guard lock(mMutex);
  if (snapshot != mSnapshot || running != mRunning || steering != mSteering) {
    mSnapshot = snapshot;
    mRunning = running;
    mSteering = steering;
    ++mNumber;
    mWhole.reset();
    mWithoutProbes.reset();
  }
  const auto& probes = snapshot->probes;
  const bool kept = probes && held == probes->version;
  auto& bytes = kept ? mWithoutProbes : mWhole;
  if (!bytes) {
    ++mEncodes;
    const std::string encoded = encodeFrame(steering, *snapshot, running, kept);
    // Null bytes say the frame is over the limit; the next change of state tries again.
    if (encoded.size() <= MAX_FRAME_BYTES) bytes = framed(encoded);
  }
  return {.number = mNumber,
          .probes = probes ? std::optional<std::uint64_t>(probes->version) : std::nullopt,
          .bytes = bytes};
}

std::uint64_t JobFrames::encodes() const {
  std::lock_guard lock(mMutex);
  return mEncodes;
}

}  // namespace nsb::remote
