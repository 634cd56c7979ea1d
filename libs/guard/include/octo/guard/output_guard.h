// The guard every arm output passes before it is stored, cached or handed to the next step:
// PII and secrets are replaced with the tenant's redaction, and lines that carry instructions
// addressed to a language model (indirect prompt injection, e.g. planted in a retrieved
// document) are withheld. The orchestrator guards every step output with it; the guardian arm
// offers the same as capability "guard".
//
//   OutputGuard guard;
//   v1::GuardReport report = guard.Guard(&output, safety::RedactionStrategy::kTypedMask);
//   if (!IsClean(report)) LOG << "guarded: " << Summary(report);
#pragma once

#include <string>
#include <string_view>

#include "octo/safety/injection.h"
#include "octo/safety/pii.h"
#include "octo/safety/redact.h"
#include "octo/v1/arm.pb.h"

namespace octo::guard {

struct GuardOptions {
  // Injection confidence at or above which a line is withheld (0..1). Default 0.5, the
  // reflex's block threshold.
  float withhold_score = 0.5f;
};

// What replaces a withheld line.
inline constexpr std::string_view kWithheld = "[withheld: possible prompt injection]";

// Thread-safe; construction compiles the detectors (tens of milliseconds), so build one per
// process.
class OutputGuard {
 public:
  explicit OutputGuard(GuardOptions options = {});

  // Guards every string field of `output` at any depth (texts, passages, stdout, code, plan
  // instructions, ...), in place; GuardReport fields are left alone. Returns what was done.
  v1::GuardReport Guard(v1::ArmOutput* output, safety::RedactionStrategy redaction) const;

  // Guards one text, adding what was done to `report`.
  std::string GuardText(std::string_view text, safety::RedactionStrategy redaction,
                        v1::GuardReport* report) const;

 private:
  // `text` with every line (or, in a long line, every sentence) that holds an injection
  // finding replaced by kWithheld; the whole text when that is not enough.
  std::string Withhold(std::string_view text, v1::GuardReport* report) const;

  GuardOptions options_;
  safety::PiiDetector pii_;
  safety::InjectionDetector injection_;
};

// True when nothing was redacted or withheld.
bool IsClean(const v1::GuardReport& report);

// "redacted 1 SECRET, 1 US_SSN; withheld 1 line (indirect)", types in name order; "" when
// clean.
std::string Summary(const v1::GuardReport& report);

// Adds `more` into `report`.
void Merge(const v1::GuardReport& more, v1::GuardReport* report);

}  // namespace octo::guard
