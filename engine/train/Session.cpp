// Session: what the interface itself defines (every implementation shares it).
#include "train/Session.h"

#include <atomic>

namespace nsb::train {

std::uint64_t nextDatasetVersion() {
  static std::atomic<std::uint64_t> last{0};
  return ++last;
}

const char* syncStatusName(SyncStatus status) {
  switch (status) {
    case SyncStatus::Synced:
      return "synced";
    case SyncStatus::TimedOut:
      return "timed out";
    case SyncStatus::Ended:
      return "ended";
  }
  return "?";
}

}  // namespace nsb::train
