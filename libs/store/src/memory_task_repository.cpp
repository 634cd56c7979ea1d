// TaskRepository in process memory. One mutex guards everything, so each call is atomic as a
// Postgres statement or transaction is, and reads the clock once (as now() is per statement).
#include "octo/store/memory_task_repository.h"

#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "memory_task_repository_impl.h"
#include "task_rules.h"

namespace octo::store {
namespace detail {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

int64_t MicrosOf(const google::protobuf::Timestamp& t) {
  return TimeUtil::TimestampToMicroseconds(t);
}

// The end of a lease granted at `now`, in whole microseconds as the Postgres adapter sends it.
absl::Time LeaseEnd(absl::Time now, absl::Duration lease) {
  return now + absl::Microseconds(absl::ToInt64Microseconds(lease));
}

// Priority plus one level per kAgingSeconds waited since creation (rounded down).
int64_t EffectivePriority(const MemoryTask& task, absl::Time now) {
  const int64_t waited_us = absl::ToUnixMicros(now) - MicrosOf(task.task.created_at());
  constexpr int64_t kLevelUs = int64_t{kAgingSeconds} * 1'000'000;
  const int64_t levels =
      waited_us >= 0 ? waited_us / kLevelUs : -((-waited_us + kLevelUs - 1) / kLevelUs);
  return task.priority + levels;
}

bool LeaseExpired(const MemoryTask& task, absl::Time now) {
  return task.lease_expires_at && *task.lease_expires_at < now;
}

// Appends `event` as the task's next one; `state` is the task state after the change, unless
// the event names its own. Returns the event as stored.
const v1::TaskEvent& AppendEvent(MemoryTask& task, v1::TaskEvent event, v1::TaskState state,
                                 absl::Time now) {
  event.set_task_id(task.task.id());
  event.set_seq(task.task.last_event_seq() + 1);
  *event.mutable_time() = ToTimestamp(now);
  if (event.state() == v1::TASK_STATE_UNSPECIFIED) event.set_state(state);
  task.task.set_last_event_seq(event.seq());
  task.events.push_back(std::move(event));
  return task.events.back();
}

v1::TaskEvent StateChanged() {
  v1::TaskEvent event;
  event.set_kind(v1::TASK_EVENT_KIND_STATE_CHANGED);
  return event;
}

void Lease(MemoryTask& task, absl::string_view owner, absl::Duration lease, absl::Time now) {
  task.lease_owner = std::string(owner);
  task.lease_expires_at = LeaseEnd(now, lease);
}

// A step with a new id goes after the task's existing ones; a known one is replaced in place.
void UpsertStep(v1::Task& task, const v1::Step& step) {
  for (v1::Step& existing : *task.mutable_steps()) {
    if (existing.id() == step.id()) {
      existing = step;
      return;
    }
  }
  *task.add_steps() = step;
}

// Applies `update` (which passed CheckUpdate) to `task` if `update.lease_owner` holds its lease.
absl::StatusOr<AppliedUpdate> ApplyToTask(MemoryTask& task, const TaskUpdate& update,
                                          absl::Time now) {
  if (task.lease_owner != update.lease_owner) {
    return NotLeasedError(update.task_id, update.lease_owner, task.lease_owner.value_or(""));
  }
  v1::Task& t = task.task;
  const v1::TaskState state = update.state.value_or(t.state());
  t.set_state(state);
  if (update.result) *t.mutable_result() = *update.result;
  if (update.usage) *t.mutable_usage() = *update.usage;
  if (update.error) *t.mutable_error() = *update.error;
  *t.mutable_updated_at() = ToTimestamp(now);
  if (IsTerminal(state)) {
    *t.mutable_finished_at() = ToTimestamp(now);
    task.lease_owner.reset();
    task.lease_expires_at.reset();
  }
  for (const v1::Step& step : update.steps) UpsertStep(t, step);
  AppliedUpdate applied;
  for (const v1::TaskEvent& event : update.events) {
    applied.events.push_back(AppendEvent(task, event, state, now));
  }
  applied.state = state;
  applied.last_event_seq = t.last_event_seq();
  return applied;
}

v1::Task WithoutSteps(const v1::Task& task) {
  v1::Task copy = task;
  copy.clear_steps();
  return copy;
}

}  // namespace

absl::Time MemoryTaskRepository::Now() {
  return absl::FromUnixMicros(absl::ToUnixMicros(clock_.Now()));
}

std::string MemoryTaskRepository::NewTaskIdLocked() {
  for (;;) {
    // Version 4 (random) UUID: version nibble 4, variant bits 10.
    const uint64_t hi = (absl::Uniform<uint64_t>(random_) & ~uint64_t{0xF000}) | 0x4000;
    const uint64_t lo =
        (absl::Uniform<uint64_t>(random_) & ~(uint64_t{3} << 62)) | (uint64_t{2} << 62);
    std::string id = absl::StrCat(
        absl::Hex(hi >> 32, absl::kZeroPad8), "-", absl::Hex((hi >> 16) & 0xFFFF, absl::kZeroPad4),
        "-", absl::Hex(hi & 0xFFFF, absl::kZeroPad4), "-", absl::Hex(lo >> 48, absl::kZeroPad4),
        "-", absl::Hex(lo & 0xFFFF'FFFF'FFFF, absl::kZeroPad12));
    if (!tasks_.contains(id)) return id;
  }
}

MemoryTask* MemoryTaskRepository::FindLocked(absl::string_view task_id) {
  if (!IsUuid(task_id)) return nullptr;
  auto it = tasks_.find(absl::AsciiStrToLower(task_id));
  return it == tasks_.end() ? nullptr : &it->second;
}

MemoryTask* MemoryTaskRepository::FindForTenantLocked(absl::string_view tenant_id,
                                                      absl::string_view task_id) {
  MemoryTask* task = FindLocked(task_id);
  return task != nullptr && task->tenant_id == tenant_id ? task : nullptr;
}

absl::StatusOr<CreateResult> MemoryTaskRepository::Create(const NewTask& input) {
  absl::StatusOr<v1::Priority> priority = CheckNewTask(input);
  if (!priority.ok()) return priority.status();
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  CreateResult out;
  if (!input.idempotency_key.empty()) {
    auto it = by_key_.find(std::make_pair(input.tenant_id, input.idempotency_key));
    if (it != by_key_.end()) {
      out.task = tasks_.at(it->second).task;
      return out;
    }
  }
  const std::string id = NewTaskIdLocked();
  MemoryTask& task = tasks_[id];
  task.tenant_id = input.tenant_id;
  task.traceparent = input.traceparent;
  task.priority = *priority;
  task.number = ++created_;
  v1::Task& t = task.task;
  t.set_id(id);
  *t.mutable_spec() = input.spec;
  t.set_state(v1::TASK_STATE_PENDING);
  *t.mutable_created_at() = ToTimestamp(now);
  *t.mutable_updated_at() = ToTimestamp(now);
  AppendEvent(task, StateChanged(), v1::TASK_STATE_PENDING, now);
  if (!input.claim_owner.empty()) {
    t.set_state(v1::TASK_STATE_PLANNING);
    AppendEvent(task, StateChanged(), v1::TASK_STATE_PLANNING, now);
    Lease(task, input.claim_owner, input.lease, now);
  }
  if (!input.idempotency_key.empty()) {
    by_key_[std::make_pair(input.tenant_id, input.idempotency_key)] = id;
  }
  out.task = t;
  out.created = true;
  out.claimed = !input.claim_owner.empty();
  return out;
}

absl::StatusOr<v1::Task> MemoryTaskRepository::Get(absl::string_view tenant_id,
                                                   absl::string_view task_id) {
  absl::MutexLock lock(&mu_);
  const MemoryTask* task = FindForTenantLocked(tenant_id, task_id);
  if (task == nullptr) return TaskNotFound(task_id);
  return task->task;
}

absl::StatusOr<TaskPage> MemoryTaskRepository::List(absl::string_view tenant_id,
                                                    const ListQuery& query) {
  absl::StatusOr<PageStart> start = StartPage(query);
  if (!start.ok()) return start.status();
  const auto& [page_size, after] = *start;
  // Newest first: (created_at, id) descending.
  auto key = [](const v1::Task& t) { return std::make_tuple(MicrosOf(t.created_at()), t.id()); };
  absl::MutexLock lock(&mu_);
  std::vector<const v1::Task*> matching;
  for (const auto& [id, task] : tasks_) {
    if (task.tenant_id != tenant_id) continue;
    if (query.state != v1::TASK_STATE_UNSPECIFIED && task.task.state() != query.state) continue;
    if (after && key(task.task) >= std::make_tuple(after->created_us, after->id)) continue;
    matching.push_back(&task.task);
  }
  std::sort(matching.begin(), matching.end(),
            [&](const v1::Task* a, const v1::Task* b) { return key(*a) > key(*b); });
  TaskPage page;
  for (const v1::Task* task : matching) {
    if (static_cast<int>(page.tasks.size()) == page_size) {
      page.next_page_token = EncodePageToken(page.tasks.back());
      break;
    }
    page.tasks.push_back(WithoutSteps(*task));
  }
  return page;
}

absl::StatusOr<std::vector<v1::TaskEvent>> MemoryTaskRepository::ReadEvents(
    absl::string_view tenant_id, absl::string_view task_id, int64_t from_seq, int limit) {
  absl::StatusOr<EventPage> page = ReadEventPage(tenant_id, task_id, from_seq, limit);
  if (!page.ok()) return page.status();
  return std::move(page->events);
}

absl::StatusOr<EventPage> MemoryTaskRepository::ReadEventPage(absl::string_view tenant_id,
                                                              absl::string_view task_id,
                                                              int64_t from_seq, int limit) {
  limit = ReadEventsLimit(limit);
  absl::MutexLock lock(&mu_);
  const MemoryTask* task = FindForTenantLocked(tenant_id, task_id);
  if (task == nullptr) return TaskNotFound(task_id);
  EventPage page;
  page.state = task->task.state();
  page.last_event_seq = task->task.last_event_seq();
  const int64_t count = static_cast<int64_t>(task->events.size());
  for (int64_t i = std::max<int64_t>(from_seq, 1) - 1;
       i < count && static_cast<int>(page.events.size()) < limit; ++i) {
    page.events.push_back(task->events[i]);
  }
  return page;
}

absl::StatusOr<std::vector<ClaimedTask>> MemoryTaskRepository::Claim(absl::string_view owner,
                                                                     absl::Duration lease,
                                                                     int max) {
  if (absl::Status checked = CheckLease(owner, lease); !checked.ok()) return checked;
  if (max <= 0) return std::vector<ClaimedTask>{};
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  struct Candidate {
    int64_t rank;
    int64_t created_us;
    int64_t number;
    MemoryTask* task;
  };
  std::vector<Candidate> candidates;
  for (auto& [id, task] : tasks_) {
    const v1::TaskState state = task.task.state();
    const bool claimable = state == v1::TASK_STATE_PENDING ||
                           ((state == v1::TASK_STATE_PLANNING || state == v1::TASK_STATE_RUNNING) &&
                            LeaseExpired(task, now));
    if (!claimable) continue;
    candidates.push_back(
        {EffectivePriority(task, now), MicrosOf(task.task.created_at()), task.number, &task});
  }
  // Highest effective priority first, then oldest.
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(b.rank, a.created_us, a.number) < std::tie(a.rank, b.created_us, b.number);
  });
  if (static_cast<int>(candidates.size()) > max) candidates.resize(max);
  std::vector<ClaimedTask> claimed;
  for (const Candidate& candidate : candidates) {
    MemoryTask& task = *candidate.task;
    const bool taken_over = task.task.state() != v1::TASK_STATE_PENDING;
    if (!taken_over) {
      task.task.set_state(v1::TASK_STATE_PLANNING);
      AppendEvent(task, StateChanged(), v1::TASK_STATE_PLANNING, now);
    }
    Lease(task, owner, lease, now);
    *task.task.mutable_updated_at() = ToTimestamp(now);
    claimed.push_back(ClaimedTask{task.tenant_id, task.task, task.cancel_requested,
                                  task.traceparent, taken_over});
  }
  return claimed;
}

absl::StatusOr<RenewResult> MemoryTaskRepository::Renew(absl::string_view owner,
                                                        const std::vector<std::string>& task_ids,
                                                        absl::Duration lease) {
  if (absl::Status checked = CheckLease(owner, lease); !checked.ok()) return checked;
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  RenewResult out;
  absl::flat_hash_set<std::string> renewed;  // lower-case ids
  for (const std::string& id : task_ids) {
    MemoryTask* task = FindLocked(id);
    if (task == nullptr || task->lease_owner != owner) continue;
    if (!renewed.insert(task->task.id()).second) continue;
    task->lease_expires_at = LeaseEnd(now, lease);
    if (task->cancel_requested) out.cancel_requested.push_back(task->task.id());
  }
  for (const std::string& id : task_ids) {
    if (!renewed.contains(absl::AsciiStrToLower(id))) out.lost.push_back(id);
  }
  return out;
}

absl::StatusOr<v1::Task> MemoryTaskRepository::Apply(const TaskUpdate& update) {
  if (absl::Status checked = CheckUpdate(update); !checked.ok()) return checked;
  absl::MutexLock lock(&mu_);
  MemoryTask* task = FindLocked(update.task_id);
  if (task == nullptr) return TaskNotFound(update.task_id);
  absl::StatusOr<AppliedUpdate> applied = ApplyToTask(*task, update, Now());
  if (!applied.ok()) return applied.status();
  return task->task;
}

absl::StatusOr<std::vector<absl::StatusOr<AppliedUpdate>>> MemoryTaskRepository::ApplyMany(
    const std::vector<TaskUpdate>& updates) {
  std::vector<absl::StatusOr<AppliedUpdate>> out;
  out.reserve(updates.size());
  absl::flat_hash_set<std::string> seen;  // lower-case ids
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  for (const TaskUpdate& update : updates) {
    if (absl::Status checked = CheckUpdate(update); !checked.ok()) {
      out.push_back(std::move(checked));
    } else if (!seen.insert(absl::AsciiStrToLower(update.task_id)).second) {
      out.push_back(DuplicateUpdateError(update.task_id));
    } else if (MemoryTask* task = FindLocked(update.task_id); task == nullptr) {
      out.push_back(TaskNotFound(update.task_id));
    } else {
      out.push_back(ApplyToTask(*task, update, now));
    }
  }
  return out;
}

absl::StatusOr<int> MemoryTaskRepository::Release(absl::string_view owner,
                                                  const std::vector<std::string>& task_ids) {
  if (owner.empty()) return absl::InvalidArgumentError("lease owner is empty");
  absl::MutexLock lock(&mu_);
  const absl::Time now = Now();
  absl::flat_hash_set<std::string> released;  // lower-case ids
  for (const std::string& id : task_ids) {
    MemoryTask* task = FindLocked(id);
    if (task == nullptr || task->lease_owner != owner) continue;
    if (!released.insert(task->task.id()).second) continue;
    // Expired a moment ago: claimable at once, and still the owner's until claimed.
    task->lease_expires_at = now - absl::Seconds(1);
  }
  return static_cast<int>(released.size());
}

absl::StatusOr<v1::Task> MemoryTaskRepository::RequestCancel(absl::string_view tenant_id,
                                                             absl::string_view task_id,
                                                             absl::string_view reason) {
  absl::MutexLock lock(&mu_);
  MemoryTask* task = FindForTenantLocked(tenant_id, task_id);
  if (task == nullptr) return TaskNotFound(task_id);
  const absl::Time now = Now();
  v1::Task& t = task->task;
  v1::TaskEvent event;
  event.set_message(std::string(reason));
  if (t.state() == v1::TASK_STATE_PENDING) {
    t.set_state(v1::TASK_STATE_CANCELLED);
    v1::TaskError error;
    error.set_message(reason.empty() ? "cancelled" : std::string(reason));
    *t.mutable_error() = std::move(error);
    *t.mutable_finished_at() = ToTimestamp(now);
    *t.mutable_updated_at() = ToTimestamp(now);
    event.set_kind(v1::TASK_EVENT_KIND_STATE_CHANGED);
    AppendEvent(*task, std::move(event), v1::TASK_STATE_CANCELLED, now);
  } else if (!IsTerminal(t.state()) && !task->cancel_requested) {
    task->cancel_requested = true;
    *t.mutable_updated_at() = ToTimestamp(now);
    event.set_kind(v1::TASK_EVENT_KIND_CANCEL_REQUESTED);
    AppendEvent(*task, std::move(event), t.state(), now);
  }
  return t;
}

absl::StatusOr<int64_t> MemoryTaskRepository::CountPending() {
  absl::MutexLock lock(&mu_);
  int64_t pending = 0;
  for (const auto& [id, task] : tasks_) pending += task.task.state() == v1::TASK_STATE_PENDING;
  return pending;
}

std::optional<MemoryTaskRepository::Inspection> MemoryTaskRepository::Inspect(
    absl::string_view task_id) {
  absl::MutexLock lock(&mu_);
  const MemoryTask* task = FindLocked(task_id);
  if (task == nullptr) return std::nullopt;
  return Inspection{task->priority, task->lease_owner, task->lease_expires_at,
                    task->cancel_requested};
}

bool MemoryTaskRepository::SetCreatedAt(absl::string_view task_id, absl::Time created_at) {
  absl::MutexLock lock(&mu_);
  MemoryTask* task = FindLocked(task_id);
  if (task == nullptr) return false;
  *task->task.mutable_created_at() = ToTimestamp(created_at);
  return true;
}

int64_t MemoryTaskRepository::TaskCount() {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(tasks_.size());
}

int64_t MemoryTaskRepository::EventCount() {
  absl::MutexLock lock(&mu_);
  int64_t events = 0;
  for (const auto& [id, task] : tasks_) events += static_cast<int64_t>(task.events.size());
  return events;
}

}  // namespace detail

std::unique_ptr<TaskRepository> NewInMemoryTaskRepository(common::Clock& clock) {
  return std::make_unique<detail::MemoryTaskRepository>(clock);
}

}  // namespace octo::store
