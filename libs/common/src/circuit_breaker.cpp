#include "octo/common/circuit_breaker.h"

#include "octo/common/enum_names.h"

namespace octo::common {

namespace {

constexpr EnumName<CircuitState> kStateNames[] = {{CircuitState::kClosed, "closed"},
                                                  {CircuitState::kOpen, "open"},
                                                  {CircuitState::kHalfOpen, "half-open"}};

}  // namespace

const char* CircuitStateName(CircuitState state) {
  return NameOf(kStateNames, state).data();  // every name is a string literal
}

CircuitState CircuitBreaker::state(absl::Time now) const {
  if (!open_) return CircuitState::kClosed;
  return now < retry_at() ? CircuitState::kOpen : CircuitState::kHalfOpen;
}

bool CircuitBreaker::WouldAllow(absl::Time now) const {
  switch (state(now)) {
    case CircuitState::kClosed:
      return true;
    case CircuitState::kOpen:
      return false;
    case CircuitState::kHalfOpen:
      return probe_started_ == absl::InfinitePast() || now - probe_started_ >= options_.open_for;
  }
  return false;
}

bool CircuitBreaker::Allow(absl::Time now) {
  if (!WouldAllow(now)) return false;
  if (state(now) == CircuitState::kHalfOpen) probe_started_ = now;
  return true;
}

void CircuitBreaker::RecordSuccess() {
  consecutive_failures_ = 0;
  if (open_ && probe_started_ != absl::InfinitePast()) {
    open_ = false;  // the probe (or a call that outlived the opening) got through
    probe_started_ = absl::InfinitePast();
  }
}

void CircuitBreaker::RecordFailure(absl::Time now) {
  ++consecutive_failures_;
  if (open_) {
    // A failed probe re-opens; a failure of a call started before the opening changes nothing.
    if (probe_started_ != absl::InfinitePast()) Open(now);
    return;
  }
  if (consecutive_failures_ >= options_.failure_threshold) Open(now);
}

void CircuitBreaker::RecordNeither() { probe_started_ = absl::InfinitePast(); }

void CircuitBreaker::Open(absl::Time now) {
  open_ = true;
  opened_at_ = now;
  probe_started_ = absl::InfinitePast();
  ++opens_;
}

}  // namespace octo::common
