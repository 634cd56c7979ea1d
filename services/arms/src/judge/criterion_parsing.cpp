// Parses criteria written in words (ParseRule in criteria.h) into the checks of checks.h. The
// forms run on the lower-cased criterion; arguments are cut from the original at the same
// offsets (lower-casing ASCII keeps every byte where it is).
#include <algorithm>
#include <cstdint>
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
#include "octo/common/words.h"
#include "re2/re2.h"
#include "src/judge/checks.h"
#include "src/judge/criteria.h"
#include "src/judge/criterion_forms.h"
#include "src/runtime/text_match.h"

namespace octo::arms {
namespace {

using detail::Compare;
using detail::Compile;
using detail::Forms;
using detail::GetForms;
using detail::JsonShape;
using detail::MaybeNot;
using detail::Negate;
using detail::NewCountRule;
using detail::NewEdgeRule;
using detail::NewEmptyRule;
using detail::NewJsonRule;
using detail::NewRegexRule;
using detail::NewTermsRule;
using detail::Term;

re2::StringPiece Piece(absl::string_view s) { return re2::StringPiece(s.data(), s.size()); }
absl::string_view View(re2::StringPiece p) { return absl::string_view(p.data(), p.size()); }

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
  std::vector<Term> terms;
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
    for (const std::string& word : common::Words(outside)) {
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
    const std::vector<std::string> words = common::Words(term);
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
  return NewRegexRule(std::move(re), pattern, full);
}

// A criterion ready to be matched against the forms: normalised, lower-cased, and with its
// opening subject, modal and negation consumed. Not copyable: it points into itself.
class Criterion {
 public:
  explicit Criterion(absl::string_view criterion) {
    const Forms& f = GetForms();
    original_ = absl::StrReplaceAll(absl::StripAsciiWhitespace(criterion),
                                    {{"n’t", "n't"}, {"N’T", "N'T"}});
    // A list marker in front, one full stop at the end.
    static const RE2* const kMarker = Compile("^(?:[-*•]|[0-9]{1,2}[.)])\\s+");
    RE2::Replace(&original_, *kMarker, "");
    if (original_.size() >= 2 && original_.back() == '.' &&
        !absl::ascii_isspace(original_[original_.size() - 2])) {
      original_.pop_back();
    }
    lower_ = absl::AsciiStrToLower(original_);

    re2::StringPiece rest = Piece(lower_);
    RE2::Consume(&rest, *f.subject);
    negated_ = RE2::Consume(&rest, *f.negation);
    if (!negated_) {
      RE2::Consume(&rest, *f.modal);
      negated_ = RE2::Consume(&rest, *f.negation);
    }
    RE2::Consume(&rest, *f.always);
    form_ = View(rest);
  }
  Criterion(const Criterion&) = delete;
  Criterion& operator=(const Criterion&) = delete;

  // What is left once the subject, modal and negation are consumed; lower-case.
  re2::StringPiece form() const { return Piece(form_); }
  // "must not …", "never …".
  bool negated() const { return negated_; }
  // The original text of a capture from form().
  absl::string_view Cut(re2::StringPiece capture) const {
    return absl::string_view(original_).substr(capture.data() - lower_.data(), capture.size());
  }

 private:
  std::string original_;
  // original_ lower-cased: ASCII lower-casing keeps every byte where it is.
  std::string lower_;
  absl::string_view form_;
  bool negated_ = false;
};

// Forms about the whole candidate: empty, JSON, a regular expression, its first or last
// characters. Sets *matched when one of them applies (the rule may still be nullptr).
absl::StatusOr<std::unique_ptr<Rule>> ParseWholeForm(const Criterion& criterion, bool* matched) {
  const Forms& f = GetForms();
  const re2::StringPiece form = criterion.form();
  const bool negated = criterion.negated();
  *matched = true;
  re2::StringPiece a;
  re2::StringPiece b;
  re2::StringPiece c;
  if (RE2::FullMatch(form, *f.empty, &a)) {
    const bool non = absl::StartsWith(View(a), "non");
    return NewEmptyRule(/*want_empty=*/non == negated);
  }
  if (RE2::FullMatch(form, *f.has_content)) {
    return NewEmptyRule(/*want_empty=*/negated);
  }
  if (RE2::FullMatch(form, *f.json, &a)) {
    const JsonShape shape = View(a) == "object"  ? JsonShape::kObject
                            : View(a) == "array" ? JsonShape::kArray
                                                 : JsonShape::kAny;
    return MaybeNot(NewJsonRule(shape), negated);
  }
  if (RE2::FullMatch(form, *f.regex, &a, &b, &c)) {
    auto rule = ParseRegex(criterion.Cut(c), !b.empty(), !a.empty());
    if (!rule.ok() || *rule == nullptr) return rule;
    return MaybeNot(*std::move(rule), negated);
  }
  for (const auto& [re, at_end] : {std::pair{f.starts, false}, std::pair{f.ends, true}}) {
    if (RE2::FullMatch(form, *re, &a)) {
      std::string text = ParseEdge(criterion.Cut(a));
      if (text.empty()) return nullptr;
      return MaybeNot(NewEdgeRule(std::move(text), at_end), negated);
    }
  }
  *matched = false;
  return nullptr;
}

// Count forms: "at most 100 words", "between 3 and 5 bullet points", "100 words or fewer",
// "must not exceed 2 paragraphs", "the length is under 280". nullptr when none applies.
std::unique_ptr<Rule> ParseCountForm(const Criterion& criterion) {
  const Forms& f = GetForms();
  const re2::StringPiece form = criterion.form();
  auto count = [&](TextUnit unit, Compare compare, uint64_t x, uint64_t y) {
    return NewCountRule(unit, criterion.negated() ? Negate(compare) : compare, x, y);
  };
  re2::StringPiece a;
  re2::StringPiece b;
  re2::StringPiece c;
  if (RE2::FullMatch(form, *f.exceed, &a, &b)) {
    return count(ParseUnit(View(b)), Compare::kGt, ParseNumber(View(a)), 0);
  }
  if (RE2::FullMatch(form, *f.between, &a, &b, &c) || RE2::FullMatch(form, *f.range, &a, &b, &c)) {
    return count(ParseUnit(View(c)), Compare::kBetween, ParseNumber(View(a)), ParseNumber(View(b)));
  }
  if (RE2::FullMatch(form, *f.count_before, &a, &b, &c)) {
    return count(ParseUnit(View(c)), ParseComparator(View(a)), ParseNumber(View(b)), 0);
  }
  if (RE2::FullMatch(form, *f.count_after, &a, &b, &c)) {
    const absl::string_view post = View(c);
    const bool at_least = absl::StrContains(post, "more") || absl::StrContains(post, "longer") ||
                          absl::StrContains(post, "over") || absl::StrContains(post, "least") ||
                          absl::StartsWith(post, "min");
    return count(ParseUnit(View(b)), at_least ? Compare::kGe : Compare::kLe, ParseNumber(View(a)),
                 0);
  }
  if (RE2::FullMatch(form, *f.unit_first, &a, &b, &c)) {
    return count(ParseUnit(View(a)), ParseComparator(View(b)), ParseNumber(View(c)), 0);
  }
  if (RE2::FullMatch(form, *f.length, &a, &b)) {
    return count(TextUnit::kCharacters, ParseComparator(View(a)), ParseNumber(View(b)), 0);
  }
  return nullptr;
}

// Contains-forms, positive and negative. nullptr when none applies or the argument reads as a
// description.
std::unique_ptr<Rule> ParseContainsForm(const Criterion& criterion) {
  const Forms& f = GetForms();
  const re2::StringPiece form = criterion.form();
  const bool negated = criterion.negated();
  re2::StringPiece a;
  bool absent = negated;
  bool matched = false;
  if (RE2::FullMatch(form, *f.contains_no, &a)) {
    absent = !negated;
    matched = true;
  } else if (RE2::FullMatch(form, *f.use_word, &a) || RE2::FullMatch(form, *f.contains, &a)) {
    matched = true;
  } else if (RE2::FullMatch(form, *f.exclude, &a) || RE2::FullMatch(form, *f.without, &a)) {
    absent = !negated;
    matched = true;
  }
  if (!matched) return nullptr;
  Terms terms = ParseTerms(criterion.Cut(a));
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
                                     [](const Term& t) { return t.text.empty(); }),
                      terms.terms.end());
    if (terms.terms.empty()) return nullptr;
  }
  return NewTermsRule(std::move(terms.terms), terms.any, absent);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Rule>> ParseRule(absl::string_view criterion) {
  const Criterion parsed(criterion);
  bool matched = false;
  absl::StatusOr<std::unique_ptr<Rule>> rule = ParseWholeForm(parsed, &matched);
  if (matched) return rule;
  if (std::unique_ptr<Rule> count = ParseCountForm(parsed)) return count;
  return ParseContainsForm(parsed);
}

}  // namespace octo::arms
