#pragma once
// Probes: when the Session runs the Trainer's probes again and how their results reach the editor -
// through the host, or (Vulkan on the renderer's device) through a ring of device slots that are
// written again only once no ProbeSet reads them. The Trainer's probe members are in Probes.cpp too.
#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "core/Result.h"
#include "core/Timer.h"
#include "train/Command.h"
#include "train/Session.h"
#include "train/Snapshot.h"
#include "train/Trainer.h"

namespace nsb::train {

// Owned by a LocalSession and used only on its thread, but for device().
class ProbeSchedule {
 public:
  // New probe inputs (SetProbes): refused when a grid does not fit the network's inputs.
  core::Status set(Trainer& trainer, const SetProbes& probes);
  // The weights or the network changed: the next refresh runs every probe at once.
  void markDirty() { mDirty = true; }
  // The inputs changed width: the grids mean nothing until the editor sends new ones.
  void clear();
  // Runs the probes again when the weights may have changed: while `running` on a schedule (see
  // Probes.cpp), at once otherwise, so that a paused or stepped session is always current.
  // False when it left them stale for SetProbes::everySeconds: call again later.
  bool refresh(Trainer& trainer, bool running);
  // The latest results (null before the first run).
  const std::shared_ptr<const ProbeSet>& current() const { return mProbes; }
  // Any thread: the device buffer that ProbeSet `version` reads, while that set is alive (see
  // Session::deviceProbes); null for host results.
  std::shared_ptr<const DeviceProbes> device(std::uint64_t version) const;

 private:
  static constexpr std::size_t LARGE_PROBE_ROWS = 16384;  // the output view's 256x256 grid is large
  static constexpr std::size_t HOST_PROBE_BYTES = 16 * 1024;

  // How many are published, and whether they are stale.
  std::size_t mCount = 0;
  bool mDirty = false;
  std::shared_ptr<const ProbeSet> mProbes;
  // Device probe slots (Vulkan on the renderer's device). Per slot, the ProbeSet published from it and
  // the handle that device() gives its readers: the slot is written again only once the set is gone
  // and nobody but this schedule holds the handle. Every slot published is held in mSlotsHeld until
  // nobody else holds it, so that while the session runs the last release is on its thread, never
  // the renderer's.
  struct SlotUse {
    std::weak_ptr<const ProbeSet> set;
    std::shared_ptr<const DeviceProbes> handle;
  };
  mutable std::mutex mSlotMutex;  // guards mSlotUses: device() is called from other threads
  std::array<SlotUse, Trainer::PROBE_SLOTS> mSlotUses;
  std::vector<std::shared_ptr<const Trainer::ProbeSlot>> mSlotsHeld;
  std::size_t mLastSlot = 0;
  core::Timer mTimer;       // since the last run of every probe
  double mSeconds = 0.0;    // what that run took
  double mEvery = 0.0;      // SetProbes::everySeconds
  core::Timer mSmallTimer;  // since the last run of the small ones
};

}  // namespace nsb::train
