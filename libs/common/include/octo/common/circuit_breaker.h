// A circuit breaker for one endpoint (an arm, a model provider): stops sending calls to an
// endpoint that keeps failing, then lets a single probe call find out whether it has recovered.
#pragma once

#include <cstdint>

#include "absl/time/time.h"

namespace octo::common {

struct CircuitBreakerOptions {
  // Consecutive failed calls that open the circuit. Default 5.
  int failure_threshold = 5;
  // How long an open circuit refuses calls before it lets one probe through. Default 5 s.
  absl::Duration open_for = absl::Seconds(5);
};

enum class CircuitState { kClosed, kOpen, kHalfOpen };

// "closed", "open", "half-open".
const char* CircuitStateName(CircuitState state);

// closed --(failure_threshold consecutive failures)--> open --(open_for)--> half-open:
// one probe call; its success closes the circuit, its failure opens it again. A probe that
// never reports back frees the half-open slot after another open_for.
// Not thread-safe (the owning endpoint locks around it). Time is passed in, so tests drive it.
class CircuitBreaker {
 public:
  explicit CircuitBreaker(CircuitBreakerOptions options = {}) : options_(options) {}

  // Whether a call may start now; in half-open state this takes the single probe slot.
  bool Allow(absl::Time now);
  // Whether Allow(now) would return true, without taking anything.
  bool WouldAllow(absl::Time now) const;
  // Outcome of a call that Allow let through. Calls that end for reasons that say nothing
  // about the endpoint (the caller cancelled, the request was bad) are recorded as neither.
  void RecordSuccess();
  void RecordFailure(absl::Time now);
  // A call let through ended without a verdict; frees the probe slot if it held it.
  void RecordNeither();

  CircuitState state(absl::Time now) const;
  // Times the circuit opened (from closed or from half-open).
  int64_t opens() const { return opens_; }
  int consecutive_failures() const { return consecutive_failures_; }
  // When an open circuit lets its next probe through.
  absl::Time retry_at() const { return opened_at_ + options_.open_for; }

 private:
  void Open(absl::Time now);

  const CircuitBreakerOptions options_;
  bool open_ = false;
  // In the half-open phase: when the probe started, or InfinitePast when none is out.
  absl::Time probe_started_ = absl::InfinitePast();
  absl::Time opened_at_ = absl::InfinitePast();
  int consecutive_failures_ = 0;
  int64_t opens_ = 0;
};

}  // namespace octo::common
