#include "src/judge/judge.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "octo/common/utf8.h"
#include "src/judge/criteria.h"

namespace octo::arms {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

// The verdict of a criterion that must be recognised by a rule.
Verdict Check(absl::string_view criterion, absl::string_view candidate) {
  auto rule = ParseRule(criterion);
  EXPECT_TRUE(rule.ok()) << criterion << ": " << rule.status();
  if (!rule.ok()) return {false, "parse error"};
  EXPECT_NE(*rule, nullptr) << "not recognised: " << criterion;
  if (*rule == nullptr) return {false, "not recognised"};
  return (*rule)->Check(candidate);
}

bool Met(absl::string_view criterion, absl::string_view candidate) {
  return Check(criterion, candidate).met;
}

bool Recognised(absl::string_view criterion) {
  auto rule = ParseRule(criterion);
  return rule.ok() && *rule != nullptr;
}

// --- Met or not, rule by rule -------------------------------------------------------------

// One criterion checked against one candidate: `met` is the verdict its rule must give.
struct RuleCase {
  const char* rule;  // the rule family; names the test
  const char* criterion;
  std::string candidate;
  bool met;
};

const char kParagraphs[] = "First line.\n\nSecond para, line one! Still two?\nline three\n";

const RuleCase kRuleCases[] = {
    // Contains: case is ignored.
    {"Contains", "contains Paris", "The capital is PARIS.", true},
    {"Contains", "The answer must mention paris", "Paris is lovely", true},
    {"Contains", "Includes 'Eiffel Tower'", "the eiffel tower is tall", true},
    {"Contains", "contains Paris", "The capital is Lyon.", false},
    // Bare terms start a word, quoted terms are substrings.
    {"Contains", "mentions cat", "concatenate the files", false},
    {"Contains", "mentions cat", "two cats sat", true},
    {"Contains", "contains \"cat\"", "concatenate the files", true},
    // A phrase matches across whitespace.
    {"Contains", "mentions New York", "moved to new\n  york last year", true},
    {"Contains", "mentions New York", "new jersey, york", false},
    // All terms with "and", any with "or".
    {"Contains", "mentions Paris, London and Rome", "Rome, London, Paris", true},
    {"Contains", "mentions Paris or London", "London calling", true},
    {"Contains", "mentions Paris or London", "Berlin", false},
    {"Contains", "contains 'alpha', 'beta'", "beta alpha", true},
    {"Contains", "contains 'alpha', 'beta'", "alpha", false},
    {"Contains", "contains either 'alpha' or 'beta'", "beta", true},
    // Quotes of all kinds.
    {"Contains", "contains “naïve”", "a NAÏVE approach", true},
    {"Contains", "contains `std::move`", "use std::move here", true},
    {"Contains", "mentions O'Brien", "Ms O'Brien said", true},
    // Unicode case folding.
    {"Contains", "mentions Zürich", "ZÜRICH is in Switzerland", true},
    {"Contains", "mentions ÉCOLE", "une école", true},
    {"Contains", "contains 東京", "今日の東京は晴れ", true},
    // Negative forms.
    {"Contains", "does not contain TODO", "all done", true},
    {"Contains", "does not contain TODO", "// todo: fix", false},
    {"Contains", "must not mention the password", "the PASSWORD is x", false},
    {"Contains", "doesn't mention Bob", "Alice", true},
    {"Contains", "Should never mention Bob", "Alice", true},
    {"Contains", "contains no profanity", "what the profanity", false},
    {"Contains", "excludes 'secret'", "top secret", false},
    {"Contains", "without internal hostnames", "see internal hostnames", false},
    {"Contains", "no mention of competitors", "we win", true},
    {"Contains", "avoids jargon", "plain words", true},
    // Negative descriptions keep their noun.
    {"Contains", "does not contain any profanity", "such profanity", false},
    {"Contains", "does not contain any profanity", "clean", true},

    // Counts: words at the boundary.
    {"Count", "at most 3 words", "one two three", true},
    {"Count", "at most 3 words", "one two three four", false},
    {"Count", "no more than 3 words", "one, two — three", true},  // the dash is no word
    {"Count", "under 3 words", "one two three", false},
    {"Count", "fewer than 3 words", "one two", true},
    {"Count", "at least 2 words", "one two", true},
    {"Count", "more than 2 words", "one two", false},
    {"Count", "exactly 2 words", "hello world", true},
    {"Count", "between 2 and 4 words", "a b c", true},
    {"Count", "between 2 and 4 words", "a b c d e", false},
    {"Count", "2-4 words", "a b", true},
    {"Count", "3 words or fewer", "a b c", true},
    {"Count", "3 words or more", "a b", false},
    {"Count", "must not exceed 3 words", "a b c", true},
    {"Count", "must not exceed 3 words", "a b c d", false},
    {"Count", "is not more than 3 words", "a b c d", false},
    {"Count", "at most five words", "a b c d e", true},
    {"Count", "The summary should be at most 1,000 words long.", "short", true},
    {"Count", "Keep it under 10 words", "short", true},
    {"Count", "word count under 10", "short", true},
    // Characters are code points.
    {"Count", "at most 5 characters", "日本語です", true},  // 15 bytes
    {"Count", "at most 4 characters", "日本語です", false},
    {"Count", "at most 5 chars", "  hello \n", true},  // surrounding whitespace ignored
    {"Count", "at most 15 bytes", "日本語です", true},
    {"Count", "at most 14 bytes", "日本語です", false},
    {"Count", "length at most 280 characters", std::string(280, 'x'), true},
    {"Count", "length at most 280 characters", std::string(281, 'x'), false},
    // Lines, sentences, paragraphs and items.
    {"Count", "at most 3 lines", kParagraphs, true},
    {"Count", "at most 2 lines", kParagraphs, false},
    {"Count", "exactly 2 paragraphs", kParagraphs, true},
    {"Count", "exactly 4 sentences", kParagraphs, true},
    {"Count", "at least 3 bullet points", "- a\n- b\n* c\nnot an item", true},
    {"Count", "at least 3 bullet points", "- a\n- b\nnot an item", false},
    {"Count", "exactly 2 items", "1. a\n2) b", true},

    // JSON: strict JSON is accepted.
    {"Json", "is valid JSON", R"({"a": [1, 2.5e3, true, null, "x\u00e9"]})", true},
    {"Json", "Output must be valid JSON.", "  [1, 2]\n", true},
    {"Json", "valid json", "\"just a string\"", true},
    {"Json", "answer in JSON format", "{}", true},
    {"Json", "is a JSON object", R"({"k": {}})", true},
    {"Json", "is a valid JSON array", "[]", true},
    {"Json", "is not valid JSON", "{oops", true},

    // Regex: slash-delimited, with flags.
    {"Regex", "matches regex /^\\d{3}-\\d{4}$/", "555-1234", true},
    {"Regex", "matches regex /^\\d{3}-\\d{4}$/", "555-12345", false},
    {"Regex", "matches /order #[0-9]+/", "see order #42 today", true},  // search, not anchored
    {"Regex", "matches /HELLO/", "hello", false},
    {"Regex", "matches /HELLO/i", "hello", true},
    {"Regex", "matches /^b$/m", "a\nb\nc", true},
    {"Regex", "matches /a.b/s", "a\nb", true},
    {"Regex", "Must match the regex /a/b/", "xa/by", true},  // the last slash closes
    // Other delimiters, and full match.
    {"Regex", "matches the pattern `^[A-Z]{2}\\d+$`", "AB12", true},
    {"Regex", "matches regex ^v[0-9]+$", "v12", true},
    {"Regex", "fully matches \"[a-z]+\"", "abc", true},
    {"Regex", "fully matches \"[a-z]+\"", "abc1", false},
    {"Regex", "does not match /secret/i", "public", true},
    {"Regex", "does not match /secret/i", "SECRET", false},
    {"Regex", "matches /^日本/", "日本語", true},

    // Starts and ends with.
    {"Edge", "starts with 'Dear'", "  dear Sir", true},
    {"Edge", "starts with 'Dear'", "Hello, dear", false},
    {"Edge", "begins with Summary:", "Summary: all good", true},
    {"Edge", "ends with 'Regards'", "Kind regards\n", true},
    {"Edge", "ends with 'Regards'", "Regards, Bob", false},
    {"Edge", "ends with a question mark", "Really?", true},
    {"Edge", "ends with a question mark", "Really.", false},
    {"Edge", "Must end with a period.", "Done.", true},
    {"Edge", "must not start with 'I'", "We did it", true},
    {"Edge", "must not start with 'I'", "I did it", false},
    {"Edge", "starts with “Привет”", "привет, мир", true},

    // Empty.
    {"Empty", "is empty", "", true},
    {"Empty", "is empty", ".", false},
};

class RuleCaseTest : public ::testing::TestWithParam<RuleCase> {};

// The criterion parses to a rule whose verdict on the candidate is the expected one.
TEST_P(RuleCaseTest, Verdict) {
  const RuleCase& c = GetParam();
  EXPECT_EQ(Met(c.criterion, c.candidate), c.met) << c.criterion << " on: " << c.candidate;
}

INSTANTIATE_TEST_SUITE_P(Rules, RuleCaseTest, ::testing::ValuesIn(kRuleCases),
                         [](const ::testing::TestParamInfo<RuleCase>& info) {
                           return absl::StrCat(info.param.rule, "_", info.index);
                         });

// --- Failure details and parsing -----------------------------------------------------------

TEST(ContainsRule, MissingTermIsNamed) {
  const Verdict missing = Check("mentions Paris, London and Rome", "Rome and Paris");
  EXPECT_FALSE(missing.met);
  EXPECT_EQ(missing.detail, "\"London\" not found");
}

TEST(ContainsRule, ForbiddenTermIsNamed) {
  const Verdict found = Check("must not contain 'TODO' or 'FIXME'", "FIXME later");
  EXPECT_FALSE(found.met);
  EXPECT_THAT(found.detail, HasSubstr("\"FIXME\", which must not appear"));
}

TEST(ContainsRule, DescriptionsAreLeftToTheFallback) {
  EXPECT_FALSE(Recognised("mentions a deadline"));
  EXPECT_FALSE(Recognised("includes three examples"));
  EXPECT_FALSE(Recognised("mentions at least one risk"));
  EXPECT_FALSE(Recognised("contains an explanation of why the build failed on Tuesday"));
}

TEST(CountRule, FailureSaysHowMany) {
  const Verdict v = Check("at most 3 words", "a b c d e");
  EXPECT_FALSE(v.met);
  EXPECT_EQ(v.detail, "has 5 words (at most 3 wanted)");
}

TEST(CountRule, WordsInScriptsWithoutSpaces) {
  EXPECT_EQ(CountUnits("東京の天気", TextUnit::kWords), 5u);
  EXPECT_EQ(CountUnits("Tokyo 東京", TextUnit::kWords), 3u);
  EXPECT_EQ(CountUnits("", TextUnit::kWords), 0u);
  EXPECT_EQ(CountUnits("", TextUnit::kLines), 0u);
  EXPECT_EQ(CountUnits("", TextUnit::kSentences), 0u);
  EXPECT_EQ(CountUnits("e.g. this", TextUnit::kSentences), 2u);  // a known simplification
}

TEST(JsonRule, RejectsLooseJson) {
  for (const char* bad : {"{\"a\": 1,}", "{'a': 1}", "{\"a\": 1} // note", "[NaN]", "[01]",
                          "{\"a\" 1}", "", "   ", "{\"a\": \"line\nbreak\"}", "[1] [2]",
                          "{\"a\": \"\\ud800\"}", "{\"a\": \"\\x\"}", "[1, 2", "tru"}) {
    EXPECT_FALSE(Met("is valid JSON", bad)) << bad;
  }
  EXPECT_FALSE(CheckJson("\"\xff\"").ok());
}

TEST(JsonRule, ShapeAndFailureDetail) {
  const Verdict array = Check("is a JSON object", "[1]");
  EXPECT_FALSE(array.met);
  EXPECT_EQ(array.detail, "is valid JSON but not an object");
  const Verdict fenced = Check("is valid JSON", "```json\n{}\n```");
  EXPECT_FALSE(fenced.met);
  EXPECT_THAT(fenced.detail, AllOf(StartsWith("is not valid JSON: "), HasSubstr("line 1"),
                                   HasSubstr("code fence")));
}

TEST(JsonRule, DeepNestingDoesNotCrash) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_TRUE(CheckJson(deep).ok());
  EXPECT_FALSE(CheckJson(std::string(100000, '[')).ok());
}

TEST(RegexRule, BadPatternIsInvalidArgument) {
  auto rule = ParseRule("matches regex /([a-z/");
  EXPECT_EQ(rule.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(rule.status().message(), HasSubstr("invalid regular expression"));
  EXPECT_EQ(ParseRule("matches /a/x").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(RegexRule, UndelimitedWordsAreNotAPattern) {
  EXPECT_FALSE(Recognised("matches the expected format"));
}

TEST(EdgeRule, FailureQuotesTheStart) {
  const Verdict v = Check("starts with 'Dear'", "Hello there");
  EXPECT_EQ(v.detail, "begins \"Hello there\"; wanted \"Dear\"");
}

TEST(EdgeRule, DescriptionsAreLeftToTheFallback) {
  EXPECT_FALSE(Recognised("starts with a greeting"));
}

TEST(EmptyRule, NotEmpty) {
  for (const char* form : {"is not empty", "Must not be empty", "non-empty",
                           "The answer is nonempty", "has content"}) {
    EXPECT_TRUE(Met(form, "x")) << form;
    EXPECT_FALSE(Met(form, "")) << form;
    EXPECT_FALSE(Met(form, " \n\t")) << form;
    EXPECT_FALSE(Met(form, "\u00a0\u3000")) << form;  // Unicode spaces only
  }
}

// --- Keyword coverage ----------------------------------------------------------------------

TEST(KeywordCoverage, ShareOfContentWords) {
  const Coverage c = KeywordCoverage("Explains the causes of inflation and unemployment",
                                     "The causes of inflation are many.");
  EXPECT_THAT(c.found, ElementsAre("causes", "inflation"));
  EXPECT_THAT(c.missing, ElementsAre("unemployment"));
  EXPECT_NEAR(c.share, 2.0 / 3, 1e-9);
}

TEST(KeywordCoverage, PluralsAndCaseMatch) {
  const Coverage c = KeywordCoverage("lists the risks", "One RISK remains");
  EXPECT_THAT(c.found, ElementsAre("risks"));
  EXPECT_THAT(c.missing, IsEmpty());
}

TEST(KeywordCoverage, NoContentWords) {
  const Coverage c = KeywordCoverage("must be good", "anything");
  EXPECT_THAT(c.found, IsEmpty());
  EXPECT_THAT(c.missing, IsEmpty());
  EXPECT_EQ(c.share, 0);
}

// --- The arm -------------------------------------------------------------------------------

v1::ExecuteRequest JudgeCall(std::string candidate, std::vector<std::string> criteria) {
  v1::ExecuteRequest request;
  request.set_tenant_id("t");
  request.set_capability("judge");
  request.mutable_judge()->set_candidate(std::move(candidate));
  for (auto& c : criteria) request.add_acceptance_criteria(std::move(c));
  return request;
}

// Records what reaches the fallback and answers `met`.
class FakeOpenJudge final : public OpenCriterionJudge {
 public:
  absl::string_view method() const override { return "fake"; }
  absl::StatusOr<Verdict> Judge(absl::string_view criterion, absl::string_view,
                                const v1::ExecuteRequest&, const CallContext&,
                                v1::ExecuteResponse*) override {
    seen.emplace_back(criterion);
    return Verdict{met, "fake"};
  }
  std::vector<std::string> seen;
  bool met = true;
};

class JudgeArmTest : public ::testing::Test {
 protected:
  absl::StatusOr<v1::JudgeResult> Judge(const v1::ExecuteRequest& request) {
    auto response = arm_->Execute(request, context_);
    if (!response.ok()) return response.status();
    last_text_ = response->output().text();
    EXPECT_TRUE(response->output().has_judgement());
    return response->output().judgement();
  }
  CallContext context_{[] { return false; }, absl::InfiniteFuture()};
  std::unique_ptr<ArmHandler> arm_ = NewJudgeArm(NewKeywordJudge());
  std::string last_text_;
};

TEST_F(JudgeArmTest, Describe) {
  const v1::ArmDescription d = arm_->Describe();
  EXPECT_EQ(d.kind(), "judge");
  EXPECT_THAT(d.capabilities(), ElementsAre("judge"));
  EXPECT_EQ(d.cost_tier(), v1::COST_TIER_FREE);
}

TEST_F(JudgeArmTest, AllMet) {
  auto result = Judge(
      JudgeCall(R"({"city": "Paris"})", {"mentions Paris", "is valid JSON", "at most 10 words"}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->passed());
  EXPECT_THAT(result->failures(), IsEmpty());
  EXPECT_FLOAT_EQ(result->score(), 1.0f);
  EXPECT_THAT(last_text_, StartsWith("Passed: 3 of 3 criteria met (score 1.00).\n"));
}

TEST_F(JudgeArmTest, ScoreIsTheShareMetAndFailuresSayWhy) {
  auto result = Judge(JudgeCall(
      "Lyon is big", {"mentions Paris", "at most 2 words", "is not empty", "starts with 'Lyon'"}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->passed());
  EXPECT_FLOAT_EQ(result->score(), 0.5f);
  EXPECT_THAT(result->failures(),
              ElementsAre("\"mentions Paris\": \"Paris\" not found",
                          "\"at most 2 words\": has 3 words (at most 2 wanted)"));
  EXPECT_THAT(last_text_, AllOf(StartsWith("Failed: 2 of 4 criteria met (score 0.50).\n"),
                                HasSubstr("- NOT met \"mentions Paris\" (rule)"),
                                HasSubstr("- met \"is not empty\" (rule)")));
}

TEST_F(JudgeArmTest, UnrecognisedCriteriaUseKeywordCoverage) {
  auto result = Judge(JudgeCall("Inflation rises when demand outpaces supply.",
                                {"Explains how demand and supply drive inflation",
                                 "Discusses unemployment, wages and productivity"}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FLOAT_EQ(result->score(), 0.5f);
  ASSERT_THAT(result->failures(), SizeIs(1));
  EXPECT_THAT(result->failures(0),
              AllOf(StartsWith("\"Discusses unemployment, wages and productivity\": "),
                    HasSubstr("key words found: 0 of 3"),
                    HasSubstr("missing: unemployment, wages, productivity")));
  EXPECT_THAT(last_text_, HasSubstr("(keywords)"));
}

TEST_F(JudgeArmTest, KeywordThresholdIsSixtyPercent) {
  // 3 of 5 content words = 0.6 passes; 2 of 5 fails.
  const std::string criterion = "Covers alpha beta gamma delta epsilon";
  auto pass = Judge(JudgeCall("Alpha, beta and gamma.", {criterion}));
  ASSERT_TRUE(pass.ok());
  EXPECT_TRUE(pass->passed()) << last_text_;
  auto fail = Judge(JudgeCall("alpha beta", {criterion}));
  ASSERT_TRUE(fail.ok());
  EXPECT_FALSE(fail->passed()) << last_text_;
  EXPECT_THAT(fail->failures(0), HasSubstr("missing: gamma, delta, epsilon"));
}

TEST_F(JudgeArmTest, FallbackGetsOnlyUnrecognisedCriteria) {
  auto fake = std::make_unique<FakeOpenJudge>();
  FakeOpenJudge* open = fake.get();
  open->met = false;
  arm_ = NewJudgeArm(std::move(fake));
  auto result = Judge(JudgeCall("text", {"is not empty", "sounds friendly"}));
  ASSERT_TRUE(result.ok());
  EXPECT_THAT(open->seen, ElementsAre("sounds friendly"));
  EXPECT_THAT(result->failures(), ElementsAre("\"sounds friendly\": fake"));
}

TEST_F(JudgeArmTest, CriterionWithoutKeyWordsFails) {
  auto result = Judge(JudgeCall("whatever", {"must be good"}));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->passed());
  EXPECT_THAT(result->failures(0), HasSubstr("no key words"));
}

TEST_F(JudgeArmTest, BlankCandidateIsJudged) {
  auto result = Judge(JudgeCall(" \n\t", {"is not empty", "does not contain 'error'"}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->passed());
  EXPECT_FLOAT_EQ(result->score(), 0.5f);
}

TEST_F(JudgeArmTest, MissingParamsOrCriteriaAreInvalidArgument) {
  v1::ExecuteRequest no_params = JudgeCall("x", {"is not empty"});
  no_params.clear_judge();
  EXPECT_EQ(Judge(no_params).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Judge(no_params).status().message(), HasSubstr("judge.candidate"));
  EXPECT_EQ(Judge(JudgeCall("", {"is not empty"})).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Judge(JudgeCall("x", {})).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Judge(JudgeCall("x", {"", "  \n"})).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(JudgeArmTest, BlankCriteriaAreSkipped) {
  auto result = Judge(JudgeCall("x", {"", "is not empty", " "}));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->passed());
  EXPECT_THAT(last_text_, HasSubstr("1 of 1"));
}

TEST_F(JudgeArmTest, LimitsAndBadCriteriaAreInvalidArgument) {
  std::vector<std::string> many(kMaxCriteria + 1, "is not empty");
  EXPECT_EQ(Judge(JudgeCall("x", many)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Judge(JudgeCall("x", {std::string(kMaxCriterionBytes + 1, 'a')})).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto bad = Judge(JudgeCall("x", {"is not empty", "matches /(/"}));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("acceptance_criteria[1]"));
}

TEST_F(JudgeArmTest, CancelledCallStops) {
  context_.cancelled = [] { return true; };
  EXPECT_EQ(Judge(JudgeCall("x", {"is not empty"})).status().code(), absl::StatusCode::kCancelled);
}

TEST_F(JudgeArmTest, HugeCandidate) {
  std::string candidate;
  while (candidate.size() < (4 << 20)) candidate += "lorem ipsum dolor sit amet 東京 ";
  candidate += "NEEDLE";
  auto result =
      Judge(JudgeCall(candidate, {"mentions needle", "at least 100000 words", "ends with 'needle'",
                                  "is not valid JSON", "Talks about lorem and ipsum"}));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->passed()) << last_text_;
}

TEST_F(JudgeArmTest, TextAndFailuresAreValidUtf8) {
  // A failure quotes part of a long multi-byte criterion and candidate.
  std::string criterion = "mentions ";
  for (int i = 0; i < 100; ++i) criterion += "東京";
  auto result = Judge(JudgeCall(std::string(300, 'x') + "日本語", {criterion, "ends with 'z'"}));
  ASSERT_TRUE(result.ok()) << result.status();
  for (const std::string& failure : result->failures()) {
    EXPECT_TRUE(common::IsValidUtf8(failure)) << failure;
  }
  EXPECT_TRUE(common::IsValidUtf8(last_text_));
}

}  // namespace
}  // namespace octo::arms
