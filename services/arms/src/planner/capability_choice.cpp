#include "src/planner/capability_choice.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "octo/task/capabilities.h"

namespace octo::arms {
namespace {

bool IsProgram(absl::string_view word, const std::vector<std::string>& programs) {
  return std::find(programs.begin(), programs.end(), word) != programs.end();
}

}  // namespace

CapabilityChoice ChooseCapability(absl::string_view text,
                                  const std::vector<std::string>& capabilities,
                                  const std::vector<std::string>& programs) {
  CapabilityChoice choice;
  choice.wanted = task::WantedCapability(text, capabilities, programs);
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
  const absl::string_view span = task::BacktickSpan(text);
  if (!span.empty()) return std::string(span);
  std::vector<absl::string_view> words =
      absl::StrSplit(absl::StripAsciiWhitespace(text), absl::ByAnyChar(" \t"), absl::SkipEmpty());
  size_t k = 0;
  if (k < words.size() && task::IsRunVerb(absl::AsciiStrToLower(words[k]))) ++k;
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

}  // namespace octo::arms
