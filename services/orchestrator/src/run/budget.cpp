#include "src/run/budget.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/time_util.h"

namespace octo::orchestrator {

using google::protobuf::util::TimeUtil;

absl::Time TaskDeadline(const v1::Task& task) {
  const auto& deadline = task.spec().budget().deadline();
  if (deadline.seconds() <= 0 && deadline.nanos() <= 0) return absl::InfiniteFuture();
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(task.created_at())) +
         absl::Seconds(deadline.seconds()) + absl::Nanoseconds(deadline.nanos());
}

void BudgetTracker::Charge(const v1::Usage& usage) {
  used_.set_prompt_tokens(used_.prompt_tokens() + usage.prompt_tokens());
  used_.set_completion_tokens(used_.completion_tokens() + usage.completion_tokens());
  // Arms should fill total_tokens; when one does not, the parts stand in for it.
  const int64_t total = usage.total_tokens() > 0
                            ? usage.total_tokens()
                            : usage.prompt_tokens() + usage.completion_tokens();
  used_.set_total_tokens(used_.total_tokens() + total);
  used_.set_cost_usd(used_.cost_usd() + usage.cost_usd());
  if (usage.cost_unknown()) used_.set_cost_unknown(true);
}

std::optional<std::string> BudgetTracker::Exceeded() const {
  if (budget_.max_tokens() > 0 && used_.total_tokens() > budget_.max_tokens()) {
    return absl::StrCat("token budget exceeded: used ", used_.total_tokens(), " of ",
                        budget_.max_tokens(), " tokens");
  }
  if (budget_.max_cost_usd() > 0 && used_.cost_usd() > budget_.max_cost_usd()) {
    return absl::StrFormat("cost budget exceeded: used $%.6f of $%.6f", used_.cost_usd(),
                           budget_.max_cost_usd());
  }
  return std::nullopt;
}

}  // namespace octo::orchestrator
