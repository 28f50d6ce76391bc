#include "remote/ControlLease.h"

#include <cstdio>
#include <random>

namespace nsb::remote {

std::optional<ControlLease::Editor> ControlLease::attach(const std::string& rejoin, const std::string& address,
                                                         Clock::time_point now) {
  std::lock_guard lock(mMutex);
  if (auto it = mEditors.find(rejoin); it != mEditors.end()) {
    it->second.seen = now;
    settleLocked(now);
    return editorLocked(rejoin);
  }
  // Room: the editors gone longest are forgotten first.
  for (auto it = mEditors.begin(); it != mEditors.end();) {
    const bool gone = it->second.streams == 0 && now - it->second.seen > FORGET && it->first != mController;
    it = gone ? mEditors.erase(it) : std::next(it);
  }
  if (mEditors.size() >= MOST_EDITORS) return std::nullopt;
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::string id;
  do {
    char digits[17];
    std::snprintf(digits, sizeof digits, "%016llx", static_cast<unsigned long long>(random()));
    id = digits;
  } while (mEditors.contains(id));
  ++mAttached;
  mEditors[id] = Attached{.order = mAttached,
                          .name = "editor " + std::to_string(mAttached) + " (" + address.substr(0, 64) + ")",
                          .seen = now};
  settleLocked(now);
  return editorLocked(id);
}

bool ControlLease::knows(const std::string& id) const {
  std::lock_guard lock(mMutex);
  return mEditors.contains(id);
}

void ControlLease::opened(const std::string& id) {
  std::lock_guard lock(mMutex);
  if (auto it = mEditors.find(id); it != mEditors.end()) ++it->second.streams;
}

void ControlLease::closed(const std::string& id, Clock::time_point now) {
  std::lock_guard lock(mMutex);
  if (auto it = mEditors.find(id); it != mEditors.end() && it->second.streams > 0) {
    --it->second.streams;
    it->second.seen = now;
  }
}

ControlLease::Editor ControlLease::controller(Clock::time_point now) {
  std::lock_guard lock(mMutex);
  settleLocked(now);
  return editorLocked(mController);
}

std::optional<ControlLease::Editor> ControlLease::refuses(const std::string& id, Clock::time_point now) {
  std::lock_guard lock(mMutex);
  settleLocked(now);
  if (mController.empty() || mController == id) {
    if (mEditors.contains(id)) mController = id;
    return std::nullopt;
  }
  return editorLocked(mController);
}

bool ControlLease::take(const std::string& id, Clock::time_point now) {
  std::lock_guard lock(mMutex);
  const auto it = mEditors.find(id);
  if (it == mEditors.end()) return false;
  it->second.seen = std::max(it->second.seen, now);
  mController = id;
  return true;
}

bool ControlLease::liveLocked(const Attached& editor, Clock::time_point now) const {
  return editor.streams > 0 || now - editor.seen <= LAPSE;
}

void ControlLease::settleLocked(Clock::time_point now) {
  if (const auto it = mEditors.find(mController); it != mEditors.end() && liveLocked(it->second, now)) return;
  mController.clear();
  std::uint64_t first = 0;
  for (const auto& [id, editor] : mEditors) {
    if (liveLocked(editor, now) && (first == 0 || editor.order < first)) {
      first = editor.order;
      mController = id;
    }
  }
}

ControlLease::Editor ControlLease::editorLocked(const std::string& id) const {
  const auto it = mEditors.find(id);
  if (it == mEditors.end()) return {};
  return {.id = id, .name = it->second.name};
}

}  // namespace nsb::remote
