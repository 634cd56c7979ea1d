#include "src/run/step_guard.h"

#include "absl/time/clock.h"
#include "octo/common/log.h"
#include "octo/telemetry/metrics.h"

namespace octo::orchestrator {

StepGuard::StepGuard(RedactionLookup lookup, prometheus::Registry& registry,
                     StepGuardOptions options)
    : lookup_(std::move(lookup)),
      options_(options),
      findings_(telemetry::CounterFamily(
          registry, "octo_guard_findings_total",
          "Values redacted (action=redacted, by PII/secret type) and lines "
          "withheld (action=withheld, by injection family) from arm outputs "
          "before they were stored.")) {}

safety::RedactionStrategy StepGuard::RedactionFor(const std::string& tenant_id) {
  const absl::Time now = options_.clock->Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = remembered_.find(tenant_id);
    if (it != remembered_.end() && it->second.until > now) return it->second.strategy;
  }
  safety::RedactionStrategy strategy = safety::RedactionStrategy::kTypedMask;
  if (lookup_) {
    absl::StatusOr<std::string> name = lookup_(tenant_id);
    if (name.ok()) {
      if (!safety::ParseRedactionStrategy(*name, &strategy)) {
        log::Warn("unknown redaction strategy; masking by type",
                  {{"tenant", tenant_id}, {"redaction", *name}});
      }
    } else if (name.status().code() != absl::StatusCode::kNotFound) {
      // Not remembered: the next task asks again.
      log::Warn("tenant's redaction unreadable; masking by type",
                {{"tenant", tenant_id}, {"error", name.status().ToString()}});
      return strategy;
    }
  }
  absl::MutexLock lock(&mu_);
  if (remembered_.size() >= options_.max_tenants) remembered_.clear();
  remembered_[tenant_id] = {strategy, now + options_.remember_for};
  return strategy;
}

v1::GuardReport StepGuard::Guard(v1::ArmOutput* output, safety::RedactionStrategy redaction) {
  v1::GuardReport report = guard_.Guard(output, redaction);
  Count(report);
  return report;
}

std::string StepGuard::GuardText(absl::string_view text, safety::RedactionStrategy redaction) {
  v1::GuardReport report;
  std::string guarded = guard_.GuardText(std::string_view(text.data(), text.size()), redaction,
                                         &report);
  Count(report);
  return guarded;
}

void StepGuard::Count(const v1::GuardReport& report) {
  for (const auto& [type, n] : report.redacted()) {
    findings_.Add({{"action", "redacted"}, {"type", type}}).Increment(n);
  }
  for (const auto& [family, n] : report.withheld()) {
    findings_.Add({{"action", "withheld"}, {"type", family}}).Increment(n);
  }
}

}  // namespace octo::orchestrator
