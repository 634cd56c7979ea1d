// Feeds WatchTask streams: events this replica wrote are handed over in memory; events
// written elsewhere are announced by NOTIFY octo_task_event and read from the store.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "octo/v1/task.pb.h"

namespace octo::orchestrator {

// Thread-safe. Only tasks somebody watches hold state, so memory follows the watchers.
//
// A task this replica runs is "local": its events are published here as they are stored,
// and NOTIFYs about it are ignored (they would only repeat what was published). The one
// writer besides the engine is a cancel request, whose handler calls Refresh. The newest
// events of a local task are kept even while nobody watches, so that a watch starting on
// this replica can often begin without reading the store.
class EventHub {
 public:
  // Interest in one task for the lifetime of the object.
  //
  //   Watch watch(hub, id);             // before the first store read: nothing is missed
  //   loop: v = watch.version();
  //         take watch.Buffered(next); if it has a gap or watch.stale(read_mark), read the
  //         store (read_mark = watch.dirt() first); then WaitForChange(v, timeout).
  class Watch {
   public:
    Watch(EventHub& hub, absl::string_view task_id);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

    // Bumped by every publish, notification and refresh.
    uint64_t version() const;
    // Bumped by notifications and refreshes only: the store may hold events that were not
    // published here.
    uint64_t dirt() const;
    // Returns when version() differs from `seen` or `timeout` passed.
    void WaitForChange(uint64_t seen, absl::Duration timeout) const;

    struct Taken {
      // Published events with seq >= from, consecutive from `from`.
      std::vector<v1::TaskEvent> events;
      // Events from a later seq are buffered but `from` itself is not: read the store.
      bool gap = false;
    };
    Taken Buffered(int64_t from) const;
    // Whether memory alone can serve `tenant` from `from` on: the task is local, belongs to
    // `tenant`, and the kept events reach from `from` (or `from` is the next event).
    bool ServedLocally(absl::string_view tenant, int64_t from) const;

   private:
    EventHub& hub_;
    std::string task_id_;
  };

  // Events as stored (seq set) by this replica, in order.
  void Publish(const std::string& task_id, const std::vector<v1::TaskEvent>& events);
  // NOTIFY octo_task_event from any replica (ignored while the task is local).
  void Notify(absl::string_view task_id);
  // The store holds events about the task that were not published (e.g. a cancel request).
  void Refresh(absl::string_view task_id);
  // Wakes every watcher for a store read (after the listener reconnected).
  void NotifyAll();
  // This replica runs the task (for `tenant`) from now on, until ClearLocal.
  void SetLocal(const std::string& task_id, const std::string& tenant);
  // No longer local; its watchers refresh from the store.
  void ClearLocal(const std::string& task_id);

 private:
  struct Entry {
    uint64_t version = 0;
    uint64_t dirt = 0;
    int watchers = 0;
    std::deque<v1::TaskEvent> events;  // the newest published ones
    absl::CondVar changed;
  };
  Entry* FindLocked(absl::string_view task_id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DirtyLocked(Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  struct Local {
    std::string tenant;
    std::deque<v1::TaskEvent> recent;  // the newest published ones
  };
  static void Append(std::deque<v1::TaskEvent>& buffer, const v1::TaskEvent& event, size_t cap);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Entry>> entries_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Local> local_ ABSL_GUARDED_BY(mu_);
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace octo::orchestrator
