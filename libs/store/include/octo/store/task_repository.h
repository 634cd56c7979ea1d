// The task store's port: tasks, their steps and their event history. Adapters: Postgres
// (NewPgTaskRepository, pg_pool.h) and in memory (memory_task_repository.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "octo/v1/task.pb.h"

namespace octo::store {

// LISTEN/NOTIFY channels. Payload is the task id.
inline constexpr char kTaskReadyChannel[] = "octo_task_ready";    // a task became claimable
inline constexpr char kTaskEventChannel[] = "octo_task_event";    // a task has new events
inline constexpr char kTaskCancelChannel[] = "octo_task_cancel";  // cancel was requested

struct NewTask {
  std::string tenant_id;
  // Empty for none. Same (tenant_id, idempotency_key) → the first task.
  std::string idempotency_key;
  v1::TaskSpec spec;
  // W3C traceparent of the submitting call, so the work joins its trace. May be empty.
  std::string traceparent;
  // When set, a task this call creates is claimed at once by this owner for `lease` (as
  // Claim would), instead of waiting in the queue: for a replica that has room and knows of
  // no queued work, so that the queue round trip is skipped without overtaking anything.
  std::string claim_owner;
  absl::Duration lease = absl::ZeroDuration();
};

struct CreateResult {
  v1::Task task;
  // False when an idempotency key matched an existing task.
  bool created = false;
  // The new task was claimed for NewTask::claim_owner (state PLANNING, event 2).
  bool claimed = false;
};

struct ListQuery {
  // TASK_STATE_UNSPECIFIED for all states.
  v1::TaskState state = v1::TASK_STATE_UNSPECIFIED;
  // Clamped to [1, 500]; 0 means 50.
  int page_size = 0;
  // Opaque, from TaskPage::next_page_token. INVALID_ARGUMENT when malformed.
  std::string page_token;
};

struct TaskPage {
  std::vector<v1::Task> tasks;  // newest first, without steps
  std::string next_page_token;  // empty on the last page
};

// A task handed to a worker together with the tenant it belongs to.
struct ClaimedTask {
  std::string tenant_id;
  v1::Task task;  // with steps as stored (completed steps keep their outputs)
  bool cancel_requested = false;
  // As given to Create; empty when none was.
  std::string traceparent;
  // True when the task was running elsewhere and its lease had expired (it keeps its state
  // and steps, and the claim added no event); false for a PENDING task, which the claim moved
  // to PLANNING with event number task.last_event_seq at task.updated_at.
  bool taken_over = false;
};

// One atomic change to a task held under lease. Either all of it is stored or none.
struct TaskUpdate {
  std::string task_id;
  // Must hold the task's lease; ABORTED otherwise (the lease expired and was taken over).
  std::string lease_owner;
  std::optional<v1::TaskState> state;
  // Inserted or replaced by step id; Step::id must be set.
  std::vector<v1::Step> steps;
  std::optional<v1::TaskResult> result;
  std::optional<v1::Usage> usage;
  std::optional<v1::TaskError> error;
  // Appended in order. The store fills task_id, seq (next numbers, no gaps), time, and —
  // unless the event sets it, as an update that passes through several states must — state
  // (the task state after this update); it notifies kTaskEventChannel.
  std::vector<v1::TaskEvent> events;
};

// What ApplyMany stored for one update.
struct AppliedUpdate {
  // The update's events as stored: task_id, seq, time and state filled in.
  std::vector<v1::TaskEvent> events;
  // The task's state and last event sequence number after the update.
  v1::TaskState state = v1::TASK_STATE_UNSPECIFIED;
  int64_t last_event_seq = 0;
};

// Events of a task and, read with them, the task's state.
struct EventPage {
  std::vector<v1::TaskEvent> events;
  v1::TaskState state = v1::TASK_STATE_UNSPECIFIED;
  int64_t last_event_seq = 0;
};

struct RenewResult {
  // Leases this owner no longer holds (expired and claimed elsewhere, or task gone).
  std::vector<std::string> lost;
  // Tasks (still held) on which a cancel was requested.
  std::vector<std::string> cancel_requested;
};

// Thread-safe. Every method may return UNAVAILABLE when the database cannot be reached.
class TaskRepository {
 public:
  virtual ~TaskRepository() = default;

  // Stores a PENDING task with event 1 (STATE_CHANGED → PENDING) and notifies
  // kTaskReadyChannel, in one transaction. With claim_owner set, stores it claimed instead:
  // events 1 (PENDING) and 2 (PLANNING) and the lease, and notifies nobody (no replica needs
  // waking, and no watcher can be waiting yet). INVALID_ARGUMENT for claim_owner with a non-positive lease.
  // UNAVAILABLE when the database was lost during the insert: the task may or may not be
  // stored (it is never inserted twice by a retry of this call; clients retry with an
  // idempotency key).
  virtual absl::StatusOr<CreateResult> Create(const NewTask& task) = 0;

  // The task with its steps. NOT_FOUND when unknown (also for an id that is not a UUID) or
  // owned by another tenant.
  virtual absl::StatusOr<v1::Task> Get(absl::string_view tenant_id, absl::string_view task_id) = 0;

  // Newest first (created_at, then id), keyset-paginated; tasks without steps.
  // INVALID_ARGUMENT for a malformed page token.
  virtual absl::StatusOr<TaskPage> List(absl::string_view tenant_id, const ListQuery& query) = 0;

  // Events with seq >= from_seq in ascending order, at most `limit` (<= 0 or more than 1000
  // means 1000). NOT_FOUND as for Get.
  virtual absl::StatusOr<std::vector<v1::TaskEvent>> ReadEvents(absl::string_view tenant_id,
                                                                absl::string_view task_id,
                                                                int64_t from_seq, int limit) = 0;

  // ReadEvents, plus the task's state and newest event number as of the same read (so a
  // caller can tell that nothing more will come). One statement.
  virtual absl::StatusOr<EventPage> ReadEventPage(absl::string_view tenant_id,
                                                  absl::string_view task_id, int64_t from_seq,
                                                  int limit) = 0;

  // Claims up to `max` tasks for `owner` with FOR UPDATE SKIP LOCKED: PENDING tasks and
  // non-terminal tasks whose lease expired, highest effective priority first, then oldest.
  // Effective priority = Priority value + one level per 30 s waited since creation (so a LOW
  // task that waited 90 s ties with a fresh CRITICAL one). A PENDING task moves to PLANNING
  // with a STATE_CHANGED event (notifying kTaskEventChannel); a taken-over task keeps its
  // state and steps. The lease lasts `lease` from now. Under contention it may return fewer
  // than `max` while more are claimable: callers simply claim again.
  // INVALID_ARGUMENT for an empty owner or a non-positive lease.
  virtual absl::StatusOr<std::vector<ClaimedTask>> Claim(absl::string_view owner,
                                                         absl::Duration lease, int max) = 0;

  // Extends the leases `owner` holds on `task_ids` to now + `lease` (also a lease that expired
  // but was not taken over). Ids that are not valid UUIDs are reported lost.
  virtual absl::StatusOr<RenewResult> Renew(absl::string_view owner,
                                            const std::vector<std::string>& task_ids,
                                            absl::Duration lease) = 0;

  // Applies `update`; a terminal state releases the lease and stamps finished_at. The store
  // appends only the events in `update` (it adds no STATE_CHANGED of its own).
  // Returns the task after the update (with steps). ABORTED when `lease_owner` does not hold
  // the lease; NOT_FOUND for an unknown task; INVALID_ARGUMENT for state PENDING or
  // UNSPECIFIED or a step without id.
  virtual absl::StatusOr<v1::Task> Apply(const TaskUpdate& update) = 0;

  // Applies several updates, each as Apply would, in one statement (one commit for all).
  // Each update succeeds or fails on its own: ABORTED (lease not held), NOT_FOUND,
  // INVALID_ARGUMENT (as for Apply, or a task that appears twice in `updates`). The call as a
  // whole fails when the statement lost a deadlock or serialization race (ABORTED: nothing
  // stored, safe to retry) or the database could not be reached or was lost during the
  // statement (UNAVAILABLE: the updates may or may not be stored; retrying could store their
  // events twice). Committed on its own, without BEGIN/COMMIT round trips.
  // Results are in the order of `updates`. Cheaper than Apply: no task is read back.
  virtual absl::StatusOr<std::vector<absl::StatusOr<AppliedUpdate>>> ApplyMany(
      const std::vector<TaskUpdate>& updates) = 0;

  // Gives up `owner`'s leases on `task_ids` at once (graceful shutdown), so that any replica
  // can claim them now instead of after the lease runs out. Tasks not leased to `owner` are
  // left alone. Returns how many leases were released.
  virtual absl::StatusOr<int> Release(absl::string_view owner,
                                      const std::vector<std::string>& task_ids) = 0;

  // PENDING → CANCELLED at once (STATE_CHANGED event; error.message = reason). PLANNING/
  // RUNNING → marks cancel requested, appends CANCEL_REQUESTED and notifies
  // kTaskCancelChannel, once; the lease owner finishes the cancellation. Terminal →
  // unchanged. NOT_FOUND as for Get. Returns the task.
  virtual absl::StatusOr<v1::Task> RequestCancel(absl::string_view tenant_id,
                                                 absl::string_view task_id,
                                                 absl::string_view reason) = 0;

  // Tasks waiting to be claimed (PENDING), for the queue-depth gauge.
  virtual absl::StatusOr<int64_t> CountPending() = 0;
};

}  // namespace octo::store
