#include "octo/task/capabilities.h"

#include <algorithm>
#include <array>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "octo/common/words.h"
#include "re2/re2.h"

namespace octo::task {
namespace {

using WordSet = absl::flat_hash_set<absl::string_view>;

// -------------------------------------------------------------------------------------------
// The lexicon. A request (RoutingHints) is matched against phrases, each also found with a
// short inflection ("searches", "bugs"); a step instruction (WantedCapability) word by word,
// so its lists spell the inflections out and tell weak words from strong ones.

// retrieve
constexpr std::array<absl::string_view, 17> kRetrievePhrases = {
    "search", "find",   "look up",       "lookup",     "what is", "what are",
    "what's", "who is", "who was",       "when did",   "when is", "where is",
    "latest", "news",   "documentation", "source for", "cite"};
const WordSet& RetrieveVerbs() {
  static const auto* const k = new WordSet(
      {"find",      "finds",      "finding", "search",   "searches", "searching",  "retrieve",
       "retrieves", "retrieving", "lookup",  "locate",   "locating", "gather",     "gathering",
       "collect",   "collecting", "fetch",   "fetching", "research", "researching"});
  return *k;
}
const WordSet& QuestionWords() {
  static const auto* const k =
      new WordSet({"what", "who", "whom", "whose", "when", "where", "which", "why", "how"});
  return *k;
}

// execute
constexpr std::array<absl::string_view, 12> kExecutePhrases = {
    "run",    "execute", "command", "shell", "terminal", "install",
    "deploy", "restart", "script",  "bash",  "invoke",   "call the"};
const WordSet& RunVerbs() {
  static const auto* const k = new WordSet({"run", "runs", "running", "execute", "executes",
                                            "executing", "invoke", "invoking", "launch"});
  return *k;
}
// Execute work only when a program is named.
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

// code
constexpr std::array<absl::string_view, 22> kCodePhrases = {
    "code",        "function",   "bug",   "refactor", "compile", "compiler",
    "stack trace", "exception",  "class", "method",   "python",  "c++",
    "javascript",  "typescript", "rust",  "java",     "sql",     "regex",
    "unit test",   "debug",      "api",   "segfault"};
// Code work only together with a code noun.
const WordSet& CodeVerbs() {
  static const auto* const k = new WordSet(
      {"write",        "writes",   "writing",   "refactor",   "refactoring", "implement",
       "implementing", "debug",    "debugging", "fix",        "fixing",      "review",
       "optimise",     "optimize", "explain",   "explaining", "rewrite",     "generate",
       "create",       "port",     "lint",      "compile",    "document"});
  return *k;
}
// Code work on their own.
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

// plan (requests only: a planned step is never planning work)
constexpr std::array<absl::string_view, 8> kPlanPhrases = {
    "plan", "roadmap", "strategy", "step by step", "steps", "itinerary", "break down", "milestone"};

// -------------------------------------------------------------------------------------------
// Requests: phrases.

bool IsPhraseChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '#';
}

// True if `phrase` occurs in `lower` starting and ending on word boundaries.
bool HasPhrase(absl::string_view lower, absl::string_view phrase) {
  for (size_t pos = lower.find(phrase); pos != absl::string_view::npos;
       pos = lower.find(phrase, pos + 1)) {
    bool left = pos == 0 || !IsPhraseChar(lower[pos - 1]);
    size_t end = pos + phrase.size();
    // Allow simple inflections: "searches", "running", "bugs".
    while (end < lower.size() && end - pos - phrase.size() < 3 && IsPhraseChar(lower[end]) &&
           (lower[end] == 's' || lower[end] == 'e' || lower[end] == 'd' || lower[end] == 'i' ||
            lower[end] == 'n' || lower[end] == 'g')) {
      ++end;
    }
    bool right = end == lower.size() || !IsPhraseChar(lower[end]);
    if (left && right) return true;
  }
  return false;
}

template <size_t N>
bool HasAny(absl::string_view lower, const std::array<absl::string_view, N>& phrases) {
  for (absl::string_view p : phrases) {
    if (HasPhrase(lower, p)) return true;
  }
  return false;
}

// -------------------------------------------------------------------------------------------
// Step instructions: words.

bool HasSourceFileName(absl::string_view text) {
  static const RE2* const kSource = new RE2(
      "[A-Za-z0-9_/-]\\.(?:cpp|cc|cxx|hpp|hh|h|c|py|js|ts|tsx|go|rs|java|rb|sh|sql|kt|swift|"
      "php|cs|scala|lua)\\b");
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *kSource);
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

// A step instruction and its words, scored capability by capability.
struct Instruction {
  absl::string_view text;
  std::vector<std::string> words;
  std::string first;

  bool Has(const WordSet& set) const {
    return std::any_of(words.begin(), words.end(),
                       [&](const std::string& w) { return set.contains(w); });
  }
};

int RetrieveScore(const Instruction& in) {
  const std::vector<std::string>& words = in.words;
  bool look_up = false;
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == "look" || words[i] == "looking") {
      const std::string& next = words[i + 1];
      look_up = look_up || next == "up" || next == "for" || next == "into";
    }
  }
  int score = 0;
  if (in.Has(RetrieveVerbs()) || look_up) score += 2;
  if (RetrieveVerbs().contains(in.first) || in.first == "look") score += 1;
  if (QuestionWords().contains(in.first) && in.first != "how" && in.first != "why") score += 1;
  return score;
}

int ExecuteScore(const Instruction& in, const std::vector<std::string>& programs) {
  const std::vector<std::string>& words = in.words;
  const bool command_line = IsCommandLine(in.text, programs);
  bool program_named_by_name = false;
  for (size_t i = 0; i + 1 < words.size() && !program_named_by_name; ++i) {
    const bool introduces = RunVerbs().contains(words[i]) || ComputeVerbs().contains(words[i]) ||
                            words[i] == "with" || words[i] == "using";
    program_named_by_name = introduces && IsProgram(words[i + 1], programs);
  }
  const bool program_named =
      program_named_by_name || !BacktickSpan(in.text).empty() || in.Has(ProgramNouns());
  // A named program or command beats a generic "run the tests".
  const bool program_given = !BacktickSpan(in.text).empty() || program_named_by_name;
  int score = 0;
  if (command_line) score += 4;
  if (in.Has(RunVerbs())) score += program_given ? 3 : program_named ? 2 : 1;
  if (in.Has(ComputeVerbs()) && program_named) score += program_given ? 3 : 2;
  if (score > 0 && (RunVerbs().contains(in.first) || ComputeVerbs().contains(in.first))) {
    score += 1;
  }
  return score;
}

int CodeScore(const Instruction& in) {
  const bool code_noun = in.Has(CodeNouns()) || HasSourceFileName(in.text) ||
                         absl::StrContains(absl::AsciiStrToLower(in.text), "c++");
  int score = 0;
  if (in.Has(CodeVerbs()) && code_noun) {
    score += 3;
  } else if (in.Has(StrongCodeVerbs())) {
    score += 2;
  } else if (code_noun) {
    score += 1;
  }
  if (score > 0 && CodeVerbs().contains(in.first)) score += 1;
  return score;
}

// Simple stem of a capability name for matching its inflections ("translate" → "translat").
std::string CapabilityStem(absl::string_view capability) {
  std::string stem = absl::AsciiStrToLower(capability);
  if (stem.size() >= 5 && stem.back() == 'e') stem.pop_back();
  return stem;
}

// A capability without a word list of its own scores by its name in the words.
int NamedScore(const Instruction& in, absl::string_view capability) {
  const std::string stem = CapabilityStem(capability);
  if (stem.size() < 3) return 0;
  int score = 0;
  for (const std::string& word : in.words) {
    if (absl::StartsWith(word, stem)) score = 3;
  }
  if (score > 0 && absl::StartsWith(in.first, stem)) score += 1;
  return score;
}

}  // namespace

std::vector<std::string> RoutingHints(absl::string_view text) {
  std::string lower(text.substr(0, 4096));
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  std::vector<std::string> hints;
  const bool question = lower.find('?') != std::string::npos;
  if (HasAny(lower, kRetrievePhrases) ||
      (question && (HasPhrase(lower, "who") || HasPhrase(lower, "when")))) {
    hints.emplace_back("retrieve");
  }
  if (HasAny(lower, kExecutePhrases)) hints.emplace_back("execute");
  if (HasAny(lower, kCodePhrases) || lower.find("```") != std::string::npos) {
    hints.emplace_back("code");
  }
  // "first ... then" or an explicit planning word.
  const bool first_then = HasPhrase(lower, "first") && HasPhrase(lower, "then");
  if (first_then || HasAny(lower, kPlanPhrases)) hints.emplace_back("plan");
  return hints;
}

std::string WantedCapability(absl::string_view instruction,
                             const std::vector<std::string>& capabilities,
                             const std::vector<std::string>& programs) {
  Instruction in{instruction, common::Words(instruction), ""};
  if (!in.words.empty()) in.first = in.words[0];
  std::vector<std::pair<absl::string_view, int>> scores = {{"retrieve", RetrieveScore(in)},
                                                           {"execute", ExecuteScore(in, programs)},
                                                           {"code", CodeScore(in)}};
  for (const std::string& capability : capabilities) {
    if (capability == "retrieve" || capability == "execute" || capability == "code") continue;
    scores.emplace_back(capability, NamedScore(in, capability));
  }
  std::string wanted;
  int best = 0;
  for (const auto& [capability, score] : scores) {
    if (score > best) {
      best = score;
      wanted = std::string(capability);
    }
  }
  return wanted;
}

bool IsRunVerb(absl::string_view word) { return RunVerbs().contains(word); }

bool IsQuestionWord(absl::string_view word) { return QuestionWords().contains(word); }

absl::string_view BacktickSpan(absl::string_view text) {
  const size_t open = text.find('`');
  if (open == absl::string_view::npos) return "";
  const size_t close = text.find('`', open + 1);
  if (close == absl::string_view::npos) return "";
  return absl::StripAsciiWhitespace(text.substr(open + 1, close - open - 1));
}

std::vector<std::string> PlannerCapabilities(const std::vector<std::string>& available,
                                             const std::vector<std::string>& hints) {
  std::vector<std::string> offered;
  for (const std::string& c : available) {
    if (c != "plan" && c != "judge") offered.push_back(c);
  }
  auto rank = [&](const std::string& c) {
    const auto hint = std::find(hints.begin(), hints.end(), c);
    return hint == hints.end() ? hints.size() : static_cast<size_t>(hint - hints.begin());
  };
  std::stable_sort(offered.begin(), offered.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  return offered;
}

}  // namespace octo::task
