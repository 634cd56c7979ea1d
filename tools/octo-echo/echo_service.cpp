#include "echo_service.h"

#include "absl/random/random.h"
#include "absl/strings/str_format.h"

namespace octo::echo {

std::string NewTaskId() {
  thread_local absl::BitGen gen;
  const uint64_t hi = (absl::Uniform<uint64_t>(gen) & ~uint64_t{0xF000}) | 0x4000;  // version 4
  const uint64_t lo = (absl::Uniform<uint64_t>(gen) & ~(uint64_t{3} << 62)) | (uint64_t{2} << 62);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF,
                         lo >> 48, lo & 0xFFFFFFFFFFFFULL);
}

grpc::ServerUnaryReactor* EchoService::SubmitTask(grpc::CallbackServerContext* context,
                                                  const v1::SubmitTaskRequest* request,
                                                  v1::SubmitTaskResponse* response) {
  v1::Task* task = response->mutable_task();
  task->set_id(NewTaskId());
  *task->mutable_spec() = request->spec();
  task->set_state(v1::TASK_STATE_SUCCEEDED);
  task->mutable_result()->set_text(request->spec().goal());
  response->set_created(true);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace octo::echo
