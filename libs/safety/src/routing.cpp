#include "octo/safety/routing.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace octo::safety {
namespace {

// Over lowercased text.
bool IsWordChar(char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' || c == '+' || c == '#';
}

// True if `phrase` occurs in `lower` starting and ending on word boundaries.
bool HasPhrase(std::string_view lower, std::string_view phrase) {
  for (size_t pos = lower.find(phrase); pos != std::string_view::npos;
       pos = lower.find(phrase, pos + 1)) {
    bool left = pos == 0 || !IsWordChar(lower[pos - 1]);
    size_t end = pos + phrase.size();
    // Allow simple inflections: "searches", "running", "bugs".
    while (end < lower.size() && end - pos - phrase.size() < 3 && IsWordChar(lower[end]) &&
           (lower[end] == 's' || lower[end] == 'e' || lower[end] == 'd' || lower[end] == 'i' ||
            lower[end] == 'n' || lower[end] == 'g')) {
      ++end;
    }
    bool right = end == lower.size() || !IsWordChar(lower[end]);
    if (left && right) return true;
  }
  return false;
}

template <size_t N>
bool HasAny(std::string_view lower, const std::array<std::string_view, N>& phrases) {
  for (std::string_view p : phrases) {
    if (HasPhrase(lower, p)) return true;
  }
  return false;
}

constexpr std::array<std::string_view, 17> kRetrieve = {
    "search", "find",   "look up",       "lookup",     "what is", "what are",
    "what's", "who is", "who was",       "when did",   "when is", "where is",
    "latest", "news",   "documentation", "source for", "cite"};
constexpr std::array<std::string_view, 12> kExecute = {
    "run",    "execute", "command", "shell", "terminal", "install",
    "deploy", "restart", "script",  "bash",  "invoke",   "call the"};
constexpr std::array<std::string_view, 22> kCode = {
    "code",        "function",   "bug",   "refactor", "compile", "compiler",
    "stack trace", "exception",  "class", "method",   "python",  "c++",
    "javascript",  "typescript", "rust",  "java",     "sql",     "regex",
    "unit test",   "debug",      "api",   "segfault"};

}  // namespace

std::vector<std::string> RoutingHints(std::string_view text) {
  const std::string_view head = text.substr(0, 4096);
  const std::string lower = absl::AsciiStrToLower(absl::string_view(head.data(), head.size()));
  std::vector<std::string> hints;
  const bool question = lower.find('?') != std::string::npos;
  if (HasAny(lower, kRetrieve) ||
      (question && (HasPhrase(lower, "who") || HasPhrase(lower, "when")))) {
    hints.emplace_back("retrieve");
  }
  if (HasAny(lower, kExecute)) hints.emplace_back("execute");
  if (HasAny(lower, kCode) || lower.find("```") != std::string::npos) hints.emplace_back("code");
  // "first ... then" or an explicit planning word.
  bool first_then = HasPhrase(lower, "first") && HasPhrase(lower, "then");
  if (first_then || HasPhrase(lower, "plan") || HasPhrase(lower, "roadmap") ||
      HasPhrase(lower, "strategy") || HasPhrase(lower, "step by step") ||
      HasPhrase(lower, "steps") || HasPhrase(lower, "itinerary") ||
      HasPhrase(lower, "break down") || HasPhrase(lower, "milestone")) {
    hints.emplace_back("plan");
  }
  return hints;
}

}  // namespace octo::safety
