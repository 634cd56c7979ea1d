#include "octo/common/utf8.h"

#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace octo::common {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// The code point DecodeUtf8 finds at the start of `text`, or -1 when it fails.
int64_t CodePoint(absl::string_view text, size_t expected_length) {
  char32_t cp = 0;
  const size_t length = DecodeUtf8(text, &cp);
  if (length == 0) return -1;
  EXPECT_EQ(length, expected_length) << text;
  return cp;
}

TEST(DecodeUtf8, DecodesEachSequenceLength) {
  EXPECT_EQ(CodePoint("a", 1), 0x61);
  EXPECT_EQ(CodePoint(absl::string_view("\0", 1), 1), 0);
  EXPECT_EQ(CodePoint("\x7F", 1), 0x7F);
  EXPECT_EQ(CodePoint("\xC2\x80", 2), 0x80);
  EXPECT_EQ(CodePoint("\xC3\xA9xyz", 2), 0xE9);  // é, then more text
  EXPECT_EQ(CodePoint("\xDF\xBF", 2), 0x7FF);
  EXPECT_EQ(CodePoint("\xE0\xA0\x80", 3), 0x800);
  EXPECT_EQ(CodePoint("\xE2\x82\xAC", 3), 0x20AC);  // €
  EXPECT_EQ(CodePoint("\xED\x9F\xBF", 3), 0xD7FF);
  EXPECT_EQ(CodePoint("\xEF\xBC\xA1", 3), 0xFF21);  // full-width A
  EXPECT_EQ(CodePoint("\xF0\x90\x80\x80", 4), 0x10000);
  EXPECT_EQ(CodePoint("\xF0\x9F\x98\x80", 4), 0x1F600);  // 😀
  EXPECT_EQ(CodePoint("\xF4\x8F\xBF\xBF", 4), 0x10FFFF);
}

TEST(DecodeUtf8, FailsWithoutTouchingTheOutput) {
  for (absl::string_view bad :
       {absl::string_view(""), absl::string_view("\x80"), absl::string_view("\xC0\x80"),
        absl::string_view("\xE0\x80\x80"), absl::string_view("\xED\xA0\x80"),
        absl::string_view("\xF4\x90\x80\x80"), absl::string_view("\xE2\x82")}) {
    char32_t cp = 0x1234;
    EXPECT_EQ(DecodeUtf8(bad, &cp), 0u);
    EXPECT_EQ(cp, char32_t{0x1234});
  }
}

TEST(DecodeUtf8, AgreesWithUtf8SequenceLength) {
  for (absl::string_view text :
       {"a", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xC3", "\xED\xA0\x80", "\xFF"}) {
    char32_t cp;
    EXPECT_EQ(DecodeUtf8(text, &cp), Utf8SequenceLength(text)) << text;
  }
}

TEST(IsUtf8ContinuationByte, IsTrueFor80ToBF) {
  for (int byte = 0; byte <= 0xFF; ++byte) {
    EXPECT_EQ(IsUtf8ContinuationByte(static_cast<char>(byte)), byte >= 0x80 && byte <= 0xBF)
        << "byte " << byte;
  }
}

TEST(Utf8SequenceLength, MeasuresWellFormedSequences) {
  EXPECT_EQ(Utf8SequenceLength("a"), 1u);
  EXPECT_EQ(Utf8SequenceLength(absl::string_view("\0", 1)), 1u);
  EXPECT_EQ(Utf8SequenceLength("\x7F"), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xC2\x80"), 2u);          // U+0080
  EXPECT_EQ(Utf8SequenceLength("\xC3\xA9xyz"), 2u);       // é, then more text
  EXPECT_EQ(Utf8SequenceLength("\xDF\xBF"), 2u);          // U+07FF
  EXPECT_EQ(Utf8SequenceLength("\xE0\xA0\x80"), 3u);      // U+0800
  EXPECT_EQ(Utf8SequenceLength("\xE2\x82\xAC"), 3u);      // €
  EXPECT_EQ(Utf8SequenceLength("\xEF\xBF\xBF"), 3u);      // U+FFFF
  EXPECT_EQ(Utf8SequenceLength("\xF0\x90\x80\x80"), 4u);  // U+10000
  EXPECT_EQ(Utf8SequenceLength("\xF0\x9F\x98\x80"), 4u);  // 😀
  EXPECT_EQ(Utf8SequenceLength("\xF4\x8F\xBF\xBF"), 4u);  // U+10FFFF
}

TEST(Utf8SequenceLength, EmptyTextIsZero) { EXPECT_EQ(Utf8SequenceLength(""), 0u); }

TEST(Utf8SequenceLength, RejectsOverlongEncodings) {
  EXPECT_EQ(Utf8SequenceLength("\xC0\x80"), 0u);          // NUL in two bytes
  EXPECT_EQ(Utf8SequenceLength("\xC1\xBF"), 0u);          // U+007F in two bytes
  EXPECT_EQ(Utf8SequenceLength("\xE0\x80\x80"), 0u);      // NUL in three bytes
  EXPECT_EQ(Utf8SequenceLength("\xE0\x9F\xBF"), 0u);      // U+07FF in three bytes
  EXPECT_EQ(Utf8SequenceLength("\xF0\x80\x80\x80"), 0u);  // NUL in four bytes
  EXPECT_EQ(Utf8SequenceLength("\xF0\x8F\xBF\xBF"), 0u);  // U+FFFF in four bytes
}

TEST(Utf8SequenceLength, RejectsSurrogates) {
  EXPECT_EQ(Utf8SequenceLength("\xED\xA0\x80"), 0u);  // U+D800
  EXPECT_EQ(Utf8SequenceLength("\xED\xB0\x80"), 0u);  // U+DC00
  EXPECT_EQ(Utf8SequenceLength("\xED\xBF\xBF"), 0u);  // U+DFFF
  EXPECT_EQ(Utf8SequenceLength("\xED\x9F\xBF"), 3u);  // U+D7FF, just below
  EXPECT_EQ(Utf8SequenceLength("\xEE\x80\x80"), 3u);  // U+E000, just above
}

TEST(Utf8SequenceLength, RejectsCodePointsBeyondU10FFFF) {
  EXPECT_EQ(Utf8SequenceLength("\xF4\x90\x80\x80"), 0u);  // U+110000
  EXPECT_EQ(Utf8SequenceLength("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xF7\xBF\xBF\xBF"), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xF8\x88\x80\x80\x80"), 0u);  // old five-byte form
  EXPECT_EQ(Utf8SequenceLength("\xFF"), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xFE"), 0u);
}

TEST(Utf8SequenceLength, RejectsTruncatedSequences) {
  EXPECT_EQ(Utf8SequenceLength("\xC3"), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xE2\x82"), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xF0\x9F\x98"), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xF0\x9F"), 0u);
}

TEST(Utf8SequenceLength, RejectsBadContinuationBytes) {
  EXPECT_EQ(Utf8SequenceLength("\x80"), 0u);  // lone continuation
  EXPECT_EQ(Utf8SequenceLength("\xBF"), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xC3\x28"), 0u);  // ASCII where a continuation belongs
  EXPECT_EQ(Utf8SequenceLength("\xE2\x28\xA1"), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xE2\x82\x28"), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xF0\x9F\x98\x28"), 0u);
  EXPECT_EQ(Utf8SequenceLength("\xC3\xC3"), 0u);  // lead byte where a continuation belongs
}

TEST(IsValidUtf8, AcceptsMixedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80 \xE4\xB8\xAD\xE6\x96\x87"));
  EXPECT_TRUE(IsValidUtf8(absl::string_view("a\0b", 3)));
}

TEST(IsValidUtf8, RejectsAnyMalformedSequenceAnywhere) {
  EXPECT_FALSE(IsValidUtf8("abc\xFF"));
  EXPECT_FALSE(
      IsValidUtf8("\xFF"
                  "abc"));
  EXPECT_FALSE(IsValidUtf8("ok \xC0\x80 ok"));          // overlong
  EXPECT_FALSE(IsValidUtf8("ok \xED\xA0\x80 ok"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("ok \xF4\x90\x80\x80 ok"));  // > U+10FFFF
  EXPECT_FALSE(IsValidUtf8("ends mid-sequence \xE2\x82"));
  EXPECT_FALSE(IsValidUtf8("\xE2\x82\xAC\x80"));  // stray continuation after €
}

TEST(Utf8Length, CountsCodePointsNotBytes) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("h\xC3\xA9llo"), 5u);
  EXPECT_EQ(Utf8Length("\xE2\x82\xAC\xF0\x9F\x98\x80"), 2u);
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "\xF0\x9F\x98\x80";
  EXPECT_EQ(many.size(), 4000u);
  EXPECT_EQ(Utf8Length(many), 1000u);
}

TEST(HasControlCharacters, AllowsTabNewlineAndCarriageReturn) {
  EXPECT_FALSE(HasControlCharacters("line one\n\tindented\r\nend"));
  EXPECT_FALSE(HasControlCharacters(""));
  EXPECT_FALSE(HasControlCharacters("caf\xC3\xA9 \xE2\x82\xAC"));
}

TEST(HasControlCharacters, FindsC0Controls) {
  EXPECT_TRUE(HasControlCharacters(absl::string_view("a\0b", 3)));
  EXPECT_TRUE(HasControlCharacters("a\x01"));
  EXPECT_TRUE(HasControlCharacters("\x1B[31mred"));  // ESC
  EXPECT_TRUE(HasControlCharacters("a\x0B"));        // vertical tab
  EXPECT_TRUE(HasControlCharacters("a\x0C"));        // form feed
  EXPECT_TRUE(HasControlCharacters("\x1F"));
}

TEST(HasControlCharacters, FindsDelete) { EXPECT_TRUE(HasControlCharacters("abc\x7F")); }

TEST(HasControlCharacters, FindsC1Controls) {
  EXPECT_TRUE(HasControlCharacters("next\xC2\x85line"));  // U+0085 NEL
  EXPECT_TRUE(HasControlCharacters("\xC2\x80"));          // U+0080
  EXPECT_TRUE(HasControlCharacters("\xC2\x9B"));          // U+009B CSI
  EXPECT_TRUE(HasControlCharacters("\xC2\x9F"));          // U+009F
}

TEST(HasControlCharacters, IgnoresNeighboursOfC1) {
  EXPECT_FALSE(HasControlCharacters("\xC2\xA0"));      // U+00A0 no-break space
  EXPECT_FALSE(HasControlCharacters("\xC3\x85"));      // Å: same continuation byte as NEL
  EXPECT_FALSE(HasControlCharacters("\xE2\x80\x85"));  // U+2005: contains 0x80 0x85 bytes
}

TEST(ToValidUtf8, LeavesValidTextAlone) {
  const std::string text = "h\xC3\xA9llo \xF0\x9F\x98\x80\n";
  EXPECT_EQ(ToValidUtf8(text), text);
  EXPECT_EQ(ToValidUtf8(""), "");
}

TEST(ToValidUtf8, ReplacesAnInvalidByte) {
  EXPECT_EQ(ToValidUtf8("a\xFF"
                        "b"),
            std::string("a") + kReplacement + "b");
}

TEST(ToValidUtf8, OutputIsAlwaysValid) {
  for (const char* bad : {"\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "x\xE2\x82",
                          "\x80\x80\x80", "\xF0\x9F\x98"}) {
    std::string repaired = ToValidUtf8(bad);
    EXPECT_TRUE(IsValidUtf8(repaired)) << repaired;
    EXPECT_THAT(repaired, ::testing::HasSubstr(kReplacement)) << repaired;
  }
}

TEST(ToValidUtf8, KeepsTheValidPartsAroundABadSequence) {
  std::string repaired = ToValidUtf8("\xE2\x82\xAC mid\xE2\x82 \xF0\x9F\x98\x80");
  EXPECT_THAT(repaired, ::testing::StartsWith("\xE2\x82\xAC mid"));
  EXPECT_THAT(repaired, ::testing::EndsWith(" \xF0\x9F\x98\x80"));
  EXPECT_TRUE(IsValidUtf8(repaired));
}

}  // namespace
}  // namespace octo::common
