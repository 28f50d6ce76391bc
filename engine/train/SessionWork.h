#pragma once
// SessionWork: work that a LocalSession's thread does between two submits, a bounded piece at a time,
// for a module that train/ may not depend on (the live loss landscape, landscape/LiveLandscape.h). The
// session calls advance() once per pass of its loop, after the commands and the steps, so that a
// command waits at most one piece; the work hands its results to other threads itself.
// A RaceSession runs the same work on its views' trainer (CPU, never steps) with a RaceContext beside it.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace nsb::train {

class Race;
class Timeline;
class Trainer;

struct TimelineState;

// What a race shows its session's work (RaceSession): the race (its step, every replica's weights now,
// read on the session thread), the replica the views show, the edits so far, each replica's path
// (its weights every N steps, in the race's replica order; null where none is kept) and the kept step
// shown (ViewStep: one state per replica; null at the head). step() and parameters() are what the views
// show: the kept step's where one is shown, as a solo session's trainer holds it then.
struct RaceContext {
  const Race& race;
  std::size_t shown = 0;
  std::size_t edits = 0;
  std::vector<const Timeline*> paths;
  const std::vector<const TimelineState*>* viewed = nullptr;

  std::uint64_t step() const;
  std::vector<float> parameters(std::size_t replica) const;
};

class SessionWork {
 public:
  virtual ~SessionWork() = default;
  // Session thread only: one piece of work on the trainer's backend (a few tens of milliseconds at
  // most). Returns whether there is more to do now (the session then does not sleep). In a race,
  // `race` is set and `trainer` is the views' trainer: its weights and step are not the race's.
  virtual bool advance(Trainer& trainer, const RaceContext* race = nullptr) = 0;
  // Session thread only: drop everything held on the trainer's backend. Called before the backend is
  // replaced (SwitchBackend), when the session stops using this work and when it ends.
  virtual void release() = 0;
};

}  // namespace nsb::train
