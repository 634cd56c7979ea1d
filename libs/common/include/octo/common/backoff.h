// The one exponential backoff: waits that start at `initial` and double up to `max`, for
// retry loops (stateful) and for retries scheduled by attempt number (full jitter).
#pragma once

#include <algorithm>

#include "absl/time/time.h"

namespace octo::common {

// Not thread-safe; cheap to copy.
class Backoff {
 public:
  // `initial` <= `max`; both >= 0.
  Backoff(absl::Duration initial, absl::Duration max)
      : initial_(initial), max_(max), next_(initial) {}

  // The longest wait before attempt `attempt + 1`, once attempt `attempt` (>= 1) failed:
  // min(max, initial * 2^(attempt - 1)).
  absl::Duration Ceiling(int attempt) const {
    absl::Duration cap = initial_;
    for (int i = 1; i < attempt && cap < max_; ++i) cap *= 2;
    return std::min(cap, max_);
  }
  // Full jitter: `unit` (uniform in [0, 1), clamped to it) times Ceiling(attempt).
  absl::Duration Jittered(int attempt, double unit) const {
    return Ceiling(attempt) * std::clamp(unit, 0.0, 1.0);
  }

  // For a loop that waits after each failure: the wait now, doubling the next one.
  absl::Duration Next() {
    const absl::Duration wait = next_;
    next_ = std::min(next_ * 2, max_);
    return wait;
  }
  // After a success: the next wait is `initial` again.
  void Reset() { next_ = initial_; }

 private:
  absl::Duration initial_;
  absl::Duration max_;
  absl::Duration next_;
};

}  // namespace octo::common
