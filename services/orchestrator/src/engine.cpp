#include "src/engine.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "octo/common/log.h"
#include "octo/rpc/task_spec.h"
#include "octo/telemetry/metrics.h"
#include "octo/telemetry/trace.h"
#include "src/planner.h"

namespace octo::orchestrator {

using google::protobuf::util::TimeUtil;

// A task running on this replica.
struct Engine::Running {
  explicit Running(std::string id) : task_id(std::move(id)) {}
  const std::string task_id;
  telemetry::TraceContext trace = telemetry::TraceContext::NewRoot();
  std::atomic<bool> cancelled{false};
  std::atomic<bool> lost{false};
  absl::Mutex mu;
  grpc::ClientContext* call ABSL_GUARDED_BY(mu) = nullptr;

  // Cancels the arm call in flight, if any.
  void Interrupt() {
    absl::MutexLock lock(&mu);
    if (call != nullptr) call->TryCancel();
  }
  bool ShouldStop() const { return cancelled.load() || lost.load(); }
};

struct Engine::StepOutcome {
  absl::Status status;
  v1::ExecuteResponse response;
};

namespace {

google::protobuf::Timestamp Now() { return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now())); }

absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(ts));
}

bool Retryable(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kResourceExhausted ||
         code == absl::StatusCode::kAborted;
}

v1::ErrorReason ReasonFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kNotFound:
      return v1::ERROR_REASON_ARM_REJECTED;
    case absl::StatusCode::kDeadlineExceeded:
      return v1::ERROR_REASON_DEADLINE_EXCEEDED;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
      return v1::ERROR_REASON_ARM_UNAVAILABLE;
    default:
      return v1::ERROR_REASON_INTERNAL;
  }
}

v1::TaskEvent Event(v1::TaskEventKind kind, absl::string_view message,
                    const v1::Step* step = nullptr) {
  v1::TaskEvent event;
  event.set_kind(kind);
  event.set_message(std::string(message));
  if (step != nullptr) {
    event.set_step_id(step->id());
    event.set_step_state(step->state());
  }
  return event;
}

void AddUsage(v1::Usage* total, const v1::Usage& add) {
  total->set_prompt_tokens(total->prompt_tokens() + add.prompt_tokens());
  total->set_completion_tokens(total->completion_tokens() + add.completion_tokens());
  total->set_total_tokens(total->total_tokens() + add.total_tokens());
  total->set_cost_usd(total->cost_usd() + add.cost_usd());
}

}  // namespace

Engine::Engine(EngineOptions options, store::TaskRepository& tasks, ArmRegistry& arms,
               cache::Cache* result_cache, EventHub& hub, prometheus::Registry& registry)
    : options_(std::move(options)),
      tasks_(tasks),
      arms_(arms),
      result_cache_(result_cache),
      hub_(hub),
      finished_(prometheus::BuildCounter()
                    .Name("octo_orchestrator_tasks_finished_total")
                    .Help("Tasks that reached a terminal state on this replica, by state.")
                    .Register(registry)),
      task_seconds_(prometheus::BuildHistogram()
                        .Name("octo_orchestrator_task_seconds")
                        .Help("Time from submission to a terminal state, in seconds.")
                        .Register(registry)
                        .Add({}, telemetry::LatencyBuckets())),
      step_seconds_(prometheus::BuildHistogram()
                        .Name("octo_orchestrator_step_seconds")
                        .Help("Arm call latency per step attempt, in seconds, by capability.")
                        .Register(registry)),
      claimed_(prometheus::BuildCounter()
                   .Name("octo_orchestrator_tasks_claimed_total")
                   .Help("Tasks claimed by this replica (new or resumed).")
                   .Register(registry)
                   .Add({})),
      queue_depth_(prometheus::BuildGauge()
                       .Name("octo_orchestrator_queue_depth")
                       .Help("Tasks waiting to be claimed (PENDING), over all replicas.")
                       .Register(registry)
                       .Add({})),
      running_gauge_(prometheus::BuildGauge()
                         .Name("octo_orchestrator_tasks_running")
                         .Help("Tasks running on this replica now.")
                         .Register(registry)
                         .Add({})) {}

Engine::~Engine() { Stop(); }

void Engine::Start() {
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { WorkerLoop(); });
  threads_.emplace_back([this] { RenewLoop(); });
}

void Engine::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& [id, running] : running_) {
      running->lost = true;  // abandon: the lease expires and another replica resumes
      running->Interrupt();
    }
  }
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

void Engine::Wake() {
  absl::MutexLock lock(&mu_);
  ++wake_seq_;
}

void Engine::CancelLocal(const std::string& task_id) {
  absl::MutexLock lock(&mu_);
  auto it = running_.find(task_id);
  if (it == running_.end()) return;
  it->second->cancelled = true;
  it->second->Interrupt();
}

void Engine::WorkerLoop() {
  while (true) {
    uint64_t seen;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      seen = wake_seq_;
    }
    auto claimed = tasks_.Claim(options_.owner, options_.lease, 1);
    if (!claimed.ok()) {
      log::Warn("claim failed", {{"error", claimed.status().ToString()}});
    } else if (!claimed->empty()) {
      claimed_.Increment();
      Run(std::move(claimed->front()));
      continue;
    }
    absl::MutexLock lock(&mu_);
    auto woken = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || wake_seq_ != seen;
    };
    mu_.AwaitWithTimeout(absl::Condition(&woken), options_.poll_interval);
  }
}

void Engine::RenewLoop() {
  const absl::Duration period = std::min(options_.lease / 3, options_.poll_interval);
  while (true) {
    std::vector<std::string> ids;
    {
      absl::MutexLock lock(&mu_);
      auto stop = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stop), period)) return;
      for (const auto& [id, running] : running_) ids.push_back(id);
    }
    if (auto depth = tasks_.CountPending(); depth.ok()) queue_depth_.Set(static_cast<double>(*depth));
    if (ids.empty()) continue;
    auto renewed = tasks_.Renew(options_.owner, ids, options_.lease);
    if (!renewed.ok()) {
      log::Warn("lease renewal failed", {{"error", renewed.status().ToString()}});
      continue;
    }
    absl::MutexLock lock(&mu_);
    for (const std::string& id : renewed->lost) {
      if (auto it = running_.find(id); it != running_.end()) {
        it->second->lost = true;
        it->second->Interrupt();
      }
    }
    for (const std::string& id : renewed->cancel_requested) {
      if (auto it = running_.find(id); it != running_.end()) {
        it->second->cancelled = true;
        it->second->Interrupt();
      }
    }
  }
}

bool Engine::Apply(Running& running, store::TaskUpdate update, v1::Task* out) {
  update.task_id = running.task_id;
  update.lease_owner = options_.owner;
  auto result = tasks_.Apply(update);
  if (!result.ok()) {
    if (result.status().code() != absl::StatusCode::kAborted) {
      log::Error("task update failed", {{"error", result.status().ToString()}});
    } else {
      log::Warn("lease lost; task continues elsewhere");
    }
    running.lost = true;
    return false;
  }
  hub_.Notify(running.task_id);
  if (out != nullptr) *out = *std::move(result);
  return true;
}

void Engine::Run(store::ClaimedTask claimed) {
  v1::Task task = std::move(claimed.task);
  const std::string tenant = claimed.tenant_id;
  auto running = std::make_shared<Running>(task.id());
  running->cancelled = claimed.cancel_requested;
  if (auto trace = telemetry::TraceContext::Parse(claimed.traceparent)) running->trace = *trace;
  {
    absl::MutexLock lock(&mu_);
    running_[task.id()] = running;
  }
  running_gauge_.Increment();
  telemetry::Span span("orchestrator.RunTask", running->trace, task.id());
  running->trace = span.context();

  auto finish = [&](v1::TaskState state, std::optional<v1::TaskError> error,
                    std::optional<v1::TaskResult> result, std::vector<v1::Step> steps) {
    store::TaskUpdate update;
    update.state = state;
    update.steps = std::move(steps);
    update.error = std::move(error);
    update.result = std::move(result);
    update.usage = task.usage();
    update.events.push_back(Event(
        v1::TASK_EVENT_KIND_STATE_CHANGED,
        update.error ? update.error->message() : absl::StrCat("task ", rpc::StateName(state))));
    if (state == v1::TASK_STATE_SUCCEEDED && result_cache_ != nullptr) {
      // Cached before the state is stored, so a client that has seen SUCCEEDED gets a hit
      // when it submits the same task again.
      v1::Task cached = task;
      cached.set_state(state);
      *cached.mutable_result() = *update.result;
      *cached.mutable_finished_at() = Now();
      result_cache_->Put(rpc::TaskCacheKey(tenant, cached.spec()), cached.SerializeAsString(),
                         options_.result_ttl);
    }
    v1::Task done;
    if (!Apply(*running, std::move(update), &done)) return;
    finished_.Add({{"state", rpc::StateName(state)}}).Increment();
    task_seconds_.Observe(absl::ToDoubleSeconds(absl::Now() - FromProto(done.created_at())));
    log::Info("task finished", {{"state", rpc::StateName(state)}});
  };
  auto fail = [&](v1::ErrorReason reason, std::string message, const v1::Step* step,
                  int grpc_code, std::vector<v1::Step> steps) {
    v1::TaskError error;
    error.set_reason(reason);
    error.set_message(std::move(message));
    if (step != nullptr) error.set_step_id(step->id());
    error.set_grpc_code(grpc_code);
    finish(v1::TASK_STATE_FAILED, std::move(error), std::nullopt, std::move(steps));
  };
  auto cancel = [&](std::vector<v1::Step> steps) {
    v1::TaskError error;
    error.set_message("cancelled by request");
    finish(v1::TASK_STATE_CANCELLED, std::move(error), std::nullopt, std::move(steps));
  };

  absl::Time task_deadline = absl::InfiniteFuture();
  if (task.spec().budget().has_deadline()) {
    const auto& d = task.spec().budget().deadline();
    if (d.seconds() > 0 || d.nanos() > 0) {
      task_deadline = FromProto(task.created_at()) +
                      absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
    }
  }

  [&] {
    if (running->cancelled) return cancel({});
    // Plan once; a resumed task keeps its stored plan and completed steps.
    if (task.steps().empty()) {
      std::vector<v1::Step> plan = BuiltinPlan(task.spec());
      std::vector<std::string> names;
      for (const auto& s : plan) names.push_back(absl::StrCat(s.id(), ":", s.capability()));
      store::TaskUpdate update;
      update.state = v1::TASK_STATE_RUNNING;
      update.steps = plan;
      update.events.push_back(
          Event(v1::TASK_EVENT_KIND_PLANNED, absl::StrCat("plan: ", absl::StrJoin(names, ", "))));
      update.events.push_back(Event(v1::TASK_EVENT_KIND_STATE_CHANGED, "task RUNNING"));
      if (!Apply(*running, std::move(update), &task)) return;
    } else if (task.state() != v1::TASK_STATE_RUNNING) {
      store::TaskUpdate update;
      update.state = v1::TASK_STATE_RUNNING;
      update.events.push_back(Event(v1::TASK_EVENT_KIND_STATE_CHANGED, "task RUNNING (resumed)"));
      if (!Apply(*running, std::move(update), &task)) return;
    }

    const v1::Step* last = nullptr;
    for (int i = 0; i < task.steps_size(); ++i) {
      v1::Step& step = *task.mutable_steps(i);
      if (step.state() == v1::STEP_STATE_SUCCEEDED) {
        last = &step;
        continue;  // checkpointed: never run twice
      }
      if (running->lost) return;
      if (running->cancelled) {
        step.set_state(v1::STEP_STATE_CANCELLED);
        return cancel({step});
      }
      if (absl::Now() >= task_deadline) {
        step.set_state(v1::STEP_STATE_FAILED);
        return fail(v1::ERROR_REASON_DEADLINE_EXCEEDED, "the task's deadline passed", &step,
                    static_cast<int>(absl::StatusCode::kDeadlineExceeded), {step});
      }
      StepOutcome outcome = RunStep(*running, tenant, task, step, task_deadline);
      if (running->lost) return;
      if (running->cancelled) {
        step.set_state(v1::STEP_STATE_CANCELLED);
        *step.mutable_finished_at() = Now();
        return cancel({step});
      }
      if (!outcome.status.ok()) {
        step.set_state(v1::STEP_STATE_FAILED);
        *step.mutable_finished_at() = Now();
        step.mutable_error()->set_reason(ReasonFor(outcome.status.code()));
        step.mutable_error()->set_message(std::string(outcome.status.message()));
        step.mutable_error()->set_grpc_code(static_cast<int>(outcome.status.code()));
        return fail(step.error().reason(),
                    absl::StrCat("step ", step.id(), " (", step.capability(), ") failed: ",
                                 outcome.status.message()),
                    &step, static_cast<int>(outcome.status.code()), {step});
      }
      step.set_state(v1::STEP_STATE_SUCCEEDED);
      *step.mutable_finished_at() = Now();
      *step.mutable_output() = outcome.response.output();
      *step.mutable_usage() = outcome.response.usage();
      *step.mutable_provenance() = outcome.response.provenance();
      AddUsage(task.mutable_usage(), outcome.response.usage());
      store::TaskUpdate update;
      update.steps.push_back(step);
      update.usage = task.usage();
      update.events.push_back(Event(v1::TASK_EVENT_KIND_STEP_SUCCEEDED,
                                    absl::StrCat("step ", step.id(), " succeeded"), &step));
      if (!Apply(*running, std::move(update))) return;
      last = &step;
    }
    v1::TaskResult result;
    if (last != nullptr) {
      result.set_text(last->output().text());
      *result.mutable_output() = last->output();
    }
    finish(v1::TASK_STATE_SUCCEEDED, std::nullopt, std::move(result), {});
  }();

  running_gauge_.Decrement();
  absl::MutexLock lock(&mu_);
  running_.erase(task.id());
}

Engine::StepOutcome Engine::RunStep(Running& running, const std::string& tenant,
                                    const v1::Task& task, v1::Step& step,
                                    absl::Time task_deadline) {
  thread_local absl::BitGen gen;
  StepOutcome outcome;
  const ArmEndpoint* previous = nullptr;
  for (int attempt = 1; attempt <= options_.step_attempts; ++attempt) {
    ArmEndpoint* arm = arms_.Pick(step.capability(), previous);
    if (arm == nullptr) arm = arms_.Pick(step.capability());
    if (arm == nullptr) {
      outcome.status = absl::UnavailableError(
          absl::StrCat("no healthy arm serves capability \"", step.capability(), "\""));
    } else {
      step.set_state(v1::STEP_STATE_RUNNING);
      step.set_arm(arm->target());
      step.set_attempts(step.attempts() + 1);
      if (!step.has_started_at()) *step.mutable_started_at() = Now();
      store::TaskUpdate update;
      update.steps.push_back(step);
      update.events.push_back(Event(
          v1::TASK_EVENT_KIND_STEP_STARTED,
          absl::StrCat("step ", step.id(), " on ", arm->target(), " (attempt ", attempt, ")"),
          &step));
      if (!Apply(running, std::move(update))) return outcome;

      v1::ExecuteRequest request;
      request.set_task_id(task.id());
      request.set_step_id(step.id());
      request.set_tenant_id(tenant);
      request.set_capability(step.capability());
      request.set_instruction(step.instruction());
      request.set_context(task.spec().context());
      *request.mutable_acceptance_criteria() = task.spec().acceptance_criteria();
      for (const std::string& dep : step.depends_on()) {
        for (const v1::Step& other : task.steps()) {
          if (other.id() == dep) {
            auto* input = request.add_inputs();
            input->set_step_id(dep);
            input->set_text(other.output().text());
          }
        }
      }
      if (step.id() == task.steps(0).id()) {
        if (task.spec().has_exec()) *request.mutable_exec() = task.spec().exec();
        if (task.spec().has_retrieve()) *request.mutable_retrieve() = task.spec().retrieve();
      }

      grpc::ClientContext context;
      context.set_deadline(
          absl::ToChronoTime(std::min(absl::Now() + options_.step_timeout, task_deadline)));
      telemetry::Span span(absl::StrCat("orchestrator.step.", step.capability()),
                           running.trace, task.id());
      span.Inject(&context);
      {
        absl::MutexLock lock(&running.mu);
        running.call = &context;
      }
      if (running.ShouldStop()) context.TryCancel();
      arm->BeginCall();
      const absl::Time start = absl::Now();
      grpc::Status status = arm->stub().Execute(&context, request, &outcome.response);
      const absl::Duration latency = absl::Now() - start;
      {
        absl::MutexLock lock(&running.mu);
        running.call = nullptr;
      }
      arm->RecordCall(status.ok(), latency, status.error_message());
      step_seconds_.Add({{"capability", step.capability()}}, telemetry::LatencyBuckets())
          .Observe(absl::ToDoubleSeconds(latency));
      outcome.status = absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                                    status.error_message());
      if (status.ok() || running.ShouldStop()) return outcome;
      previous = arm;
    }
    if (!Retryable(outcome.status.code()) || attempt == options_.step_attempts) break;
    if (absl::Now() >= task_deadline) break;
    store::TaskUpdate update;
    update.events.push_back(Event(v1::TASK_EVENT_KIND_STEP_RETRYING,
                                  absl::StrCat("step ", step.id(), " retrying after: ",
                                               outcome.status.message()),
                                  &step));
    if (!Apply(running, std::move(update))) return outcome;
    // Full jitter: uniform in [0, backoff * 2^(attempt-1)].
    const absl::Duration cap = options_.retry_backoff * (1 << (attempt - 1));
    const absl::Time wake = absl::Now() + cap * absl::Uniform(gen, 0.0, 1.0);
    while (absl::Now() < wake && !running.ShouldStop()) absl::SleepFor(absl::Milliseconds(10));
    if (running.ShouldStop()) return outcome;
  }
  return outcome;
}

}  // namespace octo::orchestrator
