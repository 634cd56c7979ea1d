// Wakes WatchTask streams when a task has new events, whichever replica wrote them.
#pragma once

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace octo::orchestrator {

// Thread-safe. Only tasks somebody watches are tracked, so memory follows the watchers.
class EventHub {
 public:
  // Interest in one task for the lifetime of the object. Use: v = version(); read events
  // from the store; WaitForChange(v, timeout). No notification is lost in between.
  class Watch {
   public:
    Watch(EventHub& hub, absl::string_view task_id);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    uint64_t version() const;
    // Returns when the version differs from `seen` or `timeout` passed.
    void WaitForChange(uint64_t seen, absl::Duration timeout) const;

   private:
    EventHub& hub_;
    std::string task_id_;
  };

  // Called for local writes and for NOTIFY octo_task_event from any replica.
  void Notify(absl::string_view task_id);
  // Wakes every watcher (after the listener reconnected and may have missed notifications).
  void NotifyAll();

 private:
  struct Entry {
    uint64_t version = 0;
    int watchers = 0;
  };
  uint64_t VersionLocked(const std::string& task_id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace octo::orchestrator
