// The judge arm with a language model for open criteria: rules still judge what they
// recognise, the model the rest, its verdicts and reasons reported and its usage accounted.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scripted_model.h"
#include "src/judge/judge.h"

namespace octo::arms {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Reply;

v1::ExecuteRequest JudgeCall(std::string candidate, std::vector<std::string> criteria) {
  v1::ExecuteRequest request;
  request.set_capability("judge");
  request.mutable_judge()->set_candidate(std::move(candidate));
  for (std::string& c : criteria) request.add_acceptance_criteria(std::move(c));
  return request;
}

struct JudgeWithModel : testing::ArmWithModel {
  explicit JudgeWithModel(std::vector<absl::StatusOr<llm::Response>> replies)
      : ArmWithModel(std::move(replies),
                     [](const ArmModel& m) { return NewJudgeArm(NewModelJudge(m)); }) {}
};

TEST(ModelJudge, TheModelJudgesOpenCriteriaAndRulesTheRest) {
  JudgeWithModel j({Reply(R"({"met": false, "reason": "it never weighs cost against speed"})")});
  auto response = j.arm->Execute(
      JudgeCall("Use Redis.", {"is not empty", "explains the trade-offs"}), {});
  ASSERT_TRUE(response.ok()) << response.status();
  const v1::JudgeResult& verdict = response->output().judgement();
  EXPECT_FALSE(verdict.passed());
  EXPECT_FLOAT_EQ(verdict.score(), 0.5f);
  EXPECT_THAT(verdict.failures(),
              ElementsAre("\"explains the trade-offs\": it never weighs cost against speed"));
  EXPECT_THAT(response->output().text(), HasSubstr("(llm)"));
  EXPECT_THAT(response->output().text(), HasSubstr("(rule)"));
  EXPECT_EQ(response->usage().prompt_tokens(), 1000);
  EXPECT_EQ(response->provenance().method(), "llm");
  EXPECT_EQ(j.arm->Describe().cost_tier(), v1::COST_TIER_MEDIUM);

  std::vector<llm::Request> asked = j.scripted->requests();
  ASSERT_EQ(asked.size(), 1u) << "only the open criterion goes to the model";
  EXPECT_THAT(asked[0].json_schema, HasSubstr("\"met\""));
  EXPECT_THAT(asked[0].messages[1].content, HasSubstr("Criterion: explains the trade-offs"));
  EXPECT_THAT(asked[0].messages[1].content, HasSubstr("Use Redis."));
}

TEST(ModelJudge, TheStepsTokenBudgetCapsEveryCallByWhatIsLeft) {
  JudgeWithModel j({Reply(R"({"met": true, "reason": "yes"})"),
                    Reply(R"({"met": true, "reason": "yes"})"),
                    Reply(R"({"met": true, "reason": "yes"})")});
  v1::ExecuteRequest call =
      JudgeCall("x", {"sounds friendly", "reads well", "stays on topic"});
  call.set_max_output_tokens(150);  // each reply costs 100 output tokens
  auto response = j.arm->Execute(call, {});
  ASSERT_TRUE(response.ok()) << response.status();
  std::vector<llm::Request> asked = j.scripted->requests();
  ASSERT_EQ(asked.size(), 3u);
  EXPECT_EQ(asked[0].max_tokens, 150);
  EXPECT_EQ(asked[1].max_tokens, 50);
  EXPECT_EQ(asked[2].max_tokens, 1) << "spent: one token, and the usage shows the overrun";
  EXPECT_EQ(response->usage().completion_tokens(), 300);
}

TEST(ModelJudge, AFencedVerdictIsRead) {
  JudgeWithModel j({Reply("```json\n{\"met\": true, \"reason\": \"it does\"}\n```")});
  auto response = j.arm->Execute(JudgeCall("x", {"sounds friendly"}), {});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->output().judgement().passed());
}

TEST(ModelJudge, AnUnreadableVerdictIsUnavailableAndARejectedKeyAPrecondition) {
  JudgeWithModel unreadable({Reply("Looks good to me!")});
  auto response = unreadable.arm->Execute(JudgeCall("x", {"sounds friendly"}), {});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("Looks good to me!"));

  JudgeWithModel rejected({absl::UnauthenticatedError("openai said 401")});
  EXPECT_EQ(rejected.arm->Execute(JudgeCall("x", {"sounds friendly"}), {}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace octo::arms
