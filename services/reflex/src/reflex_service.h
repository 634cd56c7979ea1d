// The reflex's TaskService: validates, answers repeats from the result cache, and
// forwards everything else to the orchestrator without blocking a thread per call.
#pragma once

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "octo/cache/tiered_cache.h"
#include "octo/v1/task_service.grpc.pb.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace octo::reflex {

struct ReflexOptions {
  // Tenant every call acts for until authentication is configured.
  std::string dev_tenant = "dev";
};

// Callback (reactor) service. Thread-safe. `cache` may be null (no caching); it and the
// registry must outlive the service.
class ReflexService final : public v1::TaskService::CallbackService {
 public:
  ReflexService(std::shared_ptr<grpc::Channel> orchestrator, cache::TieredCache* cache,
                ReflexOptions options, prometheus::Registry& registry);

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
  std::string TenantOf(grpc::CallbackServerContext* context) const;

  std::unique_ptr<v1::TaskService::Stub> orchestrator_;
  cache::TieredCache* cache_;
  ReflexOptions options_;
  prometheus::Counter& cache_l1_hits_;
  prometheus::Counter& cache_l2_hits_;
  prometheus::Counter& cache_misses_;
  prometheus::Family<prometheus::Counter>& rejected_;
};

}  // namespace octo::reflex
