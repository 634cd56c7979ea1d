#include "src/planner/plan_heuristics.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "re2/re2.h"
#include "src/runtime/text_match.h"

namespace octo::arms {
namespace {

using WordSet = absl::flat_hash_set<absl::string_view>;

re2::StringPiece Piece(absl::string_view s) { return re2::StringPiece(s.data(), s.size()); }

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

const WordSet& QuestionWords() {
  static const auto* const k =
      new WordSet({"what", "who", "whom", "whose", "when", "where", "which", "why", "how"});
  return *k;
}

// A word made of ASCII letters, digits and inner apostrophes, with its place in the text.
struct Token {
  size_t begin;
  size_t end;
  std::string lower;
};

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

// `text` without leading connectors and ordering words; sets *ordered when one of them
// orders the clause after the ones before it.
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
  return !tokens.empty() && tokens[0].begin == 0 && QuestionWords().contains(tokens[0].lower);
}

// Trims whitespace and trailing ".;,:!" and capitalises an ASCII first letter.
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

bool HasWords(absl::string_view text) { return !Words(text).empty(); }

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

// How a clause was separated from the one before it.
enum class Boundary { kStart, kSentence, kSemicolon, kSequence, kConjunction };

struct Clause {
  std::string text;
  Boundary boundary;
};

// Abbreviations whose "." does not end a sentence.
bool IsAbbreviation(absl::string_view word) {
  static const auto* const k =
      new WordSet({"e.g",    "i.e", "etc", "vs",  "mr",  "mrs", "ms", "dr", "st", "no",   "fig",
                   "approx", "cf",  "al",  "inc", "ltd", "jr",  "sr", "eg", "ie", "resp", "incl"});
  return k->contains(absl::AsciiStrToLower(word));
}

// Splits at sentence ends, semicolons and line breaks, outside quotes.
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

// Words that open an action verb's object ("compare *their* prices").
const WordSet& Objects() {
  static const auto* const k =
      new WordSet({"the",   "a",   "an", "it",  "them", "its",  "their", "this", "that",  "these",
                   "those", "all", "my", "our", "your", "each", "any",   "some", "every", "both"});
  return *k;
}

// Splits a clause before an ordering word that follows a comma or "and" ("…, then …",
// "… and finally …"); "then" splits without them too, unless it closes an "if"/"when".
// With `conjunctions`, also before an action verb with an object that follows a comma or
// "and" ("research X, compare their prices and write a report").
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

// Content start of a list line ("- ", "2. ", "(b) ", "Step 3: "), or npos.
size_t ListContentStart(absl::string_view line) {
  static const RE2* const kMarker = new RE2(
      "^([ \\t]*(?:[-*+•–—·‣◦]|\\(?[0-9]{1,2}[.):]|\\(?[A-Za-z]\\)|"
      "(?i:step|phase|stage|part)[ \\t]*[0-9]{1,2}[ \\t]*[-–:.)])[ \\t]+)\\S");
  re2::StringPiece prefix;
  if (!RE2::PartialMatch(Piece(line), *kMarker, &prefix)) return absl::string_view::npos;
  return prefix.size();
}

// A run of text that is split on its own: a list item, or free text.
struct Segment {
  std::string text;
  bool item = false;
};

// Words of a lead-in that say nothing about the subject ("Do the following:").
bool IsGenericLeadInWord(absl::string_view word) {
  static const auto* const k = new WordSet(
      {"do",    "following", "steps", "step",     "tasks",   "task",  "things", "please",
       "need",  "want",      "like",  "help",     "below",   "items", "order",  "goal",
       "goals", "plan",      "todo",  "complete", "perform", "carry", "here",   "are",
       "is",    "the",       "these", "this",     "we",      "i",     "to"});
  return k->contains(word);
}

// The segments of a goal written as a list of lines, or empty when it is not one.
std::vector<Segment> LineListSegments(absl::string_view goal) {
  const std::vector<absl::string_view> lines = absl::StrSplit(goal, '\n');
  int markers = 0;
  for (absl::string_view line : lines) {
    if (ListContentStart(line) != absl::string_view::npos) ++markers;
  }
  if (markers < 2) return {};
  std::vector<Segment> segments;
  bool blank_before = false;
  for (absl::string_view line : lines) {
    const size_t content = ListContentStart(line);
    const absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (content != absl::string_view::npos) {
      segments.push_back({std::string(line.substr(content)), true});
    } else if (stripped.empty()) {
      blank_before = true;
      continue;
    } else {
      // A wrapped line continues its item; a line starting a new sentence after the list
      // is free text.
      const bool continues = !segments.empty() && segments.back().item && !blank_before &&
                             !absl::ascii_isupper(static_cast<unsigned char>(stripped[0]));
      if (continues || (!segments.empty() && !segments.back().item && !blank_before)) {
        absl::StrAppend(&segments.back().text, segments.back().item ? " " : "\n", stripped);
      } else {
        segments.push_back({std::string(stripped), false});
      }
    }
    blank_before = false;
  }
  return segments;
}

// Segments of a goal with an inline enumeration ("1. … 2. … 3. …"), or empty.
std::vector<Segment> InlineListSegments(absl::string_view goal) {
  struct Marker {
    size_t begin;    // of the marker
    size_t content;  // after it
  };
  std::vector<Marker> chain;
  int expected = 1;
  for (size_t p = 0; p < goal.size(); ++p) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(goal[p]))) continue;
    size_t begin = p;
    if (p > 0 && goal[p - 1] == '(') begin = p - 1;
    if (begin > 0 && !absl::ascii_isspace(goal[begin - 1])) continue;
    size_t q = p;
    int number = 0;
    while (q < goal.size() && q - p < 3 &&
           absl::ascii_isdigit(static_cast<unsigned char>(goal[q]))) {
      number = number * 10 + (goal[q] - '0');
      ++q;
    }
    if (q - p > 2 || q >= goal.size() || (goal[q] != '.' && goal[q] != ')')) {
      p = q;
      continue;
    }
    if (q + 1 >= goal.size() || !absl::ascii_isspace(goal[q + 1])) {
      p = q;
      continue;
    }
    if (number == expected) {
      chain.push_back({begin, q + 1});
      ++expected;
    }
    p = q;
  }
  if (chain.size() < 2) return {};
  std::vector<Segment> segments;
  const absl::string_view preamble = goal.substr(0, chain[0].begin);
  if (HasWords(preamble)) segments.push_back({std::string(preamble), false});
  for (size_t k = 0; k < chain.size(); ++k) {
    const size_t end = k + 1 < chain.size() ? chain[k + 1].begin : goal.size();
    segments.push_back({std::string(goal.substr(chain[k].content, end - chain[k].content)), true});
  }
  return segments;
}

// The lead-in of a list when it names a subject, else "".
std::string SubjectOfLeadIn(absl::string_view lead_in) {
  for (const std::string& word : ContentWords(lead_in)) {
    if (!IsGenericLeadInWord(word)) return CleanClause(lead_in);
  }
  return "";
}

// Sub-goals of one segment. In a list item only semicolons and ordering words split; in free
// text, sentences that start with an action verb or ask a question split too, and so do
// clauses joined by "and" or a comma that start with one. A free segment's opening sentence
// that is neither ("I need the line count of a file.") becomes the lead-in of the sub-goal
// after it.
void SplitSegment(const Segment& segment, const std::string& lead_in, std::vector<SubGoal>* out,
                  std::set<std::string>* how) {
  bool first = true;
  const size_t begin = out->size();
  bool preface = false;  // out->back() is the opening sentence and may become a lead-in
  for (const Clause& sentence : SplitSentences(segment.text)) {
    for (const Clause& clause : SplitSequence(sentence, !segment.item)) {
      bool ordered = false;
      const absl::string_view body = StripLeads(clause.text, &ordered);
      if (!HasWords(body)) continue;
      const bool conjunction = clause.boundary == Boundary::kConjunction;
      bool separate = first || ordered || clause.boundary == Boundary::kSemicolon ||
                      clause.boundary == Boundary::kSequence || conjunction;
      if (!separate && !segment.item && clause.boundary == Boundary::kSentence) {
        separate = StartsWithActionVerb(body) || IsQuestion(body);
      }
      // Only a following sentence turns the opening one into a lead-in; items separated by
      // semicolons or "and" stay items.
      if (separate && preface && out->size() == begin + 1 &&
          clause.boundary == Boundary::kSentence) {
        SubGoal opening = std::move(out->back());
        out->pop_back();
        const bool ended = absl::EndsWith(opening.text, "。") || absl::EndsWith(opening.text, "！");
        SubGoal goal{CleanClause(body), absl::StrCat(opening.text, ended ? "" : "."), ordered};
        out->push_back(std::move(goal));
        preface = false;
        continue;
      }
      if (!separate) {
        // Elaboration of the sub-goal before: keep it there, as its own sentence.
        std::string& previous = out->back().text;
        const bool ended = absl::EndsWith(previous, "?") || absl::EndsWith(previous, "？") ||
                           absl::EndsWith(previous, "。") || absl::EndsWith(previous, "！");
        const bool new_sentence = clause.boundary == Boundary::kSentence && !ended;
        absl::StrAppend(&previous, new_sentence ? ". " : " ", CleanClause(clause.text));
        continue;
      }
      if (!first) {
        switch (clause.boundary) {
          case Boundary::kSemicolon:
            how->insert("semicolons");
            break;
          case Boundary::kSequence:
            how->insert("ordering words");
            break;
          case Boundary::kSentence:
            how->insert(ordered ? "ordering words" : "sentences");
            break;
          case Boundary::kConjunction:
            how->insert("clauses joined by \"and\" or commas");
            break;
          case Boundary::kStart:
            break;
        }
      }
      if (first) {
        preface = !segment.item && !ordered && !StartsWithActionVerb(body) && !IsQuestion(body);
      }
      first = false;
      // "Find X and find Y" is parallel by its form; "find X and count the rows" goes on
      // from X.
      bool continues = conjunction && !ordered;
      if (continues && !out->empty()) {
        const std::vector<Token> mine = AsciiTokens(body.substr(0, 40));
        const std::vector<Token> before =
            AsciiTokens(absl::string_view(out->back().text).substr(0, 40));
        continues = mine.empty() || before.empty() || mine[0].lower != before[0].lower;
      }
      out->push_back({CleanClause(body), lead_in, ordered, continues});
    }
  }
}

// Words for the capability rules.
const WordSet& RetrieveVerbs() {
  static const auto* const k = new WordSet(
      {"find",      "finds",      "finding", "search",   "searches", "searching",  "retrieve",
       "retrieves", "retrieving", "lookup",  "locate",   "locating", "gather",     "gathering",
       "collect",   "collecting", "fetch",   "fetching", "research", "researching"});
  return *k;
}
const WordSet& RunVerbs() {
  static const auto* const k = new WordSet({"run", "runs", "running", "execute", "executes",
                                            "executing", "invoke", "invoking", "launch"});
  return *k;
}
const WordSet& ComputeVerbs() {
  static const auto* const k =
      new WordSet({"compute", "computing", "calculate", "calculating", "count", "counting",
                   "measure", "measuring", "benchmark", "tally"});
  return *k;
}
const WordSet& ProgramNouns() {
  static const auto* const k =
      new WordSet({"command", "commands", "program", "programs", "script", "scripts", "binary",
                   "executable", "tool", "tests", "test", "shell", "cli", "terminal"});
  return *k;
}
const WordSet& CodeVerbs() {
  static const auto* const k = new WordSet(
      {"write",        "writes",   "writing",   "refactor",   "refactoring", "implement",
       "implementing", "debug",    "debugging", "fix",        "fixing",      "review",
       "optimise",     "optimize", "explain",   "explaining", "rewrite",     "generate",
       "create",       "port",     "lint",      "compile",    "document"});
  return *k;
}
const WordSet& StrongCodeVerbs() {
  static const auto* const k =
      new WordSet({"refactor", "refactoring", "implement", "implementing", "debug", "debugging"});
  return *k;
}
const WordSet& CodeNouns() {
  static const auto* const k = new WordSet(
      {"code",    "function", "functions",  "class",     "classes",  "method",         "methods",
       "script",  "scripts",  "program",    "programs",  "snippet",  "module",         "modules",
       "library", "api",      "bug",        "bugs",      "regex",    "algorithm",      "unit",
       "tests",   "codebase", "repository", "repo",      "source",   "implementation", "compiler",
       "parser",  "endpoint", "struct",     "interface", "variable", "loop",           "recursion",
       "patch",   "diff",     "python",     "cpp",       "java",     "javascript",     "typescript",
       "rust",    "golang",   "sql",        "bash",      "ruby",     "kotlin",         "swift",
       "haskell", "php",      "html",       "css",       "scala",    "perl",           "lua"});
  return *k;
}

bool HasSourceFileName(absl::string_view text) {
  static const RE2* const kSource = new RE2(
      "[A-Za-z0-9_/-]\\.(?:cpp|cc|cxx|hpp|hh|h|c|py|js|ts|tsx|go|rs|java|rb|sh|sql|kt|swift|"
      "php|cs|scala|lua)\\b");
  return RE2::PartialMatch(Piece(text), *kSource);
}

// The text inside the first `…`, or "" when there is none.
absl::string_view BacktickSpan(absl::string_view text) {
  const size_t open = text.find('`');
  if (open == absl::string_view::npos) return "";
  const size_t close = text.find('`', open + 1);
  if (close == absl::string_view::npos) return "";
  return absl::StripAsciiWhitespace(text.substr(open + 1, close - open - 1));
}

bool IsProgram(absl::string_view word, const std::vector<std::string>& programs) {
  return std::find(programs.begin(), programs.end(), word) != programs.end();
}

// "wc -l notes.txt", "date": a known program followed by nothing, an option or a path.
bool IsCommandLine(absl::string_view text, const std::vector<std::string>& programs) {
  const std::vector<absl::string_view> words =
      absl::StrSplit(absl::StripAsciiWhitespace(text), absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (words.empty() || !IsProgram(words[0], programs)) return false;
  if (words.size() == 1) return true;
  const absl::string_view second = words[1];
  return second[0] == '-' || absl::StrContains(second, '/') || absl::StrContains(second, '.') ||
         second[0] == '\'' || second[0] == '"';
}

// Simple stem of a capability name for matching its inflections ("translate" → "translat").
std::string CapabilityStem(absl::string_view capability) {
  std::string stem = absl::AsciiStrToLower(capability);
  if (stem.size() >= 5 && stem.back() == 'e') stem.pop_back();
  return stem;
}

}  // namespace

std::vector<SubGoal> SplitGoal(absl::string_view goal, std::vector<std::string>* how) {
  std::string normalized = absl::StrReplaceAll(goal, {{"\r\n", "\n"}, {"\r", "\n"}});
  std::set<std::string> kinds;
  std::vector<Segment> segments = LineListSegments(normalized);
  if (!segments.empty()) {
    kinds.insert("list items");
  } else {
    segments = InlineListSegments(normalized);
    if (!segments.empty()) {
      kinds.insert("inline numbering");
    } else {
      segments.push_back({normalized, false});
    }
  }
  // A free segment ending in ":" right before a list introduces it.
  std::vector<SubGoal> out;
  std::string lead_in;
  for (size_t k = 0; k < segments.size(); ++k) {
    const Segment& segment = segments[k];
    const absl::string_view trimmed = absl::StripAsciiWhitespace(segment.text);
    if (!segment.item && k + 1 < segments.size() && segments[k + 1].item &&
        absl::EndsWith(trimmed, ":")) {
      lead_in = SubjectOfLeadIn(trimmed);
      continue;
    }
    SplitSegment(segment, segment.item ? lead_in : "", &out, &kinds);
    if (!segment.item) lead_in.clear();
  }
  if (how != nullptr) how->assign(kinds.begin(), kinds.end());
  return out;
}

CapabilityChoice ChooseCapability(absl::string_view text,
                                  const std::vector<std::string>& capabilities,
                                  const std::vector<std::string>& programs) {
  const std::vector<std::string> words = Words(text);
  auto any_of = [&](const WordSet& set) {
    return std::any_of(words.begin(), words.end(),
                       [&](const std::string& w) { return set.contains(w); });
  };
  const std::string first = words.empty() ? "" : words[0];

  int retrieve = 0;
  bool look_up = false;
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == "look" || words[i] == "looking") {
      const std::string& next = words[i + 1];
      look_up = look_up || next == "up" || next == "for" || next == "into";
    }
  }
  if (any_of(RetrieveVerbs()) || look_up) retrieve += 2;
  if (RetrieveVerbs().contains(first) || first == "look") retrieve += 1;
  if (QuestionWords().contains(first) && first != "how" && first != "why") retrieve += 1;

  int execute = 0;
  const bool command_line = IsCommandLine(text, programs);
  bool program_named_by_name = false;
  for (size_t i = 0; i + 1 < words.size() && !program_named_by_name; ++i) {
    const bool introduces = RunVerbs().contains(words[i]) || ComputeVerbs().contains(words[i]) ||
                            words[i] == "with" || words[i] == "using";
    program_named_by_name = introduces && IsProgram(words[i + 1], programs);
  }
  const bool program_named =
      program_named_by_name || !BacktickSpan(text).empty() || any_of(ProgramNouns());
  // A named program or command beats a generic "run the tests".
  const bool program_given = !BacktickSpan(text).empty() || program_named_by_name;
  if (command_line) execute += 4;
  if (any_of(RunVerbs())) execute += program_given ? 3 : program_named ? 2 : 1;
  if (any_of(ComputeVerbs()) && program_named) execute += program_given ? 3 : 2;
  if (execute > 0 && (RunVerbs().contains(first) || ComputeVerbs().contains(first))) execute += 1;

  int code = 0;
  const bool code_noun = any_of(CodeNouns()) || HasSourceFileName(text) ||
                         absl::StrContains(absl::AsciiStrToLower(text), "c++");
  if (any_of(CodeVerbs()) && code_noun) {
    code += 3;
  } else if (any_of(StrongCodeVerbs())) {
    code += 2;
  } else if (code_noun) {
    code += 1;
  }
  if (code > 0 && CodeVerbs().contains(first)) code += 1;

  std::vector<std::pair<std::string, int>> scores = {
      {"retrieve", retrieve}, {"execute", execute}, {"code", code}};
  for (const std::string& capability : capabilities) {
    if (capability == "retrieve" || capability == "execute" || capability == "code") continue;
    const std::string stem = CapabilityStem(capability);
    if (stem.size() < 3) continue;
    int score = 0;
    for (const std::string& word : words) {
      if (absl::StartsWith(word, stem)) score = 3;
    }
    if (score > 0 && absl::StartsWith(first, stem)) score += 1;
    scores.emplace_back(capability, score);
  }

  CapabilityChoice choice;
  int best = 0;
  for (const auto& [capability, score] : scores) {
    if (score > best) {
      best = score;
      choice.wanted = capability;
    }
  }
  const bool wanted_available =
      !choice.wanted.empty() &&
      std::find(capabilities.begin(), capabilities.end(), choice.wanted) != capabilities.end();
  if (wanted_available) {
    choice.capability = choice.wanted;
  } else if (std::find(capabilities.begin(), capabilities.end(), "retrieve") !=
             capabilities.end()) {
    choice.capability = "retrieve";
  } else {
    choice.capability = capabilities.front();
  }
  return choice;
}

std::string CommandInstruction(absl::string_view text, const std::vector<std::string>& programs) {
  const absl::string_view span = BacktickSpan(text);
  if (!span.empty()) return std::string(span);
  std::vector<absl::string_view> words =
      absl::StrSplit(absl::StripAsciiWhitespace(text), absl::ByAnyChar(" \t"), absl::SkipEmpty());
  size_t k = 0;
  if (k < words.size() && RunVerbs().contains(absl::AsciiStrToLower(words[k]))) ++k;
  if (k < words.size() && absl::AsciiStrToLower(words[k]) == "the") ++k;
  if (k < words.size() && (absl::AsciiStrToLower(words[k]) == "command" ||
                           absl::AsciiStrToLower(words[k]) == "program")) {
    ++k;
  }
  if (k < words.size() && IsProgram(words[k], programs)) {
    // The command ends where the sentence goes on: "wc -l a.txt and report the count".
    std::vector<absl::string_view> command;
    for (size_t m = k; m < words.size(); ++m) {
      const std::string lower = absl::AsciiStrToLower(words[m]);
      if (m > k && (lower == "and" || lower == "then")) break;
      absl::string_view word = words[m];
      const bool comma = absl::EndsWith(word, ",");
      if (comma) word.remove_suffix(1);
      command.push_back(word);
      if (comma) break;
    }
    return absl::StrJoin(command, " ");
  }
  return std::string(text);
}

absl::StatusOr<v1::PlanResult> HeuristicPlan(const PlanRequest& request,
                                             const HeuristicPlannerOptions& options) {
  std::vector<std::string> how;
  std::vector<SubGoal> goals = SplitGoal(request.goal, &how);
  if (goals.empty()) {
    return absl::InvalidArgumentError("instruction: the goal has no words to plan from");
  }
  const size_t goal_count = goals.size();
  std::vector<std::string> feedback;
  for (const std::string& line : request.feedback) {
    const absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty()) continue;
    if (feedback.size() == 10) {
      feedback.push_back("…");
      break;
    }
    feedback.push_back(Excerpt(trimmed, 300));
  }
  if (!feedback.empty()) {
    goals.push_back({absl::StrCat("Revise the result to address this feedback on the previous "
                                  "attempt: ",
                                  absl::StrJoin(feedback, "; ")),
                     "", true});
  }

  // Dependencies between sub-goals; `sinks` are the sub-goals nothing depends on yet.
  static const auto* const kSingular = new WordSet(
      {"it", "its", "it's", "previous", "preceding", "earlier", "prior", "aforementioned"});
  static const auto* const kPlural = new WordSet(
      {"them",        "they",      "their",   "these",      "those",      "both",     "above",
       "compare",     "comparing", "combine", "combining",  "merge",      "merging",  "aggregate",
       "consolidate", "integrate", "collate", "synthesise", "synthesize", "contrast", "reconcile"});
  static const auto* const kDeterminers = new WordSet(
      {"the", "this", "that", "these", "those", "its", "their", "each", "such", "your"});
  static const auto* const kResultNouns =
      new WordSet({"result", "output", "finding", "answer", "summary", "outcome", "list", "table"});
  static const auto* const kResultsNouns = new WordSet(
      {"results", "outputs", "findings", "answers", "summaries", "outcomes", "lists", "tables"});

  std::vector<std::vector<int>> deps(goals.size());
  std::vector<std::string> dep_reasons;
  std::set<int> sinks;
  for (int i = 0; i < static_cast<int>(goals.size()); ++i) {
    std::set<int> mine;
    std::string reason;
    if (i > 0) {
      const std::vector<std::string> words = Words(goals[i].text);
      bool singular = false;
      bool plural = false;
      std::vector<int> named;
      for (size_t k = 0; k < words.size(); ++k) {
        const std::string& w = words[k];
        singular = singular || kSingular->contains(w);
        plural = plural || kPlural->contains(w);
        if (k > 0 && kDeterminers->contains(words[k - 1])) {
          singular = singular || kResultNouns->contains(w);
          plural = plural || kResultsNouns->contains(w);
        }
        if ((w == "step" || w == "steps") && k + 1 < words.size()) {
          for (size_t m = k + 1; m < words.size(); ++m) {
            if (words[m] == "and" || words[m] == "or") continue;
            int n = 0;
            if (words[m].size() > 3 || !absl::SimpleAtoi(words[m], &n)) break;
            if (n >= 1 && n <= i) named.push_back(n - 1);
          }
        }
      }
      // A write-up gathers what came before: "Summarise …", "Write a report …".
      static const auto* const kSummarise =
          new WordSet({"summarise", "summarize", "conclude", "recap"});
      static const auto* const kCompose =
          new WordSet({"write", "draft", "compose", "prepare", "produce", "compile", "create"});
      static const auto* const kWriteUps =
          new WordSet({"report", "summary", "memo", "overview", "recap", "conclusion", "brief",
                       "briefing", "digest", "writeup", "comparison"});
      bool write_up = !words.empty() && kSummarise->contains(words[0]);
      if (!words.empty() && kCompose->contains(words[0])) {
        for (size_t k = 1; k < words.size() && k < 5; ++k) {
          write_up = write_up || kWriteUps->contains(words[k]);
        }
      }
      if (!named.empty()) {
        mine.insert(named.begin(), named.end());
        reason = "names an earlier step";
      }
      if (goals[i].ordered) {
        mine.insert(sinks.begin(), sinks.end());
        reason = "opens with an ordering word";
      } else if (!named.empty()) {
        // The named steps are all it needs.
      } else if (plural) {
        mine.insert(sinks.begin(), sinks.end());
        reason = "uses the earlier results";
      } else if (singular) {
        mine.insert(i - 1);
        reason = "refers to the previous result";
      } else if (write_up) {
        mine.insert(sinks.begin(), sinks.end());
        reason = "writes up the earlier results";
      } else if (goals[i].continues) {
        mine.insert(i - 1);
        reason = "continues the sentence before it";
      }
    }
    for (int d : mine) sinks.erase(d);
    sinks.insert(i);
    deps[i].assign(mine.begin(), mine.end());
    dep_reasons.push_back(std::move(reason));
  }

  // Capabilities and instructions.
  std::vector<CapabilityChoice> choices;
  std::vector<std::string> instructions;
  for (const SubGoal& goal : goals) {
    CapabilityChoice choice = ChooseCapability(goal.text, request.capabilities, options.programs);
    std::string instruction = choice.capability == "execute"
                                  ? CommandInstruction(goal.text, options.programs)
                                  : goal.text;
    if (!goal.lead_in.empty() && choice.capability != "execute") {
      const bool sentence = absl::EndsWith(goal.lead_in, ".") ||
                            absl::EndsWith(goal.lead_in, "。") ||
                            absl::EndsWith(goal.lead_in, "！");
      instruction = absl::StrCat(goal.lead_in, sentence ? " " : ": ", instruction);
    }
    instructions.push_back(std::move(instruction));
    choices.push_back(std::move(choice));
  }

  // Fit max_steps: sub-goals from `merge_from` on (not the feedback step, unless only one
  // step is allowed) become one step.
  const int max_steps = std::max(request.max_steps, 1);
  const int total = static_cast<int>(goals.size());
  const bool has_feedback = !feedback.empty();
  std::vector<int> new_index(total);
  int merge_from = total;
  int merge_to = total;  // exclusive
  if (total > max_steps) {
    if (has_feedback && max_steps >= 2) {
      merge_from = max_steps - 2;
      merge_to = total - 1;
    } else {
      merge_from = max_steps - 1;
      merge_to = total;
    }
  }
  for (int i = 0; i < total; ++i) {
    if (i < merge_from) {
      new_index[i] = i;
    } else if (i < merge_to) {
      new_index[i] = merge_from;
    } else {
      new_index[i] = merge_from + 1 + (i - merge_to);
    }
  }
  const int step_count = total > max_steps ? max_steps : total;

  v1::PlanResult plan;
  for (int s = 0; s < step_count; ++s) {
    v1::PlannedStep* step = plan.add_steps();
    step->set_id(absl::StrCat("s", s + 1));
  }
  std::vector<std::vector<int>> members(step_count);
  for (int i = 0; i < total; ++i) members[new_index[i]].push_back(i);
  for (int s = 0; s < step_count; ++s) {
    v1::PlannedStep* step = plan.mutable_steps(s);
    std::vector<std::string> parts;
    std::map<std::string, int> votes;
    std::string capability;
    int best_votes = 0;
    std::set<int> step_deps;
    for (int i : members[s]) {
      parts.push_back(instructions[i]);
      const int v = ++votes[choices[i].capability];
      if (v > best_votes) {
        best_votes = v;
        capability = choices[i].capability;
      }
      for (int d : deps[i]) {
        if (new_index[d] != s) step_deps.insert(new_index[d]);
      }
    }
    step->set_capability(capability);
    step->set_instruction(absl::StrJoin(parts, "; "));
    for (int d : step_deps) step->add_depends_on(absl::StrCat("s", d + 1));
  }

  // Rationale.
  std::vector<std::string> why;
  why.push_back("Heuristic plan (no language model).");
  if (goal_count == 1) {
    why.push_back("The goal is a single task.");
  } else {
    why.push_back(absl::StrCat("Split the goal into ", goal_count, " sub-goals",
                               how.empty() ? "" : " at ", absl::StrJoin(how, ", "), "."));
  }
  std::vector<std::string> links;
  std::vector<std::string> roots;
  for (int i = 0; i < total; ++i) {
    if (new_index[i] != i || dep_reasons[i].empty() || (has_feedback && i == total - 1)) continue;
    links.push_back(absl::StrCat(plan.steps(i).id(), " waits for ",
                                 absl::StrJoin(plan.steps(i).depends_on(), ", "), " (",
                                 dep_reasons[i], ")"));
  }
  for (const v1::PlannedStep& step : plan.steps()) {
    if (step.depends_on().empty()) roots.push_back(step.id());
  }
  if (!links.empty()) why.push_back(absl::StrCat(absl::StrJoin(links, "; "), "."));
  if (roots.size() > 1) {
    why.push_back(absl::StrCat(absl::StrJoin(roots, ", "),
                               " do not depend on each other and can run in parallel."));
  }
  int fallbacks = 0;
  for (int i = 0; i < total; ++i) {
    const CapabilityChoice& choice = choices[i];
    if (choice.wanted.empty() || choice.wanted == choice.capability) continue;
    if (++fallbacks <= 5) {
      why.push_back(absl::StrCat("Sub-goal ", i + 1, " reads like \"", choice.wanted,
                                 "\" work, which no arm offers now; it uses \"", choice.capability,
                                 "\" instead."));
    }
  }
  if (fallbacks > 5) {
    why.push_back(absl::StrCat(fallbacks - 5, " more sub-goals use a stand-in capability."));
  }
  if (total > max_steps) {
    why.push_back(absl::StrCat("The plan may have at most ", max_steps, " steps, so ",
                               plan.steps(merge_from).id(), " merges sub-goals ", merge_from + 1,
                               " to ", merge_to, "."));
  }
  if (has_feedback) {
    why.push_back(absl::StrCat("Replanning after a failed check: the last step, ",
                               plan.steps(step_count - 1).id(),
                               ", revises the result to address the feedback."));
  }
  plan.set_rationale(absl::StrJoin(why, " "));
  return plan;
}

namespace {

class HeuristicPlanner final : public Planner {
 public:
  explicit HeuristicPlanner(HeuristicPlannerOptions options) : options_(std::move(options)) {}

  absl::StatusOr<v1::PlanResult> Plan(const PlanRequest& request, const CallContext&) override {
    return HeuristicPlan(request, options_);
  }

 private:
  const HeuristicPlannerOptions options_;
};

}  // namespace

std::unique_ptr<Planner> NewHeuristicPlanner(HeuristicPlannerOptions options) {
  return std::make_unique<HeuristicPlanner>(std::move(options));
}

}  // namespace octo::arms
