// The time source of in-process token buckets, injectable so tests control time.
#pragma once

#include "absl/time/time.h"

namespace octo::ratelimit {

// Implementations are thread-safe. Only differences between two Now() values matter.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
};

// A monotonic clock (CLOCK_MONOTONIC): it never jumps when the wall clock is set, so its
// values are not wall-clock times. The object lives forever.
Clock& MonotonicClock();

}  // namespace octo::ratelimit
