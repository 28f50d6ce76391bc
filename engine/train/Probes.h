#pragma once
// Probes: when the Session runs the Trainer's probes again and how their results reach the editor -
// through the host, or (Vulkan on the renderer's device) through a ring of device slots that are
// written again only once no ProbeSet reads them. The Trainer's probe members are in Probes.cpp too.
#include <array>
#include <memory>
#include <vector>

#include "core/Result.h"
#include "core/Timer.h"
#include "train/Command.h"
#include "train/Snapshot.h"
#include "train/Trainer.h"

namespace nsb::train {

// Owned by the Session and used only on its thread.
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
  void refresh(Trainer& trainer, bool running);
  // The latest results (null before the first run).
  const std::shared_ptr<const ProbeSet>& current() const { return mProbes; }

 private:
  static constexpr std::size_t LARGE_PROBE_ROWS = 16384;  // the output view's 256x256 grid is large
  static constexpr std::size_t HOST_PROBE_BYTES = 16 * 1024;

  // How many are published, and whether they are stale.
  std::size_t mCount = 0;
  bool mDirty = false;
  std::shared_ptr<const ProbeSet> mProbes;
  // Device probe slots (Vulkan on the renderer's device): the ProbeSet that reads each slot (the slot
  // is written again only once it is gone), and every slot published, held until nobody else holds
  // it, so that while the session runs the last release is on its thread, never the renderer's.
  std::array<std::weak_ptr<const ProbeSet>, Trainer::PROBE_SLOTS> mSlotReaders;
  std::vector<std::shared_ptr<const Trainer::ProbeSlot>> mSlotsHeld;
  std::size_t mLastSlot = 0;
  core::Timer mTimer;       // since the last run of every probe
  double mSeconds = 0.0;    // what that run took
  core::Timer mSmallTimer;  // since the last run of the small ones
};

}  // namespace nsb::train
