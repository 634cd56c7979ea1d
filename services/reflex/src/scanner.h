// Scans requests for PII, secrets and prompt injection, redacts, and decides.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "octo/safety/injection.h"
#include "octo/safety/pii.h"
#include "octo/safety/redact.h"
#include "octo/v1/reflex.pb.h"
#include "octo/v1/task.pb.h"

namespace octo::reflex {

struct ScanPolicy {
  safety::RedactionStrategy redaction = safety::RedactionStrategy::kTypedMask;
  // Injection score at or above which a request is blocked (0..1). Default 0.5.
  float block_score = 0.5f;
};

struct SpecScan {
  v1::ReflexVerdict verdict;
  // The spec with every PII finding redacted and the routing hints set; what travels on and
  // gets stored.
  v1::TaskSpec redacted;
};

// Thread-safe; construction compiles the detectors (tens of milliseconds), so build one per
// process.
class Scanner {
 public:
  Scanner() = default;

  // Scans goal, context, constraints and acceptance criteria for PII and injection, and the
  // data fields (labels, retrieve.query, exec.args, exec.stdin) for PII. Verdict: BLOCK when
  // any text field's injection score reaches policy.block_score, else REDACT when PII was
  // found, else ALLOW. Findings name their field ("goal", "constraints[2]", "exec.args[0]",
  // "labels[<its key, redacted>]", ...) and carry spans into it.
  SpecScan ScanSpec(const v1::TaskSpec& spec, const ScanPolicy& policy) const;

  // The same decision for one text.
  v1::CheckResponse Check(absl::string_view text, const ScanPolicy& policy) const;

 private:
  // Scans one field, appending findings to `verdict`; returns the redacted text.
  std::string ScanField(absl::string_view field, const std::string& text,
                        const ScanPolicy& policy, v1::ReflexVerdict* verdict,
                        bool* blocked) const;
  // The PII half of ScanField.
  std::string RedactField(absl::string_view field, const std::string& text,
                          const ScanPolicy& policy, v1::ReflexVerdict* verdict) const;
  // Redacts the spec's data fields into `redacted`.
  void RedactData(const v1::TaskSpec& spec, const ScanPolicy& policy, v1::TaskSpec* redacted,
                  v1::ReflexVerdict* verdict) const;

  safety::PiiDetector pii_;
  safety::InjectionDetector injection_;
};

}  // namespace octo::reflex
