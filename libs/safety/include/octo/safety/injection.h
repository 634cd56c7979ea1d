// Prompt-injection detection: instruction overrides, persona jailbreaks, prompt extraction,
// fake delimiters, encoded or obfuscated payloads, indirect injections, exfiltration and tool
// abuse.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace octo::safety {

enum class Severity : uint8_t { kLow, kMedium, kHigh, kCritical };

std::string_view SeverityName(Severity severity);

// Family names, exactly as the reflex evaluation data names them. InjectionFinding::family
// points at one of these.
inline constexpr std::string_view kFamilyIgnoreInstructions = "ignore_instructions";
inline constexpr std::string_view kFamilySystemOverride = "system_override";
inline constexpr std::string_view kFamilyPromptExtraction = "prompt_extraction";
inline constexpr std::string_view kFamilyJailbreakPersona = "jailbreak_persona";
inline constexpr std::string_view kFamilyDelimiterInjection = "delimiter_injection";
inline constexpr std::string_view kFamilyEncoded = "encoded";
inline constexpr std::string_view kFamilyObfuscated = "obfuscated";
inline constexpr std::string_view kFamilyMultilingual = "multilingual";
inline constexpr std::string_view kFamilyIndirect = "indirect";
inline constexpr std::string_view kFamilyExfiltration = "exfiltration";
inline constexpr std::string_view kFamilyToolAbuse = "tool_abuse";

struct InjectionFinding {
  std::string_view family;  // one of the kFamily* constants (static storage).
  Severity severity;
  uint32_t start;  // byte offsets into the scanned (original) text, end exclusive.
  uint32_t end;
  float confidence;  // in [0.5, 1].
};

struct InjectionResult {
  std::vector<InjectionFinding> findings;  // sorted by start; may overlap across families.
  float score = 0;                         // max finding confidence; 0 when nothing was found.

  // True when the text should be treated as an injection at the default threshold.
  bool flagged() const { return score >= 0.5f; }
  // The family of the most confident finding, or "" when there is none.
  std::string_view top_family() const;
};

// Rule-based detector. Construction compiles the rule database once; Scan() is const and
// thread-safe. Rules fire on the normalised text (see Normalizer), then context decides:
// attacks quoted for discussion, questions about a command, and a user revising their own
// earlier request are not reported; instructions addressed to an AI inside a document the
// user passes along are reported as "indirect". Base64, hex and (when the text mentions it)
// rot13 payloads are decoded and scanned again, up to two levels deep and 64 KiB of decoded
// text per call, and reported as "encoded" over the encoded span.
class InjectionDetector {
 public:
  InjectionDetector();
  ~InjectionDetector();
  InjectionDetector(const InjectionDetector&) = delete;
  InjectionDetector& operator=(const InjectionDetector&) = delete;

  InjectionResult Scan(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace octo::safety
