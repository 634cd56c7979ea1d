#include "src/runtime/arm_service.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "octo/rpc/server.h"
#include "octo/v1/arm.grpc.pb.h"

namespace octo::arms {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Sum of the samples of `name` whose labels include `labels`: counter and gauge values,
// histogram sample counts.
double Sample(prometheus::Registry& registry, const std::string& name,
              const std::map<std::string, std::string>& labels = {}) {
  double sum = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      size_t matched = 0;
      for (const auto& label : metric.label) {
        auto it = labels.find(label.name);
        if (it != labels.end() && it->second == label.value) ++matched;
      }
      if (matched != labels.size()) continue;
      switch (family.type) {
        case prometheus::MetricType::Counter:
          sum += metric.counter.value;
          break;
        case prometheus::MetricType::Gauge:
          sum += metric.gauge.value;
          break;
        case prometheus::MetricType::Histogram:
          sum += static_cast<double>(metric.histogram.sample_count);
          break;
        default:
          break;
      }
    }
  }
  return sum;
}

// Serves "think" and "plan". Execute answers "did: <instruction>", or fails with `fail`
// when set, or blocks until released when `block` is set.
class FakeHandler final : public ArmHandler {
 public:
  v1::ArmDescription Describe() const override {
    v1::ArmDescription d;
    d.set_kind("fake");
    d.add_capabilities("think");
    d.add_capabilities("plan");
    d.set_cost_tier(v1::COST_TIER_LOW);
    d.set_version("handler-version");
    return d;
  }

  absl::StatusOr<v1::ExecuteResponse> Execute(const v1::ExecuteRequest& request,
                                              const CallContext& context) override {
    {
      absl::MutexLock lock(&mu_);
      ++calls_;
      last_deadline_ = context.deadline;
      if (block_) {
        ++blocked_;
        mu_.Await(absl::Condition(&released_));
      }
    }
    if (wait_for_cancel_) {
      const absl::Time give_up = absl::Now() + absl::Seconds(20);
      while (!context.cancelled() && absl::Now() < give_up) {
        absl::SleepFor(absl::Milliseconds(5));
      }
      absl::MutexLock lock(&mu_);
      saw_cancel_ = context.cancelled();
    }
    if (!fail_.ok()) return fail_;
    v1::ExecuteResponse response;
    response.mutable_output()->set_text("did: " + request.instruction());
    return response;
  }

  // Calls made while blocking is on wait in the handler until Release().
  void set_block(bool block) {
    absl::MutexLock lock(&mu_);
    block_ = block;
  }
  void WaitUntilBlocked(int n) {
    absl::MutexLock lock(&mu_);
    wanted_ = n;
    mu_.Await(absl::Condition(
        +[](FakeHandler* h) ABSL_NO_THREAD_SAFETY_ANALYSIS { return h->blocked_ >= h->wanted_; },
        this));
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    released_ = true;
  }
  void set_fail(absl::Status status) { fail_ = std::move(status); }
  void set_wait_for_cancel() { wait_for_cancel_ = true; }

  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  absl::Time last_deadline() {
    absl::MutexLock lock(&mu_);
    return last_deadline_;
  }
  bool saw_cancel() {
    absl::MutexLock lock(&mu_);
    return saw_cancel_;
  }

 private:
  absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  bool block_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  int blocked_ ABSL_GUARDED_BY(mu_) = 0;
  int wanted_ ABSL_GUARDED_BY(mu_) = 0;
  bool saw_cancel_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_deadline_ ABSL_GUARDED_BY(mu_);
  absl::Status fail_;
  bool wait_for_cancel_ = false;
};

class ArmServiceTest : public ::testing::Test {
 protected:
  void Make(int max_concurrency) {
    auto handler = std::make_unique<FakeHandler>();
    handler_ = handler.get();
    ArmServiceOptions options;
    options.max_concurrency = max_concurrency;
    options.version = "1.2.3";
    options.instance = "host-a:4242";
    service_ = std::make_unique<ArmService>(std::move(handler), options, registry_);
  }

  static v1::ExecuteRequest Request(const std::string& capability = "think") {
    v1::ExecuteRequest request;
    request.set_task_id("task-1");
    request.set_step_id("s1");
    request.set_tenant_id("tenant-a");
    request.set_capability(capability);
    request.set_instruction("ponder");
    return request;
  }

  grpc::Status Execute(const v1::ExecuteRequest& request, v1::ExecuteResponse* response) {
    grpc::ServerContext context;
    return service_->Execute(&context, &request, response);
  }

  prometheus::Registry registry_;
  FakeHandler* handler_ = nullptr;  // owned by service_
  std::unique_ptr<ArmService> service_;
};

TEST_F(ArmServiceTest, DescribeCombinesHandlerAndServiceFields) {
  Make(7);
  grpc::ServerContext context;
  v1::DescribeRequest request;
  v1::ArmDescription description;
  ASSERT_TRUE(service_->Describe(&context, &request, &description).ok());
  EXPECT_EQ(description.kind(), "fake");
  EXPECT_THAT(description.capabilities(), ElementsAre("think", "plan"));
  EXPECT_EQ(description.cost_tier(), v1::COST_TIER_LOW);
  EXPECT_EQ(description.version(), "1.2.3");
  EXPECT_EQ(description.instance(), "host-a:4242");
  EXPECT_EQ(description.max_concurrency(), 7);
}

TEST_F(ArmServiceTest, ExecuteReturnsTheHandlersOutputWithProvenance) {
  Make(1);
  v1::ExecuteResponse response;
  grpc::Status status = Execute(Request("plan"), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.output().text(), "did: ponder");
  EXPECT_EQ(response.provenance().arm_kind(), "fake");
  EXPECT_EQ(response.provenance().arm_version(), "1.2.3");
  EXPECT_EQ(response.provenance().instance(), "host-a:4242");
  EXPECT_EQ(handler_->calls(), 1);
}

TEST_F(ArmServiceTest, CapabilityTheHandlerDoesNotServeIsInvalidArgument) {
  Make(1);
  v1::ExecuteResponse response;
  grpc::Status status = Execute(Request("execute"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("\"execute\""));
  EXPECT_EQ(handler_->calls(), 0);
}

TEST_F(ArmServiceTest, EmptyCapabilityIsInvalidArgument) {
  Make(1);
  v1::ExecuteResponse response;
  EXPECT_EQ(Execute(Request(""), &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(handler_->calls(), 0);
}

TEST_F(ArmServiceTest, MissingTenantIsInvalidArgument) {
  Make(1);
  v1::ExecuteRequest request = Request();
  request.clear_tenant_id();
  v1::ExecuteResponse response;
  grpc::Status status = Execute(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("tenant_id"));
  EXPECT_EQ(handler_->calls(), 0);
}

TEST_F(ArmServiceTest, HandlerErrorsKeepTheirCodeAndMessage) {
  Make(1);
  handler_->set_fail(absl::NotFoundError("no such document"));
  v1::ExecuteResponse response;
  grpc::Status status = Execute(Request(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "no such document");
}

TEST_F(ArmServiceTest, CallBeyondTheConcurrencyLimitIsResourceExhausted) {
  Make(1);
  handler_->set_block(true);
  grpc::Status first_status;
  std::thread first([&] {
    v1::ExecuteResponse response;
    first_status = Execute(Request(), &response);
  });
  handler_->WaitUntilBlocked(1);
  handler_->set_block(false);

  v1::ExecuteResponse response;
  grpc::Status second = Execute(Request(), &response);
  EXPECT_EQ(second.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Sample(registry_, "octo_arm_in_flight", {{"kind", "fake"}}), 1);

  handler_->Release();
  first.join();
  EXPECT_TRUE(first_status.ok()) << first_status.error_message();
  EXPECT_EQ(handler_->calls(), 1);

  // The slot is free again.
  EXPECT_TRUE(Execute(Request(), &response).ok());
  EXPECT_EQ(Sample(registry_, "octo_arm_in_flight", {{"kind", "fake"}}), 0);
}

TEST_F(ArmServiceTest, LimitAppliesToCallsRunningAtTheSameTime) {
  Make(2);
  handler_->set_block(true);
  std::vector<std::thread> running;
  std::vector<grpc::Status> statuses(2);
  for (int i = 0; i < 2; ++i) {
    running.emplace_back([&, i] {
      v1::ExecuteResponse response;
      statuses[i] = Execute(Request(), &response);
    });
  }
  handler_->WaitUntilBlocked(2);
  handler_->set_block(false);

  v1::ExecuteResponse response;
  EXPECT_EQ(Execute(Request(), &response).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  handler_->Release();
  for (auto& t : running) t.join();
  for (const auto& s : statuses) EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(ArmServiceTest, FailedCallReleasesItsSlot) {
  Make(1);
  handler_->set_fail(absl::InternalError("boom"));
  v1::ExecuteResponse response;
  EXPECT_EQ(Execute(Request(), &response).error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(Execute(Request(), &response).error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(handler_->calls(), 2);
}

TEST_F(ArmServiceTest, CountsExecutionsByCapabilityAndCode) {
  Make(1);
  v1::ExecuteResponse response;
  ASSERT_TRUE(Execute(Request("think"), &response).ok());
  ASSERT_TRUE(Execute(Request("think"), &response).ok());
  ASSERT_FALSE(Execute(Request("execute"), &response).ok());
  EXPECT_EQ(Sample(registry_, "octo_arm_executions_total",
                   {{"kind", "fake"}, {"capability", "think"}, {"code", "OK"}}),
            2);
  EXPECT_EQ(Sample(registry_, "octo_arm_executions_total",
                   {{"kind", "fake"}, {"capability", "execute"}, {"code", "INVALID_ARGUMENT"}}),
            1);
  EXPECT_EQ(Sample(registry_, "octo_arm_execute_seconds", {{"kind", "fake"}}), 3);
}

// Through a real server: the call's deadline and cancellation reach the handler.
class ArmServiceServerTest : public ArmServiceTest {
 protected:
  void SetUp() override {
    Make(4);
    auto host = rpc::ServerHost::Start({}, {service_.get()}, server_registry_);
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    stub_ = v1::Arm::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", host_->port()),
                                                 grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (host_) host_->Shutdown();
  }

  prometheus::Registry server_registry_;
  std::unique_ptr<rpc::ServerHost> host_;
  std::unique_ptr<v1::Arm::Stub> stub_;
};

TEST_F(ArmServiceServerTest, ProvenanceArrivesOverTheWire) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::ExecuteResponse response;
  grpc::Status status = stub_->Execute(&context, Request(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.provenance().arm_kind(), "fake");
  EXPECT_EQ(response.provenance().arm_version(), "1.2.3");
  EXPECT_EQ(response.provenance().instance(), "host-a:4242");
}

TEST_F(ArmServiceServerTest, HandlerSeesTheCallersDeadline) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(deadline));
  v1::ExecuteResponse response;
  ASSERT_TRUE(stub_->Execute(&context, Request(), &response).ok());
  EXPECT_LE(absl::AbsDuration(handler_->last_deadline() - deadline), absl::Seconds(1));
}

TEST_F(ArmServiceServerTest, HandlerSeesAnInfiniteDeadlineWhenTheCallerSetsNone) {
  grpc::ClientContext context;
  v1::ExecuteResponse response;
  ASSERT_TRUE(stub_->Execute(&context, Request(), &response).ok());
  EXPECT_EQ(handler_->last_deadline(), absl::InfiniteFuture());
}

TEST_F(ArmServiceServerTest, HandlerSeesTheCallEndAtItsDeadline) {
  handler_->set_wait_for_cancel();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  v1::ExecuteResponse response;
  grpc::Status status = stub_->Execute(&context, Request(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The handler notices within its polling loop; wait for it to finish.
  host_->Shutdown();
  EXPECT_TRUE(handler_->saw_cancel());
}

}  // namespace
}  // namespace octo::arms
