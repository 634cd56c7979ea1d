#include "octo/common/markdown.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace octo::common {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(SplitSections, CutsAtHeadingsOutsideCodeFences) {
  const char text[] =
      "Intro line.\n"
      "# Title\n"
      "Body one.\n"
      "```sh\n"
      "# a shell comment, not a heading\n"
      "```\n"
      "## Second ##\n"
      "Body two.\n"
      "#hashtag is no heading\n";
  std::vector<MarkdownSection> sections = SplitSections(text);
  ASSERT_EQ(sections.size(), 3u);
  EXPECT_EQ(sections[0].heading, "");
  EXPECT_EQ(sections[0].text, "Intro line.\n");
  EXPECT_EQ(sections[1].heading, "Title");
  EXPECT_THAT(std::string(sections[1].text), HasSubstr("# a shell comment"));
  EXPECT_EQ(sections[2].heading, "Second");
  EXPECT_THAT(std::string(sections[2].text), HasSubstr("#hashtag"));
  std::string joined;
  for (const MarkdownSection& s : sections) joined.append(s.text.data(), s.text.size());
  EXPECT_EQ(joined, text) << "the sections cover the text whole";
}

TEST(SplitSections, BlankLeadIsLeftOutAndEmptyTextHasNoSections) {
  EXPECT_TRUE(SplitSections("").empty());
  std::vector<MarkdownSection> sections = SplitSections("\n\n# Only\ntext");
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].heading, "Only");
}

TEST(MarkdownProse, KeepsParagraphsAndItemsDropsMarkup) {
  const std::string prose = MarkdownProse(
      "# Heading\n"
      "A **fast** reflex sits in\n"
      "front of the `orchestrator`; see [the docs](https://x.test/d).\n"
      "\n"
      "- first item\n"
      "2. second item\n"
      "| a | table |\n"
      "```\n"
      "code();\n"
      "```\n"
      "snake_case stays.\n");
  EXPECT_EQ(prose,
            "A fast reflex sits in front of the orchestrator; see the docs.\n"
            "first item\n"
            "second item\n"
            "snake_case stays.\n");
  EXPECT_THAT(prose, Not(HasSubstr("Heading")));
  EXPECT_THAT(prose, Not(HasSubstr("code")));
}

}  // namespace
}  // namespace octo::common
