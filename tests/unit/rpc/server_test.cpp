#include "octo/rpc/server.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/wrappers.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "octo/rpc/channel.h"
#include "octo/rpc/metadata.h"
#include "octo/v1/arm.grpc.pb.h"

namespace octo::rpc {
namespace {

constexpr int kServing = 1;  // grpc.health.v1.HealthCheckResponse.SERVING

double Sum(prometheus::Registry& registry, const std::string& name,
           const std::map<std::string, std::string>& labels) {
  double sum = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      size_t matched = 0;
      for (const auto& label : metric.label) {
        auto it = labels.find(label.name);
        if (it != labels.end() && it->second == label.value) ++matched;
      }
      if (matched == labels.size()) sum += metric.counter.value;
    }
  }
  return sum;
}

// How many Arm/Describe calls the counter family `name` in `registry` counts as handled OK.
double OkDescribes(prometheus::Registry& registry, const std::string& name) {
  return Sum(registry, name,
             {{"grpc_service", "octo.v1.Arm"}, {"grpc_method", "Describe"}, {"grpc_code", "OK"}});
}

// grpc.health.v1.Health/Check through a generic stub. HealthCheckRequest and
// HealthCheckResponse have the wire form of StringValue and Int32Value (field 1).
absl::StatusOr<int> HealthCheck(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& service = "") {
  google::protobuf::StringValue request;
  request.set_value(service);
  grpc::Slice slice(request.SerializeAsString());
  grpc::ByteBuffer request_buffer(&slice, 1), response_buffer;
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request_buffer,
                 &response_buffer, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  }
  std::vector<grpc::Slice> slices;
  if (!response_buffer.Dump(&slices).ok()) return absl::InternalError("unreadable response");
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  google::protobuf::Int32Value response;
  if (!response.ParseFromString(bytes)) return absl::InternalError("unparsable response");
  return response.value();
}

// Describe echoes the tenant header in `instance`. Execute with instruction "wait" blocks
// until Release() or until the call is cancelled; otherwise it answers at once.
class FakeArm final : public v1::Arm::Service {
 public:
  grpc::Status Describe(grpc::ServerContext* context, const v1::DescribeRequest*,
                        v1::ArmDescription* response) override {
    response->set_kind("fake");
    response->set_instance(GetMetadata(*context, kTenantHeader));
    return grpc::Status::OK;
  }

  grpc::Status Execute(grpc::ServerContext* context, const v1::ExecuteRequest* request,
                       v1::ExecuteResponse* response) override {
    if (request->instruction() == "wait") {
      absl::MutexLock lock(&mu_);
      ++waiting_;
      const absl::Time give_up = absl::Now() + absl::Seconds(20);
      while (!released_ && !context->IsCancelled() && absl::Now() < give_up) {
        mu_.AwaitWithTimeout(absl::Condition(&released_), absl::Milliseconds(5));
      }
      saw_cancel_ = context->IsCancelled();
    }
    response->mutable_output()->set_text("done");
    return grpc::Status::OK;
  }

  void WaitUntilWaiting() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* waiting) { return *waiting > 0; }, &waiting_));
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    released_ = true;
  }
  bool saw_cancel() {
    absl::MutexLock lock(&mu_);
    return saw_cancel_;
  }

 private:
  absl::Mutex mu_;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  bool saw_cancel_ ABSL_GUARDED_BY(mu_) = false;
};

class ServerHostTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}) {
    auto host = ServerHost::Start(options, {&arm_}, registry_);
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    channel_ = grpc::CreateChannel(Target(), grpc::InsecureChannelCredentials());
    stub_ = v1::Arm::NewStub(channel_);
  }

  std::string Target() const { return absl::StrCat("127.0.0.1:", host_->port()); }

  grpc::Status Describe(v1::Arm::Stub& stub, v1::ArmDescription* response,
                        const std::string& tenant = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!tenant.empty()) context.AddMetadata(kTenantHeader, tenant);
    return stub.Describe(&context, v1::DescribeRequest(), response);
  }

  grpc::Status Execute(const std::string& instruction) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::ExecuteRequest request;
    request.set_instruction(instruction);
    v1::ExecuteResponse response;
    return stub_->Execute(&context, request, &response);
  }

  // The registry and the service outlive the host (members are destroyed in reverse).
  prometheus::Registry registry_;
  FakeArm arm_;
  std::unique_ptr<ServerHost> host_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Arm::Stub> stub_;
};

TEST_F(ServerHostTest, ServesOnAFreePort) {
  Start();
  EXPECT_GT(host_->port(), 0);
  v1::ArmDescription response;
  grpc::Status status = Describe(*stub_, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.kind(), "fake");
}

TEST_F(ServerHostTest, ReportsServingHealth) {
  Start();
  auto health = HealthCheck(channel_);
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, kServing);
}

TEST_F(ServerHostTest, RecordsServerMetrics) {
  Start();
  v1::ArmDescription response;
  ASSERT_TRUE(Describe(*stub_, &response).ok());
  ASSERT_TRUE(Describe(*stub_, &response).ok());
  EXPECT_EQ(OkDescribes(registry_, "grpc_server_handled_total"), 2);
}

TEST_F(ServerHostTest, AddressThatCannotBeBoundIsUnavailable) {
  ServerOptions options;
  options.listen = "192.0.2.1:0";  // TEST-NET-1: never an address of this host
  auto host = ServerHost::Start(options, {&arm_}, registry_);
  EXPECT_EQ(host.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(host.status().message(), ::testing::HasSubstr("192.0.2.1:0"));
}

// A second server on a port in use must fail at start-up rather than share the port and
// split the traffic (gRPC sets SO_REUSEPORT by default).
TEST_F(ServerHostTest, PortInUseIsUnavailable) {
  Start();
  ServerOptions options;
  options.listen = Target();
  FakeArm other;
  auto second = ServerHost::Start(options, {&other}, registry_);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ServerHostTest, CallsAfterShutdownAreUnavailable) {
  Start();
  v1::ArmDescription response;
  ASSERT_TRUE(Describe(*stub_, &response).ok());
  host_->Shutdown();
  EXPECT_EQ(Describe(*stub_, &response).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ServerHostTest, ShutdownIsIdempotent) {
  Start();
  host_->Shutdown();
  host_->Shutdown();
  host_.reset();  // the destructor shuts down once more
  v1::ArmDescription response;
  EXPECT_EQ(Describe(*stub_, &response).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ServerHostTest, ShutdownLetsInFlightCallsFinish) {
  Start();
  grpc::Status in_flight;
  std::thread call([&] { in_flight = Execute("wait"); });
  arm_.WaitUntilWaiting();
  std::thread shutdown([&] { host_->Shutdown(); });
  // Health leaves SERVING (or the server stops answering) once the drain has begun.
  auto separate = grpc::CreateChannel(Target(), grpc::InsecureChannelCredentials());
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (absl::Now() < give_up) {
    auto health = HealthCheck(separate);
    if (!health.ok() || *health != kServing) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  arm_.Release();
  call.join();
  shutdown.join();
  EXPECT_TRUE(in_flight.ok()) << in_flight.error_message();
  EXPECT_FALSE(arm_.saw_cancel());
}

TEST_F(ServerHostTest, ShutdownCancelsCallsStillRunningAfterTheDrainTimeout) {
  ServerOptions options;
  options.drain_timeout = absl::Milliseconds(200);
  Start(options);
  grpc::Status in_flight;
  std::thread call([&] { in_flight = Execute("wait"); });
  arm_.WaitUntilWaiting();
  host_->Shutdown();  // returns only after the handler has given up
  call.join();
  EXPECT_FALSE(in_flight.ok());
  EXPECT_TRUE(arm_.saw_cancel());
}

TEST_F(ServerHostTest, RequestsOverTheMessageLimitAreRejected) {
  ServerOptions options;
  options.max_message_bytes = 1024;
  Start(options);
  EXPECT_TRUE(Execute("small").ok());
  EXPECT_EQ(Execute(std::string(4096, 'x')).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(ServerHostTest, MetadataHelperReadsTheTenantHeader) {
  Start();
  v1::ArmDescription response;
  ASSERT_TRUE(Describe(*stub_, &response, "acme").ok());
  EXPECT_EQ(response.instance(), "acme");
  ASSERT_TRUE(Describe(*stub_, &response).ok());
  EXPECT_EQ(response.instance(), "");
}

TEST_F(ServerHostTest, MakeChannelReachesTheServerAndRecordsClientMetrics) {
  Start();
  prometheus::Registry client_registry;
  ChannelOptions channel_options;
  channel_options.registry = &client_registry;
  auto stub = v1::Arm::NewStub(MakeChannel(Target(), channel_options));
  v1::ArmDescription response;
  ASSERT_TRUE(Describe(*stub, &response).ok());
  EXPECT_EQ(OkDescribes(client_registry, "grpc_client_handled_total"), 1);
}

TEST_F(ServerHostTest, MakeChannelWorksWithoutARegistry) {
  Start();
  auto stub = v1::Arm::NewStub(MakeChannel(absl::StrCat("dns:///", Target())));
  v1::ArmDescription response;
  grpc::Status status = Describe(*stub, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(ServerHostTest, MakeChannelEnforcesItsMessageLimit) {
  Start();
  ChannelOptions channel_options;
  channel_options.max_message_bytes = 1024;
  auto stub = v1::Arm::NewStub(MakeChannel(Target(), channel_options));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::ExecuteRequest request;
  request.set_instruction(std::string(4096, 'x'));
  v1::ExecuteResponse response;
  EXPECT_EQ(stub->Execute(&context, request, &response).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

}  // namespace
}  // namespace octo::rpc
