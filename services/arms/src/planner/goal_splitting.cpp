#include "src/planner/goal_splitting.h"

#include <set>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "re2/re2.h"
#include "src/planner/clause_splitting.h"
#include "src/runtime/text_match.h"

namespace octo::arms {
namespace {

using detail::AsciiTokens;
using detail::Boundary;
using detail::Clause;
using detail::CleanClause;
using detail::HasWords;
using detail::IsQuestion;
using detail::SplitSentences;
using detail::SplitSequence;
using detail::StartsWithActionVerb;
using detail::StripLeads;
using detail::Token;
using WordSet = absl::flat_hash_set<absl::string_view>;

re2::StringPiece Piece(absl::string_view s) { return re2::StringPiece(s.data(), s.size()); }

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

}  // namespace octo::arms
