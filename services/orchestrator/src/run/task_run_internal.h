// The TaskRun class behind RunTask, private to src/run/. Its methods are defined in the file
// of the stage they belong to (see task_run.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "octo/telemetry/trace.h"
#include "src/run/budget.h"
#include "src/run/task_run.h"
#include "src/run/task_state.h"

namespace octo::orchestrator::detail {

inline google::protobuf::Timestamp ToProto(absl::Time t) {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

inline absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixNanos(google::protobuf::util::TimeUtil::TimestampToNanoseconds(ts));
}

inline std::string StatusText(const absl::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
}

inline std::string Ms(absl::Duration d) {
  return absl::StrCat(absl::ToInt64Milliseconds(d), " ms");
}

// How a stopping run waits for its cancelled calls to come back.
inline constexpr absl::Duration kDrainTimeout = absl::Seconds(10);

enum class DagEnd { kDone, kFailed, kCancelled, kAbandoned, kBudget, kDeadline };

class TaskRun {
 public:
  TaskRun(const RunEnv& env, store::ClaimedTask claimed, std::shared_ptr<TaskControl> control);

  void Run();

 private:
  // Runtime state of a step that is not finished.
  struct StepRt {
    enum class Phase { kIdle, kCalling, kBackoff, kWaitingForSlot };
    Phase phase = Phase::kIdle;
    absl::Time retry_at = absl::InfinitePast();
    const ArmEndpoint* avoid = nullptr;
  };

  // --- rounds (rounds.cpp)
  bool EnsureWork(int round);
  bool AddRoundSteps(int round, std::vector<v1::Step> steps, const std::string& source,
                     bool from_arm);
  int AddStep(v1::Step step);
  // task::BuiltinPlan for the round, with what the fleet serves.
  std::vector<v1::Step> BuiltinPlan(int round) const;

  // --- the DAG (task_run.cpp)
  DagEnd RunDag();
  DagEnd StopReason();
  void CancelAndDrain();
  void MarkStopped() { state_.MarkStopped(ProtoNow()); }
  absl::Time Now() const { return env_.options.clock->Now(); }
  google::protobuf::Timestamp ProtoNow() const { return ToProto(Now()); }

  // --- step calls (step_call.cpp)
  void StartReady(std::vector<std::shared_ptr<StepCall>>* launch);
  void FailForNoArm(int index);
  std::shared_ptr<StepCall> PrepareCall(int index, ArmEndpoint* endpoint);
  void FillRoleParams(int index, v1::ExecuteRequest* request) const;
  void Launch(std::shared_ptr<StepCall> call);
  void Unacquire(const std::vector<std::shared_ptr<StepCall>>& calls);

  // --- step outcomes (step_outcome.cpp)
  void HandleFinished(const std::shared_ptr<StepCall>& call, bool stopping);
  void StepSucceeded(int index, StepCall& call);
  // `final_reason`, when set, fails the step at once with that reason (no retry).
  void HandleAttemptFailure(int index, const absl::Status& status, const ArmEndpoint* endpoint,
                            v1::ErrorReason final_reason = v1::ERROR_REASON_UNSPECIFIED);
  void CountStep(const v1::Step& step, const char* outcome);

  // --- writes and endings (checkpoint.cpp)
  bool Flush();
  bool Finish(v1::TaskState state, std::optional<v1::TaskError> error,
              std::optional<v1::TaskResult> result, std::string message);
  void ObserveFinish(v1::TaskState state, const std::optional<v1::TaskError>& error);
  void FinishSucceeded(int round, const std::string& note);
  void FinishFailed(v1::TaskError error, bool with_partial_result);
  void FinishCancelled();
  // Ends a round whose DAG ran out of work: the task's end, or nothing (false) when the next
  // round follows.
  bool FinishRound(int round);

  v1::Step& step(int i) { return state_.step(i); }
  const v1::Step& step(int i) const { return state_.step(i); }
  const v1::Task& task() const { return state_.task(); }

  const RunEnv& env_;
  std::shared_ptr<TaskControl> control_;
  TaskState state_;
  telemetry::TraceContext trace_;
  BudgetTracker budget_;
  const absl::Time deadline_;
  // The tenant's, for guarding what the arms send back.
  const safety::RedactionStrategy redaction_;
  std::vector<StepRt> rt_;
  uint64_t seen_ = 0;
  absl::BitGen gen_;
  // When unwritten progress must be stored at the latest.
  absl::Time flush_by_ = absl::InfiniteFuture();
  // A work or judge step failed for good (its index), or -1.
  int failed_ = -1;
  // For the speedup figure: summed call time of successful work steps, and the DAG's span.
  absl::Duration call_time_;
  absl::Time first_start_ = absl::InfiniteFuture();
  absl::Time last_end_ = absl::InfinitePast();
  int work_calls_ = 0;
};

}  // namespace octo::orchestrator::detail
