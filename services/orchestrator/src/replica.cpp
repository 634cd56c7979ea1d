#include "src/replica.h"

#include "absl/strings/str_cat.h"
#include "octo/common/log.h"
#include "octo/rpc/process.h"

namespace octo::orchestrator {

absl::StatusOr<std::unique_ptr<Replica>> Replica::Start(
    ReplicaOptions options, TaskBackend backend, std::unique_ptr<cache::Cache> result_cache,
    std::shared_ptr<prometheus::Registry> metrics) {
  if (backend.tasks == nullptr) return absl::InvalidArgumentError("no task repository");
  std::unique_ptr<Replica> r(new Replica());
  r->metrics_ = std::move(metrics);
  r->result_cache_ = std::move(result_cache);
  if (options.engine.run.owner.empty()) options.engine.run.owner = rpc::InstanceId();
  r->owner_ = options.engine.run.owner;

  r->tasks_ = std::move(backend.tasks);
  r->hub_ = std::make_unique<EventHub>();
  r->writer_ =
      std::make_unique<TaskWriter>(*r->tasks_, *r->hub_, options.writer, r->metrics_.get());
  options.arms.clock = options.engine.run.clock;
  r->arms_ = std::make_unique<ArmRegistry>(options.arms, r->metrics_.get());
  r->guard_ = std::make_unique<StepGuard>(std::move(backend.redactions), *r->metrics_,
                                          StepGuardOptions{.clock = options.engine.run.clock});
  r->engine_ =
      std::make_unique<Engine>(options.engine, *r->tasks_, *r->writer_, *r->arms_,
                               r->result_cache_.get(), *r->hub_, *r->guard_, *r->metrics_);
  EventHub* hub = r->hub_.get();
  Engine* engine = r->engine_.get();
  if (backend.listen) {
    auto listener = backend.listen([hub, engine](absl::string_view channel,
                                                 absl::string_view payload) {
      if (channel == store::kTaskEventChannel) {
        hub->Notify(payload);
      } else if (channel == store::kTaskReadyChannel) {
        engine->Wake();
      } else if (channel == store::kTaskCancelChannel) {
        engine->CancelLocal(std::string(payload));
      } else {  // reconnected: anything may have been missed
        hub->NotifyAll();
        engine->Wake();
      }
    });
    if (!listener.ok()) return listener.status();
    r->listener_ = *std::move(listener);
  }

  r->task_service_ =
      std::make_unique<TaskService>(*r->tasks_, *r->engine_, *r->hub_, options.task_service);
  r->operations_ = std::make_unique<OperationsService>(*r->arms_);
  rpc::ServerOptions server_options;
  server_options.listen = options.listen;
  server_options.drain_timeout = options.drain_timeout;
  server_options.max_sync_threads = options.max_sync_threads;
  auto server = rpc::ServerHost::Start(
      server_options, {r->task_service_.get(), r->operations_.get()}, *r->metrics_);
  if (!server.ok()) return server.status();
  r->server_ = *std::move(server);

  // Tasks claimed before the fleet was described would find no arm.
  r->arms_->WaitForFirstRefresh(absl::Seconds(5));
  r->engine_->Start();
  return r;
}

Replica::~Replica() { Shutdown(); }

void Replica::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (server_ != nullptr) server_->Shutdown();
  if (engine_ != nullptr) engine_->Stop();
}

}  // namespace octo::orchestrator
