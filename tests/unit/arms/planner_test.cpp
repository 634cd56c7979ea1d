#include "src/planner/planner.h"

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "octo/common/utf8.h"
#include "src/planner/capability_choice.h"
#include "src/planner/goal_splitting.h"
#include "src/planner/heuristic_planner.h"

namespace octo::arms {
namespace {

using ::testing::AllOf;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

const std::vector<std::string> kPrograms = {"echo", "cat",  "wc",   "head",  "tail", "sort",
                                            "uniq", "grep", "date", "sleep", "true", "false"};
const std::vector<std::string> kAll = {"retrieve", "execute", "code"};

std::vector<std::string> Texts(absl::string_view goal) {
  std::vector<std::string> out;
  for (const SubGoal& g : SplitGoal(goal)) out.push_back(g.text);
  return out;
}

std::vector<bool> Ordered(absl::string_view goal) {
  std::vector<bool> out;
  for (const SubGoal& g : SplitGoal(goal)) out.push_back(g.ordered);
  return out;
}

PlanRequest Request(std::string goal, std::vector<std::string> capabilities = kAll,
                    int max_steps = 8, std::vector<std::string> feedback = {}) {
  PlanRequest request;
  request.goal = std::move(goal);
  request.capabilities = std::move(capabilities);
  request.max_steps = max_steps;
  request.feedback = std::move(feedback);
  return request;
}

v1::PlanResult MustPlan(const PlanRequest& request) {
  auto plan = HeuristicPlan(request, {kPrograms});
  EXPECT_TRUE(plan.ok()) << plan.status();
  if (!plan.ok()) return {};
  const absl::Status valid = ValidatePlan(*plan, request);
  EXPECT_TRUE(valid.ok()) << valid << "\n" << PlanText(*plan);
  return *plan;
}

std::vector<std::string> Instructions(const v1::PlanResult& plan) {
  std::vector<std::string> out;
  for (const auto& step : plan.steps()) out.push_back(step.instruction());
  return out;
}

std::vector<std::string> Capabilities(const v1::PlanResult& plan) {
  std::vector<std::string> out;
  for (const auto& step : plan.steps()) out.push_back(step.capability());
  return out;
}

std::vector<std::string> Deps(const v1::PlanResult& plan, int step) {
  return {plan.steps(step).depends_on().begin(), plan.steps(step).depends_on().end()};
}

std::string Capability(absl::string_view text, std::vector<std::string> capabilities = kAll) {
  return ChooseCapability(text, capabilities, kPrograms).capability;
}

// --- Splitting ---------------------------------------------------------------------------

// A goal and the texts of the sub-goals it splits into.
struct SplitCase {
  const char* goal;
  std::vector<std::string> texts;
};

const SplitCase kSplitCases[] = {
    // A plain sentence is one sub-goal.
    {"Find the 2023 revenue of ACME Corp.", {"Find the 2023 revenue of ACME Corp"}},
    // Numbered, bulleted, lettered and "Step n" lines are sub-goals.
    {"1. Find the Q3 report\n2) Find the Q4 report\n(3) Compare both",
     {"Find the Q3 report", "Find the Q4 report", "Compare both"}},
    {"- look up Rust\n* look up Go\n• look up Zig\na) look up C",
     {"Look up Rust", "Look up Go", "Look up Zig", "Look up C"}},
    {"Step 1: find A\nStep 2 - find B", {"Find A", "Find B"}},
    // One marked line is not a list.
    {"- find the report for 2023", {"- find the report for 2023"}},
    // A wrapped line continues its item.
    {"1. Find the annual report\n   for the year 2023\n2. Find the budget",
     {"Find the annual report for the year 2023", "Find the budget"}},
    // A sentence after a list is its own sub-goal.
    {"1. Find A\n2. Find B\nThen compare them.", {"Find A", "Find B", "Compare them"}},
    // Inline enumerations.
    {"Please do this: 1. find the CEO of ACME 2. find the CFO 3. compare their pay",
     {"Find the CEO of ACME", "Find the CFO", "Compare their pay"}},
    {"Research ACME 1. find the CEO 2. find the CFO",
     {"Research ACME", "Find the CEO", "Find the CFO"}},
    // First, then, finally; and then, after that.
    {"First find the design docs, then summarise them, and finally email the summary to the team",
     {"Find the design docs", "Summarise them", "Email the summary to the team"}},
    {"Find the logs and then count the errors, after that write a report",
     {"Find the logs", "Count the errors", "Write a report"}},
    // Semicolons.
    {"find the CEO; find the CFO; find the CTO", {"Find the CEO", "Find the CFO", "Find the CTO"}},
    {"revenue for 2022; revenue for 2023", {"Revenue for 2022", "Revenue for 2023"}},
    // Sentences with action verbs split, others stay.
    {"Find the Q3 report. It is in the finance folder. Summarise it.",
     {"Find the Q3 report. It is in the finance folder", "Summarise it"}},
    // Questions split.
    {"What is the capital of Peru? How many people live there?",
     {"What is the capital of Peru?", "How many people live there?"}},
    // Clauses joined by "and" or commas, each with a verb and an object.
    {"Research the competitors of ACME, compare their pricing and write a short report.",
     {"Research the competitors of ACME", "Compare their pricing", "Write a short report"}},
    // A statement alone is the goal.
    {"The weather in Oslo", {"The weather in Oslo"}},
    // Windows line endings.
    {"1. Find A\r\n2. Find B\r\n", {"Find A", "Find B"}},
    // No words, no sub-goals.
    {"", {}},
    {"  ... ;;; !!! \n - \n", {}},
    // Unicode is kept intact.
    {"1. Найди отчёт за 2023 год\n2. Résumé en français — vite",
     {"Найди отчёт за 2023 год", "Résumé en français — vite"}},
};

TEST(SplitGoal, SplitsIntoTheExpectedSubGoals) {
  for (const SplitCase& c : kSplitCases) {
    EXPECT_THAT(Texts(c.goal), ElementsAreArray(c.texts)) << c.goal;
  }
}

// Goals that must stay one sub-goal.
const char* const kWholeGoals[] = {
    // Inline numbers must count from one.
    "Compare Python 2. and Python 3. for speed",
    "Find 2 reports and 3 memos",
    // "then" closing a condition does not split.
    "If the build fails then report the error",
    "When the file exists, then read it",
    // Abbreviations do not end sentences.
    "Find sources, e.g. Find papers from 2020 onwards",
    // No split inside quotes or backticks.
    "Run `grep -c x; wc -l` on the file",
    "Search for \"alpha. Then find beta\" in the wiki",
    // A verb needs an object, and the clause before it a verb and more.
    "Read and summarise the design doc",
    "Find the test and build logs",
    "Find the prices of apples, pears and plums",
    // Not inside a condition.
    "If the tests fail, fix the bug and run the tests again",
};

TEST(SplitGoal, WholeGoalsStayOneSubGoal) {
  for (const char* goal : kWholeGoals) EXPECT_THAT(Texts(goal), SizeIs(1)) << goal;
}

TEST(SplitGoal, ListedAndSequencedSubGoalsAreOrderedAfterTheList) {
  EXPECT_THAT(Ordered("1. Find A\n2. Find B\nThen compare them."), ElementsAre(false, false, true));
  EXPECT_THAT(Ordered("First find the design docs, then summarise them, and finally email the "
                      "summary to the team"),
              ElementsAre(false, true, true));
}

TEST(SplitGoal, LeadInThatNamesTheSubjectIsKept) {
  const std::vector<SubGoal> goals =
      SplitGoal("For the ACME account:\n- find the contract\n- find the invoices");
  ASSERT_THAT(goals, SizeIs(2));
  EXPECT_EQ(goals[0].text, "Find the contract");
  EXPECT_EQ(goals[0].lead_in, "For the ACME account");
  EXPECT_EQ(goals[1].lead_in, "For the ACME account");
}

TEST(SplitGoal, GenericLeadInIsDropped) {
  const std::vector<SubGoal> goals = SplitGoal("Do the following steps:\n1. Find A\n2. Find B");
  ASSERT_THAT(goals, SizeIs(2));
  EXPECT_EQ(goals[0].lead_in, "");
  EXPECT_EQ(goals[0].text, "Find A");
}

TEST(SplitGoal, ClausesInAListItemStayInTheItem) {
  EXPECT_THAT(Texts("1. Find the memo and summarise it\n2. Find the budget"), SizeIs(2));
}

TEST(SplitGoal, OpeningStatementBecomesTheLeadIn) {
  const std::vector<SubGoal> goals = SplitGoal(
      "Our Q3 numbers are in. The board meets Friday. Summarise the numbers. "
      "Then email the summary to the CFO.");
  ASSERT_THAT(goals, SizeIs(2));
  EXPECT_EQ(goals[0].lead_in, "Our Q3 numbers are in. The board meets Friday.");
  EXPECT_EQ(goals[0].text, "Summarise the numbers");
  EXPECT_EQ(goals[1].lead_in, "");
  // Statements joined by semicolons are items.
  EXPECT_THAT(Texts("revenue for 2022; revenue for 2023"), SizeIs(2));
}

TEST(SplitGoal, FullWidthSentenceEndsKeepUtf8Intact) {
  // Full-width sentence ends split; the second sentence has no English verb, so it stays.
  const std::vector<std::string> texts = Texts("查找东京的天气。然后总结。");
  ASSERT_THAT(texts, SizeIs(1));
  EXPECT_THAT(texts[0], AllOf(HasSubstr("查找东京的天气"), HasSubstr("然后总结")));
  EXPECT_TRUE(common::IsValidUtf8(texts[0]));
}

// --- Capabilities --------------------------------------------------------------------------

// An instruction and the capability chosen for it when retrieve, execute and code are offered.
struct CapabilityCase {
  const char* instruction;
  const char* capability;
};

const CapabilityCase kCapabilityCases[] = {
    // Retrieve words.
    {"Search the wiki for the deploy guide", "retrieve"},
    {"Look up the population of Peru", "retrieve"},
    {"Find the Q3 revenue", "retrieve"},
    // Execute needs a program or a command.
    {"Run `wc -w notes.txt`", "execute"},
    {"wc -l /var/log/syslog", "execute"},
    {"date", "execute"},
    {"Count the lines with wc", "execute"},
    {"Execute the command that lists files", "execute"},
    {"Run the tests", "execute"},
    // Program names that are also English words do not make a command.
    {"Sort the results by date", "retrieve"},
    // Code words.
    {"Write a Python function that parses ISO dates", "code"},
    {"Refactor the parser", "code"},
    {"Explain the code in main.cpp", "code"},
    {"Fix the bug in the C++ tokenizer", "code"},
    {"Write a script that finds duplicate files", "code"},
    // "explain" alone is not about code.
    {"Explain photosynthesis", "retrieve"},
    // A named command beats code words, a generic "run" does not.
    {"Fix the bug in the parser and run the tests", "code"},
    {"Run `grep -c TODO main.cpp` on the repository", "execute"},
};

TEST(ChooseCapability, ChoosesByTheWords) {
  for (const CapabilityCase& c : kCapabilityCases) {
    EXPECT_EQ(Capability(c.instruction), c.capability) << c.instruction;
  }
}

TEST(ChooseCapability, WantedIsSetOnlyWhenTheWordsAskForIt) {
  EXPECT_EQ(ChooseCapability("Retrieve the contract", kAll, kPrograms).wanted, "retrieve");
  EXPECT_EQ(ChooseCapability("Sort the results by date", kAll, kPrograms).wanted, "");
  EXPECT_EQ(ChooseCapability("Compute the average age", kAll, kPrograms).wanted, "");
}

TEST(ChooseCapability, OtherwiseRetrieveWhenAvailable) {
  const CapabilityChoice choice = ChooseCapability("Summarise the findings", kAll, kPrograms);
  EXPECT_EQ(choice.wanted, "");
  EXPECT_EQ(choice.capability, "retrieve");
  EXPECT_EQ(Capability("Summarise the findings", {"code", "execute"}), "code");
  EXPECT_EQ(Capability("Summarise the findings", {"code", "retrieve"}), "retrieve");
  EXPECT_EQ(Capability("Run `date`", {"code", "retrieve"}), "retrieve");
}

TEST(ChooseCapability, AvailableCapabilityNamedInTheWords) {
  EXPECT_EQ(Capability("Translate the summary into French", {"retrieve", "translate"}),
            "translate");
  EXPECT_EQ(Capability("Get a translation of the memo", {"retrieve", "translate"}), "translate");
  EXPECT_EQ(Capability("Translate the summary into French", {"retrieve"}), "retrieve");
}

TEST(ChooseCapability, UnavailableCapabilityFallsBack) {
  CapabilityChoice choice = ChooseCapability("Run `date`", {"retrieve", "code"}, kPrograms);
  EXPECT_EQ(choice.wanted, "execute");
  EXPECT_EQ(choice.capability, "retrieve");
  choice = ChooseCapability("Find the memo", {"code"}, kPrograms);
  EXPECT_EQ(choice.wanted, "retrieve");
  EXPECT_EQ(choice.capability, "code");
}

TEST(CommandInstruction, ExtractsTheCommand) {
  EXPECT_EQ(CommandInstruction("Run `wc -w` on the notes", kPrograms), "wc -w");
  EXPECT_EQ(CommandInstruction("run wc -l notes.txt", kPrograms), "wc -l notes.txt");
  EXPECT_EQ(CommandInstruction("Execute the command date", kPrograms), "date");
  EXPECT_EQ(CommandInstruction("Run the tests", kPrograms), "Run the tests");
  EXPECT_EQ(CommandInstruction("Run wc -l /etc/passwd and tell me the answer", kPrograms),
            "wc -l /etc/passwd");
  EXPECT_EQ(CommandInstruction("grep -c error app.log, then report it", kPrograms),
            "grep -c error app.log");
}

// --- Plans ---------------------------------------------------------------------------------

TEST(HeuristicPlan, StepIdsCapabilitiesAndInstructions) {
  const v1::PlanResult plan = MustPlan(
      Request("1. Find the style guide\n2. Run `wc -l README.md`\n3. Write a Python script that "
              "checks line lengths"));
  ASSERT_THAT(plan.steps(), SizeIs(3));
  EXPECT_EQ(plan.steps(0).id(), "s1");
  EXPECT_EQ(plan.steps(2).id(), "s3");
  EXPECT_THAT(Capabilities(plan), ElementsAre("retrieve", "execute", "code"));
  EXPECT_THAT(Instructions(plan), ElementsAre("Find the style guide", "wc -l README.md",
                                              "Write a Python script that checks line lengths"));
  EXPECT_THAT(plan.rationale(), HasSubstr("list items"));
}

TEST(HeuristicPlan, IndependentSubGoalsRunInParallel) {
  const v1::PlanResult plan =
      MustPlan(Request("1. Find the population of France\n2. Find the population of Germany\n"
                       "3. Find the population of Spain"));
  ASSERT_THAT(plan.steps(), SizeIs(3));
  for (const auto& step : plan.steps()) EXPECT_THAT(step.depends_on(), IsEmpty()) << step.id();
  EXPECT_THAT(plan.rationale(), HasSubstr("in parallel"));
}

TEST(HeuristicPlan, PronounDependsOnThePreviousStep) {
  const v1::PlanResult plan = MustPlan(Request("Find A; find B; summarise it"));
  ASSERT_THAT(plan.steps(), SizeIs(3));
  EXPECT_THAT(Deps(plan, 1), IsEmpty());
  EXPECT_THAT(Deps(plan, 2), ElementsAre("s2"));
  EXPECT_THAT(plan.rationale(), HasSubstr("s3 waits for s2 (refers to the previous result)"));
}

TEST(HeuristicPlan, UsingTheResultsDependsOnEverythingBefore) {
  const v1::PlanResult plan = MustPlan(Request(
      "1. Find the CEO of ACME\n2. Find the CEO of Globex\n3. Write a memo using the results"));
  EXPECT_THAT(Deps(plan, 2), ElementsAre("s1", "s2"));
}

TEST(HeuristicPlan, CompareDependsOnTheOpenBranches) {
  const v1::PlanResult plan =
      MustPlan(Request("1. Find A's price\n2. Find B's price\n3. Compare them"));
  EXPECT_THAT(Deps(plan, 2), ElementsAre("s1", "s2"));
}

TEST(HeuristicPlan, OrderingWordsChain) {
  const v1::PlanResult plan =
      MustPlan(Request("First find the release notes, then summarise them, finally translate the "
                       "summary into German"));
  ASSERT_THAT(plan.steps(), SizeIs(3));
  EXPECT_THAT(Deps(plan, 0), IsEmpty());
  EXPECT_THAT(Deps(plan, 1), ElementsAre("s1"));
  EXPECT_THAT(Deps(plan, 2), ElementsAre("s2"));
}

TEST(HeuristicPlan, ThenWaitsForAllOpenBranches) {
  const v1::PlanResult plan = MustPlan(Request("Find A; find B. Then email the team"));
  ASSERT_THAT(plan.steps(), SizeIs(3));
  EXPECT_THAT(Deps(plan, 2), ElementsAre("s1", "s2"));
}

TEST(HeuristicPlan, NamedStepIsTheDependency) {
  const v1::PlanResult plan = MustPlan(Request(
      "1. Find the 2022 report\n2. Find the 2023 report\n3. Summarise the output of step 1"));
  EXPECT_THAT(Deps(plan, 2), ElementsAre("s1"));
}

TEST(HeuristicPlan, WriteUpsGatherTheEarlierResults) {
  const v1::PlanResult plan = MustPlan(Request(
      "1. Find the 2022 budget\n2. Find the 2023 budget\n3. Write a short report for the board"));
  EXPECT_THAT(Deps(plan, 2), ElementsAre("s1", "s2"));
  EXPECT_THAT(plan.rationale(), HasSubstr("writes up the earlier results"));
  const v1::PlanResult poems =
      MustPlan(Request("1. Find the 2022 budget\n2. Write a haiku about autumn"));
  EXPECT_THAT(Deps(poems, 1), IsEmpty());
}

TEST(HeuristicPlan, ClauseOfTheSameSentenceGoesOnFromTheOneBefore) {
  const v1::PlanResult plan = MustPlan(
      Request("Gather complaints from the support inbox, group them by product, count each group "
              "with uniq -c, and draft a memo to the product leads"));
  ASSERT_THAT(plan.steps(), SizeIs(4));
  EXPECT_THAT(Capabilities(plan), ElementsAre("retrieve", "retrieve", "execute", "retrieve"));
  EXPECT_THAT(Deps(plan, 1), ElementsAre("s1"));
  EXPECT_THAT(Deps(plan, 2), ElementsAre("s2"));
  EXPECT_THAT(Deps(plan, 3), ElementsAre("s3"));
  // The same verb twice is a parallel construction.
  const v1::PlanResult parallel =
      MustPlan(Request("Find the population of France and find the population of Peru"));
  ASSERT_THAT(parallel.steps(), SizeIs(2));
  EXPECT_THAT(Deps(parallel, 1), IsEmpty());
}

TEST(HeuristicPlan, OpeningStatementIsContextNotAStep) {
  const v1::PlanResult plan = MustPlan(
      Request("I need the line count of the password file. Run wc -l /etc/passwd and tell me."));
  ASSERT_THAT(plan.steps(), SizeIs(1));
  EXPECT_EQ(plan.steps(0).capability(), "execute");
  EXPECT_EQ(plan.steps(0).instruction(), "wc -l /etc/passwd");
  const v1::PlanResult summary =
      MustPlan(Request("The Q3 numbers are in the finance wiki. Summarise them for the board."));
  ASSERT_THAT(summary.steps(), SizeIs(1));
  EXPECT_EQ(summary.steps(0).instruction(),
            "The Q3 numbers are in the finance wiki. Summarise them for the board");
}

TEST(HeuristicPlan, LeadInPrefixesInstructions) {
  const v1::PlanResult plan =
      MustPlan(Request("For the ACME account:\n- find the contract\n- find the invoices"));
  EXPECT_THAT(Instructions(plan), ElementsAre("For the ACME account: Find the contract",
                                              "For the ACME account: Find the invoices"));
}

TEST(HeuristicPlan, NeverExceedsMaxStepsMergingTheTail) {
  std::string goal;
  for (int i = 1; i <= 10; ++i) absl::StrAppend(&goal, i, ". Find fact ", i, "\n");
  const v1::PlanResult plan = MustPlan(Request(goal, kAll, 3));
  ASSERT_THAT(plan.steps(), SizeIs(3));
  EXPECT_EQ(plan.steps(0).instruction(), "Find fact 1");
  EXPECT_EQ(plan.steps(1).instruction(), "Find fact 2");
  EXPECT_THAT(plan.steps(2).instruction(),
              AllOf(StartsWith("Find fact 3; Find fact 4"), HasSubstr("Find fact 10")));
  EXPECT_THAT(plan.rationale(), HasSubstr("at most 3 steps, so s3 merges sub-goals 3 to 10"));
}

TEST(HeuristicPlan, MergedDependenciesPointOutside) {
  const v1::PlanResult plan =
      MustPlan(Request("Find A; find B; summarise it; translate it; email it", kAll, 2));
  ASSERT_THAT(plan.steps(), SizeIs(2));
  EXPECT_THAT(Deps(plan, 0), IsEmpty());
  EXPECT_THAT(Deps(plan, 1), IsEmpty());  // everything it needed was merged into it
  const v1::PlanResult one = MustPlan(Request("Find A; then summarise it", kAll, 1));
  ASSERT_THAT(one.steps(), SizeIs(1));
  EXPECT_EQ(one.steps(0).instruction(), "Find A; Summarise it");
}

TEST(HeuristicPlan, FeedbackAddsAFinalRevisionStep) {
  const v1::PlanResult plan =
      MustPlan(Request("1. Find A\n2. Find B", kAll, 8,
                       {"\"mentions the 2023 figures\": \"2023\" not found", "  ", "too long"}));
  ASSERT_THAT(plan.steps(), SizeIs(3));
  EXPECT_THAT(plan.steps(2).instruction(),
              AllOf(HasSubstr("feedback"), HasSubstr("\"2023\" not found"), HasSubstr("too long")));
  EXPECT_THAT(Deps(plan, 2), ElementsAre("s1", "s2"));
  EXPECT_THAT(plan.rationale(), HasSubstr("Replanning after a failed check"));
  const v1::PlanResult first = MustPlan(Request("1. Find A\n2. Find B"));
  EXPECT_THAT(first.rationale(), Not(HasSubstr("Replanning")));
}

TEST(HeuristicPlan, FeedbackStepSurvivesMerging) {
  const v1::PlanResult plan =
      MustPlan(Request("Find A; find B; find C; find D", kAll, 2, {"cite sources"}));
  ASSERT_THAT(plan.steps(), SizeIs(2));
  EXPECT_EQ(plan.steps(0).instruction(), "Find A; Find B; Find C; Find D");
  EXPECT_THAT(plan.steps(1).instruction(), HasSubstr("cite sources"));
  EXPECT_THAT(Deps(plan, 1), ElementsAre("s1"));
  const v1::PlanResult one = MustPlan(Request("Find A; find B", kAll, 1, {"cite sources"}));
  ASSERT_THAT(one.steps(), SizeIs(1));
  EXPECT_THAT(one.steps(0).instruction(), HasSubstr("cite sources"));
}

TEST(HeuristicPlan, OnlyAvailableCapabilitiesAreUsed) {
  const v1::PlanResult plan =
      MustPlan(Request("1. Run `date`\n2. Write a Rust function\n3. Find the docs", {"code"}));
  EXPECT_THAT(Capabilities(plan), Each("code"));
  EXPECT_THAT(plan.rationale(), HasSubstr("reads like \"execute\" work"));
}

TEST(HeuristicPlan, NoWordsIsInvalidArgument) {
  auto plan = HeuristicPlan(Request("?!? ... ---"), {kPrograms});
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HeuristicPlan, HugeGoalStaysWithinLimits) {
  std::string goal;
  int i = 1;
  while (goal.size() < kMaxGoalBytes - 100) absl::StrAppend(&goal, "- find record ", i++, "\n");
  const v1::PlanResult plan = MustPlan(Request(goal, kAll, kMaxPlanSteps));
  EXPECT_THAT(plan.steps(), SizeIs(kMaxPlanSteps));
  EXPECT_THAT(plan.steps(kMaxPlanSteps - 1).instruction(),
              HasSubstr(absl::StrCat("Find record ", i - 1)));
  // One long sentence with nothing to split at.
  const v1::PlanResult one = MustPlan(Request(std::string(kMaxGoalBytes - 1, 'a')));
  EXPECT_THAT(one.steps(), SizeIs(1));
}

TEST(HeuristicPlan, UnicodeGoalGivesValidUtf8) {
  const v1::PlanResult plan =
      MustPlan(Request("1. Найди отчёт\n2. 東京の天気を調べる\n3. Résumé 🙂 using the "
                       "results"));
  ASSERT_THAT(plan.steps(), SizeIs(3));
  for (const auto& step : plan.steps()) EXPECT_TRUE(common::IsValidUtf8(step.instruction()));
  EXPECT_TRUE(common::IsValidUtf8(plan.rationale()));
  EXPECT_THAT(Deps(plan, 2), ElementsAre("s1", "s2"));
}

// Random goals built from the pieces the splitter reacts to: every plan must validate.
TEST(HeuristicPlan, GeneratedGoalsAlwaysGiveValidAcyclicPlans) {
  const std::vector<std::string> pieces = {"find the report",
                                           "then",
                                           "summarise it",
                                           "using the results",
                                           "1.",
                                           "2.",
                                           "3.",
                                           "- ",
                                           "\n",
                                           "; ",
                                           ". ",
                                           ", ",
                                           "and then",
                                           "finally",
                                           "run `wc -l`",
                                           "wc -l a.txt",
                                           "write a Python function",
                                           "compare them",
                                           "step 2",
                                           "step 9",
                                           "if",
                                           "Next,",
                                           "东京。",
                                           "Найди",
                                           "🙂",
                                           "\"quoted. Then text\"",
                                           "`",
                                           "e.g.",
                                           "What is it?",
                                           "after that",
                                           "For X:",
                                           "\r\n",
                                           "  ",
                                           "(1)",
                                           "a)",
                                           "translate it",
                                           "the above",
                                           "First"};
  const std::vector<std::vector<std::string>> capability_sets = {
      kAll, {"retrieve"}, {"code"}, {"execute", "translate"}, {"translate"}};
  std::mt19937 rng(20240501);
  int planned = 0;
  for (int n = 0; n < 3000; ++n) {
    std::string goal;
    const int length = 1 + static_cast<int>(rng() % 25);
    for (int k = 0; k < length; ++k) absl::StrAppend(&goal, pieces[rng() % pieces.size()], " ");
    const int max_steps = 1 + static_cast<int>(rng() % 6);
    std::vector<std::string> feedback;
    if (rng() % 3 == 0) feedback.push_back("missing: " + pieces[rng() % pieces.size()]);
    const PlanRequest request =
        Request(goal, capability_sets[rng() % capability_sets.size()], max_steps, feedback);
    auto plan = HeuristicPlan(request, {kPrograms});
    if (!plan.ok()) {
      EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument) << goal;
      continue;
    }
    ++planned;
    const absl::Status valid = ValidatePlan(*plan, request);
    ASSERT_TRUE(valid.ok()) << valid << "\ngoal: " << goal << "\n" << PlanText(*plan);
    for (const auto& step : plan->steps()) {
      ASSERT_TRUE(common::IsValidUtf8(step.instruction())) << goal;
      // Dependencies only point backwards.
      for (const std::string& dep : step.depends_on()) {
        ASSERT_LT(std::stoi(dep.substr(1)), std::stoi(step.id().substr(1))) << goal;
      }
    }
  }
  EXPECT_GT(planned, 2900);
}

// --- Plan validation -------------------------------------------------------------------------

v1::PlanResult PlanOf(std::vector<std::pair<std::string, std::vector<std::string>>> steps,
                      std::string capability = "retrieve") {
  v1::PlanResult plan;
  for (auto& [id, deps] : steps) {
    auto* step = plan.add_steps();
    step->set_id(id);
    step->set_capability(capability);
    step->set_instruction("do " + id);
    for (auto& d : deps) step->add_depends_on(d);
  }
  return plan;
}

TEST(ValidatePlan, AcceptsADag) {
  EXPECT_TRUE(
      ValidatePlan(PlanOf({{"s1", {}}, {"s2", {"s1"}}, {"s3", {"s1", "s2"}}}), Request("x")).ok());
  // Order in the list does not matter, only the edges.
  EXPECT_TRUE(ValidatePlan(PlanOf({{"s2", {"s1"}}, {"s1", {}}}), Request("x")).ok());
}

TEST(ValidatePlan, RejectsBrokenPlans) {
  const PlanRequest request = Request("x", kAll, 3);
  auto code = [&](const v1::PlanResult& plan) { return ValidatePlan(plan, request).code(); };
  EXPECT_EQ(code(PlanOf({})), absl::StatusCode::kInternal);
  EXPECT_EQ(code(PlanOf({{"s1", {"s2"}}, {"s2", {"s3"}}, {"s3", {"s1"}}})),
            absl::StatusCode::kInternal);
  EXPECT_EQ(code(PlanOf({{"s1", {"s1"}}})), absl::StatusCode::kInternal);
  EXPECT_EQ(code(PlanOf({{"s1", {"s9"}}})), absl::StatusCode::kInternal);
  EXPECT_EQ(code(PlanOf({{"s1", {}}, {"s1", {}}})), absl::StatusCode::kInternal);
  EXPECT_EQ(code(PlanOf({{"", {}}})), absl::StatusCode::kInternal);
  EXPECT_EQ(code(PlanOf({{"s1", {}}}, "judge")), absl::StatusCode::kInternal);
  EXPECT_EQ(code(PlanOf({{"a", {}}, {"b", {}}, {"c", {}}, {"d", {}}})),
            absl::StatusCode::kInternal);
  v1::PlanResult blank = PlanOf({{"s1", {}}});
  blank.mutable_steps(0)->set_instruction("  ");
  EXPECT_EQ(code(blank), absl::StatusCode::kInternal);
  EXPECT_THAT(ValidatePlan(PlanOf({{"s1", {"s2"}}, {"s2", {"s1"}}}), request).message(),
              HasSubstr("cycle"));
}

// --- The arm -------------------------------------------------------------------------------

// Returns a fixed plan, to show the arm checks whatever a planner returns.
class FixedPlanner final : public Planner {
 public:
  explicit FixedPlanner(v1::PlanResult plan) : plan_(std::move(plan)) {}
  absl::StatusOr<v1::PlanResult> Plan(const PlanRequest& request, const CallContext&) override {
    last_ = request;
    return plan_;
  }
  PlanRequest last_;

 private:
  v1::PlanResult plan_;
};

v1::ExecuteRequest PlanCall(std::string goal) {
  v1::ExecuteRequest request;
  request.set_tenant_id("t");
  request.set_capability("plan");
  request.set_instruction(std::move(goal));
  return request;
}

class PlannerArmTest : public ::testing::Test {
 protected:
  absl::StatusOr<v1::ExecuteResponse> Execute(const v1::ExecuteRequest& request) {
    return arm_->Execute(request, CallContext{[] { return false; }, absl::InfiniteFuture()});
  }
  std::unique_ptr<ArmHandler> arm_ = NewPlannerArm(NewHeuristicPlanner({kPrograms}));
};

TEST_F(PlannerArmTest, Describe) {
  const v1::ArmDescription d = arm_->Describe();
  EXPECT_EQ(d.kind(), "planner");
  EXPECT_THAT(d.capabilities(), ElementsAre("plan"));
  EXPECT_EQ(d.cost_tier(), v1::COST_TIER_FREE);
}

TEST_F(PlannerArmTest, AnswersWithPlanAndText) {
  v1::ExecuteRequest request = PlanCall("Find the Q3 report, then summarise it");
  request.mutable_plan()->add_available_capabilities("retrieve");
  auto response = Execute(request);
  ASSERT_TRUE(response.ok()) << response.status();
  const v1::PlanResult& plan = response->output().plan();
  ASSERT_THAT(plan.steps(), SizeIs(2));
  EXPECT_THAT(
      response->output().text(),
      AllOf(StartsWith("Plan with 2 steps:\n"), HasSubstr("s1 [retrieve] Find the Q3 report\n"),
            HasSubstr("s2 [retrieve] Summarise it (after s1)\n"), HasSubstr("Why: ")));
}

TEST_F(PlannerArmTest, EmptyOrHugeGoalIsInvalidArgument) {
  EXPECT_EQ(Execute(PlanCall("")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Execute(PlanCall(" \n\t ")).status().code(), absl::StatusCode::kInvalidArgument);
  auto huge = Execute(PlanCall(std::string(kMaxGoalBytes + 1, 'a')));
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(huge.status().message(), HasSubstr("longer than"));
  EXPECT_TRUE(Execute(PlanCall(std::string(kMaxGoalBytes, 'a'))).ok());
}

TEST_F(PlannerArmTest, NegativeMaxStepsIsInvalidArgument) {
  v1::ExecuteRequest request = PlanCall("Find A");
  request.mutable_plan()->set_max_steps(-1);
  EXPECT_EQ(Execute(request).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(PlannerArmTest, MaxStepsDefaultsAndIsCapped) {
  std::string goal;
  for (int i = 1; i <= 100; ++i) absl::StrAppend(&goal, "- find item ", i, "\n");
  auto response = Execute(PlanCall(goal));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(response->output().plan().steps(), SizeIs(PlannerArmOptions().default_max_steps));
  v1::ExecuteRequest request = PlanCall(goal);
  request.mutable_plan()->set_max_steps(1000);
  response = Execute(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(response->output().plan().steps(), SizeIs(kMaxPlanSteps));
}

TEST_F(PlannerArmTest, NoStepCapabilityIsInvalidArgument) {
  v1::ExecuteRequest request = PlanCall("Find A");
  request.mutable_plan()->add_available_capabilities("plan");
  request.mutable_plan()->add_available_capabilities("judge");
  request.mutable_plan()->add_available_capabilities("ingest");
  auto response = Execute(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("available_capabilities"));
}

TEST_F(PlannerArmTest, NeverPlansOrchestrationCapabilities) {
  v1::ExecuteRequest request = PlanCall("Judge the answer; plan the trip; ingest the docs");
  for (const char* c : {"plan", "judge", "ingest", "execute"}) {
    request.mutable_plan()->add_available_capabilities(c);
  }
  auto response = Execute(request);
  ASSERT_TRUE(response.ok()) << response.status();
  for (const auto& step : response->output().plan().steps()) {
    EXPECT_EQ(step.capability(), "execute");
  }
}

TEST(PlannerArm, PassesDefaultsAndInputsToThePlanner) {
  auto fixed = std::make_unique<FixedPlanner>(PlanOf({{"s1", {}}}));
  FixedPlanner* planner = fixed.get();
  auto arm = NewPlannerArm(std::move(fixed), {5, {"retrieve", "code"}});
  v1::ExecuteRequest request = PlanCall("goal");
  request.set_context("ctx");
  request.add_acceptance_criteria("mentions X");
  request.mutable_plan()->add_feedback("too short");
  ASSERT_TRUE(arm->Execute(request, {}).ok());
  EXPECT_EQ(planner->last_.goal, "goal");
  EXPECT_EQ(planner->last_.context, "ctx");
  EXPECT_THAT(planner->last_.acceptance_criteria, ElementsAre("mentions X"));
  EXPECT_THAT(planner->last_.feedback, ElementsAre("too short"));
  EXPECT_EQ(planner->last_.max_steps, 5);
  EXPECT_THAT(planner->last_.capabilities, ElementsAre("retrieve", "code"));
}

TEST(PlannerArm, InvalidPlanFromThePlannerIsInternal) {
  auto arm =
      NewPlannerArm(std::make_unique<FixedPlanner>(PlanOf({{"s1", {"s2"}}, {"s2", {"s1"}}})));
  auto response = arm->Execute(PlanCall("goal"), {});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInternal);
  auto unavailable = NewPlannerArm(std::make_unique<FixedPlanner>(PlanOf({{"s1", {}}}, "code")));
  v1::ExecuteRequest request = PlanCall("goal");
  request.mutable_plan()->add_available_capabilities("retrieve");
  EXPECT_EQ(unavailable->Execute(request, {}).status().code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace octo::arms
