// The answerer arm: the offline extractive answer, citations read from a model's answer, and
// how a model's reply (answer, NO_ANSWER, error) becomes the step's response.
#include "src/answerer/answerer.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/answerer/citations.h"
#include "src/answerer/extractive.h"
#include "scripted_model.h"

namespace octo::arms {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Reply;
using testing::ScriptedModel;

const std::vector<AnswerSource>& Guide() {
  static const auto* const sources = new std::vector<AnswerSource>{
      {"guide.md", "Guide",
       "# Lighthouses\n"
       "A lighthouse keeper trims the wick every evening. The keeper also polishes the "
       "Fresnel lens before dusk.\n\n"
       "| lens | order |\n|---|---|\n| Fresnel | first |\n\n"
       "```\npolish --lens fresnel\n```\n"},
      {"tides.md", "Tides", "Tides rise twice a day. Spring tides follow the full moon."},
  };
  return *sources;
}

TEST(AnswerExtractively, QuotesTheSentenceThatCoversTheQuestionAndCitesIt) {
  auto answer = AnswerExtractively("Who polishes the Fresnel lenses?", Guide());
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->text.rfind("The keeper also polishes the Fresnel lens before dusk. [guide.md]",
                               0),
            0u)
      << answer->text;
  ASSERT_EQ(answer->citations.size(), 1u);
  EXPECT_EQ(answer->citations[0].source_id(), "guide.md");
  EXPECT_EQ(answer->citations[0].title(), "Guide");
  EXPECT_THAT(answer->citations[0].quote(), HasSubstr("polishes the Fresnel lens"));
  EXPECT_THAT(answer->text, Not(HasSubstr("|"))) << "tables are not prose";
  EXPECT_THAT(answer->text, Not(HasSubstr("--lens"))) << "code is not prose";
}

TEST(AnswerExtractively, CitesEverySourceItQuotes) {
  auto answer = AnswerExtractively("When do tides and keepers work in the evening?", Guide(),
                                   {.max_sentences = 3, .min_coverage = 0.25});
  ASSERT_TRUE(answer.ok()) << answer.status();
  std::vector<std::string> ids;
  for (const v1::Citation& c : answer->citations) ids.push_back(c.source_id());
  EXPECT_THAT(ids, ElementsAre("guide.md", "tides.md"));
  EXPECT_THAT(answer->text, HasSubstr("[tides.md]"));
}

TEST(AnswerExtractively, NoSentenceCoveringTheQuestionIsNotFound) {
  auto answer = AnswerExtractively("What is the capital city of Mongolia?", Guide());
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(answer.status().message(), HasSubstr("mongolia"));
  // A question of function words only names nothing to look for.
  EXPECT_EQ(AnswerExtractively("What is it?", Guide()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(AnswerExtractively("Who trims the wick?", {}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(AnswerExtractively, KeepsToItsLimits) {
  auto answer = AnswerExtractively("keeper", Guide(), {.max_sentences = 1});
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->text, "A lighthouse keeper trims the wick every evening. [guide.md]");
}

TEST(AnswerExtractively, NamesInCodeAndPossessivesDoNotPutAWordFirst) {
  const std::vector<AnswerSource> sources = {
      {"conf.md", "", "OCTO_KEEPER_HOURS sets the hours. The keeper's lamp is old."},
      {"guide.md", "", "Each night at dusk the keeper trims the wick. The keeper lights the lamp."}};
  auto answer = AnswerExtractively("What does the keeper do?", sources, {.max_sentences = 1});
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->text, "The keeper lights the lamp. [guide.md]");
}

TEST(ReadCitations, KnownMarksSupportSentencesUnknownOnesDoNot) {
  CitedAnswer cited = ReadCitations(
      "Keepers polish the lens [guide.md]. Tides rise twice a day. [tides.md][guide.md] "
      "The moon is made of cheese, says nobody at all [moon.md].",
      Guide());
  ASSERT_EQ(cited.citations.size(), 2u);
  EXPECT_EQ(cited.citations[0].source_id(), "guide.md");
  EXPECT_EQ(cited.citations[1].source_id(), "tides.md");
  // Quotes are the sources' words, not the answer's.
  EXPECT_EQ(cited.citations[0].quote(), "The keeper also polishes the Fresnel lens before dusk.");
  EXPECT_EQ(cited.citations[1].quote(), "Tides rise twice a day.");
  EXPECT_THAT(cited.unsupported, ElementsAre(HasSubstr("made of cheese")));
}

v1::ExecuteRequest Question(const std::string& question) {
  v1::ExecuteRequest request;
  request.set_capability("answer");
  request.set_instruction(question);
  v1::StepInput* input = request.add_inputs();
  input->set_step_id("retrieve");
  for (const AnswerSource& s : Guide()) {
    v1::Passage* p = input->mutable_output()->mutable_retrieval()->add_passages();
    p->set_external_id(s.id);
    p->set_title(s.title);
    p->set_text(s.text);
  }
  return request;
}

struct ModelArm : testing::ArmWithModel {
  explicit ModelArm(absl::StatusOr<llm::Response> reply)
      : ArmWithModel({std::move(reply)}, [](const ArmModel& m) { return NewAnswerer(m); }) {}
};

TEST(Answerer, AsksTheModelWithTheSourcesAndAccountsForTheCall) {
  ModelArm m(Reply("Keepers polish the Fresnel lens [guide.md]."));
  v1::ExecuteRequest request = Question("Who polishes the lens?");
  request.set_max_output_tokens(64);
  auto response = m.arm->Execute(request, {});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->output().text(), "Keepers polish the Fresnel lens [guide.md].");
  ASSERT_EQ(response->output().answer().citations_size(), 1);
  EXPECT_EQ(response->output().answer().citations(0).source_id(), "guide.md");
  EXPECT_EQ(response->usage().prompt_tokens(), 1000);
  EXPECT_EQ(response->usage().completion_tokens(), 100);
  EXPECT_FALSE(response->usage().cost_unknown());
  EXPECT_GT(response->usage().cost_usd(), 0);
  EXPECT_EQ(response->provenance().method(), "llm");
  EXPECT_EQ(response->provenance().model(), "gpt-4o-mini");
  EXPECT_EQ(response->provenance().provider(), "openai");

  std::vector<llm::Request> asked = m.scripted->requests();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].max_tokens, 64) << "the step's budget share caps the answer";
  ASSERT_EQ(asked[0].messages.size(), 2u);
  EXPECT_THAT(asked[0].messages[0].content, HasSubstr("NO_ANSWER"));
  EXPECT_THAT(asked[0].messages[1].content, HasSubstr("Who polishes the lens?"));
  EXPECT_THAT(asked[0].messages[1].content, HasSubstr("[guide.md] Guide"));
  EXPECT_THAT(asked[0].messages[1].content, HasSubstr("[tides.md] Tides"));
}

TEST(Answerer, UsageTheProviderDidNotReportIsEstimatedAndItsCostUnknown) {
  ModelArm m(Reply("Keepers polish the lens [guide.md].", /*usage=*/false));
  auto response = m.arm->Execute(Question("Who polishes the lens?"), {});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_GT(response->usage().prompt_tokens(), 0);
  EXPECT_TRUE(response->usage().cost_unknown());
}

TEST(Answerer, NoAnswerFromTheModelIsNotFound) {
  ModelArm m(Reply("NO_ANSWER"));
  auto response = m.arm->Execute(Question("What is the capital of Mongolia?"), {});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kNotFound);
}

TEST(Answerer, ARejectedKeyIsAFailedPreconditionNamingTheProvidersWords) {
  ModelArm m(absl::UnauthenticatedError("openai said 401: invalid key"));
  auto response = m.arm->Execute(Question("Who polishes the lens?"), {});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(), HasSubstr("401"));
}

TEST(Answerer, OfflineQuotesTheSourcesAndNothingToAnswerFromIsNotFound) {
  std::unique_ptr<ArmModel> offline = ArmModel::Offline();
  std::unique_ptr<ArmHandler> arm = NewAnswerer(*offline);
  auto response = arm->Execute(Question("Who trims the wick?"), {});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(response->output().text(), HasSubstr("trims the wick every evening. [guide.md]"));
  EXPECT_EQ(response->provenance().method(), "offline-extractive");
  EXPECT_EQ(response->usage().total_tokens(), 0);

  v1::ExecuteRequest bare;
  bare.set_instruction("Who trims the wick?");
  EXPECT_EQ(arm->Execute(bare, {}).status().code(), absl::StatusCode::kNotFound);
  bare.set_instruction("  ");
  EXPECT_EQ(arm->Execute(bare, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace octo::arms
