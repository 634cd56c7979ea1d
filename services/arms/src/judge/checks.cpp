#include "src/judge/checks.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "octo/common/enum_names.h"
#include "src/runtime/text_match.h"

namespace octo::arms {
namespace {

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

namespace detail {
namespace {

re2::StringPiece Piece(absl::string_view s) { return re2::StringPiece(s.data(), s.size()); }
absl::string_view View(re2::StringPiece p) { return absl::string_view(p.data(), p.size()); }

std::string Quote(absl::string_view text) { return absl::StrCat("\"", Excerpt(text, 80), "\""); }

class TermsRule final : public Rule {
 public:
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

constexpr common::EnumName<TextUnit> kUnitNames[] = {
    {TextUnit::kWords, "words"},           {TextUnit::kCharacters, "characters"},
    {TextUnit::kLines, "lines"},           {TextUnit::kSentences, "sentences"},
    {TextUnit::kParagraphs, "paragraphs"}, {TextUnit::kItems, "list items"},
    {TextUnit::kBytes, "bytes"}};

// "3 words", "1 word".
std::string CountOf(uint64_t n, TextUnit unit) {
  std::string_view name = common::NameOf(kUnitNames, unit, "units");
  if (n == 1) name.remove_suffix(1);
  return absl::StrCat(n, " ", absl::string_view(name.data(), name.size()));
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

}  // namespace

std::unique_ptr<Rule> NewTermsRule(std::vector<Term> terms, bool any, bool negated) {
  return std::make_unique<TermsRule>(std::move(terms), any, negated);
}

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

std::unique_ptr<Rule> NewCountRule(TextUnit unit, Compare compare, uint64_t a, uint64_t b) {
  return std::make_unique<CountRule>(unit, compare, a, b);
}

std::unique_ptr<Rule> NewJsonRule(JsonShape shape) { return std::make_unique<JsonRule>(shape); }

std::unique_ptr<Rule> NewRegexRule(std::unique_ptr<RE2> re, std::string source, bool full) {
  return std::make_unique<RegexRule>(std::move(re), std::move(source), full);
}

std::unique_ptr<Rule> NewEdgeRule(std::string text, bool at_end) {
  return std::make_unique<EdgeRule>(std::move(text), at_end);
}

std::unique_ptr<Rule> NewEmptyRule(bool want_empty) {
  return std::make_unique<EmptyRule>(want_empty);
}

std::unique_ptr<Rule> MaybeNot(std::unique_ptr<Rule> rule, bool negated) {
  if (!negated) return rule;
  return std::make_unique<NotRule>(std::move(rule));
}

}  // namespace detail

}  // namespace octo::arms
