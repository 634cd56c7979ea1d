// A TaskService client for tests, against a reflex or an orchestrator: every call has a
// deadline and, when one is given, the tenant header (what the reflex adds after
// authenticating, so tests can call an orchestrator directly).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "octo/rpc/status.h"
#include "octo/v1/task_service.grpc.pb.h"

namespace octo::testing {

class TaskClient {
 public:
  // `target` as for grpc::CreateChannel ("127.0.0.1:port", "dns:///..."); `tenant` empty for
  // none.
  explicit TaskClient(const std::string& target, std::string tenant = "");

  // A context with a `timeout` deadline and the tenant header.
  std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout = absl::Seconds(30)) const;

  absl::StatusOr<v1::SubmitTaskResponse> Submit(const v1::TaskSpec& spec,
                                                const std::string& idempotency_key = "") const;
  absl::StatusOr<v1::Task> Get(const std::string& task_id) const;
  // Events from `from_seq` until the stream ends (a terminal state) or `timeout` passes.
  absl::StatusOr<std::vector<v1::TaskEvent>> Watch(
      const std::string& task_id, int64_t from_seq = 0,
      absl::Duration timeout = absl::Seconds(30)) const;
  // Polls GetTask until the task is terminal; DEADLINE_EXCEEDED after `timeout`.
  absl::StatusOr<v1::Task> AwaitTerminal(const std::string& task_id,
                                         absl::Duration timeout = absl::Seconds(60)) const;

  v1::TaskService::Stub& stub() const { return *stub_; }

 private:
  // One unary call of `method` with a default Context(), its status as absl::Status.
  template <typename Response, typename Request, typename Method>
  absl::StatusOr<Response> Call(Method method, const Request& request) const {
    Response response;
    grpc::Status status = (stub_.get()->*method)(Context().get(), request, &response);
    if (!status.ok()) return rpc::FromGrpcStatus(status);
    return response;
  }

  std::string tenant_;
  std::unique_ptr<v1::TaskService::Stub> stub_;
};

}  // namespace octo::testing
