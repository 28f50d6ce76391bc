#pragma once
// Commands other threads send to a Session; each is applied between two steps (on a backend that runs
// several steps per submit, at the next submit). Every applied command that changes something is
// recorded as an Event.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "compute/Op.h"
#include "train/Hyperparams.h"

namespace nsb::train {

struct SetHyperparams { Hyperparams hyperparams; };  // lr, momentum, betas, L1/L2, optimizer, batch size
struct Pause {};
struct Resume {};
struct Step { std::uint32_t steps = 1; };            // while paused: run this many steps
struct Reset { std::optional<std::uint64_t> seed; };  // same seed, same initial weights
struct SetActivation { std::size_t layer = 0; compute::Activation activation = compute::Activation::Relu; };
struct SwitchBackend { std::string backend; };        // weights and optimizer state carried over
// The editor's heatmap grids: probe i gets inputs[i] (f32 [rows, spec.inputs] features); probes beyond
// inputs.size() are kept but no longer published. Not an edit: records no event.
struct SetProbes { std::vector<std::vector<float>> inputs; };

using Command = std::variant<SetHyperparams, Pause, Resume, Step, Reset, SetActivation, SwitchBackend, SetProbes>;

// An applied edit: at which step it took effect, what changed, from what to what.
struct Event {
  std::uint64_t step = 0;
  std::string what;
  std::string before, after;
};

}  // namespace nsb::train
