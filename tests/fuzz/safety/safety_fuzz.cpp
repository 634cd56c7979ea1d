// Fuzzes the normaliser, both detectors and the redactor on arbitrary bytes, checking the
// invariants callers rely on: spans inside the text, PII findings sorted and disjoint, the
// normaliser's offset map monotonic, and redaction leaving no detected value behind.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "octo/safety/injection.h"
#include "octo/safety/normalizer.h"
#include "octo/safety/pii.h"
#include "octo/safety/redact.h"

#define Check(cond)                                                               \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "invariant failed at line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                               \
    }                                                                             \
  } while (false)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* pii = new octo::safety::PiiDetector();
  static const auto* injection = new octo::safety::InjectionDetector();
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const octo::safety::NormalizedText norm = octo::safety::Normalizer().Normalize(text);
  Check(norm.offsets.size() == norm.text.size() + 1);
  Check(norm.offsets.back() == size);
  for (size_t i = 1; i < norm.offsets.size(); ++i) Check(norm.offsets[i - 1] <= norm.offsets[i]);

  const auto findings = pii->Scan(text);
  for (size_t i = 0; i < findings.size(); ++i) {
    Check(findings[i].start < findings[i].end && findings[i].end <= size);
    if (i > 0) Check(findings[i - 1].end <= findings[i].start);
  }

  // No detected value survives redaction. Sound for the strategies that put '[' or '*' where
  // the value was (no detected value contains either), provided the value occurs only once in
  // the input. Not for kRemove: the bytes on both sides of a removed span can join into the
  // value again ("-----BEGIN ...----" + "-\nMIIE...").
  for (auto strategy :
       {octo::safety::RedactionStrategy::kTypedMask, octo::safety::RedactionStrategy::kHash,
        octo::safety::RedactionStrategy::kKeepLast4}) {
    const std::string out = octo::safety::Redact(text, findings, strategy);
    for (const auto& f : findings) {
      const std::string_view value = text.substr(f.start, f.end - f.start);
      if (text.find(value) != f.start || text.find(value, f.start + 1) != std::string_view::npos) {
        continue;
      }
      if (out.find(value) != std::string::npos) {
        std::fprintf(stderr, "strategy %d type %s [%u,%u) survived redaction\n",
                     static_cast<int>(strategy), octo::safety::PiiTypeName(f.type).data(), f.start,
                     f.end);
        std::abort();
      }
    }
  }
  (void)octo::safety::Redact(text, findings, octo::safety::RedactionStrategy::kRemove);

  const auto result = injection->Scan(text);
  Check(result.score >= 0 && result.score <= 1);
  for (const auto& f : result.findings) {
    Check(f.start <= f.end && f.end <= size);
    Check(!f.family.empty());
  }
  return 0;
}
