#pragma once
// Commands other threads send to a Session; each is applied between two steps (on a backend that runs
// several steps per submit, at the next submit). Every applied command that changes something is
// recorded as an Event.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "compute/Op.h"
#include "data/Features.h"
#include "train/Hyperparams.h"

namespace nsb::gpu {
class VulkanContext;
}

namespace nsb::train {

class SessionWork;

struct SetHyperparams {
  Hyperparams hyperparams;
};  // lr, momentum, betas, L1/L2, optimizer, batch size
struct Pause {};
// Set: the session pauses itself once it reaches this step (a served job's end), so that no queue of
// Steps stands between a Pause and the training it stops.
struct Resume {
  std::optional<std::uint64_t> untilStep;
};
// While paused: run this many steps, before any command sent after it (headless frames step this way).
struct Step {
  std::uint32_t steps = 1;
};
// How fast a running session trains, in steps a second (0: as fast as it can). A rate, not a queue:
// a session that cannot keep up drops steps, so commands never wait behind them.
struct SetSpeed {
  double stepsPerSecond = 0.0;
};
struct Reset {
  std::optional<std::uint64_t> seed;
};  // same seed, same initial weights
struct SetActivation {
  std::size_t layer = 0;
  compute::Activation activation = compute::Activation::Relu;
};
// Weights and optimizer state carried over.
struct SwitchBackend {
  std::string backend;
  // Set: the Vulkan context every vulkan backend is made on from now on, this one included (the
  // editor's device made again after a loss; a vulkan backend on the old one is made again here).
  // This process's own: never on the wire.
  std::shared_ptr<gpu::VulkanContext> context;
};
// The editor's heatmap grids: probe i gets inputs[i] (f32 [rows, spec.inputs] features); probes beyond
// inputs.size() are kept but no longer published. Not an edit: records no event.
struct SetProbes {
  std::vector<std::vector<float>> inputs;
  // While training, the probes need not run more often than this (the watch page draws 2 frames a
  // second); 0: as often as the schedule allows (an editor's 30-60 frames).
  double everySeconds = 0.0;
};

// Structural edits (weight surgery, see train/Surgery.h): the other weights and their optimizer state
// stay. Layers are hidden layers, 0-based.
// The target width of a hidden layer: neurons are appended (zero outgoing weights: outputs unchanged)
// or the last ones removed until it has `width`. A target, so a click sent twice counts once.
struct SetLayerWidth {
  std::size_t layer = 0;
  std::size_t width = 1;
};
struct RemoveNeuron {
  std::size_t layer = 0;
  std::size_t neuron = 0;
};
// Inserts a hidden layer before hidden layer `index` (index == hidden count: after the last). Width 0:
// as wide as its input, which makes it start as an identity (see Surgery.h for when that is exact).
struct AddLayer {
  std::size_t index = 0;
  std::size_t width = 0;
  compute::Activation activation = compute::Activation::Relu;
};
struct RemoveLayer {
  std::size_t layer = 0;
};
// 2D datasets only: the input features; the first layer's weights of the kept inputs stay, new inputs
// start with zero weights.
struct SetFeatures {
  data::FeatureSet features;
};
// Synthetic datasets only: the points drawn again with this noise and seed; the weights stay.
struct RegenerateData {
  float noise = 0.0f;
  std::uint64_t seed = 1;
  // How many points (train + test, split as now); unset: as many as now. A lesson's "more data" page.
  std::optional<std::size_t> points;
};
// One weight or bias, by its index in the flat layout of nn::ModelSpec (the editor's click-to-edit).
struct SetParameter {
  std::size_t index = 0;
  float value = 0.0f;
};
// The parameter (flat layout index) whose every last update the session reports in Snapshot::watched
// (the editor's Step panel for a clicked edge); none: no parameter. Not an edit: records no event.
struct WatchParameter {
  std::optional<std::size_t> index;
};
// Checkpoints (nn/Checkpoint.h) written and read between two steps. Loading takes the file's weights,
// optimizer state, step and hyperparameters; its hidden layers may differ from the running network's
// (inputs and outputs must match). Saving records no event.
struct SaveCheckpoint {
  std::string path;
};
struct LoadCheckpoint {
  std::string path;
};

// Time travel (train/Timeline.h). How often the run keeps a snapshot and the memory they may take
// (every 0: none).
struct SetTimeline {
  std::uint64_t every = 100;
  std::uint64_t bytes = std::uint64_t{256} << 20;
};
// Shows the network as it was at kept step `step` (training pauses there); none: back to the run's head.
// Training or an edit goes back to the head first.
struct ViewStep {
  std::optional<std::uint64_t> step;
};
// Goes back to kept step `step` and continues from there as a new run, with `hyperparams` when given:
// the states after it are dropped from the timeline.
struct Branch {
  std::uint64_t step = 0;
  std::optional<Hyperparams> hyperparams;
};
// A race's replicas (train/RaceSession.h), by their index in the snapshot's RaceState; a solo session
// refuses them. A new replica starts from the weights replica `from` has now, with fresh optimizer state.
struct AddReplica {
  Hyperparams hyperparams;
  std::size_t from = 0;
};
struct RemoveReplica {
  std::size_t replica = 0;
};
// The replica's optimizer and values (its batch size stays the race's). SetHyperparams edits the shown one.
struct SetReplica {
  std::size_t replica = 0;
  Hyperparams hyperparams;
};
// Which replica the views (network, weights, plots, Details) show; with `minus`, its weights minus that
// replica's. Not an edit: records no event.
struct ShowReplica {
  std::size_t replica = 0;
  std::optional<std::size_t> minus;
};

// Work the session thread does between submits from now on (train/SessionWork.h; null: none), as the
// editor's live landscape. This process's own: never on the wire. Not an edit: records no event.
struct SetSessionWork {
  std::shared_ptr<SessionWork> work;
};

using Command = std::variant<SetHyperparams, Pause, Resume, Step, SetSpeed, Reset, SetActivation, SwitchBackend,
                             SetProbes, SetLayerWidth, RemoveNeuron, AddLayer, RemoveLayer, SetFeatures, RegenerateData,
                             SetParameter, SaveCheckpoint, LoadCheckpoint, WatchParameter, SetTimeline, ViewStep,
                             Branch, AddReplica, RemoveReplica, SetReplica, ShowReplica, SetSessionWork>;

// The command protocol's version: it changes whenever a command is added, removed or changed, which the
// static_assert below makes a compile error to forget (a remote session checks it, see remote/).
inline constexpr std::uint32_t COMMAND_PROTOCOL = 8;
static_assert(std::variant_size_v<Command> == 27, "a command was added or removed: bump COMMAND_PROTOCOL");

// What became of one submitted command, reported against its sequence number (Session::submit).
struct Outcome {
  std::uint64_t sequence = 0;
  std::uint64_t step = 0;  // the step before which it was applied (or refused)
  bool ok = true;
  std::string message;  // refused: the one-line reason; applied: a notice ("checkpoint saved to ...") or empty
};

// An applied edit: at which step it took effect, what changed, from what to what.
struct Event {
  std::uint64_t step = 0;
  std::string what;
  std::string before, after;
};

}  // namespace nsb::train
