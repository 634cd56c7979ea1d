// Private to octo::store: the parts of the TaskRepository contract that do not depend on where
// tasks are kept (argument checks, limits, page tokens, status messages), shared by the
// Postgres and the in-memory adapters so that both answer alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "octo/store/task_repository.h"
#include "octo/v1/task.pb.h"

namespace octo::store::detail {

// Aging: a waiting task gains one priority level per this many seconds, so a LOW task that
// waited 90 s ranks with a fresh CRITICAL one and nothing starves.
inline constexpr int kAgingSeconds = 30;

inline constexpr int kListDefaultPageSize = 50;
inline constexpr int kListMaxPageSize = 500;
inline constexpr int kReadEventsMaxLimit = 1000;

// Whether `id` is a UUID in the canonical 8-4-4-4-12 hex form (any case).
bool IsUuid(absl::string_view id);

bool IsTerminal(v1::TaskState state);

// NOT_FOUND naming the task.
absl::Status TaskNotFound(absl::string_view task_id);

// ABORTED: `owner` does not hold the lease on `task_id`; `holder` is who does ("" for nobody).
absl::Status NotLeasedError(absl::string_view task_id, absl::string_view owner,
                            absl::string_view holder);

// The priority a new task is stored with (UNSPECIFIED → MEDIUM), after checking the rest of
// `task`: INVALID_ARGUMENT for an empty tenant, an unknown priority, or claim_owner with a
// non-positive lease.
absl::StatusOr<v1::Priority> CheckNewTask(const NewTask& task);

// INVALID_ARGUMENT: `task_id` appears more than once in one ApplyMany.
absl::Status DuplicateUpdateError(absl::string_view task_id);

// INVALID_ARGUMENT for an empty owner or a non-positive lease (Claim, Renew).
absl::Status CheckLease(absl::string_view owner, absl::Duration lease);

// Apply's checks before the task is looked at: INVALID_ARGUMENT for an empty lease owner,
// state PENDING or UNSPECIFIED, or a step without id; NOT_FOUND for an id that is not a UUID.
absl::Status CheckUpdate(const TaskUpdate& update);

// ListQuery::page_size clamped to [1, kListMaxPageSize]; 0 means kListDefaultPageSize.
int ListPageSize(int requested);

// ReadEvents' limit: <= 0 or more than kReadEventsMaxLimit means kReadEventsMaxLimit.
int ReadEventsLimit(int requested);

// Where a List page ends: the last task's created_at (µs since the Unix epoch) and id. The
// next page starts after it in (created_at DESC, id DESC) order.
struct PageCursor {
  int64_t created_us = 0;
  std::string id;  // a UUID, lower-case
};

std::string EncodePageToken(const v1::Task& last);
// nullopt for a malformed token.
std::optional<PageCursor> DecodePageToken(absl::string_view token);

// Where a List call starts and how much it returns.
struct PageStart {
  int page_size = 0;                // ListPageSize of the query's
  std::optional<PageCursor> after;  // none for the first page
};
// INVALID_ARGUMENT "malformed page_token" when the query's token does not decode.
absl::StatusOr<PageStart> StartPage(const ListQuery& query);

}  // namespace octo::store::detail
