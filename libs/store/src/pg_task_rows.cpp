#include "pg_task_rows.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "pg_task_statements.h"

namespace octo::store::detail {

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

v1::TaskEvent ParseEvent(const pqxx::row& row) {
  v1::TaskEvent e;
  e.set_task_id(row["task_id"].c_str());
  e.set_seq(row["seq"].as<int64_t>());
  *e.mutable_time() = ToTimestamp(row["time_us"].as<int64_t>());
  e.set_kind(static_cast<v1::TaskEventKind>(row["kind"].as<int>()));
  e.set_state(static_cast<v1::TaskState>(row["state"].as<int>()));
  e.set_step_id(row["step_id"].c_str());
  e.set_step_state(static_cast<v1::StepState>(row["step_state"].as<int>()));
  e.set_message(row["message"].c_str());
  ReadOptionalProto(row["error"], [&] { return e.mutable_error(); });
  return e;
}

void LoadSteps(pqxx::transaction_base& tx, v1::Task* task) {
  for (const auto& row : Exec(tx, kSelectSteps, task->id())) {
    ReadProto(row[0], task->add_steps());
  }
}

std::optional<StoredTask> LoadTask(pqxx::transaction_base& tx, const std::string& id,
                                   const std::optional<std::string>& tenant_id) {
  pqxx::result r =
      tenant_id ? Exec(tx, kSelectTenantTask, id, *tenant_id) : Exec(tx, kSelectTask, id);
  if (r.empty()) return std::nullopt;
  StoredTask stored = ParseTask(r[0]);
  LoadSteps(tx, &stored.task);
  return stored;
}

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

std::string IdArray(const std::vector<std::string>& ids) {
  return absl::StrCat("{", absl::StrJoin(ids, ","), "}");
}

}  // namespace octo::store::detail
