#include "src/reflex_service.h"

#include <atomic>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "octo/common/log.h"
#include "octo/rpc/status.h"
#include "octo/rpc/errors.h"
#include "octo/rpc/metadata.h"
#include "octo/task/spec.h"
#include "octo/telemetry/metrics.h"
#include "octo/telemetry/trace.h"

namespace octo::reflex {
namespace {

// Proxies one WatchTask stream: each event read from the orchestrator is written to the
// client before the next is read, so memory stays at one event per stream. The two sides
// complete on different threads; `mu_` orders the end of the orchestrator stream against a
// write still in flight to the client.
class WatchProxy final : public grpc::ServerWriteReactor<v1::TaskEvent>,
                         public grpc::ClientReadReactor<v1::TaskEvent> {
 public:
  WatchProxy(v1::TaskService::Stub& stub, std::shared_ptr<grpc::ClientContext> client,
             const v1::WatchTaskRequest& request)
      : client_(std::move(client)), request_(request) {
    stub.async()->WatchTask(client_.get(), &request_, this);
    StartRead(&event_);
    StartCall();
  }

  // Orchestrator side.
  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone(status) follows
    {
      absl::MutexLock lock(&mu_);
      writing_ = true;
    }
    StartWrite(&event_);
  }
  void OnDone(const grpc::Status& status) override {
    bool finish_now;
    {
      absl::MutexLock lock(&mu_);
      upstream_status_ = status;
      finish_now = !writing_;
    }
    if (finish_now) Finish(status);
    Release();
  }

  // Client side.
  void OnWriteDone(bool ok) override {
    std::optional<grpc::Status> finish;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      finish = upstream_status_;
    }
    if (finish.has_value()) {
      Finish(*finish);  // the orchestrator stream ended while this write was in flight
    } else if (ok) {
      StartRead(&event_);
    } else {
      client_->TryCancel();
    }
  }
  void OnCancel() override { client_->TryCancel(); }
  void OnDone() override { Release(); }

 private:
  // The last of the two OnDone calls deletes the proxy (and the client context, which the
  // orchestrator side uses until its OnDone returns).
  void Release() {
    if (done_.fetch_add(1) == 1) delete this;
  }

  std::shared_ptr<grpc::ClientContext> client_;
  v1::WatchTaskRequest request_;
  v1::TaskEvent event_;
  std::atomic<int> done_{0};
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> upstream_status_ ABSL_GUARDED_BY(mu_);
};


double SecondsSince(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

prometheus::Histogram& Stage(prometheus::Family<prometheus::Histogram>& family, const char* name) {
  return family.Add({{"stage", name}}, telemetry::LatencyBuckets());
}

// A reactor that finishes at once with `status` (for streams refused before they start).
class RejectedStream final : public grpc::ServerWriteReactor<v1::TaskEvent> {
 public:
  explicit RejectedStream(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

ReflexMetrics::ReflexMetrics(prometheus::Registry& registry)
    : decisions(telemetry::CounterFamily(
          registry, "octo_reflex_decisions_total",
          "SubmitTask outcomes decided by the reflex: allow, redact, block, "
          "invalid, unauthenticated, unavailable, rate_limited, cache_hit.")),
      pii_findings(telemetry::CounterFamily(registry, "octo_reflex_pii_findings_total",
                                            "PII and secret findings, by type.")),
      injection_findings(telemetry::CounterFamily(registry, "octo_reflex_injection_findings_total",
                                                  "Prompt-injection findings, by family.")),
      cache_requests(
          telemetry::CounterFamily(registry, "octo_reflex_cache_requests_total",
                                   "Result cache lookups by level (l1, l2, all) and result.")),
      cache_l1_hits(cache_requests.Add({{"level", "l1"}, {"result", "hit"}})),
      cache_l2_hits(cache_requests.Add({{"level", "l2"}, {"result", "hit"}})),
      cache_misses(cache_requests.Add({{"level", "all"}, {"result", "miss"}})),
      stage_seconds(telemetry::HistogramFamily(registry, "octo_reflex_stage_seconds",
                                               "Time spent in each reflex stage, in seconds.")),
      validate_seconds(Stage(stage_seconds, "validate")),
      auth_seconds(Stage(stage_seconds, "auth")),
      scan_seconds(Stage(stage_seconds, "scan")),
      cache_seconds(Stage(stage_seconds, "cache")),
      ratelimit_seconds(Stage(stage_seconds, "ratelimit")),
      ratelimit_decisions(
          telemetry::CounterFamily(registry, "octo_reflex_ratelimit_decisions_total",
                                   "Rate-limit decisions by result and by backend.")),
      invalidations(
          telemetry::CounterFamily(registry, "octo_reflex_cache_invalidations_total",
                                   "Result cache invalidations received over Redis pub/sub.")
              .Add({})) {
  constexpr const char* kDecisionNames[] = {"allow",       "redact",          "block",
                                            "invalid",     "unauthenticated", "unavailable",
                                            "rate_limited", "cache_hit"};
  static_assert(std::size(kDecisionNames) == static_cast<size_t>(Decision::kCount));
  for (size_t i = 0; i < std::size(kDecisionNames); ++i) {
    decisions_[i] = &decisions.Add({{"decision", kDecisionNames[i]}});
  }
  for (int allowed = 0; allowed < 2; ++allowed) {
    for (int local = 0; local < 2; ++local) {
      ratelimit_[allowed][local] = &ratelimit_decisions.Add(
          {{"result", allowed ? "allowed" : "limited"}, {"backend", local ? "local" : "redis"}});
    }
  }
}

void ReflexMetrics::CountFindings(const v1::ReflexVerdict& verdict) {
  for (const auto& f : verdict.pii()) pii_findings.Add({{"type", f.type()}}).Increment();
  for (const auto& f : verdict.injections()) {
    injection_findings.Add({{"family", f.family()}}).Increment();
  }
}

ReflexService::ReflexService(std::shared_ptr<grpc::Channel> orchestrator, Authenticator& auth,
                             const RateLimiting& limits, const Scanner& scanner,
                             cache::TieredCache* cache, ReflexOptions options,
                             ReflexMetrics& metrics)
    : orchestrator_(v1::TaskService::NewStub(std::move(orchestrator))),
      auth_(auth),
      limits_(limits),
      scanner_(scanner),
      cache_(cache),
      options_(options),
      metrics_(metrics) {}

std::shared_ptr<grpc::ClientContext> ReflexService::Outgoing(grpc::CallbackServerContext* context,
                                                             const std::string& tenant) {
  std::shared_ptr<grpc::ClientContext> client =
      grpc::ClientContext::FromCallbackServerContext(*context);
  client->AddMetadata(rpc::kTenantHeader, tenant);
  telemetry::InjectTrace(telemetry::ExtractTrace(*context).NewChild(), client.get());
  return client;
}

std::optional<Principal> ReflexService::Admit(grpc::CallbackServerContext* context,
                                              grpc::ServerUnaryReactor* reactor,
                                              bool rate_limited) {
  absl::Time start = absl::Now();
  absl::StatusOr<Principal> principal = auth_.Authenticate(*context);
  metrics_.auth_seconds.Observe(SecondsSince(start));
  if (!principal.ok()) {
    metrics_.Count(principal.status().code() == absl::StatusCode::kUnauthenticated
                       ? Decision::kUnauthenticated
                       : Decision::kUnavailable);
    reactor->Finish(rpc::ToGrpcStatus(principal.status()));
    return std::nullopt;
  }
  if (!rate_limited || limits_.limiter == nullptr) return *std::move(principal);

  start = absl::Now();
  const TierLimits& tier = limits_.tiers.For(principal->tier);
  const std::string key_bucket = absl::StrCat("key:", principal->tenant_id, ":", principal->key_id);
  const std::string tenant_bucket = absl::StrCat("tenant:", principal->tenant_id);
  const ratelimit::BucketRequest requests[] = {{key_bucket, tier.key, 1},
                                               {tenant_bucket, tier.tenant, 1}};
  const ratelimit::Decision decision = limits_.limiter->AcquireAll(requests);
  metrics_.ratelimit_seconds.Observe(SecondsSince(start));
  metrics_.CountRateLimit(decision.allowed, decision.local);
  if (decision.allowed) return *std::move(principal);
  metrics_.Count(Decision::kRateLimited);
  reactor->Finish(rpc::RateLimited(
      absl::StrCat("rate limit of ", decision.limited_by == 0 ? "this API key" : "this tenant",
                   " exceeded; retry in ", absl::FormatDuration(decision.retry_after)),
      decision.retry_after));
  return std::nullopt;
}

grpc::ServerUnaryReactor* ReflexService::SubmitTask(grpc::CallbackServerContext* context,
                                                    const v1::SubmitTaskRequest* request,
                                                    v1::SubmitTaskResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Time start = absl::Now();
  if (absl::Status status = task::ValidateSubmit(*request); !status.ok()) {
    metrics_.validate_seconds.Observe(SecondsSince(start));
    metrics_.Count(Decision::kInvalid);
    reactor->Finish(rpc::ToGrpcWithDetails(status));
    return reactor;
  }
  metrics_.validate_seconds.Observe(SecondsSince(start));
  std::optional<Principal> principal = Admit(context, reactor, /*rate_limited=*/true);
  if (!principal) return reactor;

  start = absl::Now();
  SpecScan scan =
      scanner_.ScanSpec(request->spec(), {principal->redaction, options_.block_score});
  metrics_.scan_seconds.Observe(SecondsSince(start));
  metrics_.CountFindings(scan.verdict);
  if (scan.verdict.verdict() == v1::VERDICT_BLOCK) {
    metrics_.Count(Decision::kBlock);
    std::string families;
    for (const auto& f : scan.verdict.injections()) {
      absl::StrAppend(&families, families.empty() ? "" : ", ", f.family(), " in ", f.field());
    }
    log::Warn("request blocked", {{"tenant", principal->tenant_id}, {"findings", families}});
    reactor->Finish(rpc::StatusWithDetails(
        grpc::PERMISSION_DENIED,
        absl::StrCat("blocked by policy: prompt injection (", families, ")"), {&scan.verdict}));
    return reactor;
  }

  const std::string key = task::TaskCacheKey(principal->tenant_id, scan.redacted);
  if (cache_ != nullptr) {
    start = absl::Now();
    cache::Level level = cache::Level::kMiss;
    std::optional<std::string> hit = cache_->Get(key, &level);
    metrics_.cache_seconds.Observe(SecondsSince(start));
    v1::Task task;
    if (hit.has_value() && task.ParseFromString(*hit)) {
      (level == cache::Level::kL1 ? metrics_.cache_l1_hits : metrics_.cache_l2_hits).Increment();
      metrics_.Count(Decision::kCacheHit);
      *response->mutable_task() = std::move(task);
      *response->mutable_verdict() = std::move(scan.verdict);
      response->set_cache_hit(true);
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
    metrics_.cache_misses.Increment();
  }
  metrics_.Count(scan.verdict.verdict() == v1::VERDICT_REDACT ? Decision::kRedact
                                                               : Decision::kAllow);

  auto forwarded = std::make_shared<v1::SubmitTaskRequest>(*request);
  *forwarded->mutable_spec() = std::move(scan.redacted);
  *response->mutable_verdict() = std::move(scan.verdict);
  Forward(context, reactor, principal->tenant_id, key, std::move(forwarded), response);
  return reactor;
}

void ReflexService::Forward(grpc::CallbackServerContext* context,
                            grpc::ServerUnaryReactor* reactor, const std::string& tenant,
                            const std::string& cache_key,
                            std::shared_ptr<v1::SubmitTaskRequest> request,
                            v1::SubmitTaskResponse* response) {
  // Followers of an identical in-flight submit take its answer, with their own verdict.
  const bool leads = flights_.Join(cache_key, [reactor, response](const grpc::Status& status,
                                                                   const v1::SubmitTaskResponse& shared) {
    if (status.ok()) {
      *response->mutable_task() = shared.task();
      response->set_created(false);
    }
    reactor->Finish(status);
  });
  if (!leads) return;

  auto client = Outgoing(context, tenant);
  auto upstream = std::make_shared<v1::SubmitTaskResponse>();
  orchestrator_->async()->SubmitTask(
      client.get(), request.get(), upstream.get(),
      [this, reactor, response, client, request, upstream, cache_key](grpc::Status status) {
        if (status.ok()) {
          *response->mutable_task() = upstream->task();
          response->set_created(upstream->created());
          if (cache_ != nullptr && upstream->task().state() == v1::TASK_STATE_SUCCEEDED) {
            // The orchestrator's result sink wrote the shared cache; keep a local copy.
            cache_->PutLocal(cache_key, upstream->task().SerializeAsString());
          }
        }
        flights_.Complete(cache_key, status, *upstream);
        reactor->Finish(status);
      });
}

grpc::ServerUnaryReactor* ReflexService::GetTask(grpc::CallbackServerContext* context,
                                                 const v1::GetTaskRequest* request,
                                                 v1::Task* response) {
  return Relay(context, task::ValidateTaskId(request->task_id()), request, response,
               [](auto* async, auto... args) { async->GetTask(args...); });
}

grpc::ServerWriteReactor<v1::TaskEvent>* ReflexService::WatchTask(
    grpc::CallbackServerContext* context, const v1::WatchTaskRequest* request) {
  if (absl::Status status = task::ValidateTaskId(request->task_id()); !status.ok()) {
    return new RejectedStream(rpc::ToGrpcWithDetails(status));
  }
  absl::StatusOr<Principal> principal = auth_.Authenticate(*context);
  if (!principal.ok()) return new RejectedStream(rpc::ToGrpcStatus(principal.status()));
  return new WatchProxy(*orchestrator_, Outgoing(context, principal->tenant_id), *request);
}

grpc::ServerUnaryReactor* ReflexService::CancelTask(grpc::CallbackServerContext* context,
                                                    const v1::CancelTaskRequest* request,
                                                    v1::Task* response) {
  return Relay(context, task::ValidateTaskId(request->task_id()), request, response,
               [](auto* async, auto... args) { async->CancelTask(args...); });
}

grpc::ServerUnaryReactor* ReflexService::ListTasks(grpc::CallbackServerContext* context,
                                                   const v1::ListTasksRequest* request,
                                                   v1::ListTasksResponse* response) {
  return Relay(context, absl::OkStatus(), request, response,
               [](auto* async, auto... args) { async->ListTasks(args...); });
}

grpc::ServerUnaryReactor* ReflexCheckService::Check(grpc::CallbackServerContext* context,
                                                    const v1::CheckRequest* request,
                                                    v1::CheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  constexpr size_t kMaxCheckBytes = 100'000;
  if (request->text().size() > kMaxCheckBytes) {
    reactor->Finish(rpc::ToGrpcWithDetails(
        absl::InvalidArgumentError("text: is larger than 100,000 bytes")));
    return reactor;
  }
  absl::StatusOr<Principal> principal = auth_.Authenticate(*context);
  if (!principal.ok()) {
    reactor->Finish(rpc::ToGrpcStatus(principal.status()));
    return reactor;
  }
  const absl::Time start = absl::Now();
  *response = scanner_.Check(request->text(), {principal->redaction, options_.block_score});
  metrics_.scan_seconds.Observe(SecondsSince(start));
  metrics_.CountFindings(response->verdict());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace octo::reflex
