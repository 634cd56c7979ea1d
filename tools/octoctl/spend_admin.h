// octoctl admin set-limit and admin limits: tenants' spend limits on language models.
#pragma once

#include <string>

#include "octo/common/config.h"
#include "octo/store/spend_repository.h"

namespace octoctl {

// --usd-per-{minute,day,month} and --tokens-per-{minute,day,month}: an amount, or "none"
// to remove the limit; empty when not given.
struct SpendFlags {
  std::string usd[3];
  std::string tokens[3];
};

void BindSpendFlags(octo::common::ConfigBinder& binder, SpendFlags* flags);

// Sets (or removes) each limit given, then drops the tenant's running totals in Redis at
// `redis_address`, so every replica rebuilds them from the ledger under the new limits.
// Exit status: 0, 1 when the database failed, 2 for bad usage.
int SetLimits(octo::store::SpendRepository& spend, const std::string& tenant,
              const SpendFlags& flags, const std::string& redis_address);

// Prints each limit with what the tenant spent in its current window and when it resets.
int ShowLimits(octo::store::SpendRepository& spend, const std::string& tenant, bool json);

}  // namespace octoctl
