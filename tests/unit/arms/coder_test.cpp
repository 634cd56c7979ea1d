// The coder arm: the language asked for, the code taken from the model's reply, checked by
// the real compiler or parser in the sandbox, and repaired from its diagnostics.
#include "src/coder/coder.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scripted_model.h"

namespace octo::arms {
namespace {

using ::testing::HasSubstr;
using testing::Reply;
using testing::ScriptedModel;

TEST(CodeLanguage, IsTheLanguageNamedOrPython) {
  EXPECT_EQ(CodeLanguage("Write a C++ function that adds"), "cpp");
  EXPECT_EQ(CodeLanguage("a bash script listing files"), "shell");
  EXPECT_EQ(CodeLanguage("in C, reverse a string"), "c");
  EXPECT_EQ(CodeLanguage("a Rust iterator"), "rust");
  EXPECT_EQ(CodeLanguage("sum a list"), "python");
}

TEST(CodeInReply, TakesTheFirstFencedBlockElseTheReply) {
  EXPECT_EQ(CodeInReply("Here:\n```python\nprint(1)\n```\nDone."), "print(1)");
  EXPECT_EQ(CodeInReply("  print(2)\n"), "print(2)");
  EXPECT_EQ(CodeInReply("```\nx = 1\n"), "x = 1");
}

struct CoderWithModel : testing::ArmWithModel {
  explicit CoderWithModel(std::vector<absl::StatusOr<llm::Response>> replies, int repairs = 2)
      : ArmWithModel(std::move(replies), [repairs](const ArmModel& m) {
          return NewCoder(m, {.max_repairs = repairs});
        }) {}
};

v1::ExecuteRequest CodeStep(std::string instruction) {
  v1::ExecuteRequest request;
  request.set_capability("code");
  request.set_instruction(std::move(instruction));
  return request;
}

constexpr char kBroken[] = "```python\ndef add(a, b)\n    return a + b\n```";
constexpr char kFixed[] = "```python\ndef add(a, b):\n    return a + b\n```";

TEST(Coder, BrokenCodeIsRepairedFromTheCompilersDiagnostics) {
  if (!CheckFor("python")) GTEST_SKIP() << "python3 is not installed";
  CoderWithModel c({Reply(kBroken), Reply(kFixed)});
  auto response = c.arm->Execute(CodeStep("Write a Python function add(a, b)."), {});
  ASSERT_TRUE(response.ok()) << response.status();
  const v1::CodeResult& code = response->output().code();
  EXPECT_EQ(code.language(), "python");
  EXPECT_EQ(code.code(), "def add(a, b):\n    return a + b");
  EXPECT_EQ(code.check(), "python3 compile");
  EXPECT_EQ(code.repair_rounds(), 1);
  EXPECT_THAT(response->output().text(), HasSubstr("after 1 repair"));
  EXPECT_EQ(response->usage().prompt_tokens(), 2000);
  std::vector<llm::Request> asked = c.scripted->requests();
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_THAT(asked[1].messages.back().content, HasSubstr("SyntaxError"));
}

TEST(Coder, CodeThatStillFailsAfterTheRepairsIsAFailedPrecondition) {
  if (!CheckFor("python")) GTEST_SKIP() << "python3 is not installed";
  CoderWithModel c({Reply(kBroken)}, /*repairs=*/1);
  auto response = c.arm->Execute(CodeStep("Write a Python function add(a, b)."), {});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(), HasSubstr("after 1 repair(s)"));
  EXPECT_THAT(response.status().message(), HasSubstr("SyntaxError"));
  EXPECT_EQ(c.scripted->requests().size(), 2u);
}

TEST(Coder, CppIsCheckedByTheCompiler) {
  if (!CheckFor("cpp")) GTEST_SKIP() << "g++ is not installed";
  CoderWithModel c({Reply("```cpp\nint add(int a, int b) { return a + b }\n```"),
                    Reply("```cpp\nint add(int a, int b) { return a + b; }\n```")});
  auto response = c.arm->Execute(CodeStep("Write a C++ function add."), {});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->output().code().check(), "g++ -fsyntax-only");
  EXPECT_EQ(response->output().code().repair_rounds(), 1);
}

TEST(Coder, ALanguageWithoutACheckerIsSaidToBeUnchecked) {
  CoderWithModel c({Reply("```rust\nfn main() {}\n```")});
  auto response = c.arm->Execute(CodeStep("Write a Rust main."), {});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->output().code().check(), "");
  EXPECT_THAT(response->output().text(), HasSubstr("Not checked"));
}

TEST(Coder, AnEmptyInstructionIsInvalidAndAModelErrorIsTheStepsError) {
  CoderWithModel c({absl::UnauthenticatedError("openai said 401")});
  EXPECT_EQ(c.arm->Execute(CodeStep("  "), {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(c.arm->Execute(CodeStep("Write a Python add."), {}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace octo::arms
