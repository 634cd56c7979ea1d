#include "src/scanner.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "octo/task/capabilities.h"

namespace octo::reflex {
namespace {

v1::Severity ToProto(safety::Severity severity) {
  switch (severity) {
    case safety::Severity::kLow: return v1::SEVERITY_LOW;
    case safety::Severity::kMedium: return v1::SEVERITY_MEDIUM;
    case safety::Severity::kHigh: return v1::SEVERITY_HIGH;
    case safety::Severity::kCritical: return v1::SEVERITY_CRITICAL;
  }
  return v1::SEVERITY_UNSPECIFIED;
}

std::string AsString(std::string_view s) { return std::string(s.data(), s.size()); }

void SetRoutingHints(const std::string& text, v1::ReflexVerdict* verdict) {
  for (std::string& hint : task::RoutingHints(text)) verdict->add_routing_hints(std::move(hint));
}

v1::Verdict Decide(bool blocked, const v1::ReflexVerdict& verdict) {
  if (blocked) return v1::VERDICT_BLOCK;
  return verdict.pii_size() > 0 ? v1::VERDICT_REDACT : v1::VERDICT_ALLOW;
}

}  // namespace

std::string Scanner::ScanField(absl::string_view field, const std::string& text,
                               const ScanPolicy& policy, v1::ReflexVerdict* verdict,
                               bool* blocked) const {
  if (text.empty()) return text;
  std::string redacted = RedactField(field, text, policy, verdict);
  const safety::InjectionResult injection = injection_.Scan(text);
  for (const safety::InjectionFinding& f : injection.findings) {
    auto* out = verdict->add_injections();
    out->set_family(AsString(f.family));
    out->set_severity(ToProto(f.severity));
    out->mutable_span()->set_start(f.start);
    out->mutable_span()->set_end(f.end);
    out->set_confidence(f.confidence);
    out->set_field(std::string(field));
  }
  if (injection.score >= policy.block_score) *blocked = true;
  return redacted;
}

std::string Scanner::RedactField(absl::string_view field, const std::string& text,
                                 const ScanPolicy& policy, v1::ReflexVerdict* verdict) const {
  if (text.empty()) return text;
  const std::vector<safety::PiiFinding> pii = pii_.Scan(text);
  for (const safety::PiiFinding& f : pii) {
    auto* out = verdict->add_pii();
    out->set_type(AsString(safety::PiiTypeName(f.type)));
    out->mutable_span()->set_start(f.start);
    out->mutable_span()->set_end(f.end);
    out->set_confidence(f.confidence);
    out->set_field(std::string(field));
  }
  if (pii.empty()) return text;
  verdict->set_redactions(verdict->redactions() + static_cast<int>(pii.size()));
  return safety::Redact(text, pii, policy.redaction);
}

void Scanner::RedactData(const v1::TaskSpec& spec, const ScanPolicy& policy,
                         v1::TaskSpec* redacted, v1::ReflexVerdict* verdict) const {
  if (!spec.labels().empty()) {
    auto* labels = redacted->mutable_labels();
    labels->clear();
    for (const auto& [key, value] : spec.labels()) {
      // A key that redacts to one already taken (two e-mail addresses) keeps the first.
      std::string safe_key = RedactField("labels (a key)", key, policy, verdict);
      std::string safe_value =
          RedactField(absl::StrCat("labels[", safe_key, "]"), value, policy, verdict);
      labels->insert({std::move(safe_key), std::move(safe_value)});
    }
  }
  if (spec.has_retrieve()) {
    redacted->mutable_retrieve()->set_query(
        RedactField("retrieve.query", spec.retrieve().query(), policy, verdict));
  }
  if (spec.has_exec()) {
    for (int i = 0; i < spec.exec().args_size(); ++i) {
      redacted->mutable_exec()->set_args(
          i, RedactField(absl::StrCat("exec.args[", i, "]"), spec.exec().args(i), policy,
                         verdict));
    }
    redacted->mutable_exec()->set_stdin(
        RedactField("exec.stdin", spec.exec().stdin(), policy, verdict));
  }
}

SpecScan Scanner::ScanSpec(const v1::TaskSpec& spec, const ScanPolicy& policy) const {
  SpecScan out;
  out.redacted = spec;
  bool blocked = false;
  v1::ReflexVerdict& verdict = out.verdict;
  out.redacted.set_goal(ScanField("goal", spec.goal(), policy, &verdict, &blocked));
  out.redacted.set_context(ScanField("context", spec.context(), policy, &verdict, &blocked));
  for (int i = 0; i < spec.constraints_size(); ++i) {
    out.redacted.set_constraints(
        i, ScanField(absl::StrCat("constraints[", i, "]"), spec.constraints(i), policy, &verdict,
                     &blocked));
  }
  for (int i = 0; i < spec.acceptance_criteria_size(); ++i) {
    out.redacted.set_acceptance_criteria(
        i, ScanField(absl::StrCat("acceptance_criteria[", i, "]"), spec.acceptance_criteria(i),
                     policy, &verdict, &blocked));
  }
  RedactData(spec, policy, &out.redacted, &verdict);
  verdict.set_verdict(Decide(blocked, verdict));
  SetRoutingHints(out.redacted.goal(), &verdict);
  *out.redacted.mutable_routing_hints() = verdict.routing_hints();
  return out;
}

v1::CheckResponse Scanner::Check(absl::string_view text, const ScanPolicy& policy) const {
  v1::CheckResponse response;
  bool blocked = false;
  response.set_redacted_text(
      ScanField("text", std::string(text), policy, response.mutable_verdict(), &blocked));
  response.mutable_verdict()->set_verdict(Decide(blocked, response.verdict()));
  SetRoutingHints(response.redacted_text(), response.mutable_verdict());
  return response;
}

}  // namespace octo::reflex
