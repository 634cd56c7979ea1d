#include "fake_arm.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace octo::orchestrator::testing {

class FakeArm::Service final : public v1::Arm::Service {
 public:
  explicit Service(FakeArmOptions options) : options_(std::move(options)) {}

  void set_instance(std::string instance) { options_.instance = std::move(instance); }

  grpc::Status Describe(grpc::ServerContext*, const v1::DescribeRequest*,
                        v1::ArmDescription* response) override {
    response->set_kind(options_.kind);
    for (const auto& c : options_.capabilities) response->add_capabilities(c);
    response->set_version("test");
    response->set_max_concurrency(options_.max_concurrency);
    response->set_cost_tier(options_.cost_tier);
    response->set_instance(options_.instance);
    return grpc::Status::OK;
  }

  grpc::Status Execute(grpc::ServerContext* context, const v1::ExecuteRequest* request,
                       v1::ExecuteResponse* response) override {
    Handler handler;
    size_t index;
    {
      absl::MutexLock lock(&mu_);
      handler = handler_;
      index = calls_.size();
      calls_.push_back(SeenCall{*request, absl::Now(), absl::InfinitePast(), false});
      ++by_step_[{request->task_id(), request->step_id()}];
      ++concurrent_;
      max_concurrent_ = std::max(max_concurrent_, concurrent_);
    }
    Behavior behavior = handler ? handler(*request) : Behavior();
    bool cancelled = Wait(context, behavior);
    grpc::Status status = grpc::Status::OK;
    if (cancelled) {
      status = grpc::Status(grpc::CANCELLED, "the caller went away");
    } else if (!behavior.status.ok()) {
      status = grpc::Status(static_cast<grpc::StatusCode>(behavior.status.code()),
                            std::string(behavior.status.message()));
    } else if (behavior.response) {
      *response = *behavior.response;
    } else {
      std::vector<std::string> inputs;
      for (const auto& input : request->inputs()) inputs.push_back(input.text());
      response->mutable_output()->set_text(
          absl::StrCat(request->step_id(), "(", absl::StrJoin(inputs, "+"), ")"));
    }
    response->mutable_provenance()->set_arm_kind(options_.kind);
    response->mutable_provenance()->set_instance(options_.instance);
    absl::MutexLock lock(&mu_);
    --concurrent_;
    calls_[index].ended = absl::Now();
    calls_[index].cancelled = cancelled;
    return status;
  }

  // True when the caller cancelled before the behaviour's waits were over.
  bool Wait(grpc::ServerContext* context, const Behavior& behavior) {
    auto gone = [context] { return context->IsCancelled(); };
    const absl::Time until = absl::Now() + behavior.delay;
    while (absl::Now() < until) {
      if (gone()) return true;
      absl::SleepFor(std::min(absl::Milliseconds(2), until - absl::Now()));
    }
    if (behavior.barrier > 0) {
      absl::MutexLock lock(&mu_);
      ++at_barrier_[behavior.barrier_name];
      auto met = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return at_barrier_[behavior.barrier_name] >= behavior.barrier;
      };
      while (!met()) {
        mu_.AwaitWithTimeout(absl::Condition(&met), absl::Milliseconds(5));
        if (!met() && gone()) return true;
      }
    }
    if (behavior.hang) {
      while (!gone()) absl::SleepFor(absl::Milliseconds(2));
      return true;
    }
    return gone();
  }

  mutable absl::Mutex mu_;
  FakeArmOptions options_;
  Handler handler_ ABSL_GUARDED_BY(mu_);
  std::vector<SeenCall> calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, int> by_step_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> at_barrier_ ABSL_GUARDED_BY(mu_);
  int concurrent_ ABSL_GUARDED_BY(mu_) = 0;
  int max_concurrent_ ABSL_GUARDED_BY(mu_) = 0;
};

std::unique_ptr<FakeArm> FakeArm::Start(FakeArmOptions options) {
  grpc::EnableDefaultHealthCheckService(true);
  std::unique_ptr<FakeArm> arm(new FakeArm());
  arm->service_ = std::make_unique<Service>(options);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &arm->port_);
  builder.RegisterService(arm->service_.get());
  arm->server_ = builder.BuildAndStart();
  if (arm->server_ == nullptr) return nullptr;
  arm->target_ = absl::StrCat("127.0.0.1:", arm->port_);
  if (options.instance.empty()) arm->service_->set_instance(absl::StrCat("fake-", arm->port_));
  return arm;
}

FakeArm::~FakeArm() { Stop(); }

void FakeArm::SetHandler(Handler handler) {
  absl::MutexLock lock(&service_->mu_);
  service_->handler_ = std::move(handler);
}

void FakeArm::SetServing(bool serving) {
  server_->GetHealthCheckService()->SetServingStatus(serving);
}

void FakeArm::Stop() {
  if (server_ != nullptr) {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    server_->Wait();
    server_.reset();
  }
}

std::vector<SeenCall> FakeArm::calls() const {
  absl::MutexLock lock(&service_->mu_);
  return service_->calls_;
}

int FakeArm::calls_for(const std::string& task_id, const std::string& step_id) const {
  absl::MutexLock lock(&service_->mu_);
  auto it = service_->by_step_.find({task_id, step_id});
  return it == service_->by_step_.end() ? 0 : it->second;
}

int FakeArm::total_calls() const {
  absl::MutexLock lock(&service_->mu_);
  return static_cast<int>(service_->calls_.size());
}

int FakeArm::cancelled_calls() const {
  absl::MutexLock lock(&service_->mu_);
  int n = 0;
  for (const auto& c : service_->calls_) n += c.cancelled;
  return n;
}

int FakeArm::max_concurrent() const {
  absl::MutexLock lock(&service_->mu_);
  return service_->max_concurrent_;
}

bool FakeArm::WaitForCalls(int n, absl::Duration timeout) const {
  absl::MutexLock lock(&service_->mu_);
  auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(service_->mu_) {
    return static_cast<int>(service_->calls_.size()) >= n;
  };
  return service_->mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

}  // namespace octo::orchestrator::testing
