// The baseline TaskService for benchmarks: SubmitTask answers at once with a finished task.
#pragma once

#include <string>

#include "octo/v1/task_service.grpc.pb.h"

namespace octo::echo {

// SubmitTask returns a Task with the request's spec, a fresh random UUID, state SUCCEEDED
// and result text = goal, without validating or storing anything; every other method is
// UNIMPLEMENTED. Thread-safe and stateless.
class EchoService final : public v1::TaskService::CallbackService {
 public:
  grpc::ServerUnaryReactor* SubmitTask(grpc::CallbackServerContext* context,
                                       const v1::SubmitTaskRequest* request,
                                       v1::SubmitTaskResponse* response) override;
};

// A random (version 4) UUID in canonical form.
std::string NewTaskId();

}  // namespace octo::echo
