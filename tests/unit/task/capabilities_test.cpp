#include "octo/task/capabilities.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace octo::task {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::vector<std::string> kPrograms = {"wc", "grep", "date", "sort"};
const std::vector<std::string> kStandard = {"retrieve", "execute", "code"};

TEST(RoutingHints, GuessesCapabilities) {
  EXPECT_THAT(RoutingHints("Search the docs and find the latest release notes"),
              ElementsAre("retrieve"));
  EXPECT_THAT(RoutingHints("Run the migration command on staging"), ElementsAre("execute"));
  EXPECT_THAT(RoutingHints("Refactor this function, there is a bug in the loop"),
              ElementsAre("code"));
  EXPECT_THAT(RoutingHints("Plan a three-day trip: first Lisbon, then Porto"), ElementsAre("plan"));
  EXPECT_THAT(RoutingHints("What is the capital of France?"), ElementsAre("retrieve"));
  EXPECT_THAT(RoutingHints("Write a Python script, run it, then plan the rollout steps"),
              ElementsAre("execute", "code", "plan"));
  EXPECT_THAT(RoutingHints("Thanks, that was lovely."), IsEmpty());
}

TEST(RoutingHints, PhrasesMatchWholeWordsWithShortInflections) {
  EXPECT_THAT(RoutingHints("She searches the archive"), ElementsAre("retrieve"));
  EXPECT_THAT(RoutingHints("Two bugs remain"), ElementsAre("code"));
  // "running" is more than a short inflection of "run"; "rerun" does not start a word.
  EXPECT_THAT(RoutingHints("Keep running"), IsEmpty());
  EXPECT_THAT(RoutingHints("Please rerun"), IsEmpty());
}

TEST(RoutingHints, QuestionsAndCodeFences) {
  EXPECT_THAT(RoutingHints("Who won in 1998?"), ElementsAre("retrieve"));
  EXPECT_THAT(RoutingHints("Who won in 1998"), IsEmpty());
  EXPECT_THAT(RoutingHints("Tidy this:\n```\nx=1\n```"), ElementsAre("code"));
}

TEST(RoutingHints, ReadsOnlyTheFirst4096Bytes) {
  const std::string padding(4096, ' ');
  EXPECT_THAT(RoutingHints(padding + "search"), IsEmpty());
  EXPECT_THAT(RoutingHints("search" + padding), ElementsAre("retrieve"));
}

TEST(WantedCapability, RetrieveWordsAndQuestions) {
  EXPECT_EQ(WantedCapability("Find the contract", kStandard, kPrograms), "retrieve");
  EXPECT_EQ(WantedCapability("Look up the prices", kStandard, kPrograms), "retrieve");
  EXPECT_EQ(WantedCapability("What changed last week", kStandard, kPrograms), "retrieve");
  // "how" and "why" ask for an explanation, not a look-up.
  EXPECT_EQ(WantedCapability("Why is the sky blue", kStandard, kPrograms), "");
}

TEST(WantedCapability, ExecuteNeedsAProgramOrCommand) {
  EXPECT_EQ(WantedCapability("wc -l notes.txt", kStandard, kPrograms), "execute");
  EXPECT_EQ(WantedCapability("Run `uptime`", kStandard, kPrograms), "execute");
  EXPECT_EQ(WantedCapability("Count the lines with wc", kStandard, kPrograms), "execute");
  EXPECT_EQ(WantedCapability("Compute the average age", kStandard, kPrograms), "");
  // A program the caller cannot run is just a word.
  EXPECT_EQ(WantedCapability("wc -l notes.txt", kStandard, {}), "");
}

TEST(WantedCapability, CodeWords) {
  EXPECT_EQ(WantedCapability("Write a Python function that parses dates", kStandard, kPrograms),
            "code");
  EXPECT_EQ(WantedCapability("Refactor the billing module", kStandard, kPrograms), "code");
  EXPECT_EQ(WantedCapability("Explain what main.cpp does", kStandard, kPrograms), "code");
  EXPECT_EQ(WantedCapability("Port it to C++", kStandard, kPrograms), "code");
}

TEST(WantedCapability, NamedCommandBeatsCode) {
  EXPECT_EQ(WantedCapability("Run `grep -c TODO main.py`", kStandard, kPrograms), "execute");
}

TEST(WantedCapability, OtherCapabilitiesByTheirName) {
  const std::vector<std::string> with_translate = {"retrieve", "translate"};
  EXPECT_EQ(WantedCapability("Translate the summary into French", with_translate, kPrograms),
            "translate");
  EXPECT_EQ(WantedCapability("Provide a translation", with_translate, kPrograms), "translate");
  // Only capabilities offered are considered; names shorter than three letters never match.
  EXPECT_EQ(WantedCapability("Translate the summary", kStandard, kPrograms), "");
  EXPECT_EQ(WantedCapability("Go on", {"go"}, kPrograms), "");
}

TEST(WantedCapability, NothingPointsAnywhere) {
  EXPECT_EQ(WantedCapability("Summarise the findings", kStandard, kPrograms), "");
  EXPECT_EQ(WantedCapability("", kStandard, kPrograms), "");
}

TEST(Lexicon, RunVerbsQuestionWordsAndBackticks) {
  EXPECT_TRUE(IsRunVerb("execute"));
  EXPECT_TRUE(IsRunVerb("launch"));
  EXPECT_FALSE(IsRunVerb("find"));
  EXPECT_TRUE(IsQuestionWord("which"));
  EXPECT_FALSE(IsQuestionWord("then"));
  EXPECT_EQ(BacktickSpan("Run ` wc -l ` now"), "wc -l");
  EXPECT_EQ(BacktickSpan("an open ` quote"), "");
  EXPECT_EQ(BacktickSpan("no command"), "");
}

TEST(PlannerCapabilities, HintsComeFirstStagesAndUnavailableHintsAreLeftOut) {
  const std::vector<std::string> available = {"plan", "retrieve", "answer", "execute", "judge",
                                              "code"};
  EXPECT_THAT(PlannerCapabilities(available, {}),
              ElementsAre("retrieve", "answer", "execute", "code"));
  EXPECT_THAT(PlannerCapabilities(available, {"code", "translate", "execute"}),
              ElementsAre("code", "execute", "retrieve", "answer"));
  EXPECT_THAT(PlannerCapabilities({"plan"}, {"retrieve"}), IsEmpty());
}

}  // namespace
}  // namespace octo::task
