// Waiting for a condition that another thread or process makes true.
#pragma once

#include <functional>

#include "absl/time/time.h"

namespace octo::testing {

// Polls `done` every 10 ms until it holds or `timeout` passes; returns its last answer.
bool Eventually(const std::function<bool()>& done, absl::Duration timeout);

}  // namespace octo::testing
