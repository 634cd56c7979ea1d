// How a spend limit's refusal is told apart from other RESOURCE_EXHAUSTED errors across
// gRPC: it carries a google.rpc.ErrorInfo with this reason (domain "octollm"; metadata
// tenant, limit, period, metric, resets_at).
#pragma once

namespace octo::spend {

inline constexpr char kRefusalReason[] = "SPEND_LIMIT_REACHED";
// A step whose task has too little of its cost budget left for any model of the chain
// (metadata: model, estimate_usd, budget_usd).
inline constexpr char kTaskBudgetReason[] = "TASK_BUDGET_TOO_LOW";
// The absl::Status payload key of that ErrorInfo (rpc::ToGrpcWithDetails sends it on).
inline constexpr char kErrorInfoTypeUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";

}  // namespace octo::spend
