// The SQL of the Postgres TaskRepository. Every write that touches a task first locks its row
// (INSERT, FOR UPDATE or the claim's SKIP LOCKED), so event sequence numbers are assigned
// without gaps or races from tasks.last_event_seq.
#include "pg_task_statements.h"

namespace octo::store::detail {

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
extern const Statement kInsertTask{
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
extern const Statement kInsertClaimedTask{
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

extern const Statement kSelectTaskByKey{"task_select_by_key",
                                 "SELECT " OCTO_TASK_COLUMNS
                                 " FROM tasks t WHERE t.tenant_id = $1 AND t.idempotency_key = $2"};

extern const Statement kSelectTask{"task_select",
                            "SELECT " OCTO_TASK_COLUMNS " FROM tasks t WHERE t.id = $1::uuid"};

extern const Statement kSelectTenantTask{"task_select_tenant",
                                  "SELECT " OCTO_TASK_COLUMNS
                                  " FROM tasks t WHERE t.id = $1::uuid AND t.tenant_id = $2"};

extern const Statement kSelectSteps{
    "task_select_steps", "SELECT step FROM task_steps WHERE task_id = $1::uuid ORDER BY ordinal"};

extern const Statement kListFirstPage{
    "task_list_first", "SELECT " OCTO_TASK_COLUMNS
                       " FROM tasks t "
                       "WHERE t.tenant_id = $1 AND ($2::smallint = 0 OR t.state = $2::smallint) "
                       "ORDER BY t.created_at DESC, t.id DESC LIMIT $3"};

extern const Statement kListNextPage{
    "task_list_next",
    "SELECT " OCTO_TASK_COLUMNS " FROM tasks t "
    "WHERE t.tenant_id = $1 AND ($2::smallint = 0 OR t.state = $2::smallint) "
    "  AND (t.created_at, t.id) < (" OCTO_FROM_MICROS(4) ", $5::uuid) "
    "ORDER BY t.created_at DESC, t.id DESC LIMIT $3"};

// One row per event, or a single row of NULLs when the task exists but has no such events;
// no row when the tenant has no such task.
extern const Statement kReadEvents{
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

extern const Statement kInsertEvent{
    "task_insert_event",
    "INSERT INTO task_events (task_id, seq, kind, state, step_id, step_state, message, error) "
    "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, NULLIF($8::bytea, '\\x'::bytea))"};

extern const Statement kNotify{"task_notify", "SELECT pg_notify($1, $2)"};

// Candidates are the oldest PENDING tasks of each priority (each an index range scan on
// tasks_claimable_idx; within a priority, older means higher effective priority) plus the
// expired leases. They are then ranked by effective priority, locked with SKIP LOCKED (the
// state and lease are re-checked on the locked row version) and leased; a PENDING task gets
// its PLANNING event and notification in the same statement. Rows come back in rank order.
// $1 owner, $2 lease µs, $3 max, $4 aging seconds, $5 candidates per source.
extern const Statement kClaim{
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
extern const Statement kRenew{
    "task_renew",
    "UPDATE tasks SET lease_expires_at = now() + $3::bigint * interval '1 microsecond' "
    "WHERE id IN (SELECT id FROM tasks WHERE id = ANY($2::uuid[]) AND lease_owner = $1 "
    "             ORDER BY id FOR UPDATE) "
    "RETURNING id::text, cancel_requested"};

extern const Statement kRelease{
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
extern const Statement kApplyMany{
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
extern const Statement kLeaseHolders{
    "task_lease_holders",
    "SELECT id::text, lease_owner FROM tasks WHERE id = ANY($1::uuid[])"};

extern const Statement kSelectStepsOfTasks{
    "task_select_steps_many",
    "SELECT task_id::text, step FROM task_steps WHERE task_id = ANY($1::uuid[]) "
    "ORDER BY task_id, ordinal"};

extern const Statement kLockTask{"task_lock",
                          "SELECT state, lease_owner, cancel_requested, last_event_seq "
                          "FROM tasks WHERE id = $1::uuid FOR UPDATE"};

extern const Statement kLockTenantTask{"task_lock_tenant",
                                "SELECT state, lease_owner, cancel_requested, last_event_seq "
                                "FROM tasks WHERE id = $1::uuid AND tenant_id = $2 FOR UPDATE"};

// $2 state, $3/$5/$7 whether to set result/usage/error, $9 new last_event_seq, $10 terminal.
extern const Statement kApplyTask{
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
extern const Statement kUpsertStep{
    "task_upsert_step",
    "INSERT INTO task_steps (task_id, step_id, ordinal, step) VALUES ($1::uuid, $2, "
    "  (SELECT coalesce(max(ordinal) + 1, 0) FROM task_steps WHERE task_id = $1::uuid), $3) "
    "ON CONFLICT (task_id, step_id) DO UPDATE SET step = EXCLUDED.step, updated_at = now()"};

extern const Statement kCancelPending{
    "task_cancel_pending",
    "UPDATE tasks SET state = 6, error = $2, finished_at = now(), updated_at = now(), "
    "  last_event_seq = last_event_seq + 1 "
    "WHERE id = $1::uuid"};

extern const Statement kMarkCancelRequested{
    "task_mark_cancel",
    "UPDATE tasks SET cancel_requested = true, updated_at = now(), "
    "  last_event_seq = last_event_seq + 1 "
    "WHERE id = $1::uuid"};

extern const Statement kCountPending{"task_count_pending", "SELECT count(*) FROM tasks WHERE state = 1"};

#undef OCTO_FROM_MICROS
#undef OCTO_TASK_COLUMNS
// clang-format on

}  // namespace octo::store::detail
