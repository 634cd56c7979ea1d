// Rules about task specs shared by the reflex and the orchestrator: limits, validation, the
// cache key and task state names.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "octo/v1/task.pb.h"
#include "octo/v1/task_service.pb.h"

namespace octo::task {

// Limits of DESIGN §2, in characters (code points) unless stated.
inline constexpr size_t kMaxGoalChars = 10'000;
inline constexpr size_t kMaxContextChars = 50'000;
inline constexpr size_t kMaxListItems = 32;
inline constexpr size_t kMaxListItemChars = 1'000;
inline constexpr size_t kMaxCapabilities = 16;
inline constexpr size_t kMaxCapabilityChars = 64;
inline constexpr size_t kMaxLabels = 32;
inline constexpr size_t kMaxLabelKeyChars = 64;
inline constexpr size_t kMaxLabelValueChars = 256;
inline constexpr size_t kMaxIdempotencyKeyChars = 128;
// Longest task deadline: 30 days.
inline constexpr int64_t kMaxDeadlineSeconds = 30 * 24 * 3600;

// OK, or INVALID_ARGUMENT whose message starts with the offending field path
// ("spec.goal: must not be empty").
absl::Status ValidateSubmit(const v1::SubmitTaskRequest& request);
absl::Status ValidateTaskSpec(const v1::TaskSpec& spec);
// INVALID_ARGUMENT "task_id: ..." when empty or longer than 64 bytes.
absl::Status ValidateTaskId(absl::string_view task_id);

// Cache key of a task's result: tenant plus the parts of the spec that decide the answer
// (goal trimmed, context, constraints, acceptance criteria, capabilities, step params);
// priority, budget and labels do not. Stable across processes and versions of this build.
std::string TaskCacheKey(absl::string_view tenant, const v1::TaskSpec& spec);

bool IsTerminal(v1::TaskState state);
// "PENDING", "RUNNING", ... (the enum name without its prefix).
std::string StateName(v1::TaskState state);

}  // namespace octo::task
