#include "src/judge/judge.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "src/runtime/text_match.h"

namespace octo::arms {
namespace {

class KeywordJudge final : public OpenCriterionJudge {
 public:
  explicit KeywordJudge(double min_coverage) : min_coverage_(min_coverage) {}

  absl::string_view method() const override { return "keywords"; }

  absl::StatusOr<Verdict> Judge(absl::string_view criterion, absl::string_view candidate,
                                const v1::ExecuteRequest&, const CallContext&,
                                v1::ExecuteResponse*) override {
    const Coverage coverage = KeywordCoverage(criterion, candidate);
    const size_t total = coverage.found.size() + coverage.missing.size();
    if (total == 0) {
      return Verdict{false,
                     "not recognised and has no key words to look for; needs a "
                     "model-backed judge"};
    }
    const bool met = coverage.share >= min_coverage_;
    std::string detail =
        absl::StrFormat("key words found: %d of %d (%.2f, %.2f needed)", coverage.found.size(),
                        total, coverage.share, min_coverage_);
    if (!coverage.missing.empty()) {
      absl::StrAppend(&detail, "; missing: ", absl::StrJoin(coverage.missing, ", "));
    }
    return Verdict{met, std::move(detail)};
  }

 private:
  const double min_coverage_;
};

class JudgeArm final : public ArmHandler {
 public:
  explicit JudgeArm(std::unique_ptr<OpenCriterionJudge> fallback)
      : fallback_(std::move(fallback)) {}

  v1::ArmDescription Describe() const override {
    return Description("judge", {"judge"},
                       fallback_->method() == "llm" ? v1::COST_TIER_MEDIUM : v1::COST_TIER_FREE);
  }

  absl::StatusOr<v1::ExecuteResponse> Execute(const v1::ExecuteRequest& request,
                                              const CallContext& context) override {
    const std::string& candidate = request.judge().candidate();
    if (candidate.empty()) {
      return absl::InvalidArgumentError("judge.candidate: missing or empty, nothing to judge");
    }
    if (request.acceptance_criteria_size() > kMaxCriteria) {
      return absl::InvalidArgumentError(
          absl::StrCat("acceptance_criteria: more than ", kMaxCriteria));
    }
    std::vector<std::pair<int, absl::string_view>> criteria;
    for (int i = 0; i < request.acceptance_criteria_size(); ++i) {
      const absl::string_view criterion =
          absl::StripAsciiWhitespace(request.acceptance_criteria(i));
      if (criterion.empty()) continue;
      if (criterion.size() > kMaxCriterionBytes) {
        return absl::InvalidArgumentError(absl::StrCat("acceptance_criteria[", i, "]: longer than ",
                                                       kMaxCriterionBytes, " bytes"));
      }
      criteria.emplace_back(i, criterion);
    }
    if (criteria.empty()) {
      return absl::InvalidArgumentError("acceptance_criteria: none given, nothing to judge");
    }

    v1::ExecuteResponse response;
    v1::JudgeResult* result = response.mutable_output()->mutable_judgement();
    std::vector<std::string> lines;
    int met = 0;
    for (const auto& [index, criterion] : criteria) {
      if (context.cancelled && context.cancelled()) {
        return absl::CancelledError("judging cancelled by the caller");
      }
      auto rule = ParseRule(criterion);
      if (!rule.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("acceptance_criteria[", index, "]: ", rule.status().message()));
      }
      Verdict verdict;
      std::string how = "rule";
      if (*rule != nullptr) {
        verdict = (*rule)->Check(candidate);
      } else {
        auto judged = fallback_->Judge(criterion, candidate, request, context, &response);
        if (!judged.ok()) return judged.status();
        verdict = *std::move(judged);
        how = std::string(fallback_->method());
      }
      const std::string quoted = absl::StrCat("\"", Excerpt(criterion, 200), "\"");
      if (verdict.met) {
        ++met;
      } else {
        result->add_failures(absl::StrCat(quoted, ": ", verdict.detail));
      }
      lines.push_back(absl::StrCat(verdict.met ? "- met " : "- NOT met ", quoted, " (", how,
                                   "): ", verdict.detail));
    }
    const int total = static_cast<int>(criteria.size());
    result->set_passed(met == total);
    result->set_score(static_cast<float>(met) / static_cast<float>(total));
    response.mutable_output()->set_text(absl::StrFormat(
        "%s: %d of %d criteria met (score %.2f).\n%s\n", met == total ? "Passed" : "Failed", met,
        total, result->score(), absl::StrJoin(lines, "\n")));
    return response;
  }

 private:
  std::unique_ptr<OpenCriterionJudge> fallback_;
};

}  // namespace

std::unique_ptr<OpenCriterionJudge> NewKeywordJudge(double min_coverage) {
  return std::make_unique<KeywordJudge>(min_coverage);
}

std::unique_ptr<ArmHandler> NewJudgeArm(std::unique_ptr<OpenCriterionJudge> fallback) {
  return std::make_unique<JudgeArm>(std::move(fallback));
}

}  // namespace octo::arms
