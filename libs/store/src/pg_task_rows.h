// Private to octo::store: how the Postgres TaskRepository maps rows to tasks and events, and
// the few statement wrappers its reads and writes share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "octo/v1/task.pb.h"
#include "pg.h"

namespace octo::store::detail {

// A task row: the task (without steps) and what the store keeps beside it.
struct StoredTask {
  std::string tenant_id;
  v1::Task task;
  bool cancel_requested = false;
  std::string traceparent;
};

// A row with the columns OCTO_TASK_COLUMNS selects (pg_task_statements.cpp).
StoredTask ParseTask(const pqxx::row& row);

// A row of kReadEvents whose seq is not NULL.
v1::TaskEvent ParseEvent(const pqxx::row& row);

// Appends the task's stored steps, in plan order.
void LoadSteps(pqxx::transaction_base& tx, v1::Task* task);

// The task with its steps; nullopt when there is none (for `tenant_id`, when given).
std::optional<StoredTask> LoadTask(pqxx::transaction_base& tx, const std::string& id,
                                   const std::optional<std::string>& tenant_id = std::nullopt);

// Appends one event with number `seq`; `state` is the task state after it, unless the event
// sets its own.
void InsertEvent(pqxx::transaction_base& tx, const std::string& task_id, int64_t seq,
                 v1::TaskState state, const v1::TaskEvent& event);

void Notify(pqxx::transaction_base& tx, const char* channel, const std::string& task_id);

// "{a,b,…}": ids (UUIDs, which need no quoting) as one uuid[] parameter.
std::string IdArray(const std::vector<std::string>& ids);

}  // namespace octo::store::detail
