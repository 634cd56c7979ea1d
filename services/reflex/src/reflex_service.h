// The reflex's public services: TaskService (validate, authenticate, scan, redact, block,
// answer repeats from the result cache, forward the rest to the orchestrator) and
// Reflex.Check. Both are callback services: no thread waits on the orchestrator.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "octo/cache/tiered_cache.h"
#include "octo/rpc/errors.h"
#include "octo/v1/reflex.grpc.pb.h"
#include "octo/v1/task_service.grpc.pb.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "octo/ratelimit/rate_limiter.h"
#include "src/authenticator.h"
#include "src/rate_limits.h"
#include "src/scanner.h"
#include "src/single_flight.h"

namespace octo::reflex {

struct ReflexOptions {
  // Injection score at or above which SubmitTask is refused (PERMISSION_DENIED).
  float block_score = 0.5f;
};

// Token buckets per key and per tenant; a null limiter admits everything.
struct RateLimiting {
  ratelimit::RateLimiter* limiter = nullptr;
  RateLimitTiers tiers;
};

// What the reflex decided about a SubmitTask (label of octo_reflex_decisions_total).
enum class Decision {
  kAllow, kRedact, kBlock, kInvalid, kUnauthenticated, kUnavailable, kRateLimited, kCacheHit,
  kCount
};

// Per-stage latency, decisions and findings; shared by both services. The counters of the
// hot path are resolved once here, so a request never looks a label set up.
struct ReflexMetrics {
  explicit ReflexMetrics(prometheus::Registry& registry);

  // Counts the verdict's findings by type and family.
  void CountFindings(const v1::ReflexVerdict& verdict);
  void Count(Decision decision) { decisions_[static_cast<int>(decision)]->Increment(); }
  void CountRateLimit(bool allowed, bool local) {
    ratelimit_[allowed ? 1 : 0][local ? 1 : 0]->Increment();
  }

  prometheus::Family<prometheus::Counter>& decisions;
  prometheus::Family<prometheus::Counter>& pii_findings;
  prometheus::Family<prometheus::Counter>& injection_findings;
  prometheus::Family<prometheus::Counter>& cache_requests;
  prometheus::Counter& cache_l1_hits;
  prometheus::Counter& cache_l2_hits;
  prometheus::Counter& cache_misses;
  prometheus::Family<prometheus::Histogram>& stage_seconds;
  prometheus::Histogram& validate_seconds;
  prometheus::Histogram& auth_seconds;
  prometheus::Histogram& scan_seconds;
  prometheus::Histogram& cache_seconds;
  prometheus::Histogram& ratelimit_seconds;
  // Rate-limit decisions by result (allowed, limited) and backend (redis, local).
  prometheus::Family<prometheus::Counter>& ratelimit_decisions;
  // Invalidations received from other replicas or operators.
  prometheus::Counter& invalidations;

 private:
  std::array<prometheus::Counter*, static_cast<int>(Decision::kCount)> decisions_;
  prometheus::Counter* ratelimit_[2][2];  // [allowed][local]
};

// Thread-safe. Collaborators must outlive the services; `cache` may be null.
class ReflexService final : public v1::TaskService::CallbackService {
 public:
  ReflexService(std::shared_ptr<grpc::Channel> orchestrator, Authenticator& auth,
                const RateLimiting& limits, const Scanner& scanner, cache::TieredCache* cache,
                ReflexOptions options, ReflexMetrics& metrics);

  grpc::ServerUnaryReactor* SubmitTask(grpc::CallbackServerContext* context,
                                       const v1::SubmitTaskRequest* request,
                                       v1::SubmitTaskResponse* response) override;
  grpc::ServerUnaryReactor* GetTask(grpc::CallbackServerContext* context,
                                    const v1::GetTaskRequest* request,
                                    v1::Task* response) override;
  grpc::ServerWriteReactor<v1::TaskEvent>* WatchTask(grpc::CallbackServerContext* context,
                                                     const v1::WatchTaskRequest* request) override;
  grpc::ServerUnaryReactor* CancelTask(grpc::CallbackServerContext* context,
                                       const v1::CancelTaskRequest* request,
                                       v1::Task* response) override;
  grpc::ServerUnaryReactor* ListTasks(grpc::CallbackServerContext* context,
                                      const v1::ListTasksRequest* request,
                                      v1::ListTasksResponse* response) override;

 private:
  // A client context for the orchestrator call: deadline and cancellation of the incoming
  // call, tenant and trace metadata.
  std::shared_ptr<grpc::ClientContext> Outgoing(grpc::CallbackServerContext* context,
                                                const std::string& tenant);
  // Authenticates and, when `rate_limited`, takes a token from the key's and the tenant's
  // buckets; on failure finishes `reactor` and returns nullopt.
  std::optional<Principal> Admit(grpc::CallbackServerContext* context,
                                 grpc::ServerUnaryReactor* reactor, bool rate_limited = false);
  // Finishes with `valid` when it is an error; else admits the caller (no rate limit) and
  // hands the request to the orchestrator as the caller's tenant: `call(async stub, client
  // context, request, response, done)` makes the call; the reactor finishes with its answer.
  template <typename Request, typename Response, typename Call>
  grpc::ServerUnaryReactor* Relay(grpc::CallbackServerContext* context, const absl::Status& valid,
                                  const Request* request, Response* response, Call call) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (!valid.ok()) {
      reactor->Finish(rpc::ToGrpcWithDetails(valid));
      return reactor;
    }
    std::optional<Principal> principal = Admit(context, reactor);
    if (!principal) return reactor;
    std::shared_ptr<grpc::ClientContext> client = Outgoing(context, principal->tenant_id);
    call(orchestrator_->async(), client.get(), request, response,
         [reactor, client](grpc::Status s) { reactor->Finish(s); });
    return reactor;
  }
  // Forwards a (redacted) submit through single-flight; caches SUCCEEDED results.
  void Forward(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
               const std::string& tenant, const std::string& cache_key,
               std::shared_ptr<v1::SubmitTaskRequest> request, v1::SubmitTaskResponse* response);

  std::unique_ptr<v1::TaskService::Stub> orchestrator_;
  Authenticator& auth_;
  const RateLimiting& limits_;
  const Scanner& scanner_;
  cache::TieredCache* cache_;
  ReflexOptions options_;
  ReflexMetrics& metrics_;
  SubmitFlights flights_;
};

class ReflexCheckService final : public v1::Reflex::CallbackService {
 public:
  ReflexCheckService(Authenticator& auth, const Scanner& scanner, ReflexOptions options,
                     ReflexMetrics& metrics)
      : auth_(auth), scanner_(scanner), options_(options), metrics_(metrics) {}

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const v1::CheckRequest* request,
                                  v1::CheckResponse* response) override;

 private:
  Authenticator& auth_;
  const Scanner& scanner_;
  ReflexOptions options_;
  ReflexMetrics& metrics_;
};

}  // namespace octo::reflex
