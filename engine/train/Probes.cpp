// Probes: the Trainer's probe members (build, inputs, runs, device slots) and the LocalSession's
// ProbeSchedule that decides when they run and how their results are published.
#include "train/Probes.h"

#include <algorithm>
#include <atomic>
#include <optional>

#include "core/Check.h"
#include "train/MemoryEstimate.h"
#include "train/TrainingGraphs.h"

namespace nsb::train {

using compute::DType;

void Trainer::buildProbe(Probe& probe) {
  mProbeSlots = {};  // their layout changes: readers keep the old ones alive
  const std::size_t rows = probe.inputs.size() / mConfig.spec.inputs;
  probe.ws = mModel->makeWorkspace(rows, mDataset->task == data::Task::Classification);
  probe.run = 0;
  mBackend->write(probe.ws.input, std::span<const float>(probe.inputs));
  probe.program = mBackend->compile(probeGraph(*mModel, probe.ws));
}

std::size_t Trainer::addProbe(std::vector<float> inputs) {
  NSB_CHECK(!inputs.empty() && inputs.size() % mConfig.spec.inputs == 0) << inputs.size() << " probe inputs";
  mProbes.push_back({std::move(inputs), {}, nullptr});
  buildProbe(mProbes.back());
  return mProbes.size() - 1;
}

void Trainer::setProbeInputs(std::size_t index, std::vector<float> inputs) {
  Probe& probe = mProbes.at(index);
  NSB_CHECK(inputs.size() % mConfig.spec.inputs == 0) << inputs.size() << " probe inputs";
  const bool sameShape = inputs.size() == probe.inputs.size();
  probe.inputs = std::move(inputs);
  probe.run = 0;
  if (sameShape) {
    mBackend->write(probe.ws.input, std::span<const float>(probe.inputs));
  } else {
    buildProbe(probe);
  }
}

void Trainer::runProbes(const std::vector<bool>& which) {
  for (std::size_t i = 0; i < mProbes.size(); ++i) {
    Probe& probe = mProbes[i];
    if (probe.run > 0 && i < which.size() && !which[i]) continue;
    probe.program->submit(1);
    probe.run = ++mProbeRuns;
    probe.step = mStep;
  }
}

std::shared_ptr<const Trainer::ProbeSlot> Trainer::runProbes(std::size_t index, const std::vector<bool>& which) {
  std::shared_ptr<ProbeSlot>& slot = mProbeSlots.at(index);
  if (!slot) {
    slot = std::make_shared<ProbeSlot>();
    slot->backend = mBackend;
    const std::size_t layers = mConfig.spec.layerCount();
    std::size_t floats = 0;
    for (const auto& probe : mProbes) {
      auto& offsets = slot->offsets.emplace_back();
      for (std::size_t l = 0; l < layers; ++l) {
        offsets.push_back(floats);
        floats += probe.ws.batch * mConfig.spec.layerOutputs(l);
      }
    }
    slot->buffer = mBackend->allocate(std::max<std::size_t>(floats, 1) * sizeof(float));
    for (std::size_t p = 0; p < mProbes.size(); ++p) {
      slot->copies.push_back(mBackend->compile(probeCopyGraph(mProbes[p].ws, layers, slot->buffer, slot->offsets[p])));
    }
    slot->copied.assign(mProbes.size(), 0);
  }
  runProbes(which);
  for (std::size_t p = 0; p < mProbes.size(); ++p) {
    if (slot->copied[p] == mProbes[p].run) continue;
    slot->copies[p]->submit(1);
    slot->copied[p] = mProbes[p].run;
  }
  mBackend->synchronize();
  return slot;
}

core::Status ProbeSchedule::set(Trainer& trainer, const SetProbes& probes) {
  const std::size_t inputs = trainer.config().spec.inputs;
  for (const auto& grid : probes.inputs) {
    if (grid.empty() || grid.size() % inputs != 0) {
      return core::badInput("probes ignored: their inputs do not fit the network's " + std::to_string(inputs) +
                            " inputs");
    }
  }
  // New probes and probes of another size make buffers: checked before any of them is made (the
  // output view's grid on a wide network is the largest thing the editor asks for).
  std::vector<std::size_t> madeRows;
  for (std::size_t i = 0; i < probes.inputs.size(); ++i) {
    const std::size_t rows = probes.inputs[i].size() / inputs;
    if (i >= trainer.probeCount() || rows != trainer.probeRows(i)) madeRows.push_back(rows);
  }
  if (!madeRows.empty()) {
    const nn::ModelSpec& spec = trainer.config().spec;
    NSB_TRY(checkMemory(estimateMemory({.spec = spec,
                                        .dataset = trainer.dataset(),
                                        .probeRows = madeRows,
                                        .probeSlots = trainer.deviceProbes() ? Trainer::PROBE_SLOTS : 0})
                            .only({MemoryPart::Probes}),
                        trainer.backend(), "the editor's probes of the network " + describeShape(spec)));
  }
  for (std::size_t i = 0; i < probes.inputs.size(); ++i) {
    if (i < trainer.probeCount()) {
      trainer.setProbeInputs(i, probes.inputs[i]);
    } else {
      trainer.addProbe(probes.inputs[i]);
    }
  }
  mCount = probes.inputs.size();
  mEvery = std::max(0.0, probes.everySeconds);
  mDirty = true;
  return core::Ok{};
}

void ProbeSchedule::clear() {
  mCount = 0;
  mProbes.reset();
}

bool ProbeSchedule::refresh(Trainer& t, bool running) {
  if (mCount == 0) return true;
  auto current = [&](std::size_t i) { return t.probeStep(i) == t.step(); };
  bool stale = mDirty || !mProbes;
  for (std::size_t i = 0; i < mCount; ++i) stale = stale || !current(i);
  if (!stale) return true;
  // A watcher that draws a few frames a second (SetProbes::everySeconds): not more often, running or
  // stepped (Step commands would otherwise refresh them at once each time); the session publishes
  // again until they are current.
  if (mEvery > 0.0 && mProbes && !mDirty && mTimer.seconds() < mEvery) return false;
  // An edit (new spec, new weights) is shown at once, so that no snapshot pairs a spec with old probes.
  // While training, every probe runs at most a third of the time: every 30 ms where they are cheap
  // (a GPU), less often where a run costs more than 10 ms (lavapipe: 20-30 ms, most of it the
  // 65,536-row output grid). In between, the small probes (the neurons' 64x64 grids, a sample) run
  // alone, at most every 30 ms: the neuron heatmaps refresh more often than the output view (on
  // lavapipe in a window about 10 times a second against 4 or 5).
  std::vector<bool> which;  // empty: every probe
  if (running && mProbes && !mDirty && mTimer.seconds() < std::max(0.03, 3.0 * mSeconds)) {
    if (mSmallTimer.seconds() < 0.03) return true;
    for (std::size_t i = 0; i < t.probeCount(); ++i) {
      which.push_back(i < mCount && t.probeRows(i) < LARGE_PROBE_ROWS && !current(i));
    }
    if (std::none_of(which.begin(), which.end(), [](bool small) { return small; })) return true;
  }
  // Device slots that nobody else holds any more (no reader, not the trainer's) are released here, on
  // the thread that uses the backend.
  std::erase_if(mSlotsHeld, [](const auto& held) { return held.use_count() == 1; });
  // On the renderer's device the probes stay there (zero copy); elsewhere they come to the host.
  std::optional<std::size_t> slot;
  if (t.config().backendOptions.context && t.deviceProbes()) {
    std::lock_guard lock(mSlotMutex);
    for (std::size_t i = 1; i <= Trainer::PROBE_SLOTS && !slot; ++i) {
      const std::size_t s = (mLastSlot + i) % Trainer::PROBE_SLOTS;
      const SlotUse& use = mSlotUses[s];
      if (use.set.expired() && (!use.handle || use.handle.use_count() == 1)) slot = s;
    }
    // Every slot still read (the renderer holds a handle until its frame has finished): while
    // training, try again next time; an edit, a step or a pause is shown at once, through the host.
    if (!slot && running && !mDirty) return true;
    // The slot is written now: device() no longer hands out its old handle.
    if (slot) mSlotUses[*slot] = {};
    std::atomic_thread_fence(std::memory_order_acquire);  // pairs with the reader's release of its handle
  }
  const bool all = which.empty();
  if (all) mTimer.reset();
  mSmallTimer.reset();
  auto set = std::make_shared<ProbeSet>();
  set->step = t.step();
  set->version = mProbes ? mProbes->version + 1 : 1;
  const std::size_t layers = t.config().spec.layerCount();
  std::shared_ptr<const Trainer::ProbeSlot> device;
  std::shared_ptr<const DeviceProbes> handle;
  if (slot) {
    device = t.runProbes(*slot, which);
    const auto native = t.backend().native(device->buffer.id());
    // None when these probes' own submit found the device lost (a fault user input does not choose):
    // the last probes stay, and the next step reports the loss.
    if (!native) return true;
    set->onDevice = true;
    handle = std::make_shared<const DeviceProbes>(DeviceProbes{set->version, *native, device});
  } else {
    t.runProbes(which);
  }
  for (std::size_t i = 0; i < mCount; ++i) {
    const nn::Workspace& ws = t.probe(i);
    ProbeResult result;
    result.rows = ws.batch;
    result.step = t.probeStep(i);
    std::size_t floats = 0;
    for (std::size_t l = 0; l < layers; ++l) floats += ws.batch * t.config().spec.layerOutputs(l);
    // Small probes (one image's activations, for the image views) come to the host in any case. Of a
    // large one only the head's output does: no view draws a 65,536-row grid's hidden layers, and
    // copying them (8 MiB for two layers of 16) took most of the session thread's time.
    if (!device || floats * sizeof(float) <= HOST_PROBE_BYTES) {
      const bool large = ws.batch >= LARGE_PROBE_ROWS;
      for (std::size_t l = 0; l + 1 < layers; ++l) {
        result.layers.push_back(large ? std::vector<float>{} : t.backend().read<float>(ws.a[l]));
      }
      result.layers.push_back(t.backend().read<float>(ws.output));
    }
    if (device) result.offsets = device->offsets[i];
    set->probes.push_back(std::move(result));
  }
  set->parameters = t.parameters();
  set->spectrum = t.weightSpectrum();
  if (slot) {
    {
      std::lock_guard lock(mSlotMutex);
      mSlotUses[*slot] = {set, std::move(handle)};
    }
    if (std::find(mSlotsHeld.begin(), mSlotsHeld.end(), device) == mSlotsHeld.end()) mSlotsHeld.push_back(device);
    mLastSlot = *slot;
  }
  mProbes = std::move(set);
  mDirty = false;
  if (all) mSeconds = mTimer.seconds();
  return true;
}

std::shared_ptr<const DeviceProbes> ProbeSchedule::device(std::uint64_t version) const {
  std::lock_guard lock(mSlotMutex);
  for (const SlotUse& use : mSlotUses) {
    if (use.handle && use.handle->version == version && !use.set.expired()) return use.handle;
  }
  return nullptr;
}

}  // namespace nsb::train
