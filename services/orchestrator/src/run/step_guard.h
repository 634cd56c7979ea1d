// What a run does with what arms send back before anything of it is stored, cached, logged or
// handed to the next step: the guard (octo::guard) with the tenant's redaction strategy. The
// strategy is looked up once per tenant and remembered for a while; when it cannot be read the
// guard masks by type (the strategy that keeps nothing of a value).
#pragma once

#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "octo/common/clock.h"
#include "octo/guard/output_guard.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace octo::orchestrator {

// The tenant's redaction strategy by name ("typed_mask", ...); NOT_FOUND for an unknown tenant.
using RedactionLookup = std::function<absl::StatusOr<std::string>(absl::string_view tenant_id)>;

struct StepGuardOptions {
  // How long a tenant's strategy is remembered. Default 30 s.
  absl::Duration remember_for = absl::Seconds(30);
  // Tenants remembered at most; the memory starts over past it. Default 10,000.
  size_t max_tenants = 10000;
  // Never null.
  common::Clock* clock = &common::RealClock();
};

// Thread-safe.
class StepGuard {
 public:
  // `lookup` may be empty: every tenant is masked by type.
  StepGuard(RedactionLookup lookup, prometheus::Registry& registry, StepGuardOptions options = {});

  safety::RedactionStrategy RedactionFor(const std::string& tenant_id);

  // Guards `output` in place and counts what was found (octo_guard_findings_total).
  v1::GuardReport Guard(v1::ArmOutput* output, safety::RedactionStrategy redaction);
  // The same for one text, such as an arm's error message.
  std::string GuardText(absl::string_view text, safety::RedactionStrategy redaction);

 private:
  struct Remembered {
    safety::RedactionStrategy strategy;
    absl::Time until;
  };

  void Count(const v1::GuardReport& report);

  const RedactionLookup lookup_;
  const StepGuardOptions options_;
  const guard::OutputGuard guard_;
  prometheus::Family<prometheus::Counter>& findings_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Remembered> remembered_ ABSL_GUARDED_BY(mu_);
};

}  // namespace octo::orchestrator
