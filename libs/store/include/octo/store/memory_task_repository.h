// A TaskRepository kept in process memory, for unit tests and runs without Postgres.
#pragma once

#include <memory>

#include "octo/common/clock.h"
#include "octo/store/task_repository.h"

namespace octo::store {

// Thread-safe; the tasks live as long as the object. It keeps every contract of
// TaskRepository as the Postgres adapter does (pinned by the same contract tests), with these
// differences:
// - Times come from `clock` (truncated to microseconds, as Postgres stores them); a lease
//   expires when the clock passes its end, so tests move leases on with a ManualClock.
// - Nothing is ever sent on kTaskReadyChannel, kTaskEventChannel or kTaskCancelChannel:
//   callers poll (as the orchestrator does every poll_interval / watch_poll).
// - No method returns UNAVAILABLE or a whole-call ABORTED.
// `clock` must outlive the repository.
std::unique_ptr<TaskRepository> NewInMemoryTaskRepository(
    common::Clock& clock = common::RealClock());

}  // namespace octo::store
