#include "src/reflex_service.h"

#include <atomic>

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "octo/common/log.h"
#include "octo/common/status.h"
#include "octo/rpc/metadata.h"
#include "octo/rpc/task_spec.h"
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

}  // namespace

ReflexService::ReflexService(std::shared_ptr<grpc::Channel> orchestrator,
                             cache::TieredCache* cache, ReflexOptions options,
                             prometheus::Registry& registry)
    : orchestrator_(v1::TaskService::NewStub(std::move(orchestrator))),
      cache_(cache),
      options_(std::move(options)),
      cache_l1_hits_(prometheus::BuildCounter()
                         .Name("octo_reflex_cache_requests_total")
                         .Help("Result cache lookups by level and result.")
                         .Register(registry)
                         .Add({{"level", "l1"}, {"result", "hit"}})),
      cache_l2_hits_(prometheus::BuildCounter()
                         .Name("octo_reflex_cache_requests_total")
                         .Help("Result cache lookups by level and result.")
                         .Register(registry)
                         .Add({{"level", "l2"}, {"result", "hit"}})),
      cache_misses_(prometheus::BuildCounter()
                        .Name("octo_reflex_cache_requests_total")
                        .Help("Result cache lookups by level and result.")
                        .Register(registry)
                        .Add({{"level", "all"}, {"result", "miss"}})),
      rejected_(prometheus::BuildCounter()
                    .Name("octo_reflex_rejected_total")
                    .Help("Requests refused by the reflex, by reason.")
                    .Register(registry)) {}

std::string ReflexService::TenantOf(grpc::CallbackServerContext*) const {
  return options_.dev_tenant;
}

std::shared_ptr<grpc::ClientContext> ReflexService::Outgoing(grpc::CallbackServerContext* context,
                                                             const std::string& tenant) {
  std::shared_ptr<grpc::ClientContext> client =
      grpc::ClientContext::FromCallbackServerContext(*context);
  client->AddMetadata(rpc::kTenantHeader, tenant);
  telemetry::InjectTrace(telemetry::ExtractTrace(*context).NewChild(), client.get());
  return client;
}

grpc::ServerUnaryReactor* ReflexService::SubmitTask(grpc::CallbackServerContext* context,
                                                    const v1::SubmitTaskRequest* request,
                                                    v1::SubmitTaskResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status status = rpc::ValidateSubmit(*request); !status.ok()) {
    rejected_.Add({{"reason", "invalid_argument"}}).Increment();
    reactor->Finish(common::ToGrpcStatus(status));
    return reactor;
  }
  const std::string tenant = TenantOf(context);
  if (cache_ != nullptr) {
    cache::Level level = cache::Level::kMiss;
    std::optional<std::string> hit =
        cache_->Get(rpc::TaskCacheKey(tenant, request->spec()), &level);
    v1::Task task;
    if (hit.has_value() && task.ParseFromString(*hit)) {
      (level == cache::Level::kL1 ? cache_l1_hits_ : cache_l2_hits_).Increment();
      *response->mutable_task() = std::move(task);
      response->set_cache_hit(true);
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
    cache_misses_.Increment();
  }
  auto client = Outgoing(context, tenant);
  orchestrator_->async()->SubmitTask(client.get(), request, response,
                                     [reactor, client](grpc::Status status) {
                                       reactor->Finish(status);
                                     });
  return reactor;
}

grpc::ServerUnaryReactor* ReflexService::GetTask(grpc::CallbackServerContext* context,
                                                 const v1::GetTaskRequest* request,
                                                 v1::Task* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status status = rpc::ValidateTaskId(request->task_id()); !status.ok()) {
    reactor->Finish(common::ToGrpcStatus(status));
    return reactor;
  }
  auto client = Outgoing(context, TenantOf(context));
  orchestrator_->async()->GetTask(client.get(), request, response,
                                  [reactor, client](grpc::Status s) { reactor->Finish(s); });
  return reactor;
}

grpc::ServerWriteReactor<v1::TaskEvent>* ReflexService::WatchTask(
    grpc::CallbackServerContext* context, const v1::WatchTaskRequest* request) {
  if (absl::Status status = rpc::ValidateTaskId(request->task_id()); !status.ok()) {
    class Rejected final : public grpc::ServerWriteReactor<v1::TaskEvent> {
     public:
      explicit Rejected(const grpc::Status& status) { Finish(status); }
      void OnDone() override { delete this; }
    };
    return new Rejected(common::ToGrpcStatus(status));
  }
  return new WatchProxy(*orchestrator_, Outgoing(context, TenantOf(context)), *request);
}

grpc::ServerUnaryReactor* ReflexService::CancelTask(grpc::CallbackServerContext* context,
                                                    const v1::CancelTaskRequest* request,
                                                    v1::Task* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status status = rpc::ValidateTaskId(request->task_id()); !status.ok()) {
    reactor->Finish(common::ToGrpcStatus(status));
    return reactor;
  }
  auto client = Outgoing(context, TenantOf(context));
  orchestrator_->async()->CancelTask(client.get(), request, response,
                                     [reactor, client](grpc::Status s) { reactor->Finish(s); });
  return reactor;
}

grpc::ServerUnaryReactor* ReflexService::ListTasks(grpc::CallbackServerContext* context,
                                                   const v1::ListTasksRequest* request,
                                                   v1::ListTasksResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto client = Outgoing(context, TenantOf(context));
  orchestrator_->async()->ListTasks(client.get(), request, response,
                                    [reactor, client](grpc::Status s) { reactor->Finish(s); });
  return reactor;
}

}  // namespace octo::reflex
