// Counts the words, characters, lines, sentences, paragraphs, list items or bytes of a text
// (CountUnits in criteria.h), for the count criteria.
#include <string>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "octo/common/utf8.h"
#include "octo/common/words.h"
#include "re2/re2.h"
#include "src/judge/criteria.h"
#include "src/runtime/text_match.h"

namespace octo::arms {
namespace {

re2::StringPiece Piece(absl::string_view s) { return re2::StringPiece(s.data(), s.size()); }

bool IsBlankLine(absl::string_view line) { return absl::StripAsciiWhitespace(line).empty(); }

bool IsListLine(absl::string_view line) {
  static const RE2* const kItem =
      new RE2("^[ \\t]*(?:[-*+•–—·‣◦]|\\(?[0-9]{1,3}[.)]|\\(?[A-Za-z]\\))[ \\t]+\\S");
  return RE2::PartialMatch(Piece(line), *kItem);
}

size_t CountWords(absl::string_view text) {
  static const RE2* const kWordChar = new RE2("[\\pL\\pN]");
  static const RE2* const kIdeograph = new RE2("[\\p{Han}\\p{Hiragana}\\p{Katakana}]");
  static const RE2* const kOtherWordChar =
      new RE2("[^\\P{L}\\p{Han}\\p{Hiragana}\\p{Katakana}]|\\pN");
  size_t words = 0;
  for (absl::string_view token :
       absl::StrSplit(text, absl::ByAnyChar(" \t\n\r\f\v"), absl::SkipEmpty())) {
    if (!RE2::PartialMatch(Piece(token), *kWordChar)) continue;
    size_t ideographs = 0;
    re2::StringPiece rest = Piece(token);
    while (RE2::FindAndConsume(&rest, *kIdeograph)) ++ideographs;
    if (ideographs == 0) {
      ++words;
    } else {
      words += ideographs + (RE2::PartialMatch(Piece(token), *kOtherWordChar) ? 1 : 0);
    }
  }
  return words;
}

size_t CountSentences(absl::string_view text) {
  static const RE2* const kEnd = new RE2("(?:[.!?]+[\"'”’)\\]]*(?:\\s|$)|[。！？]+)");
  size_t sentences = 0;
  re2::StringPiece rest = Piece(text);
  const char* last_end = text.data();
  while (RE2::FindAndConsume(&rest, *kEnd)) {
    // Only count an end that closes some words.
    if (!common::Words(absl::string_view(last_end, rest.data() - last_end)).empty()) ++sentences;
    last_end = rest.data();
  }
  if (!common::Words(absl::string_view(last_end, text.data() + text.size() - last_end)).empty()) {
    ++sentences;
  }
  return sentences;
}

}  // namespace

size_t CountUnits(absl::string_view text, TextUnit unit) {
  switch (unit) {
    case TextUnit::kWords:
      return CountWords(text);
    case TextUnit::kCharacters:
      return common::Utf8Length(absl::StripAsciiWhitespace(text));
    case TextUnit::kBytes:
      return text.size();
    case TextUnit::kSentences:
      return CountSentences(text);
    case TextUnit::kLines:
    case TextUnit::kParagraphs:
    case TextUnit::kItems: {
      size_t lines = 0;
      size_t paragraphs = 0;
      size_t items = 0;
      bool in_paragraph = false;
      for (absl::string_view line : absl::StrSplit(text, '\n')) {
        if (IsBlankLine(line)) {
          in_paragraph = false;
          continue;
        }
        ++lines;
        if (!in_paragraph) ++paragraphs;
        in_paragraph = true;
        if (IsListLine(line)) ++items;
      }
      return unit == TextUnit::kLines ? lines : unit == TextUnit::kParagraphs ? paragraphs : items;
    }
  }
  return 0;
}

}  // namespace octo::arms
