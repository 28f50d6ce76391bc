// JobFrames (remote/JobFrames.h): a job's frame is encoded once for all its streams; a stream whose
// receiver has the snapshot's probes gets the frame without them, and the decoder puts them back; a frame
// that keeps probes the receiver does not have is refused with its field; who steers travels.
#include <gtest/gtest.h>

#include <cstring>

#include "remote/JobFrames.h"

namespace nsb::remote {
namespace {

std::shared_ptr<train::Snapshot> snapshotWithProbes(std::uint64_t version) {
  auto s = std::make_shared<train::Snapshot>();
  s->step = 77;
  s->spec.inputs = 2;
  s->spec.hidden = {{4, compute::Activation::Tanh}};
  s->spec.outputs = 2;
  auto probes = std::make_shared<train::ProbeSet>();
  probes->version = version;
  probes->step = 70;
  train::ProbeResult grid;
  grid.rows = 1000;
  grid.layers = {std::vector<float>(4000, 0.5f), std::vector<float>(2000, 0.25f)};
  probes->probes = {grid};
  s->probes = std::move(probes);
  return s;
}

// The frame's bytes without the stream's 4-byte length, which must be theirs.
std::string_view unframed(const std::string& bytes) {
  std::uint32_t size = 0;
  std::memcpy(&size, bytes.data(), 4);
  EXPECT_EQ(size, bytes.size() - 4);
  return std::string_view(bytes).substr(4);
}

TEST(JobFrames, OneEncodingForEveryStreamAndTheProbesOnlyWhenTheyChanged) {
  JobFrames frames;
  const Steering steering{"0123456789abcdef", "editor 1 (127.0.0.1)"};
  std::shared_ptr<const train::Snapshot> first = snapshotWithProbes(5);
  // Two new streams (their receivers have no probes): the same bytes, encoded once, with the probes.
  const auto a = frames.frame(first, true, steering, std::nullopt);
  const auto b = frames.frame(first, true, steering, std::nullopt);
  ASSERT_TRUE(a.bytes && b.bytes);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.number, b.number);
  EXPECT_EQ(a.probes, std::optional<std::uint64_t>(5));
  EXPECT_EQ(frames.encodes(), 1u);
  auto whole = decodeFrame(unframed(*a.bytes), nullptr);
  ASSERT_TRUE(whole) << whole.message();
  EXPECT_EQ(whole->steering, steering);
  EXPECT_TRUE(whole->snapshot->running) << "the frame carries the job's state, not the session's";
  ASSERT_TRUE(whole->snapshot->probes);
  EXPECT_EQ(whole->snapshot->probes->probes[0].layers[0].size(), 4000u);

  // The next state with the same probes: streams whose receivers have them get it without, once.
  auto nextState = std::make_shared<train::Snapshot>(*first);
  nextState->step = 78;
  std::shared_ptr<const train::Snapshot> next = nextState;
  const auto c = frames.frame(next, true, steering, 5);
  const auto d = frames.frame(next, true, steering, 5);
  EXPECT_GT(c.number, a.number);
  EXPECT_EQ(c.bytes, d.bytes);
  EXPECT_EQ(frames.encodes(), 2u);
  EXPECT_LT(c.bytes->size() + 20000, a.bytes->size()) << "the probes were sent again";
  auto kept = decodeFrame(unframed(*c.bytes), whole->snapshot->probes);
  ASSERT_TRUE(kept) << kept.message();
  EXPECT_EQ(kept->snapshot->step, 78u);
  EXPECT_EQ(kept->snapshot->probes, whole->snapshot->probes) << "the receiver's probes are carried on";
  // A receiver without them refuses the frame, naming the field.
  auto without = decodeFrame(unframed(*c.bytes), nullptr);
  ASSERT_FALSE(without);
  EXPECT_EQ(without.message(), "frame.probes_version: keeps the probes of version 5, none came");
  // A stream that joins now gets them (one more encoding, shared from then on).
  const auto e = frames.frame(next, true, steering, std::nullopt);
  EXPECT_NE(e.bytes, c.bytes);
  EXPECT_EQ(e.bytes->size(), a.bytes->size());
  EXPECT_EQ(frames.encodes(), 3u);

  // Another editor steers: a new frame of the same snapshot, which says so.
  const Steering other{"fedcba9876543210", "editor 2 (127.0.0.1)"};
  const auto f = frames.frame(next, true, other, 5);
  EXPECT_GT(f.number, e.number);
  auto moved = decodeFrame(unframed(*f.bytes), whole->snapshot->probes);
  ASSERT_TRUE(moved) << moved.message();
  EXPECT_EQ(moved->steering, other);
  // Not a frame at all: one line naming the field.
  EXPECT_EQ(decodeFrame("xyzw", nullptr).message(), "frame.magic: not a frame of GET /jobs/ID/frames");
}

}  // namespace
}  // namespace nsb::remote
