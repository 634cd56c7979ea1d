// Judge arm: checks a candidate result against the task's acceptance criteria (capability
// "judge"). Rules check the criteria they recognise; the rest go to an OpenCriterionJudge, so
// a model-backed one can replace the keyword fallback.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/judge/criteria.h"
#include "src/runtime/arm_handler.h"
#include "src/runtime/model.h"

namespace octo::arms {

// Judges criteria no rule recognises ("explains the trade-offs"). Thread-safe.
class OpenCriterionJudge {
 public:
  virtual ~OpenCriterionJudge() = default;
  // How its verdicts are reached, for the judge's text: "keywords", "llm".
  virtual absl::string_view method() const = 0;
  // A model-backed judge adds the usage of its calls to `*response` and keeps the output
  // tokens of all of the step's calls within step.max_output_tokens.
  virtual absl::StatusOr<Verdict> Judge(absl::string_view criterion, absl::string_view candidate,
                                        const v1::ExecuteRequest& step,
                                        const CallContext& context,
                                        v1::ExecuteResponse* response) = 0;
};

// Keyword coverage: met when at least `min_coverage` (0..1) of the criterion's content words
// occur in the candidate; the detail names the missing words. A criterion without content
// words is not met (nothing to check it by).
std::unique_ptr<OpenCriterionJudge> NewKeywordJudge(double min_coverage = 0.6);

// A language model asked, per criterion, for {"met": bool, "reason": string} as JSON. The
// model's errors fail the judging (see StepErrorFromModel); an unreadable verdict is
// UNAVAILABLE, so the step is tried again. `model` must be online and outlive the judge.
std::unique_ptr<OpenCriterionJudge> NewModelJudge(const ArmModel& model, int max_tokens = 256);

// Most criteria and bytes per criterion accepted.
inline constexpr int kMaxCriteria = 100;
inline constexpr size_t kMaxCriterionBytes = 4096;

// Capability "judge", cost tier FREE (MEDIUM with a model judge). Reads JudgeParams.candidate and
// ExecuteRequest.acceptance_criteria (blank criteria are skipped); answers with
// ArmOutput.judgement (passed, one failure line per unmet criterion, score = share met) and a
// readable text. INVALID_ARGUMENT when the candidate is missing or empty, there is no
// criterion, a limit above is exceeded or a criterion is malformed (a bad regular
// expression). A blank candidate (only whitespace) is judged, and fails "is not empty".
std::unique_ptr<ArmHandler> NewJudgeArm(std::unique_ptr<OpenCriterionJudge> fallback);

}  // namespace octo::arms
