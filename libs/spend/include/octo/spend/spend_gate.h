// Holds what a model call may cost against its tenant's spend limits before the call, and
// records what it cost after it, so that every replica together keeps every limit.
//
//   absl::StatusOr<spend::Hold> hold = gate.Reserve(tenant, {.usd = 0.01, .tokens = 900});
//   if (!hold.ok()) return hold.status();        // RESOURCE_EXHAUSTED: the limit and its reset
//   ... call the model ...
//   gate.Settle(*hold, record);                  // the ledger row, then the totals
//
// How it stays exact: Redis keeps, per tenant and window, the settled total and the open
// holds; one script checks settled + held + estimate against every limit and adds the hold
// atomically, so concurrent callers on any replica cannot pass a limit together. A call can
// cost more than its estimate only by what its prompt's size misjudged (the output is held
// at max_tokens). Postgres (llm_spend) is the truth: a window Redis does not have (flushed,
// restarted, expired) is rebuilt from the ledger before it is used, never started at zero,
// and while Redis is down the ledger is checked directly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "octo/common/clock.h"
#include "octo/redis/pool.h"
#include "octo/spend/period.h"
#include "octo/spend/refusal.h"
#include "octo/store/spend_repository.h"

namespace octo::spend {

// The most a call may cost.
struct Amount {
  double usd = 0;
  int64_t tokens = 0;
  // The model is not in the price table: `usd` says nothing, and a tenant with a USD limit
  // cannot call it.
  bool usd_unknown = false;
  // The model that will run, for the refusal's message.
  std::string model;
};

// What Reserve holds; pass it to Settle. Empty (no keys) when the tenant has no limits.
struct Hold {
  std::string id;
  std::string tenant_id;
  // The Redis windows the hold is in, one per limited period.
  std::vector<std::string> keys;
};

class SpendGate {
 public:
  virtual ~SpendGate() = default;

  // Holds `estimate` against every limit of the tenant until Settle, or until `hold_until`
  // when the caller dies first. RESOURCE_EXHAUSTED when it would cross a limit: the message
  // names the limit, what is spent or held, the estimate and when the window resets, and
  // the status carries a google.rpc.ErrorInfo payload (reason SPEND_LIMIT_REACHED, metadata
  // limit, period, metric, resets_at). FAILED_PRECONDITION for an unpriced model under a
  // USD limit. While Redis cannot answer, the ledger alone decides (what was spent, without
  // the holds of calls in flight elsewhere). UNAVAILABLE when the ledger cannot answer
  // either: a limit that cannot be checked is not passed.
  virtual absl::StatusOr<Hold> Reserve(absl::string_view tenant_id, const Amount& estimate,
                                       absl::Time hold_until) = 0;

  // Records the call (a ledger row when it used any tokens) and turns its hold into what
  // it cost; with zero tokens, just drops the hold. Errors are logged: the call has been
  // made, and a ledger write that failed is retried once.
  virtual void Settle(const Hold& hold, const store::SpendRecord& record) = 0;

  // What the tenant spent in the window of `period` that holds now (from the ledger).
  virtual absl::StatusOr<store::Spent> SpentIn(absl::string_view tenant_id, Period period) = 0;
};

struct SpendGateOptions {
  // How long a tenant's limits are reused before they are read again: a limit set with
  // octoctl holds everywhere within this time. Default 1 s.
  absl::Duration limits_ttl = absl::Seconds(1);
  // Tenants whose limits are kept at once; more empties the cache. Default 10000.
  size_t max_cached_tenants = 10000;
  // Prepended to the Redis keys. Default "octo:".
  std::string key_prefix = "octo:";
  // Null: RealClock().
  common::Clock* clock = nullptr;
};

// The Redis key of the tenant's window of `period` at `at`. Deleting a tenant's keys (as
// octoctl does when a limit changes) makes the next call rebuild them from the ledger.
std::string WindowKey(absl::string_view key_prefix, absl::string_view tenant_id, Period period,
                      absl::Time at);

// `redis` and `ledger` must outlive the gate. Thread-safe.
std::unique_ptr<SpendGate> NewSpendGate(redis::Pool& redis, store::SpendRepository& ledger,
                                        SpendGateOptions options = {});

}  // namespace octo::spend
