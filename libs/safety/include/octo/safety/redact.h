// Replacing detected PII spans in a text.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "octo/safety/pii.h"

namespace octo::safety {

enum class RedactionStrategy {
  kTypedMask,  // "[EMAIL]"
  kHash,       // "[EMAIL:1a2b3c4d]": first 8 hex digits of SHA-256 of the value; stable across
               // runs and processes. Low-entropy values (SSNs) can be brute-forced from it.
  kKeepLast4,  // "****-****-****-1111": every ASCII letter or digit but the last four becomes
               // '*', punctuation stays. Values with 8 or fewer such characters, multi-line
               // values and secrets are fully masked as "[TYPE]".
  kRemove,     // the span is deleted.
};

// Returns `text` with every finding's span replaced according to `strategy`. Findings may come
// in any order; overlapping findings are merged and spans past the end of the text are
// clipped. No byte sequence of a finding's span survives unless it also occurs elsewhere in
// the text (kKeepLast4 keeps at most four of its characters).
// The strategy a tenant's policy names: "typed_mask", "hash", "keep_last4" or "remove"; false
// for anything else (`strategy` is then unchanged).
bool ParseRedactionStrategy(std::string_view name, RedactionStrategy* strategy);

std::string Redact(std::string_view text, std::span<const PiiFinding> findings,
                   RedactionStrategy strategy);

}  // namespace octo::safety
