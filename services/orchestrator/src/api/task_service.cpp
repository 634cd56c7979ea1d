#include "src/api/task_service.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "octo/common/log.h"
#include "octo/rpc/status.h"
#include "octo/rpc/metadata.h"
#include "octo/task/spec.h"
#include "octo/telemetry/trace.h"

namespace octo::orchestrator {
namespace {

constexpr int kWatchBatch = 100;

absl::StatusOr<std::string> Tenant(const grpc::ServerContext& context) {
  std::string tenant = rpc::GetMetadata(context, rpc::kTenantHeader);
  if (tenant.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat("missing ", rpc::kTenantHeader, " metadata (call through the reflex)"));
  }
  return tenant;
}

}  // namespace

TaskService::TaskService(store::TaskRepository& tasks, Engine& engine, EventHub& hub,
                         TaskServiceOptions options)
    : tasks_(tasks), engine_(engine), hub_(hub), options_(options) {}

grpc::Status TaskService::SubmitTask(grpc::ServerContext* context,
                                     const v1::SubmitTaskRequest* request,
                                     v1::SubmitTaskResponse* response) {
  telemetry::Span span("orchestrator.SubmitTask", telemetry::ExtractTrace(*context));
  auto tenant = Tenant(*context);
  if (!tenant.ok()) return rpc::ToGrpcStatus(tenant.status());
  if (auto status = task::ValidateSubmit(*request); !status.ok()) {
    return rpc::ToGrpcStatus(status);
  }
  store::NewTask new_task{*tenant, request->idempotency_key(), request->spec(),
                          span.context().ToTraceparent()};
  auto created = engine_.Submit(std::move(new_task));
  if (!created.ok()) return rpc::ToGrpcStatus(created.status());
  if (created->created) log::Debug("task accepted", {{"task_id", created->task.id()}});
  *response->mutable_task() = std::move(created->task);
  response->set_created(created->created);
  return grpc::Status::OK;
}

grpc::Status TaskService::GetTask(grpc::ServerContext* context, const v1::GetTaskRequest* request,
                                  v1::Task* response) {
  auto tenant = Tenant(*context);
  if (!tenant.ok()) return rpc::ToGrpcStatus(tenant.status());
  if (auto status = task::ValidateTaskId(request->task_id()); !status.ok()) {
    return rpc::ToGrpcStatus(status);
  }
  auto task = tasks_.Get(*tenant, request->task_id());
  if (!task.ok()) return rpc::ToGrpcStatus(task.status());
  *response = *std::move(task);
  return grpc::Status::OK;
}

grpc::Status TaskService::WatchTask(grpc::ServerContext* context,
                                    const v1::WatchTaskRequest* request,
                                    grpc::ServerWriter<v1::TaskEvent>* writer) {
  auto tenant = Tenant(*context);
  if (!tenant.ok()) return rpc::ToGrpcStatus(tenant.status());
  if (auto status = task::ValidateTaskId(request->task_id()); !status.ok()) {
    return rpc::ToGrpcStatus(status);
  }
  if (request->from_seq() < 0) {
    return grpc::Status(grpc::INVALID_ARGUMENT, "from_seq: must not be negative");
  }
  // The store prints ids in lower case; the hub is keyed like that.
  const std::string task_id = absl::AsciiStrToLower(request->task_id());
  int64_t next = std::max<int64_t>(1, request->from_seq());
  // Registered before the first read, so that nothing published afterwards is missed.
  EventHub::Watch watch(hub_, task_id);
  // A task this replica runs for this tenant can start from memory; otherwise the first
  // store read also checks the tenant.
  bool read_once = watch.ServedLocally(*tenant, next);
  uint64_t read_dirt = 0;
  while (!context->IsCancelled()) {
    const uint64_t version = watch.version();
    // Events this replica wrote come from memory; anything else (another replica's writes, a
    // gap, the backlog) from the store.
    EventHub::Watch::Taken taken = watch.Buffered(next);
    std::vector<v1::TaskEvent> events = std::move(taken.events);
    if (!read_once || taken.gap || (events.empty() && watch.dirt() != read_dirt)) {
      read_dirt = watch.dirt();
      read_once = true;
      auto page = tasks_.ReadEventPage(*tenant, task_id, next, kWatchBatch);
      if (!page.ok()) return rpc::ToGrpcStatus(page.status());
      events = std::move(page->events);
      // Asked from past the end of a finished task: nothing more will come.
      if (events.empty() && task::IsTerminal(page->state) && next > page->last_event_seq) {
        return grpc::Status::OK;
      }
    }
    for (const v1::TaskEvent& event : events) {
      if (!writer->Write(event)) return grpc::Status(grpc::CANCELLED, "client went away");
      next = event.seq() + 1;
      if (event.kind() == v1::TASK_EVENT_KIND_STATE_CHANGED && task::IsTerminal(event.state())) {
        return grpc::Status::OK;
      }
    }
    if (!events.empty()) continue;  // there may be more
    watch.WaitForChange(version, options_.watch_poll);
    if (watch.version() == version) read_dirt = ~uint64_t{0};  // quiet for a while: poll the store
  }
  return grpc::Status(grpc::CANCELLED, "watch cancelled");
}

grpc::Status TaskService::CancelTask(grpc::ServerContext* context,
                                     const v1::CancelTaskRequest* request, v1::Task* response) {
  auto tenant = Tenant(*context);
  if (!tenant.ok()) return rpc::ToGrpcStatus(tenant.status());
  if (auto status = task::ValidateTaskId(request->task_id()); !status.ok()) {
    return rpc::ToGrpcStatus(status);
  }
  const std::string reason = request->reason().empty() ? "cancelled by client" : request->reason();
  auto task = tasks_.RequestCancel(*tenant, request->task_id(), reason.substr(0, 1000));
  if (!task.ok()) return rpc::ToGrpcStatus(task.status());
  // The replica running the task learns of it by NOTIFY (or its lease renewal); when that is
  // this one, it stops at once.
  if (!task::IsTerminal(task->state())) engine_.CancelLocal(task->id());
  *response = *std::move(task);
  return grpc::Status::OK;
}

grpc::Status TaskService::ListTasks(grpc::ServerContext* context,
                                    const v1::ListTasksRequest* request,
                                    v1::ListTasksResponse* response) {
  auto tenant = Tenant(*context);
  if (!tenant.ok()) return rpc::ToGrpcStatus(tenant.status());
  if (request->page_size() < 0 || request->page_size() > 500) {
    return grpc::Status(grpc::INVALID_ARGUMENT, "page_size: must be between 0 and 500");
  }
  if (!v1::TaskState_IsValid(request->state())) {
    return grpc::Status(grpc::INVALID_ARGUMENT, "state: unknown value");
  }
  store::ListQuery query{request->state(), request->page_size(), request->page_token()};
  auto page = tasks_.List(*tenant, query);
  if (!page.ok()) return rpc::ToGrpcStatus(page.status());
  for (v1::Task& task : page->tasks) *response->add_tasks() = std::move(task);
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

}  // namespace octo::orchestrator
