#include "src/run/step_guard.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace octo::orchestrator {
namespace {

using safety::RedactionStrategy;

// Tenants and their strategies; counts lookups; can be made unreachable.
struct Tenants {
  std::map<std::string, std::string> redaction;
  int lookups = 0;
  bool reachable = true;
  RedactionLookup Lookup() {
    return [this](absl::string_view tenant) -> absl::StatusOr<std::string> {
      ++lookups;
      if (!reachable) return absl::UnavailableError("db down");
      auto it = redaction.find(std::string(tenant));
      if (it == redaction.end()) return absl::NotFoundError("no such tenant");
      return it->second;
    };
  }
};

TEST(StepGuard, UsesTheTenantsStrategyAndRemembersIt) {
  Tenants tenants{.redaction = {{"acme", "keep_last4"}, {"odd", "shred"}}};
  prometheus::Registry registry;
  StepGuard guard(tenants.Lookup(), registry);
  EXPECT_EQ(guard.RedactionFor("acme"), RedactionStrategy::kKeepLast4);
  EXPECT_EQ(guard.RedactionFor("acme"), RedactionStrategy::kKeepLast4);
  EXPECT_EQ(tenants.lookups, 1);
  // Unknown tenants and unknown names mask by type, and are remembered too.
  EXPECT_EQ(guard.RedactionFor("nobody"), RedactionStrategy::kTypedMask);
  EXPECT_EQ(guard.RedactionFor("odd"), RedactionStrategy::kTypedMask);
  EXPECT_EQ(guard.RedactionFor("nobody"), RedactionStrategy::kTypedMask);
  EXPECT_EQ(tenants.lookups, 3);
}

TEST(StepGuard, AnUnreadableStrategyMasksByTypeAndIsAskedAgain) {
  Tenants tenants{.redaction = {{"acme", "hash"}}, .reachable = false};
  prometheus::Registry registry;
  StepGuard guard(tenants.Lookup(), registry);
  EXPECT_EQ(guard.RedactionFor("acme"), RedactionStrategy::kTypedMask);
  tenants.reachable = true;
  EXPECT_EQ(guard.RedactionFor("acme"), RedactionStrategy::kHash);
  EXPECT_EQ(tenants.lookups, 2);
}

TEST(StepGuard, ForgetsAfterAWhile) {
  Tenants tenants{.redaction = {{"acme", "hash"}}};
  prometheus::Registry registry;
  common::ManualClock clock;
  StepGuard guard(tenants.Lookup(), registry,
                  {.remember_for = absl::Seconds(30), .clock = &clock});
  guard.RedactionFor("acme");
  clock.Advance(absl::Seconds(29));
  guard.RedactionFor("acme");
  EXPECT_EQ(tenants.lookups, 1);
  tenants.redaction["acme"] = "keep_last4";
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(guard.RedactionFor("acme"), RedactionStrategy::kKeepLast4);
  EXPECT_EQ(tenants.lookups, 2);
}

TEST(StepGuard, WithoutALookupEveryTenantIsMaskedByType) {
  prometheus::Registry registry;
  StepGuard guard(nullptr, registry);
  EXPECT_EQ(guard.RedactionFor("acme"), RedactionStrategy::kTypedMask);
}

TEST(StepGuard, CountsFindings) {
  prometheus::Registry registry;
  StepGuard guard(nullptr, registry);
  v1::ArmOutput output;
  output.set_text("SSN 123-45-6789 and 078-05-1120");
  guard.Guard(&output, RedactionStrategy::kTypedMask);
  EXPECT_EQ(output.text(), "SSN [US_SSN] and [US_SSN]");
  EXPECT_EQ(guard.GuardText("mail a.b@example.com", RedactionStrategy::kTypedMask),
            "mail [EMAIL]");
  double ssn = 0, email = 0;
  for (const auto& family : registry.Collect()) {
    if (family.name != "octo_guard_findings_total") continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "type" && label.value == "US_SSN") ssn = metric.counter.value;
        if (label.name == "type" && label.value == "EMAIL") email = metric.counter.value;
      }
    }
  }
  EXPECT_EQ(ssn, 2);
  EXPECT_EQ(email, 1);
}

}  // namespace
}  // namespace octo::orchestrator
