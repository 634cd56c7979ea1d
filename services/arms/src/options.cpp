#include "src/options.h"

#include "src/planner/planner.h"

namespace octo::arms {

void Options::Bind(common::ConfigBinder& binder) {
  binder.Bind("arm", "OCTO_ARM", &arm,
              "arm kind: retriever | executor | planner | judge | answerer | coder");
  process.Bind(binder, {.env_prefix = "OCTO_ARM"});
  binder.Bind("database_url", "OCTO_DATABASE_URL", &database_url,
              "Postgres DSN (retriever; model arms: spend limits and ledger, with --redis)");
  binder.Bind("redis", "OCTO_REDIS_ADDR", &redis,
              "Redis host:port (model arms: spend limit totals, with --database_url)");
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
  binder.Bind("llm_provider", "OCTO_LLM_PROVIDER", &llm.provider,
              "language model: offline | openai | anthropic (planner, answerer, judge, coder)");
  binder.Bind("llm_base_url", "OCTO_LLM_BASE_URL", &llm.base_url,
              "provider URL without /v1; empty: the provider's public endpoint");
  binder.Bind("llm_model", "OCTO_LLM_MODEL", &llm.model, "model name, required with a provider");
  binder.Bind("llm_api_key", "OCTO_LLM_API_KEY", &llm.api_key,
              "provider key (prefer the variable); falls back to OPENAI_API_KEY / ANTHROPIC_API_KEY");
  binder.Bind("llm_max_concurrency", "OCTO_LLM_MAX_CONCURRENCY", &llm.max_concurrency,
              "model calls at once; more wait in a queue");
  binder.Bind("llm_max_queue", "OCTO_LLM_MAX_QUEUE", &llm.max_queue,
              "model calls waiting for a slot before RESOURCE_EXHAUSTED");
  binder.Bind("llm_max_attempts", "OCTO_LLM_MAX_ATTEMPTS", &llm.max_attempts,
              "tries per model call on 429/5xx/connection errors");
  binder.Bind("llm_catalog", "OCTO_LLM_CATALOG", &llm_catalog,
              "model catalog JSON file: prices, tiers, endpoints and fallback chains, reread "
              "when it changes; empty: the built-in prices and the one OCTO_LLM_* model");
  binder.Bind("answer_max_tokens", "OCTO_ANSWER_MAX_TOKENS", &answer_max_tokens,
              "most tokens of one answer (answerer)");
  binder.Bind("code_max_tokens", "OCTO_CODE_MAX_TOKENS", &code_max_tokens,
              "most tokens of one piece of code (coder)");
  binder.Bind("code_max_repairs", "OCTO_CODE_MAX_REPAIRS", &code_max_repairs,
              "repair requests with the checker's diagnostics, at most (coder)");
  binder.Bind("plan_max_tokens", "OCTO_PLAN_MAX_TOKENS", &plan_max_tokens,
              "most tokens of one plan written by a model (planner)");
}

absl::Status Options::ValidateModel() const {
  llm::ProviderConfig with_key = llm;  // as ArmModel::Open will see it
  llm::ApplyKeyFallback(with_key);
  if (absl::Status valid = with_key.Validate(); !valid.ok()) return valid;
  // Spend limits need both: the ledger is their truth, Redis their running totals.
  if (!with_key.offline() && database_url.empty() != redis.empty()) {
    return absl::InvalidArgumentError(
        "database_url (OCTO_DATABASE_URL) and redis (OCTO_REDIS_ADDR): spend limits need both, "
        "or neither to call models without them");
  }
  return absl::OkStatus();
}

namespace {

// The first error of `checks`, in order, or OK.
absl::Status FirstError(std::initializer_list<absl::Status> checks) {
  for (const absl::Status& status : checks) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace

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
  if (arm == "executor" || arm == "guardian") return absl::OkStatus();
  if (arm == "planner") {
    return FirstError(
        {Require(planner_max_steps >= 1 && planner_max_steps <= kMaxPlanSteps,
                 "planner_max_steps", absl::StrCat("must be between 1 and ", kMaxPlanSteps)),
         Require(plan_max_tokens >= 1, "plan_max_tokens", "must be >= 1"), ValidateModel()});
  }
  if (arm == "judge") {
    return FirstError({Require(judge_min_coverage > 0 && judge_min_coverage <= 1,
                               "judge_min_coverage", "must be in (0, 1]"),
                       ValidateModel()});
  }
  if (arm == "coder") {
    return FirstError({Require(code_max_tokens >= 1, "code_max_tokens", "must be >= 1"),
                       Require(code_max_repairs >= 0 && code_max_repairs <= 10,
                               "code_max_repairs", "must be between 0 and 10"),
                       Require(llm.provider != "offline", "llm_provider (OCTO_LLM_PROVIDER)",
                               "the coder needs a language model: openai or anthropic"),
                       ValidateModel()});
  }
  if (arm == "answerer") {
    return FirstError(
        {Require(answer_max_tokens >= 1, "answer_max_tokens", "must be >= 1"), ValidateModel()});
  }
  return absl::InvalidArgumentError(absl::StrCat("arm: unknown kind \"", arm,
                                                 "\" (available: retriever, executor, planner, "
                                                 "judge, answerer, coder, guardian)"));
}

}  // namespace octo::arms
