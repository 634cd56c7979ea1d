// The prompt-injection rule table: patterns over normalised text (see Normalizer), each an
// attack signal for one family or a context signal that the detector weighs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace octo::safety::detail {

enum class Family : uint8_t {
  kIgnoreInstructions,
  kSystemOverride,
  kPromptExtraction,
  kJailbreakPersona,
  kDelimiterInjection,
  kEncoded,
  kObfuscated,
  kMultilingual,
  kIndirect,
  kExfiltration,
  kToolAbuse,
  kNone,  // context and support signals
};
inline constexpr int kFamilyCount = static_cast<int>(Family::kNone);

std::string_view FamilyName(Family family);

enum class Kind : uint8_t {
  kAttack,        // evidence for `family`
  kDangerous,     // a destructive command or call; dropped when only asked about
  kAiAddress,     // words addressed to an AI inside content: makes the text "indirect"
  kSupport,       // strengthens a nearby attack cluster of any family, never fires alone
  kImperative,    // an order to run or call something; strengthens tool_abuse
  kDecodeFollow,  // "decode this and do what it says"; strengthens encoded
  kRot13,         // the text mentions rot13: decode it and scan again
  kDiscussion,    // talk about attacks/security: quoted attacks nearby are examples
  kQuestion,      // asks what something does / whether it is safe
  kNegate,        // a benign reading of the words: attack hits overlapping it are dropped
  kFormatTalk,    // asks about chat formats or templates: turn markers there are examples
  kReported,      // an attack introduced as an example: overlapping hits count half, and are
                  // dropped when the text discusses attacks
};

struct Rule {
  Family family;
  Kind kind;
  float weight;  // evidence strength in (0, 1); clusters combine as 1 - prod(1 - w)
  // Literals that must occur for `pattern` to match, checked first by a cheap literal scan:
  // groups separated by "&&", each a "||"-separated list; the rule is tried only when every
  // group has a literal in the text, on windows around the first group's occurrences. The
  // first group's literals must occur inside every match. "*" marks context rules, evaluated
  // over the whole text only when an attack (or an encoded payload) was found.
  std::string keys;
  std::string pattern;  // RE2 syntax
  // The match itself carries an order to the model (a fake turn with an instruction in it), so
  // talk about chat formats does not excuse it.
  bool carries_order = false;
  // For kNegate and kReported: how many bytes after the match, within its line, the match
  // governs. (A trailing "[^\n]{0,N}" in the pattern would say the same but makes RE2's DFA
  // slow on long texts.)
  uint16_t governs = 0;
};

// The concept (lexicon co-occurrence) rules and their benign guards, and the same for other
// languages; InjectionRules() includes both.
void AddConceptRules(std::vector<Rule>& rules);
void AddLanguageRules(std::vector<Rule>& rules);

// All rules, built once. Patterns assume lowercase ASCII input with single spaces.
const std::vector<Rule>& InjectionRules();

}  // namespace octo::safety::detail
