#include "src/planner/clause_splitting.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "octo/common/words.h"
#include "octo/task/capabilities.h"
#include "src/runtime/text_match.h"

namespace octo::arms::detail {
namespace {

using WordSet = absl::flat_hash_set<absl::string_view>;

// Verbs that open an instruction ("Find …", "Summarise …").
const WordSet& ActionVerbs() {
  static const auto* const k = new WordSet({
      "add",       "aggregate",   "analyse",  "analyze",   "answer",    "assess",    "build",
      "calculate", "check",       "classify", "clean",     "collect",   "combine",   "compare",
      "compile",   "compose",     "compute",  "convert",   "count",     "create",    "debug",
      "delete",    "deploy",      "describe", "design",    "determine", "document",  "download",
      "draft",     "edit",        "email",    "estimate",  "evaluate",  "examine",   "execute",
      "explain",   "extract",     "fetch",    "filter",    "find",      "fix",       "format",
      "gather",    "generate",    "get",      "give",      "group",     "identify",  "implement",
      "inspect",   "investigate", "invoke",   "list",      "locate",    "look",      "make",
      "measure",   "merge",       "optimise", "optimize",  "outline",   "plot",      "prepare",
      "produce",   "propose",     "provide",  "query",     "rank",      "read",      "recommend",
      "refactor",  "remove",      "rename",   "report",    "research",  "retrieve",  "review",
      "rewrite",   "run",         "scan",     "search",    "send",      "show",      "sort",
      "study",     "suggest",     "sum",      "summarise", "summarize", "tell",      "test",
      "translate", "update",      "validate", "verify",    "visualise", "visualize", "write",
  });
  return *k;
}

// Words that may open a clause before the instruction proper.
struct Lead {
  std::vector<absl::string_view> words;
  // The clause runs after everything before it.
  bool ordered;
  // Only a lead when a comma, colon or action verb follows ("Next, find …" but not
  // "Next week's figures").
  bool guarded;
};

const std::vector<Lead>& Leads() {
  static const auto* const k = new std::vector<Lead>({
      {{"once", "that", "is", "done"}, true, false},
      {{"first", "of", "all"}, false, false},
      {{"to", "begin", "with"}, false, false},
      {{"to", "start", "with"}, false, false},
      {{"in", "the", "end"}, true, true},
      {{"after", "that"}, true, false},
      {{"after", "this"}, true, false},
      {{"after", "which"}, true, false},
      {{"once", "done"}, true, false},
      {{"when", "done"}, true, false},
      {{"to", "begin"}, false, true},
      {{"to", "start"}, false, true},
      {{"begin", "by"}, false, false},
      {{"start", "by"}, false, false},
      {{"and"}, false, false},
      {{"also"}, false, false},
      {{"please"}, false, false},
      {{"then"}, true, false},
      {{"finally"}, true, false},
      {{"lastly"}, true, false},
      {{"afterwards"}, true, false},
      {{"afterward"}, true, false},
      {{"subsequently"}, true, false},
      {{"secondly"}, true, false},
      {{"thirdly"}, true, false},
      {{"firstly"}, false, false},
      {{"initially"}, false, false},
      {{"first"}, false, true},
      {{"next"}, true, true},
      {{"second"}, true, true},
      {{"third"}, true, true},
      {{"last"}, true, true},
  });
  return *k;
}

bool IsClauseSpace(char c) { return c == ' ' || c == '\t' || c == ',' || c == ':'; }

// Marks the bytes of `text` inside `…`, "…" or “…”, where no split may happen.
std::vector<bool> QuotedBytes(absl::string_view text) {
  std::vector<bool> quoted(text.size(), false);
  char open = 0;  // '`', '"' or 'c' for a curly quote
  for (size_t i = 0; i < text.size(); ++i) {
    const absl::string_view rest = text.substr(i);
    if (open == 0) {
      if (text[i] == '`' || text[i] == '"') {
        open = text[i];
      } else if (absl::StartsWith(rest, "“")) {
        open = 'c';
      }
    } else if ((open == text[i] && open != 'c') || (open == 'c' && absl::StartsWith(rest, "”"))) {
      quoted[i] = true;
      open = 0;
      continue;
    }
    if (open != 0) quoted[i] = true;
  }
  // An unclosed quote protects nothing: it is more likely an inch sign or a typo.
  if (open != 0) {
    size_t i = text.size();
    while (i > 0 && quoted[i - 1]) quoted[--i] = false;
  }
  return quoted;
}

// Abbreviations whose "." does not end a sentence.
bool IsAbbreviation(absl::string_view word) {
  static const auto* const k =
      new WordSet({"e.g",    "i.e", "etc", "vs",  "mr",  "mrs", "ms", "dr", "st", "no",   "fig",
                   "approx", "cf",  "al",  "inc", "ltd", "jr",  "sr", "eg", "ie", "resp", "incl"});
  return k->contains(absl::AsciiStrToLower(word));
}

// Words that open an action verb's object ("compare *their* prices").
const WordSet& Objects() {
  static const auto* const k =
      new WordSet({"the",   "a",   "an", "it",  "them", "its",  "their", "this", "that",  "these",
                   "those", "all", "my", "our", "your", "each", "any",   "some", "every", "both"});
  return *k;
}

}  // namespace

std::vector<Token> AsciiTokens(absl::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(s[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && (absl::ascii_isalnum(static_cast<unsigned char>(s[j])) ||
                            (s[j] == '\'' && j + 1 < s.size() &&
                             absl::ascii_isalpha(static_cast<unsigned char>(s[j + 1]))))) {
      ++j;
    }
    out.push_back({i, j, absl::AsciiStrToLower(s.substr(i, j - i))});
    i = j;
  }
  return out;
}

absl::string_view StripLeads(absl::string_view text, bool* ordered) {
  for (;;) {
    while (!text.empty() && (IsClauseSpace(text[0]) || text[0] == '\n')) text.remove_prefix(1);
    const std::vector<Token> tokens = AsciiTokens(text.substr(0, 80));
    if (tokens.empty() || tokens[0].begin != 0) return text;
    bool stripped = false;
    for (const Lead& lead : Leads()) {
      const size_t n = lead.words.size();
      if (tokens.size() < n) continue;
      bool match = true;
      for (size_t k = 0; k < n && match; ++k) match = tokens[k].lower == lead.words[k];
      if (!match) continue;
      absl::string_view rest = text.substr(tokens[n - 1].end);
      // "then's" or "first-rate" are not leads.
      if (!rest.empty() && (rest[0] == '\'' || rest[0] == '-')) continue;
      if (lead.guarded) {
        const absl::string_view after = absl::StripLeadingAsciiWhitespace(rest);
        const bool punctuation = !after.empty() && (after[0] == ',' || after[0] == ':');
        const bool verb = tokens.size() > n && ActionVerbs().contains(tokens[n].lower);
        if (!punctuation && !verb) continue;
      }
      if (lead.ordered) *ordered = true;
      text = rest;
      stripped = true;
      break;
    }
    if (!stripped) return text;
  }
}

bool StartsWithActionVerb(absl::string_view text) {
  const std::vector<Token> tokens = AsciiTokens(text.substr(0, 40));
  return !tokens.empty() && tokens[0].begin == 0 && ActionVerbs().contains(tokens[0].lower);
}

bool IsQuestion(absl::string_view text) {
  text = absl::StripTrailingAsciiWhitespace(text);
  if (absl::EndsWith(text, "?") || absl::EndsWith(text, "？")) return true;
  const std::vector<Token> tokens = AsciiTokens(text.substr(0, 40));
  return !tokens.empty() && tokens[0].begin == 0 && task::IsQuestionWord(tokens[0].lower);
}

std::string CleanClause(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  while (!text.empty() && absl::StrContains(".;,:!", text.back())) {
    text.remove_suffix(1);
    text = absl::StripTrailingAsciiWhitespace(text);
  }
  std::string out(text);
  if (!out.empty()) out[0] = absl::ascii_toupper(static_cast<unsigned char>(out[0]));
  return out;
}

bool HasWords(absl::string_view text) { return !common::Words(text).empty(); }

std::vector<Clause> SplitSentences(absl::string_view text) {
  std::vector<Clause> out;
  const std::vector<bool> quoted = QuotedBytes(text);
  size_t start = 0;
  Boundary next_boundary = Boundary::kStart;
  auto emit = [&](size_t end, size_t resume, Boundary boundary) {
    out.push_back({std::string(text.substr(start, end - start)), next_boundary});
    next_boundary = boundary;
    start = resume;
  };
  size_t i = 0;
  while (i < text.size()) {
    if (quoted[i]) {
      ++i;
      continue;
    }
    const char c = text[i];
    const absl::string_view rest = text.substr(i);
    if (c == ';' && (i + 1 == text.size() || absl::ascii_isspace(text[i + 1]))) {
      emit(i, i + 1, Boundary::kSemicolon);
      i += 1;
    } else if (c == '\n') {
      emit(i, i + 1, Boundary::kSentence);
      i += 1;
    } else if (absl::StartsWith(rest, "。") || absl::StartsWith(rest, "！") ||
               absl::StartsWith(rest, "？")) {
      emit(i + 3, i + 3, Boundary::kSentence);
      i += 3;
    } else if (c == '.' || c == '!' || c == '?') {
      size_t j = i;
      while (j < text.size() && absl::StrContains(".!?\"')]", text[j])) ++j;
      const bool at_break = j == text.size() || absl::ascii_isspace(text[j]);
      bool abbreviation = false;
      if (c == '.' && at_break) {
        size_t w = i;
        while (w > start && !absl::ascii_isspace(text[w - 1]) && text[w - 1] != '(') --w;
        abbreviation = w < i && IsAbbreviation(text.substr(w, i - w));
      }
      if (at_break && !abbreviation) {
        emit(j, j, Boundary::kSentence);
      }
      i = j;
    } else {
      ++i;
    }
  }
  if (start < text.size()) emit(text.size(), text.size(), Boundary::kSentence);
  return out;
}

std::vector<Clause> SplitSequence(const Clause& clause, bool conjunctions) {
  static const auto* const kAlways =
      new WordSet({"finally", "lastly", "afterwards", "afterward", "subsequently"});
  static const auto* const kConditions = new WordSet({"if", "when", "whenever", "once", "unless"});
  std::vector<Clause> out;
  const absl::string_view text = clause.text;
  const std::vector<bool> quoted = QuotedBytes(text);
  const std::vector<Token> tokens = AsciiTokens(text);
  size_t start = 0;
  Boundary boundary = clause.boundary;
  bool condition_open = false;
  for (size_t j = 0; j < tokens.size(); ++j) {
    const Token& t = tokens[j];
    if (quoted[t.begin]) continue;
    if (kConditions->contains(t.lower)) condition_open = true;
    if (j == 0 || tokens[j - 1].begin < start) continue;
    // What precedes the word: a comma or semicolon, or "and" (itself after anything).
    size_t before = t.begin;
    while (before > start && absl::ascii_isspace(text[before - 1])) --before;
    const bool comma = before > start && (text[before - 1] == ',' || text[before - 1] == ';');
    const bool after_and = tokens[j - 1].lower == "and" && !quoted[tokens[j - 1].begin];
    bool split = false;
    if (t.lower == "then") {
      // "if …, then …" is one clause.
      split = !condition_open;
      condition_open = false;
    } else if (kAlways->contains(t.lower)) {
      split = comma || after_and;
    } else if (t.lower == "after" && j + 1 < tokens.size()) {
      const std::string& next = tokens[j + 1].lower;
      split = (comma || after_and) && (next == "that" || next == "this" || next == "which");
    } else if (t.lower == "next" && j + 1 < tokens.size()) {
      split = (comma || after_and) && ActionVerbs().contains(tokens[j + 1].lower);
    }
    bool conjunction = false;
    if (!split && conjunctions && !condition_open && (comma || after_and) &&
        ActionVerbs().contains(t.lower) && j + 1 < tokens.size() &&
        Objects().contains(tokens[j + 1].lower)) {
      // The clause before needs a verb and something more ("Read and summarise it" stays).
      size_t left_words = 0;
      for (size_t k = 0; k < j; ++k) left_words += tokens[k].begin >= start ? 1 : 0;
      split = conjunction = left_words - (after_and ? 1 : 0) >= 2;
    }
    if (!split) continue;
    const size_t cut = after_and ? tokens[j - 1].begin : t.begin;
    absl::string_view left = text.substr(start, cut - start);
    if (HasWords(left)) {
      out.push_back({std::string(left), boundary});
      boundary = conjunction ? Boundary::kConjunction : Boundary::kSequence;
      start = cut;
    }
    condition_open = false;
  }
  out.push_back({std::string(text.substr(start)), boundary});
  return out;
}

}  // namespace octo::arms::detail
