// Private to octo::store: the SQL of the Postgres TaskRepository, one prepared statement per
// access path (pg_task_statements.cpp documents each one's parameters and rows).
#pragma once

#include "pg.h"

namespace octo::store::detail {

// Creating a task.
extern const Statement kInsertTask;
extern const Statement kInsertClaimedTask;
extern const Statement kSelectTaskByKey;

// Reading tasks, steps and events.
extern const Statement kSelectTask;
extern const Statement kSelectTenantTask;
extern const Statement kSelectSteps;
extern const Statement kSelectStepsOfTasks;
extern const Statement kListFirstPage;
extern const Statement kListNextPage;
extern const Statement kReadEvents;
extern const Statement kCountPending;

// Claims and leases.
extern const Statement kClaim;
extern const Statement kRenew;
extern const Statement kRelease;
extern const Statement kLeaseHolders;

// Updates under lease, and cancellation.
extern const Statement kApplyMany;
extern const Statement kLockTask;
extern const Statement kLockTenantTask;
extern const Statement kApplyTask;
extern const Statement kUpsertStep;
extern const Statement kInsertEvent;
extern const Statement kNotify;
extern const Statement kCancelPending;
extern const Statement kMarkCancelRequested;

}  // namespace octo::store::detail
