// Starts the real octo-arm binary as a planner and as a judge and talks to it over gRPC.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "octo/testing/subprocess.h"
#include "octo/v1/arm.grpc.pb.h"

namespace octo::arms {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class ArmBinaryTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    const int port = testing::PickFreePort();
    const int metrics_port = testing::PickFreePort();
    testing::SpawnOptions options;
    options.log_path = absl::StrCat(dir_.path(), "/arm.log");
    auto process = testing::Subprocess::Spawn(
        {OCTO_ARM_BIN, absl::StrCat("--arm=", GetParam()),
         absl::StrCat("--listen=127.0.0.1:", port),
         absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port), "--drain_timeout=1s"},
        options);
    ASSERT_TRUE(process.ok()) << process.status();
    process_.emplace(*std::move(process));
    const absl::Status up = testing::WaitForPort(port, absl::Seconds(30));
    ASSERT_TRUE(up.ok()) << up << "; log: " << options.log_path;
    stub_ = v1::Arm::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    stub_.reset();
    if (process_ && process_->running()) process_->Stop(absl::Seconds(10));
  }

  grpc::Status Describe(v1::ArmDescription* description) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->Describe(&context, v1::DescribeRequest(), description);
  }

  grpc::Status Execute(const v1::ExecuteRequest& request, v1::ExecuteResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->Execute(&context, request, response);
  }

  testing::TempDir dir_;
  std::optional<testing::Subprocess> process_;
  std::unique_ptr<v1::Arm::Stub> stub_;
};

TEST_P(ArmBinaryTest, StartsAndDescribesItself) {
  v1::ArmDescription description;
  const grpc::Status status = Describe(&description);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(description.kind(), GetParam());
  EXPECT_THAT(description.capabilities(),
              ElementsAre(std::string(GetParam()) == "planner" ? "plan" : "judge"));
  EXPECT_EQ(description.cost_tier(), v1::COST_TIER_FREE);
  EXPECT_EQ(description.max_concurrency(), 32);
  EXPECT_FALSE(description.version().empty());
}

TEST_P(ArmBinaryTest, AnswersOneStep) {
  v1::ExecuteRequest request;
  request.set_task_id("task-1");
  request.set_step_id("plan");
  request.set_tenant_id("tenant-a");
  v1::ExecuteResponse response;
  if (std::string(GetParam()) == "planner") {
    request.set_capability("plan");
    request.set_instruction("Find the release notes, then summarise them");
    request.mutable_plan()->add_available_capabilities("retrieve");
    const grpc::Status status = Execute(request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_THAT(response.output().plan().steps(), SizeIs(2));
    EXPECT_EQ(response.provenance().arm_kind(), "planner");
  } else {
    request.set_capability("judge");
    request.add_acceptance_criteria("mentions Paris");
    request.mutable_judge()->set_candidate("Lyon");
    const grpc::Status status = Execute(request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_FALSE(response.output().judgement().passed());
    EXPECT_THAT(response.output().text(), HasSubstr("Failed: 0 of 1"));
    request.clear_judge();
    EXPECT_EQ(Execute(request, &response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, ArmBinaryTest, ::testing::Values("planner", "judge"));

}  // namespace
}  // namespace octo::arms
