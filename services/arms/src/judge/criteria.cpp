#include "src/judge/criteria.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "octo/common/utf8.h"
#include "re2/re2.h"
#include "src/runtime/text_match.h"

namespace octo::arms {
namespace {

re2::StringPiece Piece(absl::string_view s) { return re2::StringPiece(s.data(), s.size()); }
absl::string_view View(re2::StringPiece p) { return absl::string_view(p.data(), p.size()); }

std::string Quote(absl::string_view text) { return absl::StrCat("\"", Excerpt(text, 80), "\""); }

// ---------------------------------------------------------------------------------------------
// Counting.

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
    if (!Words(absl::string_view(last_end, rest.data() - last_end)).empty()) ++sentences;
    last_end = rest.data();
  }
  if (!Words(absl::string_view(last_end, text.data() + text.size() - last_end)).empty()) {
    ++sentences;
  }
  return sentences;
}

// ---------------------------------------------------------------------------------------------
// Rules.

class TermsRule final : public Rule {
 public:
  struct Term {
    std::string text;
    // Quoted: a case-insensitive substring. Bare: a phrase that starts a word.
    bool literal;
  };

  TermsRule(std::vector<Term> terms, bool any, bool negated)
      : terms_(std::move(terms)), any_(any), negated_(negated) {}

  Verdict Check(absl::string_view candidate) const override {
    std::vector<std::string> found;
    std::vector<std::string> missing;
    for (const Term& term : terms_) {
      const bool hit = term.literal ? ContainsLiteral(candidate, term.text)
                                    : ContainsPhrase(candidate, term.text);
      (hit ? found : missing).push_back(Quote(term.text));
    }
    if (negated_) {
      if (found.empty()) return {true, absl::StrCat("no ", absl::StrJoin(missing, " or "))};
      return {false, absl::StrCat("has ", absl::StrJoin(found, ", "), ", which must not appear")};
    }
    const bool met = any_ ? !found.empty() : missing.empty();
    if (met) return {true, absl::StrCat("has ", absl::StrJoin(found, ", "))};
    if (any_) return {false, absl::StrCat("has none of ", absl::StrJoin(missing, ", "))};
    return {false, absl::StrCat(absl::StrJoin(missing, ", "), " not found")};
  }

 private:
  const std::vector<Term> terms_;
  const bool any_;
  const bool negated_;
};

enum class Compare { kLe, kLt, kGe, kGt, kEq, kNe, kBetween, kOutside };

Compare Negate(Compare c) {
  switch (c) {
    case Compare::kLe:
      return Compare::kGt;
    case Compare::kLt:
      return Compare::kGe;
    case Compare::kGe:
      return Compare::kLt;
    case Compare::kGt:
      return Compare::kLe;
    case Compare::kEq:
      return Compare::kNe;
    case Compare::kNe:
      return Compare::kEq;
    case Compare::kBetween:
      return Compare::kOutside;
    case Compare::kOutside:
      return Compare::kBetween;
  }
  return c;
}

// "3 words", "1 word".
std::string CountOf(uint64_t n, TextUnit unit) {
  absl::string_view name = "units";
  switch (unit) {
    case TextUnit::kWords:
      name = "words";
      break;
    case TextUnit::kCharacters:
      name = "characters";
      break;
    case TextUnit::kLines:
      name = "lines";
      break;
    case TextUnit::kSentences:
      name = "sentences";
      break;
    case TextUnit::kParagraphs:
      name = "paragraphs";
      break;
    case TextUnit::kItems:
      name = "list items";
      break;
    case TextUnit::kBytes:
      name = "bytes";
      break;
  }
  if (n == 1) name.remove_suffix(1);
  return absl::StrCat(n, " ", name);
}

class CountRule final : public Rule {
 public:
  CountRule(TextUnit unit, Compare compare, uint64_t a, uint64_t b)
      : unit_(unit), compare_(compare), a_(a), b_(std::max(a, b)) {
    if (compare_ == Compare::kBetween || compare_ == Compare::kOutside) a_ = std::min(a, b);
  }

  Verdict Check(absl::string_view candidate) const override {
    const uint64_t n = CountUnits(candidate, unit_);
    bool met = false;
    std::string limit;
    switch (compare_) {
      case Compare::kLe:
        met = n <= a_;
        limit = absl::StrCat("at most ", a_);
        break;
      case Compare::kLt:
        met = n < a_;
        limit = absl::StrCat("fewer than ", a_);
        break;
      case Compare::kGe:
        met = n >= a_;
        limit = absl::StrCat("at least ", a_);
        break;
      case Compare::kGt:
        met = n > a_;
        limit = absl::StrCat("more than ", a_);
        break;
      case Compare::kEq:
        met = n == a_;
        limit = absl::StrCat("exactly ", a_);
        break;
      case Compare::kNe:
        met = n != a_;
        limit = absl::StrCat("other than ", a_);
        break;
      case Compare::kBetween:
        met = n >= a_ && n <= b_;
        limit = absl::StrCat("between ", a_, " and ", b_);
        break;
      case Compare::kOutside:
        met = n < a_ || n > b_;
        limit = absl::StrCat("fewer than ", a_, " or more than ", b_);
        break;
    }
    return {met, absl::StrCat("has ", CountOf(n, unit_), " (", limit, " wanted)")};
  }

 private:
  const TextUnit unit_;
  const Compare compare_;
  uint64_t a_;
  const uint64_t b_;
};

enum class JsonShape { kAny, kObject, kArray };

class JsonRule final : public Rule {
 public:
  explicit JsonRule(JsonShape shape) : shape_(shape) {}

  Verdict Check(absl::string_view candidate) const override {
    if (absl::Status status = CheckJson(candidate); !status.ok()) {
      std::string detail = absl::StrCat("is not valid JSON: ", status.message());
      if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(candidate), "```")) {
        detail += " (it is wrapped in a ``` code fence)";
      }
      return {false, std::move(detail)};
    }
    const absl::string_view value = absl::StripLeadingAsciiWhitespace(candidate);
    const char first = value.empty() ? '\0' : value[0];
    if (shape_ == JsonShape::kObject && first != '{') {
      return {false, "is valid JSON but not an object"};
    }
    if (shape_ == JsonShape::kArray && first != '[') {
      return {false, "is valid JSON but not an array"};
    }
    return {true, shape_ == JsonShape::kObject  ? "is a valid JSON object"
                  : shape_ == JsonShape::kArray ? "is a valid JSON array"
                                                : "is valid JSON"};
  }

 private:
  const JsonShape shape_;
};

class RegexRule final : public Rule {
 public:
  RegexRule(std::unique_ptr<RE2> re, std::string source, bool full)
      : re_(std::move(re)), source_(std::move(source)), full_(full) {}

  Verdict Check(absl::string_view candidate) const override {
    re2::StringPiece match;
    const bool met = re_->Match(Piece(candidate), 0, candidate.size(),
                                full_ ? RE2::ANCHOR_BOTH : RE2::UNANCHORED, &match, 1);
    if (!met)
      return {false, absl::StrCat("does not ", full_ ? "fully " : "", "match /", source_, "/")};
    return {true, absl::StrCat("matches /", source_, "/ at ", Quote(View(match)))};
  }

 private:
  const std::unique_ptr<RE2> re_;
  const std::string source_;
  const bool full_;
};

class EdgeRule final : public Rule {
 public:
  // Checks that the candidate, ignoring surrounding whitespace, starts (or ends) with `text`.
  EdgeRule(std::string text, bool at_end) : text_(std::move(text)), at_end_(at_end) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_case_sensitive(false);
    const std::string quoted = RE2::QuoteMeta(Piece(text_));
    re_ = std::make_unique<RE2>(
        at_end ? absl::StrCat(quoted, "\\s*\\z") : absl::StrCat("\\A\\s*", quoted), options);
  }

  Verdict Check(absl::string_view candidate) const override {
    bool met;
    if (re_->ok()) {
      met = RE2::PartialMatch(Piece(candidate), *re_);
    } else {
      const absl::string_view trimmed = absl::StripAsciiWhitespace(candidate);
      met = at_end_ ? absl::EndsWithIgnoreCase(trimmed, text_)
                    : absl::StartsWithIgnoreCase(trimmed, text_);
    }
    const absl::string_view trimmed = absl::StripAsciiWhitespace(candidate);
    std::string edge;
    if (at_end_) {
      size_t from = trimmed.size() > 40 ? trimmed.size() - 40 : 0;
      while (from > 0 && (static_cast<unsigned char>(trimmed[from]) & 0xC0) == 0x80) ++from;
      edge = absl::StrCat(from > 0 ? "…" : "", trimmed.substr(from));
    } else {
      edge = Excerpt(trimmed, 40);
    }
    return {met,
            absl::StrCat(at_end_ ? "ends \"" : "begins \"", edge, "\"; wanted ", Quote(text_))};
  }

 private:
  const std::string text_;
  const bool at_end_;
  std::unique_ptr<RE2> re_;
};

class EmptyRule final : public Rule {
 public:
  explicit EmptyRule(bool want_empty) : want_empty_(want_empty) {}

  Verdict Check(absl::string_view candidate) const override {
    static const RE2* const kVisible = new RE2("[\\pL\\pN\\pP\\pS\\pM]");
    const bool empty = !RE2::PartialMatch(Piece(candidate), *kVisible);
    return {empty == want_empty_, empty ? "is empty (no visible characters)" : "is not empty"};
  }

 private:
  const bool want_empty_;
};

// Flips another rule's verdict; the detail states the facts either way.
class NotRule final : public Rule {
 public:
  explicit NotRule(std::unique_ptr<Rule> inner) : inner_(std::move(inner)) {}
  Verdict Check(absl::string_view candidate) const override {
    Verdict verdict = inner_->Check(candidate);
    verdict.met = !verdict.met;
    return verdict;
  }

 private:
  const std::unique_ptr<Rule> inner_;
};

std::unique_ptr<Rule> MaybeNot(std::unique_ptr<Rule> rule, bool negated) {
  if (!negated) return rule;
  return std::make_unique<NotRule>(std::move(rule));
}

// ---------------------------------------------------------------------------------------------
// Parsing. Patterns run on the lower-cased criterion; arguments are cut from the original at
// the same offsets (lower-casing ASCII keeps every byte where it is).

constexpr absl::string_view kNumber =
    "([0-9][0-9,_]*|a\\s+hundred|one\\s+hundred|a\\s+thousand|one\\s+thousand|zero|one|two|"
    "three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundred|thousand)";
constexpr absl::string_view kUnit =
    "(words?|characters?|chars?|letters?|lines?|sentences?|paragraphs?|bullet\\s+points?|"
    "bullets?|list\\s+items?|items?|points?|bytes?)";
constexpr absl::string_view kUnitSuffix =
    "(?:\\s+(?:long|in\\s+length|in\\s+total|total|or\\s+so|max(?:imum)?))?";
constexpr absl::string_view kCountVerbs =
    "(?:(?:be|is|are|has|have|contain|contains|use|uses|consist\\s+of|consists\\s+of|span|"
    "spans|run|runs|keep\\s+it|keep\\s+to|stay|stays|remain|remains|with|in|of|length|"
    "limited\\s+to|limit\\s+of)\\s+)*";
constexpr absl::string_view kComparator =
    "(at\\s+most|no\\s+more\\s+than|not\\s+more\\s+than|up\\s+to|a\\s+maximum\\s+of|"
    "maximum\\s+of|maximum|max\\.?|no\\s+longer\\s+than|not\\s+longer\\s+than|within|<=|≤|"
    "under|fewer\\s+than|less\\s+than|below|shorter\\s+than|<|at\\s+least|no\\s+fewer\\s+than|"
    "no\\s+less\\s+than|not\\s+less\\s+than|a\\s+minimum\\s+of|minimum\\s+of|minimum|min\\.?|"
    "no\\s+shorter\\s+than|>=|≥|more\\s+than|over|longer\\s+than|greater\\s+than|above|>|"
    "exactly|precisely|=)";

// Compiles one of this file's fixed patterns; a pattern that does not compile is a bug.
const RE2* Compile(const std::string& pattern) {
  auto* re = new RE2(pattern);
  if (!re->ok()) {
    std::fprintf(stderr, "criteria.cpp: bad built-in pattern %s: %s\n", pattern.c_str(),
                 re->error().c_str());
    std::abort();
  }
  return re;
}

// The criterion forms, compiled once.
struct Forms {
  const RE2* subject = Compile(
      "(?:(?:the|its|your|this|that|each|every)\\s+)?(?:(?:final|generated|whole|entire|full)"
      "\\s+)?(?:output|answer|result|response|reply|candidate|text|summary|content|message|"
      "report|document|it|they)(?:\\s*:)?\\s+");
  const RE2* negation = Compile(
      "(?:(?:must|should|shall|will|can|could|may|does|do|did|is|are|has\\s+to|have\\s+to|"
      "needs\\s+to|need\\s+to|ought\\s+to)\\s+(?:not|never)\\s+|(?:mustn't|shouldn't|"
      "shan't|won't|cannot|can't|doesn't|don't|isn't|aren't|didn't)\\s+|never\\s+|not\\s+)");
  const RE2* modal = Compile(
      "(?:must|should|shall|will|can|has\\s+to|have\\s+to|needs\\s+to|need\\s+to|"
      "is\\s+required\\s+to|is\\s+expected\\s+to|ought\\s+to|is\\s+to)\\s+");
  const RE2* always = Compile("(?:always|also|clearly|explicitly)\\s+");
  const RE2* empty = Compile(
      "(?:(?:be|is|are)\\s+)?(?:left\\s+)?(empty|blank|non-?\\s?empty|nonempty|"
      "non-?blank)");
  const RE2* has_content =
      Compile("(?:has|have|contain|contains)\\s+(?:some\\s+)?(?:content|text)");
  const RE2* json = Compile(
      "(?:(?:be|is|are)\\s+)?(?:(?:in|formatted\\s+as|written\\s+in|parses?\\s+as|"
      "parseable\\s+as|a|an|valid|well-formed|strict|proper|parseable|correct)\\s+)*json"
      "(?:\\s+(object|array|document|value|data|text))?(?:\\s+format)?");
  const RE2* regex = Compile(
      "(fully\\s+|entirely\\s+|completely\\s+)?(?:match|matches|conform\\s+to|"
      "conforms\\s+to|satisfy|satisfies)\\s+(?:the\\s+)?(?:following\\s+)?"
      "(regex|regexp|regular\\s+expression|pattern)?\\s*:?\\s*(.+)");
  const RE2* starts = Compile("(?:start|starts|begin|begins|open|opens)\\s+with\\s+(.+)");
  const RE2* ends = Compile("(?:end|ends|finish|finishes|close|closes)\\s+with\\s+(.+)");
  const RE2* exceed = Compile(
      absl::StrCat("(?:exceed|exceeds|go\\s+over|goes\\s+over|surpass|surpasses)\\s+(?:the\\s+)?",
                   kNumber, "\\s*-?\\s*", kUnit, kUnitSuffix));
  const RE2* between =
      Compile(absl::StrCat(kCountVerbs, "(?:between|from)\\s+", kNumber, "\\s+(?:and|to|-)\\s+",
                           kNumber, "\\s+", kUnit, kUnitSuffix));
  const RE2* range = Compile(
      absl::StrCat(kCountVerbs, kNumber, "\\s*[-–]\\s*", kNumber, "\\s+", kUnit, kUnitSuffix));
  const RE2* count_before = Compile(
      absl::StrCat(kCountVerbs, kComparator, "\\s*", kNumber, "\\s*-?\\s*", kUnit, kUnitSuffix));
  const RE2* count_after = Compile(
      absl::StrCat(kCountVerbs, kNumber, "\\s*-?\\s*", kUnit,
                   "\\s+(or\\s+(?:fewer|less|shorter|under)|or\\s+(?:more|longer|over)|at\\s+most|"
                   "max(?:imum)?|at\\s+least|min(?:imum)?)"));
  const RE2* unit_first = Compile(absl::StrCat(
      "(?:the\\s+)?(word|character|line|sentence|paragraph|byte)\\s+count\\s+(?:(?:is|must"
      "\\s+be|should\\s+be|of)\\s+)?",
      kComparator, "\\s*", kNumber));
  const RE2* length =
      Compile(absl::StrCat("(?:the\\s+)?length\\s+(?:(?:is|must\\s+be|should\\s+be|of)\\s+)?",
                           kComparator, "\\s*", kNumber, "(?:\\s+(?:characters?|chars?))?"));
  const RE2* contains_no = Compile(
      "(?:contain|contains|include|includes|mention|mentions|have|has|use|uses)\\s+no\\s+(.+)");
  const RE2* use_word = Compile(
      "(?:use|uses|have|has|say|says|contain|contains|include|includes)\\s+(?:the\\s+)?"
      "(?:word|words|phrase|phrases|term|terms|string|strings|keyword|keywords)\\s+(.+)");
  const RE2* contains = Compile(
      "(?:contain|contains|include|includes|mention|mentions|reference|references|cite|cites|"
      "refer\\s+to|refers\\s+to|say|says|quote|quotes)\\s+(.+)");
  const RE2* exclude = Compile(
      "(?:exclude|excludes|omit|omits|avoid\\s+mentioning|avoids\\s+mentioning|avoid|avoids|"
      "leave\\s+out|leaves\\s+out|be\\s+free\\s+of|is\\s+free\\s+of|free\\s+of)\\s+(.+)");
  const RE2* without =
      Compile("(?:without|no\\s+mention\\s+of|no\\s+mentions\\s+of|no|zero)\\s+(.+)");
};

const Forms& GetForms() {
  static const Forms* const forms = new Forms();
  return *forms;
}

uint64_t ParseNumber(absl::string_view text) {
  static const auto* const kWords = new absl::flat_hash_map<absl::string_view, uint64_t>({
      {"zero", 0},     {"one", 1},      {"two", 2},        {"three", 3},     {"four", 4},
      {"five", 5},     {"six", 6},      {"seven", 7},      {"eight", 8},     {"nine", 9},
      {"ten", 10},     {"eleven", 11},  {"twelve", 12},    {"thirteen", 13}, {"fourteen", 14},
      {"fifteen", 15}, {"sixteen", 16}, {"seventeen", 17}, {"eighteen", 18}, {"nineteen", 19},
      {"twenty", 20},  {"thirty", 30},  {"forty", 40},     {"fifty", 50},    {"sixty", 60},
      {"seventy", 70}, {"eighty", 80},  {"ninety", 90},    {"hundred", 100}, {"thousand", 1000},
  });
  const std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (!parts.empty()) {
    auto it = kWords->find(parts.back());
    if (it != kWords->end()) return it->second;  // "a hundred", "one thousand"
  }
  const std::string digits = absl::StrReplaceAll(text, {{",", ""}, {"_", ""}});
  uint64_t n = 0;
  if (!absl::SimpleAtoi(digits, &n)) n = UINT64_MAX;
  return n;
}

TextUnit ParseUnit(absl::string_view unit) {
  if (absl::StartsWith(unit, "word")) return TextUnit::kWords;
  if (absl::StartsWith(unit, "char") || absl::StartsWith(unit, "letter")) {
    return TextUnit::kCharacters;
  }
  if (absl::StartsWith(unit, "line")) return TextUnit::kLines;
  if (absl::StartsWith(unit, "sentence")) return TextUnit::kSentences;
  if (absl::StartsWith(unit, "paragraph")) return TextUnit::kParagraphs;
  if (absl::StartsWith(unit, "byte")) return TextUnit::kBytes;
  return TextUnit::kItems;
}

Compare ParseComparator(absl::string_view c) {
  static const auto* const kLe = new absl::flat_hash_set<absl::string_view>(
      {"at most", "no more than", "not more than", "up to", "a maximum of", "maximum of", "maximum",
       "max", "max.", "no longer than", "not longer than", "within", "<=", "≤"});
  static const auto* const kLt = new absl::flat_hash_set<absl::string_view>(
      {"under", "fewer than", "less than", "below", "shorter than", "<"});
  static const auto* const kGe = new absl::flat_hash_set<absl::string_view>(
      {"at least", "no fewer than", "no less than", "not less than", "a minimum of", "minimum of",
       "minimum", "min", "min.", "no shorter than", ">=", "≥"});
  static const auto* const kGt = new absl::flat_hash_set<absl::string_view>(
      {"more than", "over", "longer than", "greater than", "above", ">"});
  // Collapse inner whitespace runs so "at  most" is found.
  const std::string key =
      absl::StrJoin(absl::StrSplit(c, absl::ByAnyChar(" \t\n"), absl::SkipEmpty()), " ");
  if (kLe->contains(key)) return Compare::kLe;
  if (kLt->contains(key)) return Compare::kLt;
  if (kGe->contains(key)) return Compare::kGe;
  if (kGt->contains(key)) return Compare::kGt;
  return Compare::kEq;
}

// A quoted span: the text between matching quotes.
struct QuotedSpan {
  size_t begin;  // of the opening quote
  size_t end;    // after the closing quote
  std::string inner;
};

// Quoted spans of `text`: "…", `…`, “…”, ‘…’, and '…' when the quotes stand apart from words
// (so "O'Brien's" is not a quote).
std::vector<QuotedSpan> FindQuotes(absl::string_view text) {
  std::vector<QuotedSpan> spans;
  size_t i = 0;
  auto boundary_before = [&](size_t at) {
    return at == 0 || absl::ascii_isspace(text[at - 1]) || absl::StrContains("(,[:", text[at - 1]);
  };
  auto boundary_after = [&](size_t at) {
    return at >= text.size() || absl::ascii_isspace(text[at]) ||
           absl::StrContains(",.;:!?)]", text[at]);
  };
  while (i < text.size()) {
    const absl::string_view rest = text.substr(i);
    absl::string_view open;
    absl::string_view close;
    if (rest[0] == '"' || rest[0] == '`') {
      open = close = rest.substr(0, 1);
    } else if (absl::StartsWith(rest, "“")) {
      open = "“";
      close = "”";
    } else if (absl::StartsWith(rest, "‘")) {
      open = "‘";
      close = "’";
    } else if (rest[0] == '\'' && boundary_before(i)) {
      open = close = "'";
    }
    if (open.empty()) {
      ++i;
      continue;
    }
    size_t search = i + open.size();
    size_t found = absl::string_view::npos;
    while (search <= text.size()) {
      const size_t at = text.find(close, search);
      if (at == absl::string_view::npos) break;
      if (close != "'" || boundary_after(at + 1)) {
        found = at;
        break;
      }
      search = at + 1;
    }
    if (found == absl::string_view::npos) {
      i += open.size();
      continue;
    }
    const size_t inner_begin = i + open.size();
    spans.push_back(
        {i, found + close.size(), std::string(text.substr(inner_begin, found - inner_begin))});
    i = found + close.size();
  }
  return spans;
}

// Words that make a bare argument a description rather than text to find ("a deadline",
// "three examples", "some numbers").
bool IsQuantifier(absl::string_view word) {
  static const auto* const k = new absl::flat_hash_set<absl::string_view>(
      {"a",           "an",       "at",       "some",     "any",    "several", "many",
       "few",         "multiple", "every",    "each",     "all",    "least",   "more",
       "most",        "no",       "zero",     "one",      "two",    "three",   "four",
       "five",        "six",      "seven",    "eight",    "nine",   "ten",     "relevant",
       "appropriate", "specific", "concrete", "examples", "example"});
  return k->contains(word);
}

struct Terms {
  std::vector<TermsRule::Term> terms;
  bool any = false;
  // The bare argument reads as a description, not text to find.
  bool descriptive = false;
};

// Terms of a contains-criterion's argument (original case).
Terms ParseTerms(absl::string_view argument) {
  Terms out;
  argument = absl::StripAsciiWhitespace(argument);
  const std::vector<QuotedSpan> quotes = FindQuotes(argument);
  if (!quotes.empty()) {
    std::string outside;
    size_t at = 0;
    for (const QuotedSpan& q : quotes) {
      absl::StrAppend(&outside, argument.substr(at, q.begin - at), " ");
      if (!q.inner.empty()) out.terms.push_back({q.inner, true});
      at = q.end;
    }
    absl::StrAppend(&outside, argument.substr(at));
    for (const std::string& word : Words(outside)) {
      if (word == "or" || word == "either" || word == "any" || word == "one") out.any = true;
    }
    if (!out.terms.empty()) return out;
  }
  // Bare terms: "Paris", "Paris and London", "the words alpha, beta or gamma".
  std::string lower = absl::AsciiStrToLower(argument);
  static const RE2* const kIntro = Compile(
      "^(?:the\\s+)?(?:(?:word|words|phrase|phrases|term|terms|string|strings|keyword|"
      "keywords|name|names)\\s+)?(?:(both|either|all\\s+of|each\\s+of|any\\s+of|one\\s+of)"
      "\\s+)?");
  re2::StringPiece rest = Piece(lower);
  re2::StringPiece quantifier;
  RE2::Consume(&rest, *kIntro, &quantifier);
  const absl::string_view q = View(quantifier);
  if (q == "either" || absl::StartsWith(q, "any") || absl::StartsWith(q, "one")) out.any = true;
  const size_t offset = rest.data() - lower.data();
  absl::string_view body = argument.substr(offset);
  while (!body.empty() && absl::StrContains(".,;:!?", body.back())) body.remove_suffix(1);
  static const RE2* const kSeparator =
      Compile("\\s*,\\s*(?:and\\s+|or\\s+)?|\\s+and\\s+|\\s+or\\s+|\\s*&\\s*");
  static const RE2* const kOr = Compile("(?i)(?:^|\\s|,)or\\s");
  if (RE2::PartialMatch(Piece(body), *kOr)) out.any = true;
  std::string split_body(body);
  RE2::GlobalReplace(&split_body, *kSeparator, "\x1f");
  for (absl::string_view term : absl::StrSplit(split_body, '\x1f', absl::SkipWhitespace())) {
    term = absl::StripAsciiWhitespace(term);
    if (absl::StartsWithIgnoreCase(term, "the ")) term.remove_prefix(4);
    const std::vector<std::string> words = Words(term);
    if (words.empty()) continue;
    const bool counted =
        absl::ascii_isdigit(static_cast<unsigned char>(words[0][0])) && words.size() > 1;
    if (IsQuantifier(words[0]) || words.size() > 4 || counted) {
      out.descriptive = true;
    }
    out.terms.push_back({std::string(term), false});
  }
  return out;
}

// The argument of starts/ends with, or "" when it reads as a description ("a greeting").
std::string ParseEdge(absl::string_view argument) {
  argument = absl::StripAsciiWhitespace(argument);
  const std::vector<QuotedSpan> quotes = FindQuotes(argument);
  if (quotes.size() == 1 && quotes[0].begin == 0 && quotes[0].end == argument.size()) {
    return quotes[0].inner;
  }
  static const auto* const kPunctuation =
      new absl::flat_hash_map<absl::string_view, absl::string_view>({
          {"period", "."},
          {"full stop", "."},
          {"dot", "."},
          {"question mark", "?"},
          {"exclamation mark", "!"},
          {"exclamation point", "!"},
          {"colon", ":"},
          {"semicolon", ";"},
          {"comma", ","},
          {"ellipsis", "…"},
          {"closing brace", "}"},
          {"closing bracket", "]"},
          {"closing parenthesis", ")"},
      });
  std::string lower = absl::AsciiStrToLower(argument);
  static const RE2* const kIntro = Compile(
      "^(?:(?:a|an|the)\\s+)?(?:(?:word|phrase|letter|character|string|text|sign|symbol)\\s+)?");
  re2::StringPiece rest = Piece(lower);
  RE2::Consume(&rest, *kIntro);
  absl::string_view name = View(rest);
  if (absl::EndsWith(name, "s") && kPunctuation->contains(name.substr(0, name.size() - 1))) {
    name.remove_suffix(1);
  }
  if (auto it = kPunctuation->find(name); it != kPunctuation->end()) {
    return std::string(it->second);
  }
  if (absl::StartsWith(lower, "a ") || absl::StartsWith(lower, "an ")) return "";
  return std::string(argument.substr(rest.data() - lower.data()));
}

absl::StatusOr<std::unique_ptr<Rule>> ParseRegex(absl::string_view argument, bool keyword,
                                                 bool full) {
  argument = absl::StripAsciiWhitespace(argument);
  std::string pattern;
  std::string flags;
  bool delimited = false;
  if (argument.size() >= 2 && argument[0] == '/') {
    const size_t last = argument.rfind('/');
    if (last > 0) {
      flags = std::string(argument.substr(last + 1));
      const bool letters = std::all_of(flags.begin(), flags.end(), [](char c) {
        return absl::ascii_isalpha(static_cast<unsigned char>(c));
      });
      if (letters) {
        if (flags.find_first_not_of("imsu") != std::string::npos) {
          return absl::InvalidArgumentError(absl::StrCat(
              "unsupported regular expression flag in \"", flags, "\" (supported: i, m, s)"));
        }
        pattern = std::string(argument.substr(1, last - 1));
        delimited = true;
      }
    }
  }
  if (!delimited) {
    const std::vector<QuotedSpan> quotes = FindQuotes(argument);
    if (quotes.size() == 1 && quotes[0].begin == 0 && quotes[0].end == argument.size()) {
      pattern = quotes[0].inner;
      delimited = true;
    }
  }
  if (!delimited) {
    // "matches the expected format" is not a pattern; a bare one needs the word "regex".
    if (!keyword) return nullptr;
    pattern = std::string(argument);
  }
  RE2::Options options;
  options.set_log_errors(false);
  std::string prefix;
  for (char flag : flags) {
    if (flag == 'i') options.set_case_sensitive(false);
    if (flag == 'm') prefix = "(?m)";
    if (flag == 's') options.set_dot_nl(true);
  }
  auto re = std::make_unique<RE2>(prefix + pattern, options);
  if (!re->ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid regular expression /", pattern, "/: ", re->error()));
  }
  return std::make_unique<RegexRule>(std::move(re), pattern, full);
}

// What a JSON parse found wrong, without building the document.
class JsonErrorCollector final : public nlohmann::json::json_sax_t {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::json::exception& error) override {
    message_ = error.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: …" → the part after
    // the bracketed id.
    if (const size_t close = message_.find("] "); close != std::string::npos) {
      message_.erase(0, close + 2);
    }
    return false;
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

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

absl::Status CheckJson(absl::string_view text) {
  JsonErrorCollector collector;
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text.begin(), text.end(), &collector);
  } catch (const std::exception& e) {
    // sax_parse reports through parse_error; anything thrown is a library surprise.
    return absl::InvalidArgumentError(e.what());
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(collector.message().empty() ? "parse error"
                                                                : collector.message());
}

Coverage KeywordCoverage(absl::string_view criterion, absl::string_view candidate) {
  Coverage coverage;
  for (const std::string& word : ContentWords(criterion)) {
    absl::string_view stem = word;
    if (stem.size() > 3 && absl::EndsWith(stem, "s") && !absl::EndsWith(stem, "ss")) {
      stem.remove_suffix(1);
    }
    (ContainsPhrase(candidate, stem) ? coverage.found : coverage.missing).push_back(word);
  }
  const size_t total = coverage.found.size() + coverage.missing.size();
  coverage.share = total == 0 ? 0 : static_cast<double>(coverage.found.size()) / total;
  return coverage;
}

absl::StatusOr<std::unique_ptr<Rule>> ParseRule(absl::string_view criterion) {
  const Forms& f = GetForms();
  std::string original =
      absl::StrReplaceAll(absl::StripAsciiWhitespace(criterion), {{"n’t", "n't"}, {"N’T", "N'T"}});
  // A list marker in front, one full stop at the end.
  static const RE2* const kMarker = Compile("^(?:[-*•]|[0-9]{1,2}[.)])\\s+");
  RE2::Replace(&original, *kMarker, "");
  if (original.size() >= 2 && original.back() == '.' &&
      !absl::ascii_isspace(original[original.size() - 2])) {
    original.pop_back();
  }
  const std::string lower = absl::AsciiStrToLower(original);

  re2::StringPiece rest = Piece(lower);
  RE2::Consume(&rest, *f.subject);
  bool negated = RE2::Consume(&rest, *f.negation);
  if (!negated) {
    RE2::Consume(&rest, *f.modal);
    negated = RE2::Consume(&rest, *f.negation);
  }
  RE2::Consume(&rest, *f.always);
  const absl::string_view form = View(rest);
  // The original text of a capture.
  auto cut = [&](re2::StringPiece capture) {
    return absl::string_view(original).substr(capture.data() - lower.data(), capture.size());
  };

  re2::StringPiece a;
  re2::StringPiece b;
  re2::StringPiece c;
  re2::StringPiece d;
  if (RE2::FullMatch(Piece(form), *f.empty, &a)) {
    const bool non = absl::StartsWith(View(a), "non");
    return std::make_unique<EmptyRule>(/*want_empty=*/non == negated);
  }
  if (RE2::FullMatch(Piece(form), *f.has_content)) {
    return std::make_unique<EmptyRule>(/*want_empty=*/negated);
  }
  if (RE2::FullMatch(Piece(form), *f.json, &a)) {
    const JsonShape shape = View(a) == "object"  ? JsonShape::kObject
                            : View(a) == "array" ? JsonShape::kArray
                                                 : JsonShape::kAny;
    return MaybeNot(std::make_unique<JsonRule>(shape), negated);
  }
  if (RE2::FullMatch(Piece(form), *f.regex, &a, &b, &c)) {
    auto rule = ParseRegex(cut(c), !b.empty(), !a.empty());
    if (!rule.ok() || *rule == nullptr) return rule;
    return MaybeNot(*std::move(rule), negated);
  }
  for (const auto& [re, at_end] : {std::pair{f.starts, false}, std::pair{f.ends, true}}) {
    if (RE2::FullMatch(Piece(form), *re, &a)) {
      std::string text = ParseEdge(cut(a));
      if (text.empty()) return nullptr;
      return MaybeNot(std::make_unique<EdgeRule>(std::move(text), at_end), negated);
    }
  }
  auto count = [&](TextUnit unit, Compare compare, uint64_t x, uint64_t y) {
    return std::make_unique<CountRule>(unit, negated ? Negate(compare) : compare, x, y);
  };
  if (RE2::FullMatch(Piece(form), *f.exceed, &a, &b)) {
    return count(ParseUnit(View(b)), Compare::kGt, ParseNumber(View(a)), 0);
  }
  if (RE2::FullMatch(Piece(form), *f.between, &a, &b, &c) ||
      RE2::FullMatch(Piece(form), *f.range, &a, &b, &c)) {
    return count(ParseUnit(View(c)), Compare::kBetween, ParseNumber(View(a)), ParseNumber(View(b)));
  }
  if (RE2::FullMatch(Piece(form), *f.count_before, &a, &b, &c)) {
    return count(ParseUnit(View(c)), ParseComparator(View(a)), ParseNumber(View(b)), 0);
  }
  if (RE2::FullMatch(Piece(form), *f.count_after, &a, &b, &c)) {
    const absl::string_view post = View(c);
    const bool at_least = absl::StrContains(post, "more") || absl::StrContains(post, "longer") ||
                          absl::StrContains(post, "over") || absl::StrContains(post, "least") ||
                          absl::StartsWith(post, "min");
    return count(ParseUnit(View(b)), at_least ? Compare::kGe : Compare::kLe, ParseNumber(View(a)),
                 0);
  }
  if (RE2::FullMatch(Piece(form), *f.unit_first, &a, &b, &c)) {
    return count(ParseUnit(View(a)), ParseComparator(View(b)), ParseNumber(View(c)), 0);
  }
  if (RE2::FullMatch(Piece(form), *f.length, &a, &b)) {
    return count(TextUnit::kCharacters, ParseComparator(View(a)), ParseNumber(View(b)), 0);
  }

  // Contains-forms, positive and negative.
  bool absent = negated;
  bool matched = false;
  if (RE2::FullMatch(Piece(form), *f.contains_no, &a)) {
    absent = !negated;
    matched = true;
  } else if (RE2::FullMatch(Piece(form), *f.use_word, &a) ||
             RE2::FullMatch(Piece(form), *f.contains, &a)) {
    matched = true;
  } else if (RE2::FullMatch(Piece(form), *f.exclude, &a) ||
             RE2::FullMatch(Piece(form), *f.without, &a)) {
    absent = !negated;
    matched = true;
  }
  if (!matched) return nullptr;
  Terms terms = ParseTerms(cut(a));
  if (terms.terms.empty()) return nullptr;
  if (terms.descriptive) {
    // "mentions a deadline" needs judgement; "has no personal data" is still checkable as
    // words that must not appear.
    if (!absent) return nullptr;
    for (auto& term : terms.terms) {
      if (term.literal) continue;
      std::vector<std::string> words;
      for (absl::string_view w : absl::StrSplit(term.text, ' ', absl::SkipEmpty())) {
        if (words.empty() && IsQuantifier(absl::AsciiStrToLower(w))) continue;
        words.emplace_back(w);
      }
      term.text = absl::StrJoin(words, " ");
    }
    terms.terms.erase(std::remove_if(terms.terms.begin(), terms.terms.end(),
                                     [](const TermsRule::Term& t) { return t.text.empty(); }),
                      terms.terms.end());
    if (terms.terms.empty()) return nullptr;
  }
  return std::make_unique<TermsRule>(std::move(terms.terms), terms.any, absent);
}

}  // namespace octo::arms
