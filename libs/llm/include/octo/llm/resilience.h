// Decorators around any LlmClient: a concurrency limit with a bounded queue, retries with
// jittered backoff that honour Retry-After, a circuit breaker, single flight of identical
// deterministic requests, and metrics. Stack them with Harden().
#pragma once

#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "octo/common/circuit_breaker.h"
#include "octo/common/clock.h"
#include "octo/llm/llm_client.h"
#include "octo/llm/prices.h"
#include "prometheus/registry.h"

namespace octo::llm {

struct HardenOptions {
  // Calls to the provider at once, and calls waiting for a slot; beyond that
  // RESOURCE_EXHAUSTED at once. A waiting call gives up at its deadline or cancellation.
  int max_concurrency = 8;
  int max_queue = 64;
  // Tries per call, the first included. Waits: full jitter over 250 ms doubling to 8 s, or
  // the provider's Retry-After when it sent one (capped at 30 s). No wait goes past the
  // request's deadline: a retry that cannot finish in time is not started.
  int max_attempts = 3;
  absl::Duration backoff_initial = absl::Milliseconds(250);
  absl::Duration backoff_max = absl::Seconds(8);
  absl::Duration max_retry_after = absl::Seconds(30);
  common::CircuitBreakerOptions breaker;
  // Uniform in [0, 1), for jitter; tests seed it. Null: a per-client seeded generator.
  std::function<double()> random;
  // Time source of the breaker and of the deadline checks (deadlines are wall-clock times).
  // Null: RealClock().
  common::Clock* clock = nullptr;
  // Sleeps between retries (tests make it instant). Null: absl::SleepFor, waking for
  // cancellation.
  std::function<void(absl::Duration)> sleep;
  // Where the llm_* metrics go; null for none. Cost is counted from `prices` when set.
  prometheus::Registry* metrics = nullptr;
  const PriceTable* prices = nullptr;
};

// `inner` wrapped in: metrics -> single flight -> breaker -> retries -> concurrency limit.
// A streamed call is not retried once some of its text reached the sink. The breaker counts
// a call (with its retries) as one failure when it ended with a retryable error; a bad
// request, a rejected key, the caller's cancellation or deadline count as neither.
std::unique_ptr<LlmClient> Harden(std::unique_ptr<LlmClient> inner, HardenOptions options);

}  // namespace octo::llm
