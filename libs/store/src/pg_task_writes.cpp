// The Postgres TaskRepository's writes: creating a task, updates under lease (one at a time,
// or many in one statement), cancellation.
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "pg.h"
#include "pg_task_repository.h"
#include "pg_task_rows.h"
#include "pg_task_statements.h"
#include "task_rules.h"

namespace octo::store::detail {
namespace {

// NULL for an empty string, as optional text parameters are stored.
const char* NullIfEmpty(const std::string& s) { return s.empty() ? nullptr : s.c_str(); }

// Inserts `input` (claimed at once when it names a claim owner). `created` is false when its
// idempotency key is taken. One statement, committed on its own, never repeated (RunOnce: a
// connection lost while it ran is reported, not retried, so the task is never inserted twice).
// A concurrent insert of the same key makes it wait for that transaction and then do nothing.
absl::StatusOr<CreateResult> InsertTask(PgPool& pool, const NewTask& input, int priority) {
  const char* key = NullIfEmpty(input.idempotency_key);
  const char* traceparent = NullIfEmpty(input.traceparent);
  const bool claim = !input.claim_owner.empty();
  return pool.RunOnce([&](pqxx::connection& c) -> absl::StatusOr<CreateResult> {
    CreateResult out;
    pqxx::nontransaction tx(c);
    pqxx::result inserted =
        claim ? Exec(tx, kInsertClaimedTask, input.tenant_id, key, priority, ToBytea(input.spec),
                     traceparent, input.claim_owner, ToMicros(input.lease))
              : Exec(tx, kInsertTask, input.tenant_id, key, priority, ToBytea(input.spec),
                     traceparent);
    if (inserted.empty()) return out;
    const pqxx::row& row = inserted[0];
    v1::Task& t = out.task;
    t.set_id(row["id"].c_str());
    *t.mutable_spec() = input.spec;
    t.set_state(claim ? v1::TASK_STATE_PLANNING : v1::TASK_STATE_PENDING);
    *t.mutable_created_at() = ToTimestamp(row["created_us"].as<int64_t>());
    *t.mutable_updated_at() = ToTimestamp(row["updated_us"].as<int64_t>());
    t.set_last_event_seq(claim ? 2 : 1);
    out.created = true;
    out.claimed = claim;
    return out;
  });
}

// The task that holds `input`'s idempotency key, with its steps.
absl::StatusOr<CreateResult> FindByKey(PgPool& pool, const NewTask& input) {
  return pool.Run([&](pqxx::connection& c) -> absl::StatusOr<CreateResult> {
    CreateResult out;
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
    pqxx::result existing =
        Exec(tx, kSelectTaskByKey, input.tenant_id, NullIfEmpty(input.idempotency_key));
    if (existing.empty()) {
      return absl::AbortedError("idempotency key conflict with a task that vanished");
    }
    out.task = ParseTask(existing[0]).task;
    LoadSteps(tx, &out.task);
    out.created = false;
    return out;
  });
}

// The array parameters of kApplyMany ($1..$17), built one update at a time.
class ApplyManyColumns {
 public:
  // Adds `update` as the `idx`th row of the batch (from 1, as WITH ORDINALITY counts).
  void Add(int64_t idx, const TaskUpdate& update) {
    ids_.AddText(update.task_id);
    owners_.AddText(update.lease_owner);
    states_.AddInt(update.state ? static_cast<int>(*update.state) : 0);
    update.result ? results_.AddProto(*update.result) : results_.AddNull();
    update.usage ? usages_.AddProto(*update.usage) : usages_.AddNull();
    update.error ? errors_.AddProto(*update.error) : errors_.AddNull();
    counts_.AddInt(static_cast<int64_t>(update.events.size()));
    for (const v1::TaskEvent& event : update.events) AddEvent(idx, event);
    // A step listed twice: the last one wins (one row per step in the upsert).
    absl::flat_hash_map<std::string, size_t> last;
    for (size_t j = 0; j < update.steps.size(); ++j) last[update.steps[j].id()] = j;
    for (size_t j = 0; j < update.steps.size(); ++j) {
      if (last[update.steps[j].id()] != j) continue;
      st_idx_.AddInt(idx);
      st_id_.AddText(update.steps[j].id());
      st_step_.AddProto(update.steps[j]);
    }
  }

  // The parameters in kApplyMany's order; the builder is spent afterwards.
  std::array<std::string, 17> Finish() && {
    return {std::move(ids_).Finish(),           std::move(owners_).Finish(),
            std::move(states_).Finish(),        std::move(results_).Finish(),
            std::move(usages_).Finish(),        std::move(errors_).Finish(),
            std::move(counts_).Finish(),        std::move(ev_idx_).Finish(),
            std::move(ev_kind_).Finish(),       std::move(ev_step_).Finish(),
            std::move(ev_step_state_).Finish(), std::move(ev_message_).Finish(),
            std::move(ev_error_).Finish(),      std::move(ev_state_).Finish(),
            std::move(st_idx_).Finish(),        std::move(st_id_).Finish(),
            std::move(st_step_).Finish()};
  }

 private:
  void AddEvent(int64_t idx, const v1::TaskEvent& event) {
    ev_idx_.AddInt(idx);
    ev_kind_.AddInt(event.kind());
    ev_step_.AddText(event.step_id());
    ev_step_state_.AddInt(event.step_state());
    ev_message_.AddText(event.message());
    event.has_error() ? ev_error_.AddProto(event.error()) : ev_error_.AddNull();
    ev_state_.AddInt(event.state());
  }

  ArrayLiteral ids_, owners_, states_, results_, usages_, errors_, counts_;
  ArrayLiteral ev_idx_, ev_kind_, ev_step_, ev_step_state_, ev_message_, ev_error_, ev_state_;
  ArrayLiteral st_idx_, st_id_, st_step_;
};

// A task kApplyMany updated, as it stands afterwards.
struct AppliedRow {
  v1::TaskState state;
  int64_t last_seq;
  int64_t now_us;
};

// Runs kApplyMany on a batch of `n` updates; entry k is null when update k was not applied.
// One statement, committed on its own, never repeated (RunOnce: a connection lost while it
// ran is reported as UNAVAILABLE, not retried, so no event is ever stored twice).
absl::StatusOr<std::vector<std::optional<AppliedRow>>> RunApplyMany(
    PgPool& pool, const std::array<std::string, 17>& p, size_t n) {
  return pool.RunOnce(
      [&](pqxx::connection& c) -> absl::StatusOr<std::vector<std::optional<AppliedRow>>> {
        std::vector<std::optional<AppliedRow>> rows(n);
        pqxx::nontransaction tx(c);
        pqxx::result r = Exec(tx, kApplyMany, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8],
                              p[9], p[10], p[11], p[12], p[13], p[14], p[15], p[16]);
        for (const auto& row : r) {
          rows.at(row["idx"].as<int64_t>() - 1) =
              AppliedRow{static_cast<v1::TaskState>(row["state"].as<int>()),
                         row["last_event_seq"].as<int64_t>(), row["now_us"].as<int64_t>()};
        }
        return rows;
      });
}

// What was stored for `update`, which kApplyMany applied as `row`.
AppliedUpdate StoredUpdate(const TaskUpdate& update, const AppliedRow& row) {
  AppliedUpdate done;
  done.state = row.state;
  done.last_event_seq = row.last_seq;
  int64_t seq = row.last_seq - static_cast<int64_t>(update.events.size());
  for (const v1::TaskEvent& event : update.events) {
    v1::TaskEvent& stored = done.events.emplace_back(event);
    stored.set_task_id(absl::AsciiStrToLower(update.task_id));
    stored.set_seq(++seq);
    if (stored.state() == v1::TASK_STATE_UNSPECIFIED) stored.set_state(row.state);
    *stored.mutable_time() = ToTimestamp(row.now_us);
  }
  return done;
}

// Why updates were not applied (rare): a lost lease, or a task that does not exist. Looks up
// the current holders of `missing`, by lower-case id ("" for no holder).
absl::StatusOr<absl::flat_hash_map<std::string, std::string>> LeaseHolders(
    PgPool& pool, const std::vector<std::string>& missing) {
  return pool.Run(
      [&](pqxx::connection& c) -> absl::StatusOr<absl::flat_hash_map<std::string, std::string>> {
        pqxx::read_transaction tx(c);
        absl::flat_hash_map<std::string, std::string> by_id;
        for (const auto& row : Exec(tx, kLeaseHolders, IdArray(missing))) {
          by_id[row[0].c_str()] = row[1].is_null() ? "" : row[1].c_str();
        }
        return by_id;
      });
}

// The error for `update`, which was not applied, given the lease holders found for it.
absl::Status NotApplied(
    const TaskUpdate& update,
    const absl::StatusOr<absl::flat_hash_map<std::string, std::string>>& holders) {
  if (!holders.ok()) {
    return absl::AbortedError(
        absl::StrCat("task ", update.task_id, " was not updated: ", holders.status().message()));
  }
  auto it = holders->find(absl::AsciiStrToLower(update.task_id));
  if (it == holders->end()) return TaskNotFound(update.task_id);
  return NotLeasedError(update.task_id, update.lease_owner, it->second);
}

}  // namespace

absl::StatusOr<CreateResult> PgTaskRepository::Create(const NewTask& input) {
  auto priority = CheckNewTask(input);
  if (!priority.ok()) return priority.status();
  auto inserted = InsertTask(*pool_, input, *priority);
  if (!inserted.ok() || inserted->created) return inserted;
  // The key was taken: the first task.
  return FindByKey(*pool_, input);
}

absl::StatusOr<v1::Task> PgTaskRepository::Apply(const TaskUpdate& update) {
  if (absl::Status checked = CheckUpdate(update); !checked.ok()) return checked;
  return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<v1::Task> {
    pqxx::work tx(c);
    pqxx::result locked = Exec(tx, kLockTask, update.task_id);
    if (locked.empty()) return TaskNotFound(update.task_id);
    const pqxx::row& row = locked[0];
    if (row["lease_owner"].is_null() || row["lease_owner"].c_str() != update.lease_owner) {
      return NotLeasedError(update.task_id, update.lease_owner,
                            row["lease_owner"].is_null() ? "" : row["lease_owner"].c_str());
    }
    const auto state = update.state.value_or(static_cast<v1::TaskState>(row["state"].as<int>()));
    const bool terminal = IsTerminal(state);
    int64_t seq = row["last_event_seq"].as<int64_t>();
    const int64_t last_seq = seq + static_cast<int64_t>(update.events.size());
    Exec(tx, kApplyTask, update.task_id, static_cast<int>(state), update.result.has_value(),
         ToBytea(update.result.value_or(v1::TaskResult())), update.usage.has_value(),
         ToBytea(update.usage.value_or(v1::Usage())), update.error.has_value(),
         ToBytea(update.error.value_or(v1::TaskError())), last_seq, terminal);
    for (const v1::Step& step : update.steps) {
      Exec(tx, kUpsertStep, update.task_id, step.id(), ToBytea(step));
    }
    for (const v1::TaskEvent& event : update.events) {
      InsertEvent(tx, update.task_id, ++seq, state, event);
    }
    // The payload is the id as Postgres prints it (lower-case), whatever case it came in.
    if (!update.events.empty()) {
      Notify(tx, kTaskEventChannel, absl::AsciiStrToLower(update.task_id));
    }
    v1::Task task = LoadTask(tx, update.task_id)->task;
    tx.commit();
    return task;
  });
}

absl::StatusOr<std::vector<absl::StatusOr<AppliedUpdate>>> PgTaskRepository::ApplyMany(
    const std::vector<TaskUpdate>& updates) {
  std::vector<absl::StatusOr<AppliedUpdate>> out(updates.size(), absl::UnknownError("not applied"));
  // Positions of the updates sent to the database.
  std::vector<size_t> sent;
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < updates.size(); ++i) {
    const TaskUpdate& update = updates[i];
    if (absl::Status checked = CheckUpdate(update); !checked.ok()) {
      out[i] = std::move(checked);
    } else if (!seen.insert(absl::AsciiStrToLower(update.task_id)).second) {
      out[i] = DuplicateUpdateError(update.task_id);
    } else {
      sent.push_back(i);
    }
  }
  if (sent.empty()) return out;

  ApplyManyColumns columns;
  for (size_t k = 0; k < sent.size(); ++k)
    columns.Add(static_cast<int64_t>(k) + 1, updates[sent[k]]);
  auto applied = RunApplyMany(*pool_, std::move(columns).Finish(), sent.size());
  if (!applied.ok()) return applied.status();

  std::vector<std::string> missing;
  for (size_t k = 0; k < sent.size(); ++k) {
    const TaskUpdate& update = updates[sent[k]];
    if (const std::optional<AppliedRow>& row = (*applied)[k]) {
      out[sent[k]] = StoredUpdate(update, *row);
    } else {
      missing.push_back(update.task_id);
    }
  }
  if (missing.empty()) return out;
  const auto holders = LeaseHolders(*pool_, missing);
  for (size_t k = 0; k < sent.size(); ++k) {
    if (!(*applied)[k]) out[sent[k]] = NotApplied(updates[sent[k]], holders);
  }
  return out;
}

absl::StatusOr<v1::Task> PgTaskRepository::RequestCancel(absl::string_view tenant_id,
                                                         absl::string_view task_id,
                                                         absl::string_view reason) {
  if (!IsUuid(task_id)) return TaskNotFound(task_id);
  const std::string id = absl::AsciiStrToLower(task_id);  // as notifications carry it
  return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<v1::Task> {
    pqxx::work tx(c);
    pqxx::result locked = Exec(tx, kLockTenantTask, id, std::string(tenant_id));
    if (locked.empty()) return TaskNotFound(task_id);
    const pqxx::row& row = locked[0];
    const auto state = static_cast<v1::TaskState>(row["state"].as<int>());
    const int64_t next_seq = row["last_event_seq"].as<int64_t>() + 1;
    v1::TaskEvent event;
    event.set_message(std::string(reason));
    if (state == v1::TASK_STATE_PENDING) {
      v1::TaskError error;
      error.set_message(reason.empty() ? "cancelled" : std::string(reason));
      Exec(tx, kCancelPending, id, ToBytea(error));
      event.set_kind(v1::TASK_EVENT_KIND_STATE_CHANGED);
      InsertEvent(tx, id, next_seq, v1::TASK_STATE_CANCELLED, event);
      Notify(tx, kTaskEventChannel, id);
    } else if (!IsTerminal(state) && !row["cancel_requested"].as<bool>()) {
      Exec(tx, kMarkCancelRequested, id);
      event.set_kind(v1::TASK_EVENT_KIND_CANCEL_REQUESTED);
      InsertEvent(tx, id, next_seq, state, event);
      Notify(tx, kTaskEventChannel, id);
      Notify(tx, kTaskCancelChannel, id);
    }
    v1::Task task = LoadTask(tx, id)->task;
    tx.commit();
    return task;
  });
}

}  // namespace octo::store::detail
