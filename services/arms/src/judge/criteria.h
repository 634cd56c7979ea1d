// Rule-based acceptance checks for the judge arm: recognises criteria written in words
// ("mentions Paris", "at most 100 words", "is valid JSON") and checks a candidate against them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace octo::arms {

// Whether a candidate meets one criterion.
struct Verdict {
  bool met = false;
  // Why it is not met ("has 143 words, more than 100"), or what was found when it is.
  std::string detail;
};

// A recognised criterion, ready to check. Immutable and thread-safe.
class Rule {
 public:
  virtual ~Rule() = default;
  virtual Verdict Check(absl::string_view candidate) const = 0;
};

// Parses one criterion. Matching ignores case and an opening subject and modal ("The answer
// must …", "Should …", "It …"). Recognised forms, each also negated ("does not …", "must not
// …", "never …"):
//   contains | includes | mentions | references | cites | says X — X is one or more terms:
//     quoted ('…', "…", “…”, `…`: substring) or bare (phrase starting a word); joined by
//     "and"/"," all must occur, by "or" one must. "contains no X", "excludes X", "avoids X",
//     "without X", "no mention of X" are negative forms.
//   at most | no more than | up to | under | fewer than | at least | more than | exactly |
//     between N and M — N words | characters | lines | sentences | paragraphs | bullet
//     points | bytes (also "N words or fewer", "must not exceed N words").
//   is valid JSON [object | array]   (strict RFC 8259)
//   matches regex /…/flags | `…` | "…"   (RE2, searched anywhere; flags i, m, s)
//   starts with X | ends with X   (ignoring surrounding whitespace and case; "a question
//     mark", "a period" and the like name the character)
//   is not empty | non-empty
// Returns nullptr for anything else, including contains-forms whose bare argument reads as
// a description rather than text to find ("mentions a deadline"). INVALID_ARGUMENT when the
// form is recognised but its argument is broken (a bad regular expression).
absl::StatusOr<std::unique_ptr<Rule>> ParseRule(absl::string_view criterion);

// Share of a criterion's content words (stop words removed) that occur in the candidate,
// each matched case-insensitively at the start of a word, a trailing plural "s" ignored.
struct Coverage {
  std::vector<std::string> found;
  std::vector<std::string> missing;
  // found / (found + missing); 0 when the criterion has no content words.
  double share = 0;
};
Coverage KeywordCoverage(absl::string_view criterion, absl::string_view candidate);

enum class TextUnit { kWords, kCharacters, kLines, kSentences, kParagraphs, kItems, kBytes };

// How many `unit`s `text` has. Words: whitespace-separated tokens with a letter or digit (each
// Chinese or Japanese character counts as a word). Characters: code points, surrounding
// whitespace excluded. Lines: non-blank lines. Sentences: runs ended by . ! ? (or their
// full-width forms), plus unterminated trailing text. Paragraphs: runs of non-blank lines.
// Items: lines that start with a bullet or a number and "." or ")".
size_t CountUnits(absl::string_view text, TextUnit unit);

// OK when `text` is one strict JSON value (RFC 8259); otherwise INVALID_ARGUMENT saying
// where and why parsing stopped.
absl::Status CheckJson(absl::string_view text);

}  // namespace octo::arms
