// The Postgres TaskRepository's reads: a task, a tenant's task list, a task's events, the
// queue depth.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pg.h"
#include "pg_task_repository.h"
#include "pg_task_rows.h"
#include "pg_task_statements.h"
#include "task_rules.h"

namespace octo::store::detail {

absl::StatusOr<v1::Task> PgTaskRepository::Get(absl::string_view tenant_id,
                                               absl::string_view task_id) {
  if (!IsUuid(task_id)) return TaskNotFound(task_id);
  return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<v1::Task> {
    // One snapshot for the task and its steps.
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
    auto stored = LoadTask(tx, std::string(task_id), std::string(tenant_id));
    if (!stored) return TaskNotFound(task_id);
    return std::move(stored->task);
  });
}

absl::StatusOr<TaskPage> PgTaskRepository::List(absl::string_view tenant_id,
                                                const ListQuery& query) {
  absl::StatusOr<PageStart> start = StartPage(query);
  if (!start.ok()) return start.status();
  const auto& [page_size, after] = *start;
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
        page.next_page_token = EncodePageToken(page.tasks.back());
        break;
      }
      page.tasks.push_back(ParseTask(row).task);
    }
    return page;
  });
}

absl::StatusOr<std::vector<v1::TaskEvent>> PgTaskRepository::ReadEvents(absl::string_view tenant_id,
                                                                        absl::string_view task_id,
                                                                        int64_t from_seq,
                                                                        int limit) {
  auto page = ReadEventPage(tenant_id, task_id, from_seq, limit);
  if (!page.ok()) return page.status();
  return std::move(page->events);
}

absl::StatusOr<EventPage> PgTaskRepository::ReadEventPage(absl::string_view tenant_id,
                                                          absl::string_view task_id,
                                                          int64_t from_seq, int limit) {
  if (!IsUuid(task_id)) return TaskNotFound(task_id);
  limit = ReadEventsLimit(limit);
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
      page.events.push_back(ParseEvent(row));
    }
    return page;
  });
}

absl::StatusOr<int64_t> PgTaskRepository::CountPending() {
  return pool_->Run([&](pqxx::connection& c) -> absl::StatusOr<int64_t> {
    pqxx::nontransaction tx(c);
    return Exec(tx, kCountPending)[0][0].as<int64_t>();
  });
}

}  // namespace octo::store::detail
