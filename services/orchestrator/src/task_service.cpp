#include "src/task_service.h"

#include "absl/strings/str_cat.h"
#include "octo/common/log.h"
#include "octo/common/status.h"
#include "octo/rpc/metadata.h"
#include "octo/rpc/task_spec.h"
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
  if (!tenant.ok()) return common::ToGrpcStatus(tenant.status());
  if (auto status = rpc::ValidateSubmit(*request); !status.ok()) {
    return common::ToGrpcStatus(status);
  }
  store::NewTask new_task{*tenant, request->idempotency_key(), request->spec(),
                          span.context().ToTraceparent()};
  auto created = tasks_.Create(new_task);
  if (!created.ok()) return common::ToGrpcStatus(created.status());
  if (created->created) {
    engine_.Wake();
    log::Info("task accepted", {{"task_id", created->task.id()}});
  }
  *response->mutable_task() = std::move(created->task);
  response->set_created(created->created);
  return grpc::Status::OK;
}

grpc::Status TaskService::GetTask(grpc::ServerContext* context, const v1::GetTaskRequest* request,
                                  v1::Task* response) {
  auto tenant = Tenant(*context);
  if (!tenant.ok()) return common::ToGrpcStatus(tenant.status());
  if (auto status = rpc::ValidateTaskId(request->task_id()); !status.ok()) {
    return common::ToGrpcStatus(status);
  }
  auto task = tasks_.Get(*tenant, request->task_id());
  if (!task.ok()) return common::ToGrpcStatus(task.status());
  *response = *std::move(task);
  return grpc::Status::OK;
}

grpc::Status TaskService::WatchTask(grpc::ServerContext* context,
                                    const v1::WatchTaskRequest* request,
                                    grpc::ServerWriter<v1::TaskEvent>* writer) {
  auto tenant = Tenant(*context);
  if (!tenant.ok()) return common::ToGrpcStatus(tenant.status());
  if (auto status = rpc::ValidateTaskId(request->task_id()); !status.ok()) {
    return common::ToGrpcStatus(status);
  }
  if (request->from_seq() < 0) {
    return grpc::Status(grpc::INVALID_ARGUMENT, "from_seq: must not be negative");
  }
  int64_t next = std::max<int64_t>(1, request->from_seq());
  EventHub::Watch watch(hub_, request->task_id());
  while (!context->IsCancelled()) {
    const uint64_t version = watch.version();
    auto events = tasks_.ReadEvents(*tenant, request->task_id(), next, kWatchBatch);
    if (!events.ok()) return common::ToGrpcStatus(events.status());
    for (const v1::TaskEvent& event : *events) {
      if (!writer->Write(event)) return grpc::Status(grpc::CANCELLED, "client went away");
      next = event.seq() + 1;
      if (event.kind() == v1::TASK_EVENT_KIND_STATE_CHANGED && rpc::IsTerminal(event.state())) {
        return grpc::Status::OK;
      }
    }
    if (static_cast<int>(events->size()) == kWatchBatch) continue;
    if (events->empty()) {
      // Asked from past the end of a finished task: nothing more will come.
      auto task = tasks_.Get(*tenant, request->task_id());
      if (!task.ok()) return common::ToGrpcStatus(task.status());
      if (rpc::IsTerminal(task->state()) && next > task->last_event_seq()) {
        return grpc::Status::OK;
      }
    }
    watch.WaitForChange(version, options_.watch_poll);
  }
  return grpc::Status(grpc::CANCELLED, "watch cancelled");
}

grpc::Status TaskService::CancelTask(grpc::ServerContext* context,
                                     const v1::CancelTaskRequest* request, v1::Task* response) {
  auto tenant = Tenant(*context);
  if (!tenant.ok()) return common::ToGrpcStatus(tenant.status());
  if (auto status = rpc::ValidateTaskId(request->task_id()); !status.ok()) {
    return common::ToGrpcStatus(status);
  }
  const std::string reason = request->reason().empty() ? "cancelled by client" : request->reason();
  auto task = tasks_.RequestCancel(*tenant, request->task_id(), reason.substr(0, 1000));
  if (!task.ok()) return common::ToGrpcStatus(task.status());
  if (!rpc::IsTerminal(task->state())) engine_.CancelLocal(task->id());
  *response = *std::move(task);
  return grpc::Status::OK;
}

grpc::Status TaskService::ListTasks(grpc::ServerContext* context,
                                    const v1::ListTasksRequest* request,
                                    v1::ListTasksResponse* response) {
  auto tenant = Tenant(*context);
  if (!tenant.ok()) return common::ToGrpcStatus(tenant.status());
  if (request->page_size() < 0 || request->page_size() > 500) {
    return grpc::Status(grpc::INVALID_ARGUMENT, "page_size: must be between 0 and 500");
  }
  if (!v1::TaskState_IsValid(request->state())) {
    return grpc::Status(grpc::INVALID_ARGUMENT, "state: unknown value");
  }
  store::ListQuery query{request->state(), request->page_size(), request->page_token()};
  auto page = tasks_.List(*tenant, query);
  if (!page.ok()) return common::ToGrpcStatus(page.status());
  for (v1::Task& task : page->tasks) *response->add_tasks() = std::move(task);
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

}  // namespace octo::orchestrator
