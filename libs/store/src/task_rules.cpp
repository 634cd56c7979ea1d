#include "task_rules.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace octo::store::detail {

bool IsUuid(absl::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !std::isxdigit(static_cast<unsigned char>(id[i]))) return false;
  }
  return true;
}

bool IsTerminal(v1::TaskState state) {
  return state == v1::TASK_STATE_SUCCEEDED || state == v1::TASK_STATE_FAILED ||
         state == v1::TASK_STATE_CANCELLED;
}

absl::Status TaskNotFound(absl::string_view task_id) {
  return absl::NotFoundError(absl::StrCat("task ", task_id, " not found"));
}

absl::Status NotLeasedError(absl::string_view task_id, absl::string_view owner,
                            absl::string_view holder) {
  return absl::AbortedError(
      absl::StrCat("task ", task_id, " is not leased to ", owner,
                   holder.empty() ? " (no lease)" : absl::StrCat(" (held by ", holder, ")")));
}

absl::Status DuplicateUpdateError(absl::string_view task_id) {
  return absl::InvalidArgumentError(
      absl::StrCat("task ", task_id, " appears twice in one ApplyMany"));
}

absl::StatusOr<v1::Priority> CheckNewTask(const NewTask& task) {
  if (task.tenant_id.empty()) return absl::InvalidArgumentError("tenant_id is empty");
  int priority = task.spec.priority();
  if (priority == v1::PRIORITY_UNSPECIFIED) priority = v1::PRIORITY_MEDIUM;
  if (priority < v1::PRIORITY_LOW || priority > v1::PRIORITY_CRITICAL) {
    return absl::InvalidArgumentError(absl::StrCat("spec.priority: unknown value ", priority));
  }
  if (!task.claim_owner.empty() && task.lease <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("lease must be > 0 to claim at creation");
  }
  return static_cast<v1::Priority>(priority);
}

absl::Status CheckLease(absl::string_view owner, absl::Duration lease) {
  if (owner.empty()) return absl::InvalidArgumentError("lease owner is empty");
  if (lease <= absl::ZeroDuration()) return absl::InvalidArgumentError("lease must be > 0");
  return absl::OkStatus();
}

absl::Status CheckUpdate(const TaskUpdate& update) {
  if (update.lease_owner.empty()) return absl::InvalidArgumentError("lease_owner is empty");
  if (update.state &&
      (*update.state == v1::TASK_STATE_UNSPECIFIED || *update.state == v1::TASK_STATE_PENDING)) {
    return absl::InvalidArgumentError("a claimed task cannot become PENDING or UNSPECIFIED");
  }
  if (std::any_of(update.steps.begin(), update.steps.end(),
                  [](const v1::Step& step) { return step.id().empty(); })) {
    return absl::InvalidArgumentError("step without id");
  }
  if (!IsUuid(update.task_id)) return TaskNotFound(update.task_id);
  return absl::OkStatus();
}

int ListPageSize(int requested) {
  return std::clamp(requested == 0 ? kListDefaultPageSize : requested, 1, kListMaxPageSize);
}

int ReadEventsLimit(int requested) {
  return requested <= 0 ? kReadEventsMaxLimit : std::min(requested, kReadEventsMaxLimit);
}

std::string EncodePageToken(const v1::Task& last) {
  const int64_t micros = last.created_at().seconds() * 1'000'000 + last.created_at().nanos() / 1000;
  return absl::WebSafeBase64Escape(absl::StrCat(micros, ",", last.id()));
}

std::optional<PageCursor> DecodePageToken(absl::string_view token) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(raw, ',');
  PageCursor cursor;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &cursor.created_us) || !IsUuid(parts[1])) {
    return std::nullopt;
  }
  cursor.id = absl::AsciiStrToLower(parts[1]);
  return cursor;
}

absl::StatusOr<PageStart> StartPage(const ListQuery& query) {
  PageStart start{.page_size = ListPageSize(query.page_size)};
  if (!query.page_token.empty()) {
    start.after = DecodePageToken(query.page_token);
    if (!start.after) return absl::InvalidArgumentError("malformed page_token");
  }
  return start;
}

}  // namespace octo::store::detail
