#include "src/guardian/guardian.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace octo::arms {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Guardian, GuardsItsInputsAndReportsWhatItFound) {
  auto guardian = NewGuardian();
  EXPECT_EQ(guardian->Describe().capabilities(0), "guard");
  v1::ExecuteRequest request;
  request.set_capability("guard");
  v1::StepInput* input = request.add_inputs();
  input->set_step_id("s1");
  input->mutable_output()->set_text("Reach Jane at jane.doe@example.com, SSN 123-45-6789.");
  v1::StepInput* other = request.add_inputs();
  other->set_step_id("s2");
  other->set_text("Nothing to see here.");
  auto response = guardian->Execute(request, {});
  ASSERT_TRUE(response.ok()) << response.status();
  const std::string& text = response->output().text();
  EXPECT_THAT(text, Not(HasSubstr("jane.doe@example.com")));
  EXPECT_THAT(text, Not(HasSubstr("123-45-6789")));
  EXPECT_THAT(text, HasSubstr("[s1]\nReach Jane at [EMAIL], SSN [US_SSN]."));
  EXPECT_THAT(text, HasSubstr("[s2]\nNothing to see here."));
  EXPECT_EQ(response->output().guard().redacted().at("EMAIL"), 1);
  EXPECT_EQ(response->output().guard().redacted().at("US_SSN"), 1);
}

TEST(Guardian, AStepWithoutInputsIsInvalid) {
  v1::ExecuteRequest request;
  request.set_capability("guard");
  request.set_instruction("check the result");
  EXPECT_EQ(NewGuardian()->Execute(request, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace octo::arms
