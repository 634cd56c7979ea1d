#include "octo/task/spec.h"

#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace octo::task {
namespace {

using ::testing::MatchesRegex;
using ::testing::StartsWith;

constexpr char kE[] = "\xC3\xA9";              // é: two bytes, one character
constexpr char kEmoji[] = "\xF0\x9F\x98\x80";  // 😀: four bytes, one character

std::string Repeat(absl::string_view unit, size_t n) {
  std::string out;
  out.reserve(unit.size() * n);
  for (size_t i = 0; i < n; ++i) out.append(unit.data(), unit.size());
  return out;
}

v1::TaskSpec ValidSpec() {
  v1::TaskSpec spec;
  spec.set_goal("Summarise the quarterly report");
  spec.set_context("The report is attached.");
  spec.add_constraints("at most 200 words");
  spec.add_acceptance_criteria("mentions revenue");
  spec.add_required_capabilities("retrieve");
  spec.set_priority(v1::PRIORITY_HIGH);
  spec.mutable_budget()->set_max_tokens(1000);
  spec.mutable_budget()->set_max_cost_usd(0.5);
  spec.mutable_budget()->mutable_deadline()->set_seconds(60);
  (*spec.mutable_labels())["team"] = "finance";
  return spec;
}

// INVALID_ARGUMENT whose message starts with "<field>:".
void ExpectInvalid(const absl::Status& status, absl::string_view field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(absl::StrCat(field, ":"))) << status;
}

using StringList = google::protobuf::RepeatedPtrField<std::string>;

// Checks that `spec` is valid with `max` entries of `item` in its `list` but not with one more,
// which is INVALID_ARGUMENT naming `field`.
void ExpectCountLimit(v1::TaskSpec& spec, StringList* list, size_t max, absl::string_view item,
                      absl::string_view field) {
  list->Clear();
  for (size_t i = 0; i < max; ++i) list->Add(std::string(item));
  EXPECT_TRUE(ValidateTaskSpec(spec).ok()) << max << " entries in " << field;
  list->Add(std::string(item));
  ExpectInvalid(ValidateTaskSpec(spec), field);
}

// Checks that `spec` stays valid when `fits` is added to its `list`, and that adding `too_long`
// after it is INVALID_ARGUMENT naming that entry, "<field>[<index>]".
void ExpectItemLengthLimit(v1::TaskSpec& spec, StringList* list, const std::string& fits,
                           const std::string& too_long, absl::string_view field) {
  list->Add(std::string(fits));
  EXPECT_TRUE(ValidateTaskSpec(spec).ok()) << "longest entry in " << field;
  list->Add(std::string(too_long));
  ExpectInvalid(ValidateTaskSpec(spec), absl::StrCat(field, "[", list->size() - 1, "]"));
}

TEST(ValidateTaskSpec, AcceptsAValidSpec) {
  absl::Status status = ValidateTaskSpec(ValidSpec());
  EXPECT_TRUE(status.ok()) << status;
}

TEST(ValidateTaskSpec, AcceptsAMinimalSpec) {
  v1::TaskSpec spec;
  spec.set_goal("x");
  EXPECT_TRUE(ValidateTaskSpec(spec).ok());
}

TEST(ValidateTaskSpec, GoalIsRequired) {
  v1::TaskSpec spec = ValidSpec();
  spec.clear_goal();
  ExpectInvalid(ValidateTaskSpec(spec), "spec.goal");
  spec.set_goal(" \t\n ");
  ExpectInvalid(ValidateTaskSpec(spec), "spec.goal");
}

TEST(ValidateTaskSpec, GoalLimitIsInCharactersNotBytes) {
  v1::TaskSpec spec = ValidSpec();
  for (absl::string_view unit :
       {absl::string_view("a"), absl::string_view(kE), absl::string_view(kEmoji)}) {
    spec.set_goal(Repeat(unit, kMaxGoalChars));
    EXPECT_TRUE(ValidateTaskSpec(spec).ok()) << unit.size() << "-byte characters";
    spec.set_goal(Repeat(unit, kMaxGoalChars + 1));
    ExpectInvalid(ValidateTaskSpec(spec), "spec.goal");
  }
}

TEST(ValidateTaskSpec, GoalLimitIsTenThousand) { EXPECT_EQ(kMaxGoalChars, 10'000u); }

TEST(ValidateTaskSpec, ContextLimitIsInCharacters) {
  EXPECT_EQ(kMaxContextChars, 50'000u);
  v1::TaskSpec spec = ValidSpec();
  spec.set_context(Repeat(kE, kMaxContextChars));
  EXPECT_TRUE(ValidateTaskSpec(spec).ok());
  spec.set_context(Repeat("b", kMaxContextChars + 1));
  ExpectInvalid(ValidateTaskSpec(spec), "spec.context");
  spec.set_context(Repeat(kE, kMaxContextChars + 1));
  ExpectInvalid(ValidateTaskSpec(spec), "spec.context");
}

TEST(ValidateTaskSpec, EmptyContextIsFine) {
  v1::TaskSpec spec = ValidSpec();
  spec.clear_context();
  EXPECT_TRUE(ValidateTaskSpec(spec).ok());
}

TEST(ValidateTaskSpec, ConstraintsCountIsLimited) {
  v1::TaskSpec spec = ValidSpec();
  ExpectCountLimit(spec, spec.mutable_constraints(), kMaxListItems, "rule", "spec.constraints");
}

TEST(ValidateTaskSpec, ConstraintLengthIsLimitedAndTheItemNamed) {
  v1::TaskSpec spec = ValidSpec();  // already has one constraint: the long ones are [1] and [2]
  ExpectItemLengthLimit(spec, spec.mutable_constraints(), Repeat(kE, kMaxListItemChars),
                        Repeat("c", kMaxListItemChars + 1), "spec.constraints");
}

TEST(ValidateTaskSpec, AcceptanceCriteriaAreLimitedLikeConstraints) {
  v1::TaskSpec spec = ValidSpec();
  ExpectCountLimit(spec, spec.mutable_acceptance_criteria(), kMaxListItems, "check",
                   "spec.acceptance_criteria");
  spec.clear_acceptance_criteria();
  ExpectItemLengthLimit(spec, spec.mutable_acceptance_criteria(), Repeat("a", kMaxListItemChars),
                        Repeat("a", kMaxListItemChars + 1), "spec.acceptance_criteria");
}

TEST(ValidateTaskSpec, CapabilitiesAreLimited) {
  EXPECT_EQ(kMaxCapabilities, 16u);
  EXPECT_EQ(kMaxCapabilityChars, 64u);
  v1::TaskSpec spec = ValidSpec();
  ExpectCountLimit(spec, spec.mutable_required_capabilities(), kMaxCapabilities, "retrieve",
                   "spec.required_capabilities");
  spec.clear_required_capabilities();
  ExpectItemLengthLimit(spec, spec.mutable_required_capabilities(),
                        Repeat("c", kMaxCapabilityChars), Repeat("c", kMaxCapabilityChars + 1),
                        "spec.required_capabilities");
}

TEST(ValidateTaskSpec, LabelCountIsLimited) {
  v1::TaskSpec spec = ValidSpec();
  spec.clear_labels();
  for (size_t i = 0; i < kMaxLabels; ++i) (*spec.mutable_labels())[absl::StrCat("k", i)] = "v";
  EXPECT_TRUE(ValidateTaskSpec(spec).ok());
  (*spec.mutable_labels())["extra"] = "v";
  ExpectInvalid(ValidateTaskSpec(spec), "spec.labels");
}

TEST(ValidateTaskSpec, LabelKeyLengthIsLimited) {
  v1::TaskSpec spec = ValidSpec();
  (*spec.mutable_labels())[Repeat(kE, kMaxLabelKeyChars)] = "v";
  EXPECT_TRUE(ValidateTaskSpec(spec).ok());
  (*spec.mutable_labels())[Repeat("k", kMaxLabelKeyChars + 1)] = "v";
  absl::Status status = ValidateTaskSpec(spec);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("spec.labels[")) << status;
}

TEST(ValidateTaskSpec, LabelValueLengthIsLimited) {
  v1::TaskSpec spec = ValidSpec();
  (*spec.mutable_labels())["long"] = Repeat(kE, kMaxLabelValueChars);
  EXPECT_TRUE(ValidateTaskSpec(spec).ok());
  (*spec.mutable_labels())["long"] = Repeat("v", kMaxLabelValueChars + 1);
  ExpectInvalid(ValidateTaskSpec(spec), "spec.labels[long]");
}

TEST(ValidateTaskSpec, LabelKeyMustNotBeEmpty) {
  v1::TaskSpec spec = ValidSpec();
  (*spec.mutable_labels())[""] = "v";
  ExpectInvalid(ValidateTaskSpec(spec), "spec.labels");
}

TEST(ValidateTaskSpec, UnknownPriorityIsInvalid) {
  v1::TaskSpec spec = ValidSpec();
  spec.set_priority(static_cast<v1::Priority>(99));
  ExpectInvalid(ValidateTaskSpec(spec), "spec.priority");
}

TEST(ValidateTaskSpec, ZeroBudgetMeansNoLimitAndIsValid) {
  v1::TaskSpec spec = ValidSpec();
  spec.clear_budget();
  EXPECT_TRUE(ValidateTaskSpec(spec).ok());
  spec.mutable_budget()->set_max_tokens(0);
  spec.mutable_budget()->set_max_cost_usd(0);
  spec.mutable_budget()->mutable_deadline()->set_seconds(0);
  EXPECT_TRUE(ValidateTaskSpec(spec).ok());
}

TEST(ValidateTaskSpec, NegativeBudgetFieldsAreInvalid) {
  v1::TaskSpec spec = ValidSpec();
  spec.mutable_budget()->set_max_tokens(-1);
  ExpectInvalid(ValidateTaskSpec(spec), "spec.budget.max_tokens");

  spec = ValidSpec();
  spec.mutable_budget()->set_max_cost_usd(-0.01);
  ExpectInvalid(ValidateTaskSpec(spec), "spec.budget.max_cost_usd");

  spec = ValidSpec();
  spec.mutable_budget()->mutable_deadline()->set_seconds(-1);
  ExpectInvalid(ValidateTaskSpec(spec), "spec.budget.deadline");

  spec = ValidSpec();
  spec.mutable_budget()->mutable_deadline()->set_seconds(0);
  spec.mutable_budget()->mutable_deadline()->set_nanos(-1);
  ExpectInvalid(ValidateTaskSpec(spec), "spec.budget.deadline");
}

// Out of Duration's range (or past the longest deadline), which JSON output cannot print.
TEST(ValidateTaskSpec, DeadlinesOutOfRangeAreInvalid) {
  v1::TaskSpec spec = ValidSpec();
  spec.mutable_budget()->mutable_deadline()->set_seconds(1'000'000'000'000);
  ExpectInvalid(ValidateTaskSpec(spec), "spec.budget.deadline");
  spec.mutable_budget()->mutable_deadline()->set_seconds(1);
  spec.mutable_budget()->mutable_deadline()->set_nanos(2'000'000'000);
  ExpectInvalid(ValidateTaskSpec(spec), "spec.budget.deadline");
  spec.mutable_budget()->mutable_deadline()->set_seconds(kMaxDeadlineSeconds);
  spec.mutable_budget()->mutable_deadline()->set_nanos(0);
  EXPECT_TRUE(ValidateTaskSpec(spec).ok());
  spec.mutable_budget()->mutable_deadline()->set_seconds(kMaxDeadlineSeconds + 1);
  ExpectInvalid(ValidateTaskSpec(spec), "spec.budget.deadline");
}

// A NaN limit compares false against every cost, so it would silently mean "no limit".
TEST(ValidateTaskSpec, NotANumberCostLimitIsInvalid) {
  v1::TaskSpec spec = ValidSpec();
  spec.mutable_budget()->set_max_cost_usd(std::numeric_limits<double>::quiet_NaN());
  ExpectInvalid(ValidateTaskSpec(spec), "spec.budget.max_cost_usd");
}

TEST(ValidateTaskSpec, ExecNeedsAProgram) {
  v1::TaskSpec spec = ValidSpec();
  spec.mutable_exec()->add_args("-l");
  ExpectInvalid(ValidateTaskSpec(spec), "spec.exec.program");
  spec.mutable_exec()->set_program("wc");
  EXPECT_TRUE(ValidateTaskSpec(spec).ok());
}

TEST(ValidateTaskSpec, ExecStdinIsLimitedToOneMebibyte) {
  v1::TaskSpec spec = ValidSpec();
  spec.mutable_exec()->set_program("cat");
  spec.mutable_exec()->set_stdin(std::string(1 << 20, 'x'));
  EXPECT_TRUE(ValidateTaskSpec(spec).ok());
  spec.mutable_exec()->set_stdin(std::string((1 << 20) + 1, 'x'));
  ExpectInvalid(ValidateTaskSpec(spec), "spec.exec.stdin");
}

TEST(ValidateTaskSpec, RetrieveLimitIsBetweenZeroAndFifty) {
  v1::TaskSpec spec = ValidSpec();
  for (int limit : {0, 1, 50}) {
    spec.mutable_retrieve()->set_limit(limit);
    EXPECT_TRUE(ValidateTaskSpec(spec).ok()) << limit;
  }
  for (int limit : {-1, 51}) {
    spec.mutable_retrieve()->set_limit(limit);
    ExpectInvalid(ValidateTaskSpec(spec), "spec.retrieve.limit");
  }
}

TEST(ValidateTaskSpec, InvalidUtf8IsRejectedWhereverItIs) {
  const std::string bad = "ok \xC0\x80 bad";
  v1::TaskSpec spec = ValidSpec();
  spec.set_goal(bad);
  ExpectInvalid(ValidateTaskSpec(spec), "spec.goal");

  spec = ValidSpec();
  spec.set_context(bad);
  ExpectInvalid(ValidateTaskSpec(spec), "spec.context");

  spec = ValidSpec();
  spec.add_constraints(bad);
  ExpectInvalid(ValidateTaskSpec(spec), "spec.constraints[1]");

  spec = ValidSpec();
  (*spec.mutable_labels())["team"] = bad;
  ExpectInvalid(ValidateTaskSpec(spec), "spec.labels[team]");
}

TEST(ValidateTaskSpec, ControlCharactersAreRejected) {
  const std::string kTexts[] = {"bell\x07", "esc\x1B[2J", "del\x7F", "nel\xC2\x85",
                                std::string("nul\0x", 5)};
  for (const std::string& text : kTexts) {
    v1::TaskSpec spec = ValidSpec();
    spec.set_goal(text);
    ExpectInvalid(ValidateTaskSpec(spec), "spec.goal");
  }
  v1::TaskSpec spec = ValidSpec();
  spec.set_context("line\x01");
  ExpectInvalid(ValidateTaskSpec(spec), "spec.context");
}

TEST(ValidateTaskSpec, TabsNewlinesAndCarriageReturnsAreAllowed) {
  v1::TaskSpec spec = ValidSpec();
  spec.set_goal("first line\r\n\tsecond line\n");
  spec.set_context("a\tb\nc\r\n");
  EXPECT_TRUE(ValidateTaskSpec(spec).ok());
}

TEST(ValidateSubmit, SpecIsRequired) {
  v1::SubmitTaskRequest request;
  ExpectInvalid(ValidateSubmit(request), "spec");
}

TEST(ValidateSubmit, ChecksTheSpec) {
  v1::SubmitTaskRequest request;
  *request.mutable_spec() = ValidSpec();
  EXPECT_TRUE(ValidateSubmit(request).ok());
  request.mutable_spec()->clear_goal();
  ExpectInvalid(ValidateSubmit(request), "spec.goal");
}

TEST(ValidateSubmit, IdempotencyKeyIsLimited) {
  EXPECT_EQ(kMaxIdempotencyKeyChars, 128u);
  v1::SubmitTaskRequest request;
  *request.mutable_spec() = ValidSpec();
  request.set_idempotency_key(Repeat("k", kMaxIdempotencyKeyChars));
  EXPECT_TRUE(ValidateSubmit(request).ok());
  request.set_idempotency_key(Repeat("k", kMaxIdempotencyKeyChars + 1));
  ExpectInvalid(ValidateSubmit(request), "idempotency_key");
}

TEST(ValidateSubmit, IdempotencyKeyMustBeCleanText) {
  v1::SubmitTaskRequest request;
  *request.mutable_spec() = ValidSpec();
  request.set_idempotency_key("key\xFF");
  ExpectInvalid(ValidateSubmit(request), "idempotency_key");
  request.set_idempotency_key("key\x01");
  ExpectInvalid(ValidateSubmit(request), "idempotency_key");
}

TEST(ValidateTaskId, RequiresOneToSixtyFourBytes) {
  ExpectInvalid(ValidateTaskId(""), "task_id");
  EXPECT_TRUE(ValidateTaskId("6f1c2a9e-8d3b-4c1a-9f2e-1a2b3c4d5e6f").ok());
  EXPECT_TRUE(ValidateTaskId(std::string(64, 'a')).ok());
  ExpectInvalid(ValidateTaskId(std::string(65, 'a')), "task_id");
}

TEST(TaskCacheKey, HasAVersionedHexForm) {
  EXPECT_THAT(TaskCacheKey("tenant-a", ValidSpec()), MatchesRegex("result:v1:[0-9a-f]{64}"));
}

TEST(TaskCacheKey, EqualSpecsGiveEqualKeys) {
  EXPECT_EQ(TaskCacheKey("tenant-a", ValidSpec()), TaskCacheKey("tenant-a", ValidSpec()));
}

TEST(TaskCacheKey, DependsOnTheTenant) {
  EXPECT_NE(TaskCacheKey("tenant-a", ValidSpec()), TaskCacheKey("tenant-b", ValidSpec()));
  EXPECT_NE(TaskCacheKey("", ValidSpec()), TaskCacheKey("tenant-a", ValidSpec()));
}

TEST(TaskCacheKey, DependsOnEverythingThatDecidesTheAnswer) {
  const std::string base = TaskCacheKey("t", ValidSpec());
  auto differs = [&](auto change) {
    v1::TaskSpec spec = ValidSpec();
    change(spec);
    return TaskCacheKey("t", spec) != base;
  };
  EXPECT_TRUE(differs([](v1::TaskSpec& s) { s.set_goal("Summarise the annual report"); }));
  EXPECT_TRUE(differs([](v1::TaskSpec& s) { s.set_context("Another report."); }));
  EXPECT_TRUE(differs([](v1::TaskSpec& s) { s.clear_context(); }));
  EXPECT_TRUE(differs([](v1::TaskSpec& s) { s.add_constraints("in French"); }));
  EXPECT_TRUE(differs([](v1::TaskSpec& s) { s.set_constraints(0, "at most 100 words"); }));
  EXPECT_TRUE(differs([](v1::TaskSpec& s) { s.add_acceptance_criteria("mentions costs"); }));
  EXPECT_TRUE(differs([](v1::TaskSpec& s) { s.add_required_capabilities("execute"); }));
  EXPECT_TRUE(differs([](v1::TaskSpec& s) { s.mutable_retrieve()->set_limit(3); }));
  EXPECT_TRUE(differs([](v1::TaskSpec& s) { s.mutable_exec()->set_program("wc"); }));
}

TEST(TaskCacheKey, ConstraintOrderMatters) {
  v1::TaskSpec a = ValidSpec(), b = ValidSpec();
  a.add_constraints("second");
  b.clear_constraints();
  b.add_constraints("second");
  b.add_constraints("at most 200 words");
  EXPECT_NE(TaskCacheKey("t", a), TaskCacheKey("t", b));
}

TEST(TaskCacheKey, IgnoresPriorityBudgetAndLabels) {
  const std::string base = TaskCacheKey("t", ValidSpec());
  v1::TaskSpec spec = ValidSpec();
  spec.set_priority(v1::PRIORITY_LOW);
  spec.mutable_budget()->set_max_tokens(5);
  spec.mutable_budget()->set_max_cost_usd(9);
  spec.mutable_budget()->mutable_deadline()->set_seconds(1);
  (*spec.mutable_labels())["team"] = "other";
  (*spec.mutable_labels())["more"] = "labels";
  EXPECT_EQ(TaskCacheKey("t", spec), base);
  spec.clear_budget();
  spec.clear_labels();
  EXPECT_EQ(TaskCacheKey("t", spec), base);
}

TEST(TaskCacheKey, IgnoresWhitespaceAroundTheGoal) {
  v1::TaskSpec spec = ValidSpec();
  spec.set_goal("  \n\t" + ValidSpec().goal() + " \r\n");
  EXPECT_EQ(TaskCacheKey("t", spec), TaskCacheKey("t", ValidSpec()));
  // Whitespace inside the goal is part of it.
  spec.set_goal("Summarise  the quarterly report");
  EXPECT_NE(TaskCacheKey("t", spec), TaskCacheKey("t", ValidSpec()));
}

TEST(IsTerminal, OnlySucceededFailedAndCancelled) {
  EXPECT_TRUE(IsTerminal(v1::TASK_STATE_SUCCEEDED));
  EXPECT_TRUE(IsTerminal(v1::TASK_STATE_FAILED));
  EXPECT_TRUE(IsTerminal(v1::TASK_STATE_CANCELLED));
  EXPECT_FALSE(IsTerminal(v1::TASK_STATE_UNSPECIFIED));
  EXPECT_FALSE(IsTerminal(v1::TASK_STATE_PENDING));
  EXPECT_FALSE(IsTerminal(v1::TASK_STATE_PLANNING));
  EXPECT_FALSE(IsTerminal(v1::TASK_STATE_RUNNING));
}

TEST(StateName, DropsThePrefix) {
  EXPECT_EQ(StateName(v1::TASK_STATE_PENDING), "PENDING");
  EXPECT_EQ(StateName(v1::TASK_STATE_PLANNING), "PLANNING");
  EXPECT_EQ(StateName(v1::TASK_STATE_RUNNING), "RUNNING");
  EXPECT_EQ(StateName(v1::TASK_STATE_SUCCEEDED), "SUCCEEDED");
  EXPECT_EQ(StateName(v1::TASK_STATE_FAILED), "FAILED");
  EXPECT_EQ(StateName(v1::TASK_STATE_CANCELLED), "CANCELLED");
  EXPECT_EQ(StateName(v1::TASK_STATE_UNSPECIFIED), "UNSPECIFIED");
}

}  // namespace
}  // namespace octo::task
