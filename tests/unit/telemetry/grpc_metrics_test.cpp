#include "octo/telemetry/grpc_metrics.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "octo/telemetry/metrics.h"
#include "octo/telemetry/trace.h"
#include "octo/v1/arm.grpc.pb.h"
#include "octo/v1/task_service.grpc.pb.h"

namespace octo::telemetry {
namespace {

using Labels = std::map<std::string, std::string>;

const prometheus::MetricFamily* FindFamily(const std::vector<prometheus::MetricFamily>& families,
                                           const std::string& name) {
  for (const auto& family : families) {
    if (family.name == name) return &family;
  }
  return nullptr;
}

bool HasLabels(const prometheus::ClientMetric& metric, const Labels& labels) {
  size_t matched = 0;
  for (const auto& label : metric.label) {
    auto it = labels.find(label.name);
    if (it != labels.end() && it->second == label.value) ++matched;
  }
  return matched == labels.size();
}

// Sum over the samples of `name` whose labels include `labels`: counter values, or
// histogram sample counts.
double Sum(prometheus::Registry& registry, const std::string& name, const Labels& labels) {
  const auto families = registry.Collect();
  const prometheus::MetricFamily* family = FindFamily(families, name);
  if (family == nullptr) return 0;
  double sum = 0;
  for (const auto& metric : family->metric) {
    if (!HasLabels(metric, labels)) continue;
    sum += family->type == prometheus::MetricType::Histogram
               ? static_cast<double>(metric.histogram.sample_count)
               : metric.counter.value;
  }
  return sum;
}

// Describe answers OK (and echoes the caller's trace id in `instance`); Execute answers
// INVALID_ARGUMENT.
class FakeArm final : public v1::Arm::Service {
 public:
  grpc::Status Describe(grpc::ServerContext* context, const v1::DescribeRequest*,
                        v1::ArmDescription* response) override {
    response->set_kind("fake");
    response->set_instance(ExtractTrace(*context).ToTraceparent());
    return grpc::Status::OK;
  }
  grpc::Status Execute(grpc::ServerContext*, const v1::ExecuteRequest*,
                       v1::ExecuteResponse*) override {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "not today");
  }
};

// WatchTask streams two events.
class FakeTasks final : public v1::TaskService::Service {
 public:
  grpc::Status WatchTask(grpc::ServerContext*, const v1::WatchTaskRequest* request,
                         grpc::ServerWriter<v1::TaskEvent>* writer) override {
    for (int seq = 1; seq <= 2; ++seq) {
      v1::TaskEvent event;
      event.set_task_id(request->task_id());
      event.set_seq(seq);
      writer->Write(event);
    }
    return grpc::Status::OK;
  }
};

// How many calls of each method CallDescribeAndExecute makes.
constexpr int kDescribes = 5;
constexpr int kExecutes = 3;

class GrpcMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&arm_);
    builder.RegisterService(&tasks_);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> server;
    server.push_back(NewServerMetricsInterceptorFactory(server_registry_));
    builder.experimental().SetInterceptorCreators(std::move(server));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);

    std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> client;
    client.push_back(NewClientMetricsInterceptorFactory(client_registry_));
    channel_ = grpc::experimental::CreateCustomChannelWithInterceptors(
        absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials(),
        grpc::ChannelArguments(), std::move(client));
    arm_stub_ = v1::Arm::NewStub(channel_);
    task_stub_ = v1::TaskService::NewStub(channel_);
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  static void WithDeadline(grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  }

  grpc::Status Describe() {
    grpc::ClientContext context;
    WithDeadline(&context);
    v1::ArmDescription response;
    return arm_stub_->Describe(&context, v1::DescribeRequest(), &response);
  }

  grpc::Status Execute() {
    grpc::ClientContext context;
    WithDeadline(&context);
    v1::ExecuteResponse response;
    return arm_stub_->Execute(&context, v1::ExecuteRequest(), &response);
  }

  // Makes kDescribes Describe calls, which succeed, and kExecutes Execute calls, which the
  // fake arm answers with INVALID_ARGUMENT.
  void CallDescribeAndExecute() {
    for (int i = 0; i < kDescribes; ++i) ASSERT_TRUE(Describe().ok());
    for (int i = 0; i < kExecutes; ++i) {
      ASSERT_EQ(Execute().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    }
  }

  // Declared before the server and channel, which must not outlive them.
  prometheus::Registry server_registry_;
  prometheus::Registry client_registry_;
  FakeArm arm_;
  FakeTasks tasks_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Arm::Stub> arm_stub_;
  std::unique_ptr<v1::TaskService::Stub> task_stub_;
};

const Labels kDescribe = {
    {"grpc_service", "octo.v1.Arm"}, {"grpc_method", "Describe"}, {"grpc_type", "unary"}};
const Labels kExecute = {
    {"grpc_service", "octo.v1.Arm"}, {"grpc_method", "Execute"}, {"grpc_type", "unary"}};

Labels With(Labels labels, const std::string& key, const std::string& value) {
  labels[key] = value;
  return labels;
}

// Checks that `side` ("server" or "client") counted kDescribes OK Describe calls and kExecutes
// InvalidArgument Execute calls as started, handled and timed in `r`.
void ExpectCallsCountedByMethodAndCode(prometheus::Registry& r, const std::string& side) {
  const std::string started = absl::StrCat("grpc_", side, "_started_total");
  const std::string handled = absl::StrCat("grpc_", side, "_handled_total");
  const std::string seconds = absl::StrCat("grpc_", side, "_handling_seconds");
  EXPECT_EQ(Sum(r, started, kDescribe), kDescribes);
  EXPECT_EQ(Sum(r, started, kExecute), kExecutes);
  EXPECT_EQ(Sum(r, handled, With(kDescribe, "grpc_code", "OK")), kDescribes);
  EXPECT_EQ(Sum(r, handled, With(kExecute, "grpc_code", "InvalidArgument")), kExecutes);
  // Each call is handled exactly once, under one code.
  EXPECT_EQ(Sum(r, handled, kDescribe), kDescribes);
  EXPECT_EQ(Sum(r, handled, kExecute), kExecutes);
  EXPECT_EQ(Sum(r, seconds, kDescribe), kDescribes);
  EXPECT_EQ(Sum(r, seconds, kExecute), kExecutes);
}

TEST_F(GrpcMetricsTest, ServerCountsCallsByMethodAndCode) {
  ASSERT_NO_FATAL_FAILURE(CallDescribeAndExecute());
  ExpectCallsCountedByMethodAndCode(server_registry_, "server");
}

TEST_F(GrpcMetricsTest, ClientCountsCallsByMethodAndCode) {
  ASSERT_NO_FATAL_FAILURE(CallDescribeAndExecute());
  ExpectCallsCountedByMethodAndCode(client_registry_, "client");
}

TEST_F(GrpcMetricsTest, EachSideRecordsOnlyIntoItsOwnRegistry) {
  ASSERT_TRUE(Describe().ok());
  EXPECT_EQ(Sum(server_registry_, "grpc_client_started_total", {}), 0);
  EXPECT_EQ(Sum(client_registry_, "grpc_server_started_total", {}), 0);
}

TEST_F(GrpcMetricsTest, HandlingSecondsUseTheLatencyBuckets) {
  ASSERT_TRUE(Describe().ok());
  const auto families = server_registry_.Collect();
  const auto* family = FindFamily(families, "grpc_server_handling_seconds");
  ASSERT_NE(family, nullptr);
  ASSERT_EQ(family->metric.size(), 1u);
  const auto& buckets = family->metric[0].histogram.bucket;
  ASSERT_EQ(buckets.size(), LatencyBuckets().size() + 1);  // plus +Inf
  for (size_t i = 0; i < LatencyBuckets().size(); ++i) {
    EXPECT_EQ(buckets[i].upper_bound, LatencyBuckets()[i]);
  }
}

TEST_F(GrpcMetricsTest, ServerStreamingCallsAreLabelledAsSuch) {
  grpc::ClientContext context;
  WithDeadline(&context);
  v1::WatchTaskRequest request;
  request.set_task_id("t1");
  auto reader = task_stub_->WatchTask(&context, request);
  v1::TaskEvent event;
  int events = 0;
  while (reader->Read(&event)) ++events;
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(events, 2);
  const Labels watch = {{"grpc_service", "octo.v1.TaskService"},
                        {"grpc_method", "WatchTask"},
                        {"grpc_type", "server_stream"}};
  EXPECT_EQ(Sum(server_registry_, "grpc_server_handled_total", With(watch, "grpc_code", "OK")), 1);
  EXPECT_EQ(Sum(client_registry_, "grpc_client_handled_total", With(watch, "grpc_code", "OK")), 1);
}

TEST_F(GrpcMetricsTest, UnimplementedMethodIsCountedWithItsCode) {
  grpc::ClientContext context;
  WithDeadline(&context);
  v1::Task task;
  grpc::Status status = task_stub_->GetTask(&context, v1::GetTaskRequest(), &task);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  const Labels get = {{"grpc_service", "octo.v1.TaskService"}, {"grpc_method", "GetTask"}};
  EXPECT_EQ(
      Sum(server_registry_, "grpc_server_handled_total", With(get, "grpc_code", "Unimplemented")),
      1);
  EXPECT_EQ(
      Sum(client_registry_, "grpc_client_handled_total", With(get, "grpc_code", "Unimplemented")),
      1);
}

TEST_F(GrpcMetricsTest, ClientCountsAnExpiredDeadline) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() - std::chrono::seconds(1));
  v1::ArmDescription response;
  grpc::Status status = arm_stub_->Describe(&context, v1::DescribeRequest(), &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(Sum(client_registry_, "grpc_client_handled_total",
                With(kDescribe, "grpc_code", "DeadlineExceeded")),
            1);
  EXPECT_EQ(Sum(client_registry_, "grpc_client_started_total", kDescribe), 1);
}

TEST_F(GrpcMetricsTest, TraceContextTravelsInMetadata) {
  const TraceContext trace = TraceContext::NewRoot();
  grpc::ClientContext context;
  WithDeadline(&context);
  InjectTrace(trace, &context);
  v1::ArmDescription response;
  ASSERT_TRUE(arm_stub_->Describe(&context, v1::DescribeRequest(), &response).ok());
  EXPECT_EQ(response.instance(), trace.ToTraceparent());
}

TEST_F(GrpcMetricsTest, MissingOrMalformedTraceStartsANewRoot) {
  grpc::ClientContext plain;
  WithDeadline(&plain);
  v1::ArmDescription response;
  ASSERT_TRUE(arm_stub_->Describe(&plain, v1::DescribeRequest(), &response).ok());
  EXPECT_TRUE(TraceContext::Parse(response.instance()).has_value()) << response.instance();

  grpc::ClientContext malformed;
  WithDeadline(&malformed);
  malformed.AddMetadata(kTraceparentHeader, "00-not-a-trace-01");
  ASSERT_TRUE(arm_stub_->Describe(&malformed, v1::DescribeRequest(), &response).ok());
  EXPECT_TRUE(TraceContext::Parse(response.instance()).has_value()) << response.instance();
}

}  // namespace
}  // namespace octo::telemetry
