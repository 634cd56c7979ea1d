// The Redis scripts of the spend gate. A window is a hash: "usd" and "tokens" settled, and
// one field "h:<hold id>" = "<usd> <tokens> <expires unix ms>" per open hold.
#pragma once

namespace octo::spend::detail {

// KEYS: the windows. ARGV: now ms, hold id, estimate usd, estimate tokens, hold expiry ms,
// then per window its usd limit and tokens limit ("-1": none).
// Returns {-1, i} when window i is missing (seed it, then try again), {0, i, metric, used}
// when window i's limit of `metric` would be crossed (`used`: settled + held), else {1}.
extern const char kReserveScript[];

// KEYS[1]: a window. ARGV: usd, tokens, ttl seconds. Creates the window with these totals
// unless it exists.
extern const char kSeedScript[];

// KEYS: windows. ARGV: hold id, usd, tokens. In every window that exists: drops the hold
// and adds the cost.
extern const char kSettleScript[];

}  // namespace octo::spend::detail
