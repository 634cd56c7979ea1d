#include "src/options.h"

#include "src/planner/planner.h"

namespace octo::arms {

void Options::Bind(common::ConfigBinder& binder) {
  binder.Bind("arm", "OCTO_ARM", &arm, "arm kind: retriever | executor | planner | judge");
  process.Bind(binder, {.env_prefix = "OCTO_ARM"});
  binder.Bind("database_url", "OCTO_DATABASE_URL", &database_url, "Postgres DSN (retriever)");
  binder.Bind("database_pool", "OCTO_DATABASE_POOL", &database_pool, "Postgres connections");
  binder.Bind("max_concurrency", "OCTO_ARM_MAX_CONCURRENCY", &max_concurrency,
              "concurrent Execute calls before RESOURCE_EXHAUSTED");
  binder.Bind("exec_allow", "OCTO_EXEC_ALLOW", &exec_allow,
              "comma-separated programs the executor may run");
  binder.Bind("exec_timeout", "OCTO_EXEC_TIMEOUT", &exec_timeout, "wall-time limit of one program");
  binder.Bind("exec_max_output_bytes", "OCTO_EXEC_MAX_OUTPUT_BYTES", &exec_max_output_bytes,
              "stdout/stderr bytes kept per program");
  binder.Bind("planner_max_steps", "OCTO_PLANNER_MAX_STEPS", &planner_max_steps,
              "plan size limit when a request sets none (planner)");
  binder.Bind("judge_min_coverage", "OCTO_JUDGE_MIN_COVERAGE", &judge_min_coverage,
              "share of key words a free-form criterion needs (judge)");
}

absl::Status Options::Validate() const {
  using common::Require;
  if (absl::Status status = Require(max_concurrency >= 1, "max_concurrency", "must be >= 1");
      !status.ok()) {
    return status;
  }
  if (arm == "retriever") {
    return Require(!database_url.empty(), "database_url (OCTO_DATABASE_URL)",
                   "required by retriever");
  }
  if (arm == "executor") return absl::OkStatus();
  if (arm == "planner") {
    return Require(planner_max_steps >= 1 && planner_max_steps <= kMaxPlanSteps,
                   "planner_max_steps", absl::StrCat("must be between 1 and ", kMaxPlanSteps));
  }
  if (arm == "judge") {
    return Require(judge_min_coverage > 0 && judge_min_coverage <= 1, "judge_min_coverage",
                   "must be in (0, 1]");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "arm: unknown kind \"", arm, "\" (available: retriever, executor, planner, judge)"));
}

}  // namespace octo::arms
