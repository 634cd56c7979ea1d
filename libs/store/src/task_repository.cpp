// TaskRepository on Postgres. Every write that touches a task first locks its row (INSERT,
// FOR UPDATE or the claim's SKIP LOCKED), so event sequence numbers are assigned without gaps
// or races from tasks.last_event_seq.
#include "octo/store/task_repository.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "octo/store/pg_pool.h"
#include "pg.h"
#include "task_rules.h"

namespace octo::store {
namespace {

using detail::CheckLease;
using detail::CheckNewTask;
using detail::CheckUpdate;
using detail::DuplicateUpdateError;
using detail::IsTerminal;
using detail::IsUuid;
using detail::kAgingSeconds;
using detail::NotLeasedError;
using detail::TaskNotFound;

// Claim looks at this many candidates beyond `max` per priority level, so that rows locked by
// concurrent claimers (skipped) rarely leave it short.
constexpr int kClaimSlack = 16;

// clang-format off: SQL laid out for reading.
// Columns of a task row, read by ParseTask. Times are microseconds since the Unix epoch.
#define OCTO_TASK_COLUMNS                                                        \
  "t.id::text AS id, t.tenant_id, t.state, t.spec, t.result, t.usage, t.error, " \
  "(extract(epoch FROM t.created_at) * 1000000)::bigint AS created_us, "         \
  "(extract(epoch FROM t.updated_at) * 1000000)::bigint AS updated_us, "         \
  "(extract(epoch FROM t.finished_at) * 1000000)::bigint AS finished_us, "       \
  "t.last_event_seq, t.cancel_requested, t.traceparent"

// `'epoch' + $n µs`: a timestamptz from microseconds since the Unix epoch, exactly.
#define OCTO_FROM_MICROS(n) "('epoch'::timestamptz + $" #n "::bigint * interval '1 microsecond')"

// Insert, event 1 and the wake-up in one statement (no explicit transaction: one round trip).
// No row when the idempotency key is taken.
const Statement kInsertTask{
    "task_insert",
    "WITH ins AS ("
    "  INSERT INTO tasks (tenant_id, idempotency_key, state, priority, spec, last_event_seq, "
    "    traceparent) VALUES ($1, $2, 1, $3, $4, 1, $5) "
    "  ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING "
    "  RETURNING id, created_at, updated_at"
    "), ev AS ("
    "  INSERT INTO task_events (task_id, seq, kind, state) SELECT id, 1, 1, 1 FROM ins"
    ") "
    "SELECT id::text AS id, "
    "  (extract(epoch FROM created_at) * 1000000)::bigint AS created_us, "
    "  (extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us, "
    "  (SELECT 1 FROM pg_notify('octo_task_ready', id::text)) AS notified "
    "FROM ins"};

// As kInsertTask, claimed at once by $6 for $7 µs: PLANNING, events 1 and 2. No
// notification: nobody needs waking, and no watcher can be waiting for a task that did not
// exist (a watch starts by reading what is stored).
const Statement kInsertClaimedTask{
    "task_insert_claimed",
    "WITH ins AS ("
    "  INSERT INTO tasks (tenant_id, idempotency_key, state, priority, spec, last_event_seq, "
    "    traceparent, lease_owner, lease_expires_at) "
    "  VALUES ($1, $2, 2, $3, $4, 2, $5, $6, now() + $7::bigint * interval '1 microsecond') "
    "  ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING "
    "  RETURNING id, created_at, updated_at"
    "), ev AS ("
    "  INSERT INTO task_events (task_id, seq, kind, state) "
    "  SELECT id, 1, 1, 1 FROM ins UNION ALL SELECT id, 2, 1, 2 FROM ins"
    ") "
    "SELECT id::text AS id, "
    "  (extract(epoch FROM created_at) * 1000000)::bigint AS created_us, "
    "  (extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us "
    "FROM ins"};

const Statement kSelectTaskByKey{"task_select_by_key",
                                 "SELECT " OCTO_TASK_COLUMNS
                                 " FROM tasks t WHERE t.tenant_id = $1 AND t.idempotency_key = $2"};

const Statement kSelectTask{"task_select",
                            "SELECT " OCTO_TASK_COLUMNS " FROM tasks t WHERE t.id = $1::uuid"};

const Statement kSelectTenantTask{"task_select_tenant",
                                  "SELECT " OCTO_TASK_COLUMNS
                                  " FROM tasks t WHERE t.id = $1::uuid AND t.tenant_id = $2"};

const Statement kSelectSteps{
    "task_select_steps", "SELECT step FROM task_steps WHERE task_id = $1::uuid ORDER BY ordinal"};

const Statement kListFirstPage{
    "task_list_first", "SELECT " OCTO_TASK_COLUMNS
                       " FROM tasks t "
                       "WHERE t.tenant_id = $1 AND ($2::smallint = 0 OR t.state = $2::smallint) "
                       "ORDER BY t.created_at DESC, t.id DESC LIMIT $3"};

const Statement kListNextPage{
    "task_list_next",
    "SELECT " OCTO_TASK_COLUMNS " FROM tasks t "
    "WHERE t.tenant_id = $1 AND ($2::smallint = 0 OR t.state = $2::smallint) "
    "  AND (t.created_at, t.id) < (" OCTO_FROM_MICROS(4) ", $5::uuid) "
    "ORDER BY t.created_at DESC, t.id DESC LIMIT $3"};

// One row per event, or a single row of NULLs when the task exists but has no such events;
// no row when the tenant has no such task.
const Statement kReadEvents{
    "task_read_events",
    "SELECT t.id::text AS task_id, e.seq, "
    "  (extract(epoch FROM e.created_at) * 1000000)::bigint AS time_us, "
    "  e.kind, e.state, e.step_id, e.step_state, e.message, e.error, "
    "  t.state AS task_state, t.last_event_seq AS task_last_seq "
    "FROM tasks t LEFT JOIN LATERAL ("
    "  SELECT * FROM task_events ev WHERE ev.task_id = t.id AND ev.seq >= $3 "
    "  ORDER BY ev.seq LIMIT $4) e ON true "
    "WHERE t.id = $1::uuid AND t.tenant_id = $2 "
    "ORDER BY e.seq"};

const Statement kInsertEvent{
    "task_insert_event",
    "INSERT INTO task_events (task_id, seq, kind, state, step_id, step_state, message, error) "
    "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, NULLIF($8::bytea, '\\x'::bytea))"};

const Statement kNotify{"task_notify", "SELECT pg_notify($1, $2)"};

// Candidates are the oldest PENDING tasks of each priority (each an index range scan on
// tasks_claimable_idx; within a priority, older means higher effective priority) plus the
// expired leases. They are then ranked by effective priority, locked with SKIP LOCKED (the
// state and lease are re-checked on the locked row version) and leased; a PENDING task gets
// its PLANNING event and notification in the same statement. Rows come back in rank order.
// $1 owner, $2 lease µs, $3 max, $4 aging seconds, $5 candidates per source.
const Statement kClaim{
    "task_claim",
    "WITH candidates AS ("
    "  (SELECT id FROM tasks WHERE state = 1 AND priority = 4 ORDER BY created_at LIMIT $5)"
    "  UNION ALL"
    "  (SELECT id FROM tasks WHERE state = 1 AND priority = 3 ORDER BY created_at LIMIT $5)"
    "  UNION ALL"
    "  (SELECT id FROM tasks WHERE state = 1 AND priority = 2 ORDER BY created_at LIMIT $5)"
    "  UNION ALL"
    "  (SELECT id FROM tasks WHERE state = 1 AND priority = 1 ORDER BY created_at LIMIT $5)"
    "  UNION ALL"
    "  (SELECT id FROM tasks WHERE state IN (2, 3) AND lease_expires_at < now()"
    "   ORDER BY lease_expires_at LIMIT $5)"
    "), picked AS ("
    "  SELECT t.id, t.state AS old_state,"
    "    t.priority + floor(extract(epoch FROM now() - t.created_at) / $4) AS rank"
    "  FROM tasks t"
    "  WHERE t.id IN (SELECT id FROM candidates)"
    "    AND (t.state = 1 OR (t.state IN (2, 3) AND t.lease_expires_at < now()))"
    "  ORDER BY rank DESC, t.created_at"
    "  LIMIT $3"
    "  FOR UPDATE OF t SKIP LOCKED"
    "), upd AS ("
    "  UPDATE tasks t SET"
    "    state = CASE WHEN p.old_state = 1 THEN 2 ELSE t.state END,"
    "    last_event_seq = t.last_event_seq + CASE WHEN p.old_state = 1 THEN 1 ELSE 0 END,"
    "    lease_owner = $1,"
    "    lease_expires_at = now() + $2::bigint * interval '1 microsecond',"
    "    updated_at = now() "
    "  FROM picked p WHERE t.id = p.id "
    "  RETURNING p.old_state, p.rank, t.id AS uuid, " OCTO_TASK_COLUMNS
    "), ev AS ("
    "  INSERT INTO task_events (task_id, seq, kind, state)"
    "  SELECT uuid, last_event_seq, 1, 2 FROM upd WHERE old_state = 1"
    ") "
    "SELECT upd.*, CASE WHEN old_state = 1 THEN"
    "  (SELECT 1 FROM pg_notify('octo_task_event', upd.id)) END AS notified "
    "FROM upd ORDER BY rank DESC, created_us"};

// Rows are locked in id order, as ApplyMany does, so the two never deadlock.
const Statement kRenew{
    "task_renew",
    "UPDATE tasks SET lease_expires_at = now() + $3::bigint * interval '1 microsecond' "
    "WHERE id IN (SELECT id FROM tasks WHERE id = ANY($2::uuid[]) AND lease_owner = $1 "
    "             ORDER BY id FOR UPDATE) "
    "RETURNING id::text, cancel_requested"};

const Statement kRelease{
    "task_release",
    "UPDATE tasks SET lease_expires_at = now() - interval '1 second' "
    "WHERE id IN (SELECT id FROM tasks WHERE id = ANY($2::uuid[]) AND lease_owner = $1 "
    "             ORDER BY id FOR UPDATE)"};

// ApplyMany: every update in one statement. Updates are rows of unnest over parallel arrays
// (idx = position in the batch); steps and events are flattened with the idx of their update.
// Tasks are locked in id order (no deadlocks between batches) and only where the lease is
// held; an update whose task is not returned was not applied. Event numbers continue from the
// locked row's last_event_seq. A new step's ordinal is the task's next one plus its position
// in the update, so plan order is kept (ordinals may have gaps).
// $1 ids, $2 owners, $3 states (0: unchanged), $4 results, $5 usages, $6 errors (NULL:
// unchanged), $7 event counts; $8..$14 events: idx, kind, step id, step state, message, error,
// state (0: the task's state after the update); $15..$17 steps: idx, id, step.
const Statement kApplyMany{
    "task_apply_many",
    "WITH u AS ("
    "  SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bytea[], $5::bytea[],"
    "                       $6::bytea[], $7::int[]) WITH ORDINALITY"
    "    AS u(id, owner, state, result, usage, error, n_events, idx)"
    "), locked AS ("
    "  SELECT t.id FROM tasks t JOIN u ON u.id = t.id"
    "  WHERE t.lease_owner = u.owner ORDER BY t.id FOR UPDATE OF t"
    "), upd AS ("
    "  UPDATE tasks t SET"
    "    state = CASE WHEN u.state = 0 THEN t.state ELSE u.state END,"
    "    result = coalesce(u.result, t.result),"
    "    usage = coalesce(u.usage, t.usage),"
    "    error = coalesce(u.error, t.error),"
    "    last_event_seq = t.last_event_seq + u.n_events,"
    "    updated_at = now(),"
    "    finished_at = CASE WHEN u.state IN (4, 5, 6) THEN now() ELSE t.finished_at END,"
    "    lease_owner = CASE WHEN u.state IN (4, 5, 6) THEN NULL ELSE t.lease_owner END,"
    "    lease_expires_at = CASE WHEN u.state IN (4, 5, 6) THEN NULL ELSE t.lease_expires_at END"
    "  FROM locked l JOIN u ON u.id = l.id"
    "  WHERE t.id = l.id AND t.lease_owner = u.owner"
    "  RETURNING t.id, u.idx, u.n_events, t.state, t.last_event_seq"
    "), steps AS ("
    "  INSERT INTO task_steps (task_id, step_id, ordinal, step)"
    "  SELECT upd.id, s.step_id,"
    "    (SELECT coalesce(max(ordinal) + 1, 0) FROM task_steps x WHERE x.task_id = upd.id)"
    "      + s.ord::int, s.step"
    "  FROM unnest($15::int[], $16::text[], $17::bytea[]) WITH ORDINALITY AS s(idx, step_id, step, ord)"
    "  JOIN upd ON upd.idx = s.idx"
    "  ON CONFLICT (task_id, step_id) DO UPDATE SET step = EXCLUDED.step, updated_at = now()"
    "), events AS ("
    "  SELECT e.*, row_number() OVER (PARTITION BY e.idx ORDER BY e.ord) AS n"
    "  FROM unnest($8::int[], $9::int[], $10::text[], $11::int[], $12::text[], $13::bytea[],"
    "              $14::int[])"
    "    WITH ORDINALITY AS e(idx, kind, step_id, step_state, message, error, state, ord)"
    "), ev AS ("
    "  INSERT INTO task_events (task_id, seq, kind, state, step_id, step_state, message, error)"
    "  SELECT upd.id, upd.last_event_seq - upd.n_events + e.n, e.kind,"
    "    CASE WHEN e.state = 0 THEN upd.state ELSE e.state END, e.step_id,"
    "    e.step_state, e.message, e.error"
    "  FROM events e JOIN upd ON upd.idx = e.idx"
    ") "
    "SELECT idx, state, last_event_seq,"
    "  (extract(epoch FROM now()) * 1000000)::bigint AS now_us,"
    "  CASE WHEN n_events > 0 THEN"
    "    (SELECT 1 FROM pg_notify('octo_task_event', upd.id::text)) END AS notified "
    "FROM upd"};

// Why ApplyMany left updates out: which of the tasks exist, and who holds them.
const Statement kLeaseHolders{
    "task_lease_holders",
    "SELECT id::text, lease_owner FROM tasks WHERE id = ANY($1::uuid[])"};

const Statement kSelectStepsOfTasks{
    "task_select_steps_many",
    "SELECT task_id::text, step FROM task_steps WHERE task_id = ANY($1::uuid[]) "
    "ORDER BY task_id, ordinal"};

const Statement kLockTask{"task_lock",
                          "SELECT state, lease_owner, cancel_requested, last_event_seq "
                          "FROM tasks WHERE id = $1::uuid FOR UPDATE"};

const Statement kLockTenantTask{"task_lock_tenant",
                                "SELECT state, lease_owner, cancel_requested, last_event_seq "
                                "FROM tasks WHERE id = $1::uuid AND tenant_id = $2 FOR UPDATE"};

// $2 state, $3/$5/$7 whether to set result/usage/error, $9 new last_event_seq, $10 terminal.
const Statement kApplyTask{
    "task_apply",
    "UPDATE tasks SET"
    "  state = $2,"
    "  result = CASE WHEN $3::boolean THEN $4::bytea ELSE result END,"
    "  usage = CASE WHEN $5::boolean THEN $6::bytea ELSE usage END,"
    "  error = CASE WHEN $7::boolean THEN $8::bytea ELSE error END,"
    "  last_event_seq = $9,"
    "  updated_at = now(),"
    "  finished_at = CASE WHEN $10::boolean THEN now() ELSE finished_at END,"
    "  lease_owner = CASE WHEN $10::boolean THEN NULL ELSE lease_owner END,"
    "  lease_expires_at = CASE WHEN $10::boolean THEN NULL ELSE lease_expires_at END "
    "WHERE id = $1::uuid"};

// A new step goes after the task's existing ones; a known step keeps its place.
const Statement kUpsertStep{
    "task_upsert_step",
    "INSERT INTO task_steps (task_id, step_id, ordinal, step) VALUES ($1::uuid, $2, "
    "  (SELECT coalesce(max(ordinal) + 1, 0) FROM task_steps WHERE task_id = $1::uuid), $3) "
    "ON CONFLICT (task_id, step_id) DO UPDATE SET step = EXCLUDED.step, updated_at = now()"};

const Statement kCancelPending{
    "task_cancel_pending",
    "UPDATE tasks SET state = 6, error = $2, finished_at = now(), updated_at = now(), "
    "  last_event_seq = last_event_seq + 1 "
    "WHERE id = $1::uuid"};

const Statement kMarkCancelRequested{
    "task_mark_cancel",
    "UPDATE tasks SET cancel_requested = true, updated_at = now(), "
    "  last_event_seq = last_event_seq + 1 "
    "WHERE id = $1::uuid"};

const Statement kCountPending{"task_count_pending", "SELECT count(*) FROM tasks WHERE state = 1"};

#undef OCTO_FROM_MICROS
#undef OCTO_TASK_COLUMNS
// clang-format on

struct StoredTask {
  std::string tenant_id;
  v1::Task task;
  bool cancel_requested = false;
  std::string traceparent;
};

StoredTask ParseTask(const pqxx::row& row) {
  StoredTask out;
  v1::Task& t = out.task;
  t.set_id(row["id"].c_str());
  out.tenant_id = row["tenant_id"].c_str();
  t.set_state(static_cast<v1::TaskState>(row["state"].as<int>()));
  ReadProto(row["spec"], t.mutable_spec());
  ReadOptionalProto(row["result"], [&] { return t.mutable_result(); });
  ReadOptionalProto(row["usage"], [&] { return t.mutable_usage(); });
  ReadOptionalProto(row["error"], [&] { return t.mutable_error(); });
  *t.mutable_created_at() = ToTimestamp(row["created_us"].as<int64_t>());
  *t.mutable_updated_at() = ToTimestamp(row["updated_us"].as<int64_t>());
  if (!row["finished_us"].is_null()) {
    *t.mutable_finished_at() = ToTimestamp(row["finished_us"].as<int64_t>());
  }
  t.set_last_event_seq(row["last_event_seq"].as<int64_t>());
  out.cancel_requested = row["cancel_requested"].as<bool>();
  if (!row["traceparent"].is_null()) out.traceparent = row["traceparent"].c_str();
  return out;
}

void LoadSteps(pqxx::transaction_base& tx, v1::Task* task) {
  for (const auto& row : Exec(tx, kSelectSteps, task->id())) {
    ReadProto(row[0], task->add_steps());
  }
}

// The task with its steps; nullopt when there is none (for `tenant_id`, when given).
std::optional<StoredTask> LoadTask(pqxx::transaction_base& tx, const std::string& id,
                                   const std::optional<std::string>& tenant_id = std::nullopt) {
  pqxx::result r =
      tenant_id ? Exec(tx, kSelectTenantTask, id, *tenant_id) : Exec(tx, kSelectTask, id);
  if (r.empty()) return std::nullopt;
  StoredTask stored = ParseTask(r[0]);
  LoadSteps(tx, &stored.task);
  return stored;
}

// Appends one event with number `seq`; `state` is the task state after it.
void InsertEvent(pqxx::transaction_base& tx, const std::string& task_id, int64_t seq,
                 v1::TaskState state, const v1::TaskEvent& event) {
  if (event.state() != v1::TASK_STATE_UNSPECIFIED) state = event.state();
  Exec(tx, kInsertEvent, task_id, seq, static_cast<int>(event.kind()), static_cast<int>(state),
       event.step_id(), static_cast<int>(event.step_state()), event.message(),
       ToBytea(event.error()));
}

void Notify(pqxx::transaction_base& tx, const char* channel, const std::string& task_id) {
  Exec(tx, kNotify, channel, task_id);
}

class PgTaskRepository final : public TaskRepository {
 public:
  explicit PgTaskRepository(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

  absl::StatusOr<CreateResult> Create(const NewTask& input) override {
    auto checked = CheckNewTask(input);
    if (!checked.ok()) return checked.status();
    const int priority = *checked;
    const char* key = input.idempotency_key.empty() ? nullptr : input.idempotency_key.c_str();
    const bool claim = !input.claim_owner.empty();
    // One statement, committed on its own, never repeated (RunOnce: a connection lost while
    // it ran is reported, not retried, so the task is never inserted twice). A concurrent
    // insert of the same key makes it wait for that transaction and then do nothing.
    auto inserted_task = pool_->RunOnce([&](pqxx::connection& c) -> absl::StatusOr<CreateResult> {
      CreateResult out;
      {
        pqxx::nontransaction tx(c);
        const char* traceparent = input.traceparent.empty() ? nullptr : input.traceparent.c_str();
        pqxx::result inserted =
            claim ? Exec(tx, kInsertClaimedTask, input.tenant_id, key, priority,
                         ToBytea(input.spec), traceparent, input.claim_owner, ToMicros(input.lease))
                  : Exec(tx, kInsertTask, input.tenant_id, key, priority, ToBytea(input.spec),
                         traceparent);
        if (!inserted.empty()) {
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
        }
      }
      out.created = false;
      return out;
    });
    if (!inserted_task.ok() || inserted_task->created) return inserted_task;
    // The key was taken: the first task.
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<CreateResult> {
      CreateResult out;
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
      pqxx::result existing = Exec(tx, kSelectTaskByKey, input.tenant_id, key);
      if (existing.empty()) {
        return absl::AbortedError("idempotency key conflict with a task that vanished");
      }
      out.task = ParseTask(existing[0]).task;
      LoadSteps(tx, &out.task);
      out.created = false;
      return out;
    });
  }

  absl::StatusOr<v1::Task> Get(absl::string_view tenant_id, absl::string_view task_id) override {
    if (!IsUuid(task_id)) return TaskNotFound(task_id);
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<v1::Task> {
      // One snapshot for the task and its steps.
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
      auto stored = LoadTask(tx, std::string(task_id), std::string(tenant_id));
      if (!stored) return TaskNotFound(task_id);
      return std::move(stored->task);
    });
  }

  absl::StatusOr<TaskPage> List(absl::string_view tenant_id, const ListQuery& query) override {
    const int page_size = detail::ListPageSize(query.page_size);
    std::optional<detail::PageCursor> after;
    if (!query.page_token.empty()) {
      after = detail::DecodePageToken(query.page_token);
      if (!after) return absl::InvalidArgumentError("malformed page_token");
    }
    const int state = static_cast<int>(query.state);
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<TaskPage> {
      pqxx::read_transaction tx(c);
      // One row more than the page tells whether another page follows.
      const std::string tenant(tenant_id);
      pqxx::result r =
          after ? Exec(tx, kListNextPage, tenant, state, page_size + 1, after->created_us, after->id)
                : Exec(tx, kListFirstPage, tenant, state, page_size + 1);
      TaskPage page;
      for (const auto& row : r) {
        if (static_cast<int>(page.tasks.size()) == page_size) {
          page.next_page_token = detail::EncodePageToken(page.tasks.back());
          break;
        }
        page.tasks.push_back(ParseTask(row).task);
      }
      return page;
    });
  }

  absl::StatusOr<std::vector<v1::TaskEvent>> ReadEvents(absl::string_view tenant_id,
                                                        absl::string_view task_id, int64_t from_seq,
                                                        int limit) override {
    auto page = ReadEventPage(tenant_id, task_id, from_seq, limit);
    if (!page.ok()) return page.status();
    return std::move(page->events);
  }

  absl::StatusOr<EventPage> ReadEventPage(absl::string_view tenant_id, absl::string_view task_id,
                                          int64_t from_seq, int limit) override {
    if (!IsUuid(task_id)) return TaskNotFound(task_id);
    limit = detail::ReadEventsLimit(limit);
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<EventPage> {
      pqxx::nontransaction tx(c);  // one statement: one snapshot
      pqxx::result r =
          Exec(tx, kReadEvents, std::string(task_id), std::string(tenant_id), from_seq, limit);
      if (r.empty()) return TaskNotFound(task_id);
      EventPage page;
      page.state = static_cast<v1::TaskState>(r[0]["task_state"].as<int>());
      page.last_event_seq = r[0]["task_last_seq"].as<int64_t>();
      for (const auto& row : r) {
        if (row["seq"].is_null()) break;  // the task has no events from from_seq on
        v1::TaskEvent& e = page.events.emplace_back();
        e.set_task_id(row["task_id"].c_str());
        e.set_seq(row["seq"].as<int64_t>());
        *e.mutable_time() = ToTimestamp(row["time_us"].as<int64_t>());
        e.set_kind(static_cast<v1::TaskEventKind>(row["kind"].as<int>()));
        e.set_state(static_cast<v1::TaskState>(row["state"].as<int>()));
        e.set_step_id(row["step_id"].c_str());
        e.set_step_state(static_cast<v1::StepState>(row["step_state"].as<int>()));
        e.set_message(row["message"].c_str());
        ReadOptionalProto(row["error"], [&] { return e.mutable_error(); });
      }
      return page;
    });
  }

  absl::StatusOr<std::vector<ClaimedTask>> Claim(absl::string_view owner, absl::Duration lease,
                                                 int max) override {
    if (absl::Status checked = CheckLease(owner, lease); !checked.ok()) return checked;
    if (max <= 0) return std::vector<ClaimedTask>{};
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<std::vector<ClaimedTask>> {
      std::vector<ClaimedTask> claimed;
      std::vector<std::string> taken_over;
      {
        // One statement, committed on its own: if the connection breaks while it runs and the
        // pool retries, tasks claimed by the lost attempt are only delayed (their lease runs
        // out and they are claimed again).
        pqxx::nontransaction tx(c);
        pqxx::result r = Exec(tx, kClaim, std::string(owner), ToMicros(lease), max, kAgingSeconds,
                              max + kClaimSlack);
        for (const auto& row : r) {
          StoredTask stored = ParseTask(row);
          const bool resumed = row["old_state"].as<int>() != v1::TASK_STATE_PENDING;
          if (resumed) taken_over.push_back(stored.task.id());
          claimed.push_back(ClaimedTask{std::move(stored.tenant_id), std::move(stored.task),
                                        stored.cancel_requested, std::move(stored.traceparent),
                                        resumed});
        }
      }
      if (!taken_over.empty()) {
        // Resume from the stored steps; the lease keeps them from changing under us.
        pqxx::read_transaction tx(c);
        pqxx::result r =
            Exec(tx, kSelectStepsOfTasks, absl::StrCat("{", absl::StrJoin(taken_over, ","), "}"));
        absl::flat_hash_map<std::string, v1::Task*> by_id;
        for (ClaimedTask& task : claimed) by_id[task.task.id()] = &task.task;
        for (const auto& row : r) ReadProto(row[1], by_id.at(row[0].c_str())->add_steps());
      }
      return claimed;
    });
  }

  absl::StatusOr<RenewResult> Renew(absl::string_view owner,
                                    const std::vector<std::string>& task_ids,
                                    absl::Duration lease) override {
    if (absl::Status checked = CheckLease(owner, lease); !checked.ok()) return checked;
    std::vector<std::string> ids;  // valid ones, lower-case as Postgres prints them
    for (const std::string& id : task_ids) {
      if (IsUuid(id)) ids.push_back(absl::AsciiStrToLower(id));
    }
    struct Renewed {
      std::set<std::string> ids;
      std::vector<std::string> cancel_requested;
    };
    auto renewed = pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<Renewed> {
      Renewed renewed;
      if (ids.empty()) return renewed;
      pqxx::work tx(c);
      pqxx::result r = Exec(tx, kRenew, std::string(owner),
                            absl::StrCat("{", absl::StrJoin(ids, ","), "}"), ToMicros(lease));
      tx.commit();
      for (const auto& row : r) {
        renewed.ids.insert(row[0].c_str());
        if (row[1].as<bool>()) renewed.cancel_requested.push_back(row[0].c_str());
      }
      return renewed;
    });
    if (!renewed.ok()) return renewed.status();
    RenewResult out;
    out.cancel_requested = std::move(renewed->cancel_requested);
    for (const std::string& id : task_ids) {
      if (!renewed->ids.contains(absl::AsciiStrToLower(id))) out.lost.push_back(id);
    }
    return out;
  }

  absl::StatusOr<v1::Task> Apply(const TaskUpdate& update) override {
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

  absl::StatusOr<std::vector<absl::StatusOr<AppliedUpdate>>> ApplyMany(
      const std::vector<TaskUpdate>& updates) override {
    std::vector<absl::StatusOr<AppliedUpdate>> out(updates.size(),
                                                   absl::UnknownError("not applied"));
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

    ArrayLiteral ids, owners, states, results, usages, errors, counts;
    ArrayLiteral ev_idx, ev_kind, ev_step, ev_step_state, ev_message, ev_error, ev_state;
    ArrayLiteral st_idx, st_id, st_step;
    for (size_t k = 0; k < sent.size(); ++k) {
      const TaskUpdate& update = updates[sent[k]];
      const int64_t idx = static_cast<int64_t>(k) + 1;  // WITH ORDINALITY counts from 1
      ids.AddText(update.task_id);
      owners.AddText(update.lease_owner);
      states.AddInt(update.state ? static_cast<int>(*update.state) : 0);
      update.result ? results.AddProto(*update.result) : results.AddNull();
      update.usage ? usages.AddProto(*update.usage) : usages.AddNull();
      update.error ? errors.AddProto(*update.error) : errors.AddNull();
      counts.AddInt(static_cast<int64_t>(update.events.size()));
      for (const v1::TaskEvent& event : update.events) {
        ev_idx.AddInt(idx);
        ev_kind.AddInt(event.kind());
        ev_step.AddText(event.step_id());
        ev_step_state.AddInt(event.step_state());
        ev_message.AddText(event.message());
        event.has_error() ? ev_error.AddProto(event.error()) : ev_error.AddNull();
        ev_state.AddInt(event.state());
      }
      // A step listed twice: the last one wins (one row per step in the upsert).
      absl::flat_hash_map<std::string, size_t> last;
      for (size_t j = 0; j < update.steps.size(); ++j) last[update.steps[j].id()] = j;
      for (size_t j = 0; j < update.steps.size(); ++j) {
        if (last[update.steps[j].id()] != j) continue;
        st_idx.AddInt(idx);
        st_id.AddText(update.steps[j].id());
        st_step.AddProto(update.steps[j]);
      }
    }
    const std::string params[] = {std::move(ids).Finish(),           std::move(owners).Finish(),
                                  std::move(states).Finish(),        std::move(results).Finish(),
                                  std::move(usages).Finish(),        std::move(errors).Finish(),
                                  std::move(counts).Finish(),        std::move(ev_idx).Finish(),
                                  std::move(ev_kind).Finish(),       std::move(ev_step).Finish(),
                                  std::move(ev_step_state).Finish(), std::move(ev_message).Finish(),
                                  std::move(ev_error).Finish(),      std::move(ev_state).Finish(),
                                  std::move(st_idx).Finish(),        std::move(st_id).Finish(),
                                  std::move(st_step).Finish()};

    struct Row {
      v1::TaskState state;
      int64_t last_seq;
      int64_t now_us;
    };
    // One statement, committed on its own, never repeated (RunOnce: a connection lost while
    // it ran is reported as UNAVAILABLE, not retried, so no event is ever stored twice).
    auto applied =
        pool_->RunOnce([&](pqxx::connection& c) -> absl::StatusOr<std::vector<std::optional<Row>>> {
          std::vector<std::optional<Row>> rows(sent.size());
          pqxx::nontransaction tx(c);
          pqxx::result r =
              Exec(tx, kApplyMany, params[0], params[1], params[2], params[3], params[4], params[5],
                   params[6], params[7], params[8], params[9], params[10], params[11], params[12],
                   params[13], params[14], params[15], params[16]);
          for (const auto& row : r) {
            rows.at(row["idx"].as<int64_t>() - 1) =
                Row{static_cast<v1::TaskState>(row["state"].as<int>()),
                    row["last_event_seq"].as<int64_t>(), row["now_us"].as<int64_t>()};
          }
          return rows;
        });
    if (!applied.ok()) return applied.status();

    std::vector<std::string> missing;
    for (size_t k = 0; k < sent.size(); ++k) {
      const TaskUpdate& update = updates[sent[k]];
      const std::optional<Row>& row = (*applied)[k];
      if (!row) {
        missing.push_back(update.task_id);
        continue;
      }
      AppliedUpdate done;
      done.state = row->state;
      done.last_event_seq = row->last_seq;
      int64_t seq = row->last_seq - static_cast<int64_t>(update.events.size());
      for (const v1::TaskEvent& event : update.events) {
        v1::TaskEvent& stored = done.events.emplace_back(event);
        stored.set_task_id(absl::AsciiStrToLower(update.task_id));
        stored.set_seq(++seq);
        if (stored.state() == v1::TASK_STATE_UNSPECIFIED) stored.set_state(row->state);
        *stored.mutable_time() = ToTimestamp(row->now_us);
      }
      out[sent[k]] = std::move(done);
    }
    if (missing.empty()) return out;
    // Rare: tell a lost lease from a task that does not exist.
    auto holders = pool_->Run(
        [&](pqxx::connection& c) -> absl::StatusOr<absl::flat_hash_map<std::string, std::string>> {
          pqxx::read_transaction tx(c);
          absl::flat_hash_map<std::string, std::string> by_id;
          for (const auto& row :
               Exec(tx, kLeaseHolders, absl::StrCat("{", absl::StrJoin(missing, ","), "}"))) {
            by_id[row[0].c_str()] = row[1].is_null() ? "" : row[1].c_str();
          }
          return by_id;
        });
    for (size_t k = 0; k < sent.size(); ++k) {
      if ((*applied)[k]) continue;
      const TaskUpdate& update = updates[sent[k]];
      if (!holders.ok()) {
        out[sent[k]] = absl::AbortedError(absl::StrCat(
            "task ", update.task_id, " was not updated: ", holders.status().message()));
        continue;
      }
      auto it = holders->find(absl::AsciiStrToLower(update.task_id));
      if (it == holders->end()) {
        out[sent[k]] = TaskNotFound(update.task_id);
      } else {
        out[sent[k]] = NotLeasedError(update.task_id, update.lease_owner, it->second);
      }
    }
    return out;
  }

  absl::StatusOr<int> Release(absl::string_view owner,
                              const std::vector<std::string>& task_ids) override {
    if (owner.empty()) return absl::InvalidArgumentError("lease owner is empty");
    std::vector<std::string> ids;
    for (const std::string& id : task_ids) {
      if (IsUuid(id)) ids.push_back(id);
    }
    if (ids.empty()) return 0;
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<int> {
      pqxx::work tx(c);
      pqxx::result r =
          Exec(tx, kRelease, std::string(owner), absl::StrCat("{", absl::StrJoin(ids, ","), "}"));
      tx.commit();
      return static_cast<int>(r.affected_rows());
    });
  }

  absl::StatusOr<v1::Task> RequestCancel(absl::string_view tenant_id, absl::string_view task_id,
                                         absl::string_view reason) override {
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

  absl::StatusOr<int64_t> CountPending() override {
    return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<int64_t> {
      pqxx::nontransaction tx(c);
      return Exec(tx, kCountPending)[0][0].as<int64_t>();
    });
  }

 private:
  std::shared_ptr<PgPool> pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TaskRepository>> NewPgTaskRepository(std::shared_ptr<PgPool> pool) {
  if (pool == nullptr) return absl::InvalidArgumentError("pool is null");
  return std::make_unique<PgTaskRepository>(std::move(pool));
}

}  // namespace octo::store
