// Clauses of a goal's free text: sentence and sequence splitting, opening ordering words, and
// the word tests the goal splitter decides by. Internal to the heuristic planner.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace octo::arms::detail {

// A word made of ASCII letters, digits and inner apostrophes, with its place in the text.
struct Token {
  size_t begin;
  size_t end;
  std::string lower;
};

// The words of `s` made of ASCII letters and digits; other bytes separate them.
std::vector<Token> AsciiTokens(absl::string_view s);

// How a clause was separated from the one before it.
enum class Boundary { kStart, kSentence, kSemicolon, kSequence, kConjunction };

struct Clause {
  std::string text;
  Boundary boundary;
};

// Splits at sentence ends, semicolons and line breaks, outside quotes.
std::vector<Clause> SplitSentences(absl::string_view text);

// Splits a clause before an ordering word that follows a comma or "and" ("…, then …",
// "… and finally …"); "then" splits without them too, unless it closes an "if"/"when".
// With `conjunctions`, also before an action verb with an object that follows a comma or
// "and" ("research X, compare their prices and write a report").
std::vector<Clause> SplitSequence(const Clause& clause, bool conjunctions);

// `text` without leading connectors and ordering words; sets *ordered when one of them
// orders the clause after the ones before it.
absl::string_view StripLeads(absl::string_view text, bool* ordered);

// True when `text` opens with an action verb ("Find …", "Summarise …").
bool StartsWithActionVerb(absl::string_view text);

// True when `text` ends with a question mark or opens with a question word.
bool IsQuestion(absl::string_view text);

// Trims whitespace and trailing ".;,:!" and capitalises an ASCII first letter.
std::string CleanClause(absl::string_view text);

bool HasWords(absl::string_view text);

}  // namespace octo::arms::detail
