#include "octo/common/clock.h"

#include <chrono>

#include "absl/time/clock.h"

namespace octo::common {
namespace {

class WallClock final : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
};

class SteadyClock final : public Clock {
 public:
  absl::Time Now() override {
    return absl::UnixEpoch() +
           absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
  }
};

}  // namespace

Clock& RealClock() {
  static WallClock* const clock = new WallClock;
  return *clock;
}

Clock& MonotonicClock() {
  static SteadyClock* const clock = new SteadyClock;
  return *clock;
}

}  // namespace octo::common
