#include "src/task_run.h"

#include <algorithm>
#include <optional>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "octo/common/log.h"
#include "octo/rpc/task_spec.h"
#include "octo/telemetry/metrics.h"
#include "octo/telemetry/trace.h"
#include "src/budget.h"
#include "src/plan_validator.h"
#include "src/planner.h"

namespace octo::orchestrator {

using google::protobuf::util::TimeUtil;

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

RunMetrics::RunMetrics(prometheus::Registry& registry)
    : finished(prometheus::BuildCounter()
                   .Name("octo_orchestrator_tasks_finished_total")
                   .Help("Tasks that reached a terminal state on this replica, by state.")
                   .Register(registry)),
      failed(prometheus::BuildCounter()
                 .Name("octo_orchestrator_tasks_failed_total")
                 .Help("Tasks that ended FAILED on this replica, by error reason.")
                 .Register(registry)),
      task_seconds(prometheus::BuildHistogram()
                       .Name("octo_orchestrator_task_seconds")
                       .Help("Time from submission to a terminal state, in seconds.")
                       .Register(registry)
                       .Add({}, telemetry::LatencyBuckets())),
      step_seconds(prometheus::BuildHistogram()
                       .Name("octo_orchestrator_step_seconds")
                       .Help("Arm call latency per step attempt, in seconds, by capability.")
                       .Register(registry)),
      steps(prometheus::BuildCounter()
                .Name("octo_orchestrator_steps_total")
                .Help("Step attempts ended, by capability and outcome (succeeded, retried, "
                      "failed, cancelled).")
                .Register(registry)),
      dag_speedup(prometheus::BuildHistogram()
                      .Name("octo_orchestrator_dag_speedup_ratio")
                      .Help("Per task with two or more steps: the sum of its arm call times "
                            "over the wall time of its DAG (1 = no parallelism).")
                      .Register(registry)
                      .Add({}, prometheus::Histogram::BucketBoundaries{0.5, 0.9, 1.1, 1.5, 2, 3, 4,
                                                                       6, 8})) {}

// ---------------------------------------------------------------------------------------------
// TaskControl

void TaskControl::Cancel() {
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) return;
    cancelled_ = true;
    ++happenings_;
  }
  CancelCalls();
}

void TaskControl::Abandon() {
  {
    absl::MutexLock lock(&mu_);
    if (abandoned_) return;
    abandoned_ = true;
    ++happenings_;
  }
  CancelCalls();
}

bool TaskControl::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

bool TaskControl::abandoned() const {
  absl::MutexLock lock(&mu_);
  return abandoned_;
}

void TaskControl::Wake() {
  absl::MutexLock lock(&mu_);
  ++happenings_;
}

void TaskControl::CancelCalls() {
  std::vector<std::shared_ptr<StepCall>> calls;
  {
    absl::MutexLock lock(&mu_);
    calls = in_flight_;
  }
  // Outside the lock: a cancelled call may complete (and call CallFinished) at once.
  for (auto& call : calls) call->context.TryCancel();
}

void TaskControl::CallStarted(std::shared_ptr<StepCall> call) {
  bool stop;
  {
    absl::MutexLock lock(&mu_);
    in_flight_.push_back(call);
    stop = cancelled_ || abandoned_;
  }
  // A context cancelled before its call starts cancels the call as soon as it does.
  if (stop) call->context.TryCancel();
}

void TaskControl::CallFinished(std::shared_ptr<StepCall> call) {
  absl::MutexLock lock(&mu_);
  in_flight_.erase(std::find(in_flight_.begin(), in_flight_.end(), call));
  finished_.push_back(std::move(call));
  ++happenings_;
}

std::vector<std::shared_ptr<StepCall>> TaskControl::Wait(uint64_t* seen, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return happenings_ != *seen; };
  mu_.AwaitWithDeadline(absl::Condition(&changed), deadline);
  *seen = happenings_;
  std::vector<std::shared_ptr<StepCall>> finished;
  finished.swap(finished_);
  return finished;
}

int TaskControl::calls_outstanding() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(in_flight_.size() + finished_.size());
}

// ---------------------------------------------------------------------------------------------
// TaskRun

namespace {

// Rounds a task may run: the first, and one repair round after the judge rejected it.
constexpr int kMaxRounds = 2;
// How long a stopping run waits for its cancelled calls to come back.
constexpr absl::Duration kDrainTimeout = absl::Seconds(10);

google::protobuf::Timestamp ProtoNow() {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now()));
}

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(ts));
}

v1::TaskEvent Event(v1::TaskEventKind kind, std::string message, const v1::Step* step = nullptr) {
  v1::TaskEvent event;
  event.set_kind(kind);
  event.set_message(std::move(message));
  if (step != nullptr) {
    event.set_step_id(step->id());
    event.set_step_state(step->state());
  }
  return event;
}

v1::TaskError Error(v1::ErrorReason reason, std::string message, std::string step_id = "",
                    int grpc_code = 0) {
  v1::TaskError error;
  error.set_reason(reason);
  error.set_message(std::move(message));
  error.set_step_id(std::move(step_id));
  error.set_grpc_code(grpc_code);
  return error;
}

std::string StatusText(const absl::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
}

std::string Ms(absl::Duration d) { return absl::StrCat(absl::ToInt64Milliseconds(d), " ms"); }

enum class DagEnd { kDone, kFailed, kCancelled, kAbandoned, kBudget, kDeadline };

class TaskRun {
 public:
  TaskRun(const RunEnv& env, store::ClaimedTask claimed, std::shared_ptr<TaskControl> control)
      : env_(env),
        control_(std::move(control)),
        task_(std::move(claimed.task)),
        tenant_(std::move(claimed.tenant_id)),
        budget_(task_.spec().budget()),
        deadline_(TaskDeadline(task_)) {
    if (auto trace = telemetry::TraceContext::Parse(claimed.traceparent)) {
      trace_ = *trace;
    } else {
      trace_ = telemetry::TraceContext::NewRoot();
    }
    if (claimed.cancel_requested) control_->Cancel();
    for (v1::Step& step : *task_.mutable_steps()) {
      // A step that was running when the previous owner stopped runs again; a completed one
      // never does.
      if (step.state() == v1::STEP_STATE_RUNNING) step.set_state(v1::STEP_STATE_PENDING);
      if (step.state() == v1::STEP_STATE_SUCCEEDED) budget_.Charge(step.usage());
    }
    rt_.resize(task_.steps_size());
    // A step stored as failed for good ended the task already, but its end was not stored:
    // end it again. (A failed planner step only meant the built-in plan was used.)
    for (int i = 0; i < task_.steps_size(); ++i) {
      if (step(i).state() == v1::STEP_STATE_FAILED && RoleOf(step(i)) != StepRole::kPlan) {
        failed_ = i;
        break;
      }
    }
  }

  void Run();

 private:
  // Runtime state of a step that is not finished.
  struct StepRt {
    enum class Phase { kIdle, kCalling, kBackoff, kWaitingForSlot };
    Phase phase = Phase::kIdle;
    absl::Time retry_at = absl::InfinitePast();
    const ArmEndpoint* avoid = nullptr;
  };

  // --- planning
  int CurrentRound() const;
  bool HasWork(int round) const;
  int Find(const std::string& id) const;
  bool EnsureWork(int round);
  bool AddRoundSteps(int round, std::vector<v1::Step> steps, const std::string& source,
                     bool from_arm);
  std::vector<std::string> Feedback(int round) const;

  // --- the DAG
  DagEnd RunDag();
  void HandleFinished(const std::shared_ptr<StepCall>& call, bool stopping);
  void HandleAttemptFailure(int index, const absl::Status& status, const ArmEndpoint* endpoint);
  void StartReady(std::vector<std::shared_ptr<StepCall>>* launch);
  std::shared_ptr<StepCall> PrepareCall(int index, ArmEndpoint* endpoint);
  void Launch(std::shared_ptr<StepCall> call);
  void CancelAndDrain();
  void MarkStopped();
  bool DependsOnFailed(int index) const;

  // --- results and endings
  struct Integrated {
    std::string text;
    v1::ArmOutput output;
  };
  Integrated Integrate(int round) const;
  void FinishSucceeded(int round, const std::string& note);
  void FinishFailed(v1::TaskError error, bool with_partial_result);
  void FinishCancelled();
  bool Finish(v1::TaskState state, std::optional<v1::TaskError> error,
              std::optional<v1::TaskResult> result, std::string message);

  // --- writes
  void MarkDirty(int index) { dirty_steps_.insert(index); }
  // Stages an event; it records the task's state as of now (an update may pass through
  // several states).
  void Record(v1::TaskEvent event) {
    event.set_state(task_.state());
    events_.push_back(std::move(event));
  }
  bool HasPending() const {
    return !dirty_steps_.empty() || !events_.empty() || new_state_ || usage_dirty_;
  }
  void SetState(v1::TaskState state);
  bool Flush();

  v1::Step& step(int i) { return *task_.mutable_steps(i); }
  const v1::Step& step(int i) const { return task_.steps(i); }

  const RunEnv& env_;
  std::shared_ptr<TaskControl> control_;
  v1::Task task_;
  const std::string tenant_;
  telemetry::TraceContext trace_;
  BudgetTracker budget_;
  const absl::Time deadline_;
  std::vector<StepRt> rt_;
  uint64_t seen_ = 0;
  absl::BitGen gen_;

  // Not yet written: changed steps (by index), new events, a new state, usage.
  std::set<int> dirty_steps_;
  std::vector<v1::TaskEvent> events_;
  std::optional<v1::TaskState> new_state_;
  bool usage_dirty_ = false;
  // A step finished (or failed for good) since the last write: store it now.
  bool checkpoint_ = false;
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

int TaskRun::Find(const std::string& id) const {
  for (int i = 0; i < task_.steps_size(); ++i) {
    if (step(i).id() == id) return i;
  }
  return -1;
}

bool TaskRun::HasWork(int round) const {
  for (const v1::Step& s : task_.steps()) {
    if (RoleOf(s) == StepRole::kWork && RoundOf(s) == round) return true;
  }
  return false;
}

int TaskRun::CurrentRound() const {
  int round = 1;
  for (const v1::Step& s : task_.steps()) round = std::max(round, RoundOf(s));
  // A rejected result opens the repair round.
  const int judge = Find(JudgeStepId(round));
  if (judge >= 0 && step(judge).state() == v1::STEP_STATE_SUCCEEDED &&
      !step(judge).output().judgement().passed() && round < kMaxRounds) {
    return round + 1;
  }
  return round;
}

std::vector<std::string> TaskRun::Feedback(int round) const {
  if (round <= 1) return {};
  const int judge = Find(JudgeStepId(round - 1));
  if (judge < 0) return {};
  const auto& failures = step(judge).output().judgement().failures();
  return {failures.begin(), failures.end()};
}

void TaskRun::SetState(v1::TaskState state) {
  if (task_.state() == state) return;
  task_.set_state(state);
  new_state_ = state;
  Record(Event(v1::TASK_EVENT_KIND_STATE_CHANGED, absl::StrCat("task ", rpc::StateName(state))));
}

// Makes sure the round has work steps, or a planner step that will produce them.
bool TaskRun::EnsureWork(int round) {
  if (HasWork(round)) {
    SetState(v1::TASK_STATE_RUNNING);
    return true;
  }
  const int plan = Find(PlanStepId(round));
  if (plan >= 0) {
    const v1::Step& p = step(plan);
    if (p.state() == v1::STEP_STATE_PENDING) return true;  // the DAG runs it
    if (p.state() == v1::STEP_STATE_SUCCEEDED) {
      auto planned = StepsFromPlan(p.output().plan(), round);
      if (planned.ok()) {
        return AddRoundSteps(round, *std::move(planned), absl::StrCat("planner arm ", p.arm()),
                             /*from_arm=*/true);
      }
      return AddRoundSteps(
          round, BuiltinPlan(task_.spec(), round, Feedback(round)),
          absl::StrCat("built-in; the planner's plan was unusable: ", planned.status().message()),
          /*from_arm=*/false);
    }
    return AddRoundSteps(round, BuiltinPlan(task_.spec(), round, Feedback(round)),
                         absl::StrCat("built-in; the planner arm failed: ", p.error().message()),
                         /*from_arm=*/false);
  }
  if (IsComplex(task_.spec()) && env_.arms->IsAvailable("plan")) {
    v1::Step p = PlanStep(task_.spec(), round);
    *task_.add_steps() = p;
    rt_.resize(task_.steps_size());
    MarkDirty(task_.steps_size() - 1);
    return true;
  }
  return AddRoundSteps(round, BuiltinPlan(task_.spec(), round, Feedback(round)), "built-in",
                       /*from_arm=*/false);
}

bool TaskRun::AddRoundSteps(int round, std::vector<v1::Step> steps, const std::string& source,
                            bool from_arm) {
  const absl::flat_hash_set<std::string> known = env_.arms->KnownCapabilities();
  PlanLimits limits;
  limits.max_steps = env_.options.max_plan_steps;
  // A planner arm must stick to what the fleet offers; the built-in plan routes at run time
  // (an unknown capability then fails the step with NO_ARM).
  limits.known_capabilities = from_arm ? &known : nullptr;
  if (absl::Status valid = ValidatePlan(steps, limits); !valid.ok()) {
    if (from_arm) {
      return AddRoundSteps(
          round, BuiltinPlan(task_.spec(), round, Feedback(round)),
          absl::StrCat("built-in; the planner's plan was invalid: ", valid.message()),
          /*from_arm=*/false);
    }
    FinishFailed(Error(v1::ERROR_REASON_PLAN_INVALID,
                       absl::StrCat("the plan is invalid: ", valid.message())),
                 /*with_partial_result=*/false);
    return false;
  }
  // The judge checks the round's result when there are criteria and the fleet has a judge.
  if (!task_.spec().acceptance_criteria().empty() && known.contains("judge")) {
    absl::flat_hash_set<std::string> depended;
    for (const v1::Step& s : steps) depended.insert(s.depends_on().begin(), s.depends_on().end());
    std::vector<std::string> sinks;
    for (const v1::Step& s : steps) {
      if (!depended.contains(s.id())) sinks.push_back(s.id());
    }
    steps.push_back(JudgeStep(round, sinks));
  }
  std::vector<std::string> names;
  for (v1::Step& s : steps) {
    std::string name = absl::StrCat(s.id(), " ", s.capability());
    if (!s.depends_on().empty()) absl::StrAppend(&name, " <- ", absl::StrJoin(s.depends_on(), "+"));
    names.push_back(std::move(name));
    *task_.add_steps() = std::move(s);
    MarkDirty(task_.steps_size() - 1);
  }
  rt_.resize(task_.steps_size());
  Record(Event(v1::TASK_EVENT_KIND_PLANNED,
               absl::StrCat("plan (", source, "): ", absl::StrJoin(names, "; "))));
  SetState(v1::TASK_STATE_RUNNING);
  return true;
}

// ---------------------------------------------------------------------------------------------
// The DAG

bool TaskRun::DependsOnFailed(int index) const {
  for (const std::string& dep : step(index).depends_on()) {
    const int d = Find(dep);
    if (d < 0) continue;
    const v1::StepState state = step(d).state();
    if (state == v1::STEP_STATE_FAILED || state == v1::STEP_STATE_SKIPPED) return true;
    if (DependsOnFailed(d)) return true;
  }
  return false;
}

DagEnd TaskRun::RunDag() {
  absl::Time wait_until = absl::InfinitePast();
  while (true) {
    for (const auto& call : control_->Wait(&seen_, wait_until)) HandleFinished(call, false);
    const absl::Time now = absl::Now();
    if (control_->abandoned()) {
      CancelAndDrain();
      return DagEnd::kAbandoned;
    }
    if (control_->cancelled()) {
      CancelAndDrain();
      MarkStopped();
      return DagEnd::kCancelled;
    }
    if (failed_ >= 0) {
      CancelAndDrain();
      MarkStopped();
      return DagEnd::kFailed;
    }
    if (budget_.Exceeded()) {
      CancelAndDrain();
      MarkStopped();
      return DagEnd::kBudget;
    }
    if (now >= deadline_) {
      CancelAndDrain();
      MarkStopped();
      return DagEnd::kDeadline;
    }
    std::vector<std::shared_ptr<StepCall>> launch;
    StartReady(&launch);
    if (failed_ >= 0) {
      for (auto& call : launch) env_.arms->Unacquire(call->endpoint);
      wait_until = absl::InfinitePast();
      continue;
    }
    bool busy = !launch.empty() || control_->calls_outstanding() > 0;
    wait_until = deadline_;
    for (int i = 0; i < task_.steps_size(); ++i) {
      const StepRt& rt = rt_[i];
      if (step(i).state() != v1::STEP_STATE_PENDING && step(i).state() != v1::STEP_STATE_RUNNING) {
        continue;
      }
      if (rt.phase == StepRt::Phase::kWaitingForSlot) {
        // Woken by the registry when a slot frees; the poll covers a release that happened
        // between the busy pick and AddWaiter.
        busy = true;
        wait_until = std::min(wait_until, absl::Now() + absl::Milliseconds(20));
      } else if (rt.phase == StepRt::Phase::kBackoff) {
        busy = true;
        wait_until = std::min(wait_until, rt.retry_at);
      }
    }
    // Nothing left to run: what is unwritten goes with the caller's next write (the task's
    // end, or the next round's plan), saving a commit.
    if (!busy) return DagEnd::kDone;
    if (env_.options.start_write_delay <= absl::ZeroDuration()) {
      // Steps are stored as RUNNING before their arms see them.
      if (!Flush()) {
        for (auto& call : launch) env_.arms->Unacquire(call->endpoint);
        continue;  // abandoned: the top of the loop ends the run
      }
      for (auto& call : launch) Launch(std::move(call));
      continue;
    }
    // Finished steps are checkpointed at once, before the steps that use their outputs start
    // (so a crash re-runs at most the steps that were running); starts and the like may wait
    // a little for company.
    if (checkpoint_ || now >= flush_by_) {
      if (!Flush()) {
        for (auto& call : launch) env_.arms->Unacquire(call->endpoint);
        continue;  // abandoned: the top of the loop ends the run
      }
    } else if (HasPending() && flush_by_ == absl::InfiniteFuture()) {
      flush_by_ = now + env_.options.start_write_delay;
    }
    for (auto& call : launch) Launch(std::move(call));
    wait_until = std::min(wait_until, flush_by_);
  }
}

void TaskRun::StartReady(std::vector<std::shared_ptr<StepCall>>* launch) {
  const absl::Time now = absl::Now();
  bool wait_for_slot = false;
  for (int i = 0; i < task_.steps_size() && failed_ < 0; ++i) {
    v1::Step& s = step(i);
    StepRt& rt = rt_[i];
    if (s.state() != v1::STEP_STATE_PENDING || rt.phase == StepRt::Phase::kCalling) continue;
    if (rt.phase == StepRt::Phase::kBackoff && rt.retry_at > now) continue;
    bool ready = true;
    for (const std::string& dep : s.depends_on()) {
      const int d = Find(dep);
      ready = ready && d >= 0 && step(d).state() == v1::STEP_STATE_SUCCEEDED;
    }
    if (!ready) continue;
    ArmRegistry::Pick pick = env_.arms->Acquire(s.capability(), rt.avoid);
    switch (pick.result) {
      case ArmRegistry::PickResult::kAcquired:
        launch->push_back(PrepareCall(i, pick.endpoint));
        break;
      case ArmRegistry::PickResult::kBusy:
        rt.phase = StepRt::Phase::kWaitingForSlot;
        wait_for_slot = true;
        break;
      case ArmRegistry::PickResult::kUnavailable:
        s.set_attempts(s.attempts() + 1);
        HandleAttemptFailure(
            i,
            absl::UnavailableError(absl::StrCat("no healthy arm with capability \"", s.capability(),
                                                "\" (failing health checks or circuit open)")),
            nullptr);
        break;
      case ArmRegistry::PickResult::kUnknown: {
        s.set_state(v1::STEP_STATE_FAILED);
        *s.mutable_finished_at() = ProtoNow();
        *s.mutable_error() =
            Error(v1::ERROR_REASON_NO_ARM,
                  absl::StrCat("no configured arm offers capability \"", s.capability(), "\""),
                  s.id(), static_cast<int>(absl::StatusCode::kUnavailable));
        checkpoint_ = true;
        MarkDirty(i);
        v1::TaskEvent event = Event(v1::TASK_EVENT_KIND_STEP_FAILED, s.error().message(), &s);
        *event.mutable_error() = s.error();
        Record(std::move(event));
        env_.metrics->steps.Add({{"capability", s.capability()}, {"outcome", "failed"}})
            .Increment();
        if (RoleOf(s) != StepRole::kPlan) failed_ = i;
        break;
      }
    }
  }
  if (wait_for_slot) {
    std::weak_ptr<TaskControl> weak = control_;
    env_.arms->AddWaiter(control_.get(), [weak] {
      if (auto control = weak.lock()) control->Wake();
    });
  }
}

std::shared_ptr<StepCall> TaskRun::PrepareCall(int index, ArmEndpoint* endpoint) {
  v1::Step& s = step(index);
  auto call = std::make_shared<StepCall>();
  call->step = index;
  call->endpoint = endpoint;
  v1::ExecuteRequest& request = call->request;
  const v1::TaskSpec& spec = task_.spec();
  request.set_task_id(task_.id());
  request.set_step_id(s.id());
  request.set_tenant_id(tenant_);
  request.set_capability(s.capability());
  request.set_instruction(s.instruction());
  std::string context = spec.context();
  if (!spec.constraints().empty()) {
    absl::StrAppend(&context, context.empty() ? "" : "\n\n", "Constraints:");
    for (const std::string& c : spec.constraints()) absl::StrAppend(&context, "\n- ", c);
  }
  request.set_context(std::move(context));
  *request.mutable_acceptance_criteria() = spec.acceptance_criteria();
  for (const std::string& dep : s.depends_on()) {
    const int d = Find(dep);
    if (d < 0) continue;
    v1::StepInput* input = request.add_inputs();
    input->set_step_id(dep);
    input->set_text(step(d).output().text());
  }
  const int round = RoundOf(s);
  switch (RoleOf(s)) {
    case StepRole::kPlan: {
      v1::PlanParams* plan = request.mutable_plan();
      plan->set_max_steps(env_.options.max_plan_steps);
      for (const std::string& cap : env_.arms->AvailableCapabilities()) {
        if (cap != "plan" && cap != "judge") plan->add_available_capabilities(cap);
      }
      for (const std::string& line : Feedback(round)) plan->add_feedback(line);
      break;
    }
    case StepRole::kJudge:
      request.mutable_judge()->set_candidate(Integrate(round).text);
      break;
    case StepRole::kWork: {
      // Step parameters the client gave go to the round's first step that can use them.
      for (int i = 0; i < task_.steps_size(); ++i) {
        const v1::Step& other = step(i);
        if (RoleOf(other) != StepRole::kWork || RoundOf(other) != round ||
            other.capability() != s.capability()) {
          continue;
        }
        if (i == index) {
          if (spec.has_exec() && s.capability() == "execute") *request.mutable_exec() = spec.exec();
          if (spec.has_retrieve() && s.capability() == "retrieve") {
            *request.mutable_retrieve() = spec.retrieve();
          }
        }
        break;
      }
      break;
    }
  }
  telemetry::InjectTrace(trace_.NewChild(), &call->context);

  s.set_state(v1::STEP_STATE_RUNNING);
  s.set_arm(endpoint->target());
  s.set_attempts(s.attempts() + 1);
  if (!s.has_started_at()) *s.mutable_started_at() = ProtoNow();
  MarkDirty(index);
  rt_[index].phase = StepRt::Phase::kCalling;
  Record(Event(v1::TASK_EVENT_KIND_STEP_STARTED,
               absl::StrCat("step ", s.id(), " (", s.capability(), ") on ", endpoint->target(),
                            ", attempt ", s.attempts()),
               &s));
  return call;
}

void TaskRun::Launch(std::shared_ptr<StepCall> call) {
  const absl::Time now = absl::Now();
  call->started = now;
  first_start_ = std::min(first_start_, now);
  call->context.set_deadline(
      absl::ToChronoTime(std::min(now + env_.options.step_timeout, deadline_)));
  control_->CallStarted(call);
  StepCall* raw = call.get();
  std::shared_ptr<TaskControl> control = control_;
  raw->endpoint->stub().async()->Execute(
      &raw->context, &raw->request, &raw->response,
      [call = std::move(call), control = std::move(control)](grpc::Status status) mutable {
        call->status = std::move(status);
        call->latency = absl::Now() - call->started;
        control->CallFinished(std::move(call));
      });
}

void TaskRun::HandleFinished(const std::shared_ptr<StepCall>& call, bool stopping) {
  // A call that ended because the task is being cancelled or abandoned is no failure.
  stopping = stopping || control_->cancelled() || control_->abandoned();
  const int index = call->step;
  v1::Step& s = step(index);
  rt_[index].phase = StepRt::Phase::kIdle;
  absl::Status status(static_cast<absl::StatusCode>(call->status.error_code()),
                      call->status.error_message());
  if (status.ok()) {
    // An answer without the typed output its role needs counts as a failed call.
    if (RoleOf(s) == StepRole::kJudge && !call->response.output().has_judgement()) {
      status = absl::InternalError("the judge arm answered without a judgement");
    } else if (RoleOf(s) == StepRole::kPlan && !call->response.output().has_plan()) {
      status = absl::InternalError("the planner arm answered without a plan");
    }
  }
  CallOutcome outcome = CallOutcome::kRejected;
  if (status.ok()) {
    outcome = CallOutcome::kSuccess;
  } else if (status.code() == absl::StatusCode::kCancelled ||
             (stopping && status.code() == absl::StatusCode::kDeadlineExceeded)) {
    outcome = CallOutcome::kCancelled;
  } else if (status.code() == absl::StatusCode::kResourceExhausted) {
    outcome = CallOutcome::kBusy;
  } else if (IsEndpointFailure(status.code())) {
    outcome = CallOutcome::kEndpointFailure;
  }
  env_.arms->Release(call->endpoint, outcome, call->latency,
                     status.ok() ? "" : std::string(status.message()),
                     call->response.provenance().instance());
  env_.metrics->step_seconds.Add({{"capability", s.capability()}}, telemetry::LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(call->latency));

  if (status.ok()) {
    s.set_state(v1::STEP_STATE_SUCCEEDED);
    *s.mutable_finished_at() = ProtoNow();
    *s.mutable_output() = std::move(*call->response.mutable_output());
    *s.mutable_usage() = call->response.usage();
    *s.mutable_provenance() = call->response.provenance();
    s.clear_error();
    budget_.Charge(s.usage());
    *task_.mutable_usage() = budget_.used();
    usage_dirty_ = true;
    checkpoint_ = true;
    MarkDirty(index);
    Record(Event(v1::TASK_EVENT_KIND_STEP_SUCCEEDED,
                 absl::StrCat("step ", s.id(), " succeeded in ", Ms(call->latency)), &s));
    env_.metrics->steps.Add({{"capability", s.capability()}, {"outcome", "succeeded"}}).Increment();
    if (RoleOf(s) == StepRole::kWork) {
      call_time_ += call->latency;
      ++work_calls_;
      last_end_ = std::max(last_end_, absl::Now());
    }
    return;
  }
  if (stopping) {
    // Cancelled by the run itself; MarkStopped settles the step.
    env_.metrics->steps.Add({{"capability", s.capability()}, {"outcome", "cancelled"}}).Increment();
    return;
  }
  HandleAttemptFailure(index, status, call->endpoint);
}

void TaskRun::HandleAttemptFailure(int index, const absl::Status& status,
                                   const ArmEndpoint* endpoint) {
  v1::Step& s = step(index);
  StepRt& rt = rt_[index];
  const absl::Time now = absl::Now();
  const std::string where = endpoint == nullptr ? "" : absl::StrCat(" on ", endpoint->target());
  if (IsRetryable(status.code()) && s.attempts() < env_.options.retry.max_attempts &&
      now < deadline_) {
    const absl::Duration delay =
        BackoffDelay(env_.options.retry, s.attempts(), absl::Uniform(gen_, 0.0, 1.0));
    rt.phase = StepRt::Phase::kBackoff;
    rt.retry_at = now + delay;
    rt.avoid = endpoint;  // fail over to another arm with the capability when there is one
    s.set_state(v1::STEP_STATE_PENDING);
    MarkDirty(index);
    Record(Event(v1::TASK_EVENT_KIND_STEP_RETRYING,
                 absl::StrCat("step ", s.id(), " attempt ", s.attempts(), where, " failed (",
                              StatusText(status), "); retrying in ", Ms(delay)),
                 &s));
    env_.metrics->steps.Add({{"capability", s.capability()}, {"outcome", "retried"}}).Increment();
    return;
  }
  v1::ErrorReason reason = ReasonForCode(status.code());
  std::string message =
      absl::StrCat("step ", s.id(), " (", s.capability(), ") failed after ", s.attempts(),
                   s.attempts() == 1 ? " attempt" : " attempts", where, ": ", StatusText(status));
  if (now >= deadline_) {
    reason = v1::ERROR_REASON_DEADLINE_EXCEEDED;
    absl::StrAppend(&message, " (the task's deadline passed)");
  } else if (status.code() == absl::StatusCode::kDeadlineExceeded) {
    absl::StrAppend(&message, " (no answer within the step deadline of ",
                    absl::FormatDuration(env_.options.step_timeout), ")");
  }
  s.set_state(v1::STEP_STATE_FAILED);
  *s.mutable_finished_at() = ProtoNow();
  *s.mutable_error() = Error(reason, message, s.id(), static_cast<int>(status.code()));
  checkpoint_ = true;
  MarkDirty(index);
  v1::TaskEvent event = Event(v1::TASK_EVENT_KIND_STEP_FAILED, message, &s);
  *event.mutable_error() = s.error();
  Record(std::move(event));
  env_.metrics->steps.Add({{"capability", s.capability()}, {"outcome", "failed"}}).Increment();
  // A failed planner call falls back to the built-in planner; anything else ends the task.
  if (RoleOf(s) != StepRole::kPlan) failed_ = index;
}

void TaskRun::CancelAndDrain() {
  control_->CancelCalls();
  const absl::Time give_up = absl::Now() + kDrainTimeout;
  while (control_->calls_outstanding() > 0 && absl::Now() < give_up) {
    for (const auto& call : control_->Wait(&seen_, absl::Now() + absl::Milliseconds(100))) {
      HandleFinished(call, /*stopping=*/true);
    }
  }
  for (const auto& call : control_->Wait(&seen_, absl::InfinitePast())) {
    HandleFinished(call, /*stopping=*/true);
  }
  if (control_->calls_outstanding() > 0) {
    log::Error("arm calls did not end after cancellation",
               {{"in_flight", absl::StrCat(control_->calls_outstanding())}});
  }
}

void TaskRun::MarkStopped() {
  for (int i = 0; i < task_.steps_size(); ++i) {
    v1::Step& s = step(i);
    if (s.state() != v1::STEP_STATE_PENDING && s.state() != v1::STEP_STATE_RUNNING) continue;
    const bool started = s.state() == v1::STEP_STATE_RUNNING;
    s.set_state(DependsOnFailed(i) ? v1::STEP_STATE_SKIPPED : v1::STEP_STATE_CANCELLED);
    if (started) *s.mutable_finished_at() = ProtoNow();
    MarkDirty(i);
  }
}

// ---------------------------------------------------------------------------------------------
// Results and endings

TaskRun::Integrated TaskRun::Integrate(int round) const {
  // The round's succeeded work steps that no other succeeded work step of the round used.
  std::vector<int> done;
  absl::flat_hash_set<std::string> used;
  for (int i = 0; i < task_.steps_size(); ++i) {
    const v1::Step& s = step(i);
    if (RoleOf(s) != StepRole::kWork || RoundOf(s) != round ||
        s.state() != v1::STEP_STATE_SUCCEEDED) {
      continue;
    }
    done.push_back(i);
    used.insert(s.depends_on().begin(), s.depends_on().end());
  }
  std::vector<int> sinks;
  for (int i : done) {
    if (!used.contains(step(i).id())) sinks.push_back(i);
  }
  Integrated out;
  if (sinks.empty()) return out;
  if (sinks.size() == 1) {
    out.text = step(sinks[0]).output().text();
  } else {
    std::vector<std::string> parts;
    for (int i : sinks) {
      parts.push_back(absl::StrCat("[", step(i).id(), " ", step(i).capability(), "]\n",
                                   step(i).output().text()));
    }
    out.text = absl::StrJoin(parts, "\n\n");
  }
  out.output = step(sinks.back()).output();
  return out;
}

bool TaskRun::Flush() {
  if (!HasPending()) return true;
  store::TaskUpdate update;
  update.task_id = task_.id();
  update.lease_owner = env_.options.owner;
  update.state = new_state_;
  for (int i : dirty_steps_) update.steps.push_back(step(i));
  if (usage_dirty_) update.usage = task_.usage();
  update.events = std::move(events_);
  events_.clear();
  dirty_steps_.clear();
  new_state_.reset();
  usage_dirty_ = false;
  checkpoint_ = false;
  flush_by_ = absl::InfiniteFuture();
  auto applied = env_.writer->Write(std::move(update));
  if (!applied.ok()) {
    if (applied.status().code() == absl::StatusCode::kAborted) {
      log::Warn("lease lost; the task continues elsewhere",
                {{"error", applied.status().ToString()}});
    } else {
      log::Error("task update failed; leaving the task to be claimed again",
                 {{"error", applied.status().ToString()}});
    }
    control_->Abandon();
    return false;
  }
  task_.set_last_event_seq(applied->last_event_seq);
  return true;
}

bool TaskRun::Finish(v1::TaskState state, std::optional<v1::TaskError> error,
                     std::optional<v1::TaskResult> result, std::string message) {
  task_.set_state(state);
  store::TaskUpdate update;
  update.task_id = task_.id();
  update.lease_owner = env_.options.owner;
  update.state = state;
  for (int i : dirty_steps_) update.steps.push_back(step(i));
  update.usage = task_.usage();
  update.events = std::move(events_);
  v1::TaskEvent event = Event(v1::TASK_EVENT_KIND_STATE_CHANGED, std::move(message));
  event.set_state(state);
  if (error) {
    *event.mutable_error() = *error;
    *task_.mutable_error() = *error;
  }
  update.events.push_back(std::move(event));
  update.error = error;
  if (result) *task_.mutable_result() = *result;
  update.result = std::move(result);
  events_.clear();
  dirty_steps_.clear();
  new_state_.reset();
  usage_dirty_ = false;
  auto applied = env_.writer->Write(std::move(update));
  if (!applied.ok()) {
    log::Warn("could not store the task's end; it will be claimed again",
              {{"error", applied.status().ToString()}});
    control_->Abandon();
    return false;
  }
  task_.set_last_event_seq(applied->last_event_seq);
  const google::protobuf::Timestamp now = ProtoNow();
  *task_.mutable_updated_at() = now;
  *task_.mutable_finished_at() = now;
  const std::string name = rpc::StateName(state);
  env_.metrics->finished.Add({{"state", name}}).Increment();
  if (error && state == v1::TASK_STATE_FAILED) {
    env_.metrics->failed.Add({{"reason", v1::ErrorReason_Name(error->reason())}}).Increment();
  }
  env_.metrics->task_seconds.Observe(
      absl::ToDoubleSeconds(absl::Now() - FromProto(task_.created_at())));
  if (work_calls_ >= 2 && last_end_ > first_start_) {
    env_.metrics->dag_speedup.Observe(absl::ToDoubleSeconds(call_time_) /
                                      absl::ToDoubleSeconds(last_end_ - first_start_));
  }
  log::Info("task finished",
            {{"state", name}, {"error", error ? error->message() : std::string()}});
  return true;
}

void TaskRun::FinishSucceeded(int round, const std::string& note) {
  Integrated integrated = Integrate(round);
  v1::TaskResult result;
  result.set_text(std::move(integrated.text));
  *result.mutable_output() = std::move(integrated.output);
  std::string message = "task SUCCEEDED";
  if (!note.empty()) absl::StrAppend(&message, " (", note, ")");
  if (env_.result_cache != nullptr) {
    // Cached before SUCCEEDED is stored and announced, so a client that has seen the task
    // succeed gets a hit when it submits it again. The result is final either way.
    v1::Task cached = task_;
    cached.set_state(v1::TASK_STATE_SUCCEEDED);
    // Finish stores the buffered events and then the final STATE_CHANGED.
    cached.set_last_event_seq(task_.last_event_seq() + static_cast<int64_t>(events_.size()) + 1);
    *cached.mutable_result() = result;
    *cached.mutable_finished_at() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
        absl::ToUnixNanos(absl::Now()));
    env_.result_cache->Put(rpc::TaskCacheKey(tenant_, cached.spec()), cached.SerializeAsString(),
                           env_.options.result_ttl);
  }
  Finish(v1::TASK_STATE_SUCCEEDED, std::nullopt, std::move(result), std::move(message));
}

void TaskRun::FinishFailed(v1::TaskError error, bool with_partial_result) {
  std::optional<v1::TaskResult> result;
  if (with_partial_result) {
    // What the finished steps produced so far; their outputs stay on the steps too.
    Integrated partial = Integrate(CurrentRound());
    if (!partial.text.empty() || partial.output.detail_case() != v1::ArmOutput::DETAIL_NOT_SET) {
      result.emplace();
      result->set_text(std::move(partial.text));
      *result->mutable_output() = std::move(partial.output);
    }
  }
  std::string message = absl::StrCat("task FAILED: ", error.message());
  Finish(v1::TASK_STATE_FAILED, std::move(error), std::move(result), std::move(message));
}

void TaskRun::FinishCancelled() {
  MarkStopped();
  v1::TaskError error;
  error.set_message("cancelled by request");
  Finish(v1::TASK_STATE_CANCELLED, error, std::nullopt, "task CANCELLED");
}

void TaskRun::Run() {
  telemetry::Span span("orchestrator.RunTask", trace_, task_.id());
  trace_ = span.context();
  while (true) {
    if (control_->abandoned()) return;
    if (control_->cancelled()) return FinishCancelled();
    const int round = CurrentRound();
    if (!EnsureWork(round)) return;
    switch (RunDag()) {
      case DagEnd::kAbandoned:
        return;
      case DagEnd::kCancelled:
        return FinishCancelled();
      case DagEnd::kFailed: {
        const v1::Step& s = step(failed_);
        span.SetError(s.error().message());
        return FinishFailed(s.error(), /*with_partial_result=*/false);
      }
      case DagEnd::kBudget:
        return FinishFailed(Error(v1::ERROR_REASON_BUDGET_EXCEEDED, *budget_.Exceeded()),
                            /*with_partial_result=*/true);
      case DagEnd::kDeadline:
        return FinishFailed(
            Error(v1::ERROR_REASON_DEADLINE_EXCEEDED,
                  absl::StrCat("the task's deadline of ",
                               absl::FormatDuration(
                                   absl::Seconds(task_.spec().budget().deadline().seconds()) +
                                   absl::Nanoseconds(task_.spec().budget().deadline().nanos())),
                               " passed"),
                  "", static_cast<int>(absl::StatusCode::kDeadlineExceeded)),
            /*with_partial_result=*/true);
      case DagEnd::kDone:
        break;
    }
    if (!HasWork(round)) continue;  // the planner step finished: expand its plan
    // Everything that could run did; a step that did not succeed could never start (a
    // dependency missing or ended otherwise, as only a corrupt stored plan can have it).
    for (const v1::Step& s : task_.steps()) {
      if (RoleOf(s) != StepRole::kPlan && RoundOf(s) == round &&
          s.state() != v1::STEP_STATE_SUCCEEDED) {
        return FinishFailed(Error(v1::ERROR_REASON_PLAN_INVALID,
                                  absl::StrCat("step ", s.id(),
                                               " can never run: a step it depends on did not "
                                               "succeed or does not exist"),
                                  s.id()),
                            /*with_partial_result=*/true);
      }
    }
    const int judge = Find(JudgeStepId(round));
    if (judge < 0) {
      const bool unchecked = !task_.spec().acceptance_criteria().empty();
      return FinishSucceeded(
          round, unchecked ? "acceptance criteria not checked: no arm in the fleet judges" : "");
    }
    const v1::JudgeResult& verdict = step(judge).output().judgement();
    if (verdict.passed()) {
      return FinishSucceeded(round, round > 1 ? "accepted after a repair round" : "");
    }
    if (round < kMaxRounds) continue;  // CurrentRound() now opens the repair round
    std::string message = "the result did not meet the acceptance criteria";
    if (!verdict.failures().empty()) {
      absl::StrAppend(&message, ": ", absl::StrJoin(verdict.failures(), "; "));
    }
    return FinishFailed(
        Error(v1::ERROR_REASON_ACCEPTANCE_FAILED, std::move(message), step(judge).id()),
        /*with_partial_result=*/true);
  }
}

}  // namespace

void RunTask(const RunEnv& env, store::ClaimedTask claimed, std::shared_ptr<TaskControl> control) {
  TaskRun run(env, std::move(claimed), std::move(control));
  run.Run();
}

}  // namespace octo::orchestrator
