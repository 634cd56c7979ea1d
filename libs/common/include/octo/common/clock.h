// The one time source: every component that reads the time takes a Clock& so tests control it.
#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace octo::common {

// Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
};

// Wall-clock time (absl::Now). For deadlines, leases and timestamps that other processes
// read. The object lives forever.
Clock& RealClock();

// A monotonic clock (CLOCK_MONOTONIC): it never jumps when the wall clock is set, so its
// values are not wall-clock times; only differences between two Now() values matter. For
// rates and intervals within one process. The object lives forever.
Clock& MonotonicClock();

// A clock that moves only when told to, for tests. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000)) : now_(start) {}
  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration by) {
    absl::MutexLock lock(&mu_);
    now_ += by;
  }
  void Set(absl::Time now) {
    absl::MutexLock lock(&mu_);
    now_ = now;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace octo::common
