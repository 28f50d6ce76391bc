#pragma once
// ControlLease: which of the editors attached to one job steers it (issue 18: "two editors attached to
// one job: one steers, the others watch, and the owner can take control"). An editor attaches
// (POST /jobs/ID/editors, remote/SessionRoutes.h) and gets an id made here; the first one holds control,
// the others watch until one takes it (POST /jobs/ID/control). An editor is live while its frame stream
// is open and for LAPSE after it closed: a controller gone longer hands control to the live editor
// attached first, or to nobody. The ids are map keys only: nothing a client sends reaches a path.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace nsb::remote {

class ControlLease {
 public:
  using Clock = std::chrono::steady_clock;
  // How long a controller's connection may be gone before another editor steers.
  static constexpr std::chrono::seconds LAPSE{3};
  // Editors a job keeps; one gone for FORGET is dropped first.
  static constexpr std::size_t MOST_EDITORS = 32;
  static constexpr std::chrono::seconds FORGET{60};

  struct Editor {
    std::string id;    // 16 hex digits; empty: nobody
    std::string name;  // "editor 2 (127.0.0.1)", for the others' screens
  };

  // A new editor from `address`, or `rejoin` (one this lease knows: an editor whose connection came
  // back) again. It takes control when no live editor holds it. Null when MOST_EDITORS are live.
  std::optional<Editor> attach(const std::string& rejoin, const std::string& address, Clock::time_point now);
  bool knows(const std::string& id) const;
  // Its frame stream opened or closed (an unknown id is ignored).
  void opened(const std::string& id);
  void closed(const std::string& id, Clock::time_point now);
  // Who steers now; empty when nobody does.
  Editor controller(Clock::time_point now);
  // Whether `id` may steer: it holds control, or nobody live does (it takes control then; an empty id,
  // a client that did not attach, only passes). Otherwise the editor that does.
  std::optional<Editor> refuses(const std::string& id, Clock::time_point now);
  // `id` takes control; false when this lease does not know it.
  bool take(const std::string& id, Clock::time_point now);

 private:
  struct Attached {
    std::uint64_t order = 0;  // attached as the order-th
    std::string name;
    int streams = 0;
    Clock::time_point seen{};  // attached, or its last stream closed
  };
  // Called with mMutex held.
  bool liveLocked(const Attached& editor, Clock::time_point now) const;
  // The controller stays while live; otherwise the live editor attached first takes over.
  void settleLocked(Clock::time_point now);
  Editor editorLocked(const std::string& id) const;

  mutable std::mutex mMutex;
  std::map<std::string, Attached> mEditors;
  std::string mController;
  std::uint64_t mAttached = 0;
};

}  // namespace nsb::remote
