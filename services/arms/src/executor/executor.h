// Executor arm: runs allow-listed programs in a sandbox (no shell).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/executor/sandbox.h"
#include "src/runtime/arm_handler.h"

namespace octo::arms {

struct ExecutorOptions {
  // Program names that may run, resolved once against /usr/local/bin:/usr/bin:/bin.
  std::vector<std::string> allow;
  SandboxLimits limits;
};

// Capability "execute". INVALID_ARGUMENT when an allow-listed program cannot be found.
absl::StatusOr<std::unique_ptr<ArmHandler>> NewExecutor(const ExecutorOptions& options);

// Splits a command line into words: whitespace separates, '…' and "…" group, backslash
// escapes the next character. No expansion of any kind. INVALID_ARGUMENT on an open quote.
absl::StatusOr<std::vector<std::string>> SplitCommandLine(absl::string_view line);

}  // namespace octo::arms
