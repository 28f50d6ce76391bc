#pragma once
// SessionWork: work that a LocalSession's thread does between two submits, a bounded piece at a time,
// for a module that train/ may not depend on (the live loss landscape, landscape/LiveLandscape.h). The
// session calls advance() once per pass of its loop, after the commands and the steps, so that a
// command waits at most one piece; the work hands its results to other threads itself.
namespace nsb::train {

class Trainer;

class SessionWork {
 public:
  virtual ~SessionWork() = default;
  // Session thread only: one piece of work on the trainer's backend (a few tens of milliseconds at
  // most). Returns whether there is more to do now (the session then does not sleep).
  virtual bool advance(Trainer& trainer) = 0;
  // Session thread only: drop everything held on the trainer's backend. Called before the backend is
  // replaced (SwitchBackend), when the session stops using this work and when it ends.
  virtual void release() = 0;
};

}  // namespace nsb::train
