#include "src/executor/executor.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "octo/common/utf8.h"
#include "octo/testing/status_macros.h"

namespace octo::arms {
namespace {

using ::testing::ElementsAre;
using testing::ExpectError;

TEST(NewExecutor, RejectsProgramNamesWithASlash) {
  for (const char* name : {"/bin/echo", "bin/echo", "../echo"}) {
    ExecutorOptions options;
    options.allow = {name};
    ExpectError(NewExecutor(options), absl::StatusCode::kInvalidArgument, {name});
  }
}

TEST(NewExecutor, RejectsAnEmptyName) {
  ExecutorOptions options;
  options.allow = {"echo", ""};
  EXPECT_EQ(NewExecutor(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NewExecutor, RejectsAProgramThatCannotBeFound) {
  ExecutorOptions options;
  options.allow = {"echo", "octo-no-such-program"};
  ExpectError(NewExecutor(options), absl::StatusCode::kInvalidArgument, {"octo-no-such-program"});
}

TEST(NewExecutor, DescribesTheExecuteCapability) {
  ExecutorOptions options;
  options.allow = {"echo"};
  auto executor = NewExecutor(options);
  ASSERT_TRUE(executor.ok()) << executor.status();
  v1::ArmDescription description = (*executor)->Describe();
  EXPECT_EQ(description.kind(), "executor");
  EXPECT_THAT(description.capabilities(), ElementsAre("execute"));
  EXPECT_EQ(description.cost_tier(), v1::COST_TIER_FREE);
}

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ExecutorOptions options;
    options.allow = {"echo", "cat", "false", "sleep", "printf", "head"};
    options.limits.timeout = absl::Seconds(30);
    auto executor = NewExecutor(options);
    ASSERT_TRUE(executor.ok()) << executor.status();
    executor_ = *std::move(executor);
  }

  absl::StatusOr<v1::ExecuteResponse> Exec(const std::string& program,
                                           std::vector<std::string> args = {},
                                           const std::string& stdin_data = "") {
    v1::ExecuteRequest request;
    request.set_capability("execute");
    request.set_tenant_id("tenant-a");
    request.mutable_exec()->set_program(program);
    for (auto& arg : args) request.mutable_exec()->add_args(arg);
    request.mutable_exec()->set_stdin(stdin_data);
    return executor_->Execute(request, context_);
  }

  absl::StatusOr<v1::ExecuteResponse> Instruct(const std::string& instruction) {
    v1::ExecuteRequest request;
    request.set_capability("execute");
    request.set_tenant_id("tenant-a");
    request.set_instruction(instruction);
    return executor_->Execute(request, context_);
  }

  std::unique_ptr<ArmHandler> executor_;
  CallContext context_;
};

TEST_F(ExecutorTest, RunsAnAllowedProgram) {
  auto response = Exec("echo", {"hello", "there"});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->output().text(), "hello there\n");
  ASSERT_TRUE(response->output().has_exec());
  EXPECT_EQ(response->output().exec().stdout(), "hello there\n");
  EXPECT_EQ(response->output().exec().exit_code(), 0);
}

TEST_F(ExecutorTest, PassesStdin) {
  auto response = Exec("cat", {}, "from stdin");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->output().text(), "from stdin");
}

TEST_F(ExecutorTest, RejectsAProgramOutsideTheAllowList) {
  ExpectError(Exec("rm", {"-rf", "/"}), absl::StatusCode::kInvalidArgument, {"\"rm\"", "echo"});
}

TEST_F(ExecutorTest, RejectsAPathEvenToAnAllowedProgram) {
  ExpectError(Exec("/bin/echo", {"hi"}), absl::StatusCode::kInvalidArgument, {"/bin/echo"});
}

TEST_F(ExecutorTest, ParsesTheInstructionWhenNoExecParamsAreGiven) {
  auto response = Instruct("echo 'hello   world' again");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->output().text(), "hello   world again\n");
}

TEST_F(ExecutorTest, InstructionProgramMustBeAllowedToo) {
  ExpectError(Instruct("rm -rf /"), absl::StatusCode::kInvalidArgument, {"\"rm\""});
}

TEST_F(ExecutorTest, EmptyInstructionIsInvalid) {
  EXPECT_EQ(Instruct("   ").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ExecutorTest, InstructionWithAnOpenQuoteIsInvalid) {
  EXPECT_EQ(Instruct("echo 'oops").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ExecutorTest, NonZeroExitIsFailedPrecondition) {
  ExpectError(Exec("false"), absl::StatusCode::kFailedPrecondition, {"false", "status 1"});
}

TEST_F(ExecutorTest, FailureMessageCarriesStderr) {
  ExpectError(Exec("cat", {"/octo-no-such-file"}), absl::StatusCode::kFailedPrecondition,
              {"octo-no-such-file"});
}

TEST_F(ExecutorTest, InvalidUtf8OutputIsRepaired) {
  auto response = Exec("printf", {"a\\377b"});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->output().text(),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_TRUE(common::IsValidUtf8(response->output().exec().stdout()));
}

TEST_F(ExecutorTest, RejectsTooManyArguments) {
  std::vector<std::string> args(65, "x");
  EXPECT_EQ(Exec("echo", args).status().code(), absl::StatusCode::kInvalidArgument);
  args.resize(64);
  EXPECT_TRUE(Exec("echo", args).ok());
}

TEST_F(ExecutorTest, RejectsOverlongOrNulArguments) {
  EXPECT_EQ(Exec("echo", {std::string(4097, 'a')}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Exec("echo", {std::string(4096, 'a')}).ok());
  EXPECT_EQ(Exec("echo", {std::string("a\0b", 3)}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ExecutorTest, RejectsStdinOverOneMebibyte) {
  EXPECT_EQ(Exec("cat", {}, std::string((1 << 20) + 1, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ExecutorTest, StopsAtTheCallersDeadline) {
  context_.deadline = absl::Now() + absl::Milliseconds(200);
  const absl::Time start = absl::Now();
  auto response = Exec("sleep", {"30"});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded) << response.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(15));
}

TEST_F(ExecutorTest, DeadlineAlreadyPassedIsDeadlineExceeded) {
  context_.deadline = absl::Now() - absl::Seconds(1);
  EXPECT_EQ(Exec("echo", {"hi"}).status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(ExecutorTest, CancellationStopsTheProgram) {
  context_.cancelled = [] { return true; };
  EXPECT_EQ(Exec("sleep", {"30"}).status().code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace octo::arms
