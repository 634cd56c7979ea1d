#include "octo/testing/task_client.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "octo/rpc/metadata.h"

namespace octo::testing {
namespace {

bool IsTerminal(v1::TaskState state) {
  return state == v1::TASK_STATE_SUCCEEDED || state == v1::TASK_STATE_FAILED ||
         state == v1::TASK_STATE_CANCELLED;
}

}  // namespace

TaskClient::TaskClient(const std::string& target, std::string tenant)
    : tenant_(std::move(tenant)),
      stub_(v1::TaskService::NewStub(
          grpc::CreateChannel(target, grpc::InsecureChannelCredentials()))) {}

std::unique_ptr<grpc::ClientContext> TaskClient::Context(absl::Duration timeout) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!tenant_.empty()) context->AddMetadata(rpc::kTenantHeader, tenant_);
  return context;
}

absl::StatusOr<v1::SubmitTaskResponse> TaskClient::Submit(
    const v1::TaskSpec& spec, const std::string& idempotency_key) const {
  v1::SubmitTaskRequest request;
  *request.mutable_spec() = spec;
  request.set_idempotency_key(idempotency_key);
  return Call<v1::SubmitTaskResponse>(&v1::TaskService::Stub::SubmitTask, request);
}

absl::StatusOr<v1::Task> TaskClient::Get(const std::string& task_id) const {
  v1::GetTaskRequest request;
  request.set_task_id(task_id);
  return Call<v1::Task>(&v1::TaskService::Stub::GetTask, request);
}

absl::StatusOr<std::vector<v1::TaskEvent>> TaskClient::Watch(const std::string& task_id,
                                                             int64_t from_seq,
                                                             absl::Duration timeout) const {
  v1::WatchTaskRequest request;
  request.set_task_id(task_id);
  request.set_from_seq(from_seq);
  auto context = Context(timeout);
  auto reader = stub_->WatchTask(context.get(), request);
  std::vector<v1::TaskEvent> events;
  v1::TaskEvent event;
  while (reader->Read(&event)) events.push_back(event);
  grpc::Status status = reader->Finish();
  if (!status.ok()) return rpc::FromGrpcStatus(status);
  return events;
}

absl::StatusOr<v1::Task> TaskClient::AwaitTerminal(const std::string& task_id,
                                                   absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    absl::StatusOr<v1::Task> task = Get(task_id);
    if (!task.ok() || IsTerminal(task->state())) return task;
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("task ", task_id, " still ",
                                                      v1::TaskState_Name(task->state()), " after ",
                                                      absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

}  // namespace octo::testing
