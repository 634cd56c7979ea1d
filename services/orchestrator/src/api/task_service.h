// The orchestrator's TaskService: durable submit, reads, watch and cancel over Postgres.
#pragma once

#include "absl/time/time.h"
#include "octo/store/task_repository.h"
#include "octo/v1/task_service.grpc.pb.h"
#include "src/queue/engine.h"
#include "src/journal/event_hub.h"

namespace octo::orchestrator {

struct TaskServiceOptions {
  // How long WatchTask waits for a notification before re-reading the store. Default 1 s.
  absl::Duration watch_poll = absl::Seconds(1);
};

// Synchronous service: every method blocks on Postgres. The tenant comes from the
// x-octo-tenant metadata set by the reflex (UNAUTHENTICATED without it).
class TaskService final : public v1::TaskService::Service {
 public:
  TaskService(store::TaskRepository& tasks, Engine& engine, EventHub& hub,
              TaskServiceOptions options = {});

  grpc::Status SubmitTask(grpc::ServerContext* context, const v1::SubmitTaskRequest* request,
                          v1::SubmitTaskResponse* response) override;
  grpc::Status GetTask(grpc::ServerContext* context, const v1::GetTaskRequest* request,
                       v1::Task* response) override;
  grpc::Status WatchTask(grpc::ServerContext* context, const v1::WatchTaskRequest* request,
                         grpc::ServerWriter<v1::TaskEvent>* writer) override;
  grpc::Status CancelTask(grpc::ServerContext* context, const v1::CancelTaskRequest* request,
                          v1::Task* response) override;
  grpc::Status ListTasks(grpc::ServerContext* context, const v1::ListTasksRequest* request,
                         v1::ListTasksResponse* response) override;

 private:
  store::TaskRepository& tasks_;
  Engine& engine_;
  EventHub& hub_;
  TaskServiceOptions options_;
};

}  // namespace octo::orchestrator
