// Session: what the interface itself defines (every implementation shares it).
#include "train/Session.h"

namespace nsb::train {

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
