#include "octo/task/spec.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "octo/common/hash.h"
#include "octo/common/utf8.h"

namespace octo::task {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

// Valid UTF-8, no control characters except whitespace, at most `max_chars` code points.
absl::Status CheckText(absl::string_view field, absl::string_view text, size_t max_chars) {
  if (!common::IsValidUtf8(text)) return Invalid(field, "is not valid UTF-8");
  if (common::HasControlCharacters(text)) {
    return Invalid(field, "contains control characters (only tab, CR and LF are allowed)");
  }
  // Cheap bound first: a code point is at least one byte.
  if (text.size() > max_chars && common::Utf8Length(text) > max_chars) {
    return Invalid(field, absl::StrCat("is longer than ", max_chars, " characters"));
  }
  return absl::OkStatus();
}

absl::Status CheckList(absl::string_view field,
                       const google::protobuf::RepeatedPtrField<std::string>& items,
                       size_t max_items, size_t max_chars) {
  if (static_cast<size_t>(items.size()) > max_items) {
    return Invalid(field, absl::StrCat("has more than ", max_items, " items"));
  }
  for (int i = 0; i < items.size(); ++i) {
    auto status = CheckText(absl::StrCat(field, "[", i, "]"), items[i], max_chars);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateTaskSpec(const v1::TaskSpec& spec) {
  if (absl::StripAsciiWhitespace(spec.goal()).empty()) {
    return Invalid("spec.goal", "must not be empty");
  }
  if (auto s = CheckText("spec.goal", spec.goal(), kMaxGoalChars); !s.ok()) return s;
  if (auto s = CheckText("spec.context", spec.context(), kMaxContextChars); !s.ok()) return s;
  if (auto s = CheckList("spec.constraints", spec.constraints(), kMaxListItems, kMaxListItemChars);
      !s.ok()) {
    return s;
  }
  if (auto s = CheckList("spec.acceptance_criteria", spec.acceptance_criteria(), kMaxListItems,
                         kMaxListItemChars);
      !s.ok()) {
    return s;
  }
  if (auto s = CheckList("spec.required_capabilities", spec.required_capabilities(),
                         kMaxCapabilities, kMaxCapabilityChars);
      !s.ok()) {
    return s;
  }
  if (!v1::Priority_IsValid(spec.priority())) return Invalid("spec.priority", "unknown value");
  const auto& budget = spec.budget();
  if (budget.max_tokens() < 0) return Invalid("spec.budget.max_tokens", "must not be negative");
  // Written so that NaN, which compares false against any cost, is rejected too.
  if (!(budget.max_cost_usd() >= 0)) {
    return Invalid("spec.budget.max_cost_usd", "must be a non-negative number");
  }
  if (budget.deadline().seconds() < 0 || budget.deadline().nanos() < 0) {
    return Invalid("spec.budget.deadline", "must not be negative");
  }
  if (budget.deadline().nanos() > 999'999'999) {
    return Invalid("spec.budget.deadline", "nanos must be below 1,000,000,000");
  }
  if (budget.deadline().seconds() > kMaxDeadlineSeconds) {
    return Invalid("spec.budget.deadline", "must be at most 30 days (2592000s)");
  }
  if (static_cast<size_t>(spec.labels_size()) > kMaxLabels) {
    return Invalid("spec.labels", absl::StrCat("has more than ", kMaxLabels, " entries"));
  }
  for (const auto& [key, value] : spec.labels()) {
    if (key.empty()) return Invalid("spec.labels", "keys must not be empty");
    if (auto s = CheckText(absl::StrCat("spec.labels[", key.substr(0, 64), "]"), key,
                           kMaxLabelKeyChars);
        !s.ok()) {
      return s;
    }
    if (auto s = CheckText(absl::StrCat("spec.labels[", key, "]"), value, kMaxLabelValueChars);
        !s.ok()) {
      return s;
    }
  }
  if (spec.has_exec()) {
    if (spec.exec().program().empty()) return Invalid("spec.exec.program", "must not be empty");
    if (spec.exec().stdin().size() > (1 << 20)) {
      return Invalid("spec.exec.stdin", "is larger than 1 MiB");
    }
  }
  if (spec.has_retrieve() && (spec.retrieve().limit() < 0 || spec.retrieve().limit() > 50)) {
    return Invalid("spec.retrieve.limit", "must be between 0 and 50");
  }
  return absl::OkStatus();
}

absl::Status ValidateSubmit(const v1::SubmitTaskRequest& request) {
  if (!request.has_spec()) return Invalid("spec", "is required");
  if (auto s = CheckText("idempotency_key", request.idempotency_key(), kMaxIdempotencyKeyChars);
      !s.ok()) {
    return s;
  }
  return ValidateTaskSpec(request.spec());
}

absl::Status ValidateTaskId(absl::string_view task_id) {
  if (task_id.empty()) return Invalid("task_id", "must not be empty");
  if (task_id.size() > 64) return Invalid("task_id", "is longer than 64 bytes");
  return absl::OkStatus();
}

std::string TaskCacheKey(absl::string_view tenant, const v1::TaskSpec& spec) {
  v1::TaskSpec canonical;
  canonical.set_goal(std::string(absl::StripAsciiWhitespace(spec.goal())));
  canonical.set_context(spec.context());
  *canonical.mutable_constraints() = spec.constraints();
  *canonical.mutable_acceptance_criteria() = spec.acceptance_criteria();
  *canonical.mutable_required_capabilities() = spec.required_capabilities();
  if (spec.has_retrieve()) *canonical.mutable_retrieve() = spec.retrieve();
  if (spec.has_exec()) *canonical.mutable_exec() = spec.exec();

  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    canonical.SerializeToCodedStream(&coded);
  }
  return absl::StrCat("result:v1:",
                      common::Sha256Hex(absl::StrCat(tenant, absl::string_view("\0", 1), bytes)));
}

bool IsTerminal(v1::TaskState state) {
  return state == v1::TASK_STATE_SUCCEEDED || state == v1::TASK_STATE_FAILED ||
         state == v1::TASK_STATE_CANCELLED;
}

std::string StateName(v1::TaskState state) {
  std::string name = v1::TaskState_Name(state);
  constexpr absl::string_view kPrefix = "TASK_STATE_";
  if (absl::string_view(name).substr(0, kPrefix.size()) == kPrefix) {
    return name.substr(kPrefix.size());
  }
  return name;
}

}  // namespace octo::task
