// What tenants may spend on language models (spend_limits) and what they spent (llm_spend,
// one row per model call): the source of truth the spend gate's Redis totals come from.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace octo::store {

class PgPool;

struct SpendLimit {
  // "minute", "day" or "month" (UTC calendar windows).
  std::string period;
  // "usd" or "tokens" (input + output).
  std::string metric;
  double amount = 0;
};

// One model call, as it was billed.
struct SpendRecord {
  std::string tenant_id;
  std::string task_id;
  std::string step_id;
  std::string provider;
  std::string model;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  double cost_usd = 0;
  bool cost_unknown = false;
};

struct Spent {
  double usd = 0;
  int64_t tokens = 0;
  int64_t calls = 0;
};

// Thread-safe. Every method may return UNAVAILABLE when the database cannot be reached.
class SpendRepository {
 public:
  virtual ~SpendRepository() = default;

  // Creates or replaces the tenant's limit for (period, metric). INVALID_ARGUMENT for an
  // empty tenant, an unknown period or metric, or a negative or non-finite amount.
  virtual absl::Status SetLimit(absl::string_view tenant_id, const SpendLimit& limit) = 0;
  // NOT_FOUND when the tenant has no such limit.
  virtual absl::Status RemoveLimit(absl::string_view tenant_id, absl::string_view period,
                                   absl::string_view metric) = 0;
  // The tenant's limits, ordered by period (minute, day, month) and metric.
  virtual absl::StatusOr<std::vector<SpendLimit>> Limits(absl::string_view tenant_id) = 0;

  virtual absl::Status Record(const SpendRecord& record) = 0;
  // What the tenant spent on calls recorded at or after `since`.
  virtual absl::StatusOr<Spent> SpentSince(absl::string_view tenant_id, absl::Time since) = 0;
};

absl::StatusOr<std::unique_ptr<SpendRepository>> NewPgSpendRepository(
    std::shared_ptr<PgPool> pool);

}  // namespace octo::store
