#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "octo/testing/status_macros.h"
#include "src/executor/executor.h"

namespace octo::arms {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Split(absl::string_view line) {
  auto words = SplitCommandLine(line);
  EXPECT_TRUE(words.ok()) << words.status();
  return words.ok() ? *words : std::vector<std::string>{"<error>"};
}

TEST(SplitCommandLine, SplitsOnSpaces) {
  EXPECT_THAT(Split("echo hello world"), ElementsAre("echo", "hello", "world"));
}

TEST(SplitCommandLine, RunsOfMixedWhitespaceSeparateOnce) {
  EXPECT_THAT(Split("  wc \t -l\r\n\n file  "), ElementsAre("wc", "-l", "file"));
}

TEST(SplitCommandLine, EmptyAndBlankLinesHaveNoWords) {
  EXPECT_THAT(Split(""), IsEmpty());
  EXPECT_THAT(Split(" \t\n "), IsEmpty());
}

TEST(SplitCommandLine, QuotesGroupWords) {
  EXPECT_THAT(Split("grep 'two words' \"and three words\""),
              ElementsAre("grep", "two words", "and three words"));
}

TEST(SplitCommandLine, QuotesJoinWithAdjacentText) {
  EXPECT_THAT(Split("a'b c'd\"e f\"g"), ElementsAre("ab cde fg"));
}

TEST(SplitCommandLine, EmptyQuotesMakeAnEmptyWord) {
  EXPECT_THAT(Split("echo '' \"\" x"), ElementsAre("echo", "", "", "x"));
}

TEST(SplitCommandLine, OneQuoteKindIsLiteralInsideTheOther) {
  EXPECT_THAT(Split("echo \"it's\" 'say \"hi\"'"), ElementsAre("echo", "it's", "say \"hi\""));
}

TEST(SplitCommandLine, BackslashEscapesOutsideQuotes) {
  EXPECT_THAT(Split("echo a\\ b \\'c \\\"d \\\\e"), ElementsAre("echo", "a b", "'c", "\"d", "\\e"));
}

TEST(SplitCommandLine, BackslashEscapesInsideDoubleQuotes) {
  EXPECT_THAT(Split("echo \"say \\\"hi\\\" \\\\ now\""), ElementsAre("echo", "say \"hi\" \\ now"));
}

TEST(SplitCommandLine, BackslashIsLiteralInsideSingleQuotes) {
  EXPECT_THAT(Split("echo 'a\\nb'"), ElementsAre("echo", "a\\nb"));
}

TEST(SplitCommandLine, EscapedQuoteDoesNotOpenAQuote) {
  EXPECT_THAT(Split("echo \\\"unbalanced"), ElementsAre("echo", "\"unbalanced"));
}

TEST(SplitCommandLine, NothingIsExpanded) {
  EXPECT_THAT(Split("echo $HOME ~ * $(id) `id` ; | &&"),
              ElementsAre("echo", "$HOME", "~", "*", "$(id)", "`id`", ";", "|", "&&"));
}

TEST(SplitCommandLine, UnterminatedSingleQuoteIsAnError) {
  testing::ExpectError(SplitCommandLine("echo 'abc"), absl::StatusCode::kInvalidArgument,
                       {"quote"});
}

TEST(SplitCommandLine, UnterminatedDoubleQuoteIsAnError) {
  EXPECT_EQ(SplitCommandLine("echo \"abc").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitCommandLine("echo \"abc\\\"").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace octo::arms
