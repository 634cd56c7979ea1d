#include "octo/ratelimit/clock.h"

#include <chrono>

namespace octo::ratelimit {
namespace {

class SteadyClock final : public Clock {
 public:
  absl::Time Now() override {
    return absl::UnixEpoch() +
           absl::FromChrono(std::chrono::steady_clock::now().time_since_epoch());
  }
};

}  // namespace

Clock& MonotonicClock() {
  static SteadyClock* const clock = new SteadyClock;
  return *clock;
}

}  // namespace octo::ratelimit
