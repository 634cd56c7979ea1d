// How the engine reaches a running task (cancel, abandon, wake) and how the task's arm
// calls report back: the one meeting point of the run's thread and gRPC's callbacks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "octo/v1/arm.pb.h"
#include "src/routing/arm_registry.h"

namespace octo::orchestrator {

// One Execute call. Owned jointly by the run and the call's completion callback.
struct StepCall {
  int step = 0;  // index into the task's steps
  ArmEndpoint* endpoint = nullptr;
  grpc::ClientContext context;
  v1::ExecuteRequest request;
  v1::ExecuteResponse response;
  grpc::Status status;
  absl::Time started;
  absl::Duration latency;
};

// Thread-safe.
class TaskControl {
 public:
  explicit TaskControl(std::string task_id) : task_id_(std::move(task_id)) {}
  const std::string& task_id() const { return task_id_; }

  // Cancel requested: no new step starts, calls in flight are cancelled, the task ends
  // CANCELLED.
  void Cancel();
  // Stop without writing anything more (lease lost, or the replica stops): calls in flight
  // are cancelled and the task is left for whichever replica claims it next.
  void Abandon();
  bool cancelled() const;
  bool abandoned() const;

  // For the run and its calls.
  void Wake();
  void CallStarted(std::shared_ptr<StepCall> call);
  void CallFinished(std::shared_ptr<StepCall> call);
  // Waits until something happened since `*seen` (updated) or `deadline`, and returns the
  // calls that finished meanwhile.
  std::vector<std::shared_ptr<StepCall>> Wait(uint64_t* seen, absl::Time deadline);
  // Calls started and not yet taken back by Wait (in flight, or finished but unhandled).
  int calls_outstanding() const;
  // Cancels the calls in flight (the run stops for a reason of its own: failure, budget).
  void CancelCalls();

 private:
  // Sets `*flag` (cancelled_ or abandoned_) once, wakes waiters and cancels the calls.
  void Raise(bool TaskControl::*flag);

  const std::string task_id_;
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool abandoned_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t happenings_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::shared_ptr<StepCall>> in_flight_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<StepCall>> finished_ ABSL_GUARDED_BY(mu_);
};

}  // namespace octo::orchestrator
