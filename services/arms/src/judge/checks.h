// The checks a recognised criterion runs on a candidate: terms, counts, JSON, a regular
// expression, the candidate's edges, emptiness. Internal to the judge arm: ParseRule builds
// them. Every rule is immutable and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "re2/re2.h"
#include "src/judge/criteria.h"

namespace octo::arms::detail {

struct Term {
  std::string text;
  // Quoted: a case-insensitive substring. Bare: a phrase that starts a word.
  bool literal;
};

// Met when all `terms` occur (one of them, with `any`); with `negated`, when none does.
std::unique_ptr<Rule> NewTermsRule(std::vector<Term> terms, bool any, bool negated);

enum class Compare { kLe, kLt, kGe, kGt, kEq, kNe, kBetween, kOutside };

// The comparison that holds exactly when `c` does not.
Compare Negate(Compare c);

// Compares the candidate's count of `unit`s with `a`, or for kBetween and kOutside with the
// range from the smaller of `a` and `b` to the larger.
std::unique_ptr<Rule> NewCountRule(TextUnit unit, Compare compare, uint64_t a, uint64_t b);

enum class JsonShape { kAny, kObject, kArray };

// The candidate is strict JSON, of `shape`.
std::unique_ptr<Rule> NewJsonRule(JsonShape shape);

// `re` matches somewhere in the candidate, or with `full` the whole of it. `source` is the
// pattern as written, for the detail. `re` must be ok().
std::unique_ptr<Rule> NewRegexRule(std::unique_ptr<RE2> re, std::string source, bool full);

// The candidate, ignoring surrounding whitespace and case, starts (or with `at_end` ends) with
// `text`.
std::unique_ptr<Rule> NewEdgeRule(std::string text, bool at_end);

// The candidate has no visible character (or, without `want_empty`, has one).
std::unique_ptr<Rule> NewEmptyRule(bool want_empty);

// `rule`, or with `negated` a rule with its verdict flipped; the detail states the facts either
// way.
std::unique_ptr<Rule> MaybeNot(std::unique_ptr<Rule> rule, bool negated);

}  // namespace octo::arms::detail
