#include "src/options.h"

#include "absl/strings/str_split.h"

namespace octo::orchestrator {

void Options::Bind(common::ConfigBinder& binder) {
  process.Bind(binder, {.env_prefix = "OCTO_ORCHESTRATOR"});
  binder.Bind("database_url", "OCTO_DATABASE_URL", &database_url, "Postgres DSN (required)");
  binder.Bind("database_pool", "OCTO_DATABASE_POOL", &database_pool, "Postgres connections");
  binder.Bind("redis", "OCTO_REDIS_ADDR", &redis,
              "Redis host:port for the result cache (empty: none)");
  binder.Bind("arms", "OCTO_ARMS", &arms, "comma-separated arm gRPC targets");
  binder.Bind("workers", "OCTO_WORKERS", &workers, "tasks run at once by this replica");
  binder.Bind("claim_batch", "OCTO_CLAIM_BATCH", &claim_batch, "most tasks taken by one claim");
  binder.Bind("lease", "OCTO_LEASE", &lease, "task lease length");
  binder.Bind("poll_interval", "OCTO_POLL_INTERVAL", &poll_interval,
              "queue polling when no NOTIFY arrives");
  binder.Bind("step_timeout", "OCTO_STEP_TIMEOUT", &step_timeout,
              "deadline of one arm call (shortened to the task's deadline)");
  binder.Bind("step_attempts", "OCTO_STEP_ATTEMPTS", &step_attempts,
              "attempts per step on retryable errors");
  binder.Bind("retry_backoff", "OCTO_RETRY_BACKOFF", &retry_backoff,
              "first retry delay cap; doubles per attempt, full jitter");
  binder.Bind("retry_max_backoff", "OCTO_RETRY_MAX_BACKOFF", &retry_max_backoff,
              "largest retry delay");
  binder.Bind("max_plan_steps", "OCTO_MAX_PLAN_STEPS", &max_plan_steps,
              "most steps a plan may have");
  binder.Bind("start_write_delay", "OCTO_START_WRITE_DELAY", &start_write_delay,
              "how long a step's start may wait to be stored with what follows (0: before "
              "the call)");
  binder.Bind("max_in_flight_steps", "OCTO_MAX_IN_FLIGHT_STEPS", &max_in_flight_steps,
              "arm calls in flight from this replica");
  binder.Bind("breaker_failures", "OCTO_BREAKER_FAILURES", &breaker_failures,
              "consecutive failures that open an arm endpoint's circuit");
  binder.Bind("breaker_open", "OCTO_BREAKER_OPEN", &breaker_open,
              "how long an open circuit refuses calls before a probe");
  binder.Bind("arm_refresh", "OCTO_ARM_REFRESH", &arm_refresh,
              "health check and Describe interval per arm endpoint");
  binder.Bind("write_flushers", "OCTO_WRITE_FLUSHERS", &write_flushers,
              "group commits written at once");
  binder.Bind("result_ttl", "OCTO_RESULT_TTL", &result_ttl, "result cache entry lifetime");
  binder.Bind("migrate", "OCTO_MIGRATE", &migrate, "apply migrations at start-up");
  binder.Bind("migrate_only", "OCTO_MIGRATE_ONLY", &migrate_only, "apply migrations and exit");
}

absl::Status Options::Validate() const {
  using common::Require;
  const absl::Duration zero = absl::ZeroDuration();
  for (absl::Status status : {
           Require(!database_url.empty(), "database_url (OCTO_DATABASE_URL)", "required"),
           Require(database_pool >= 4, "database_pool", "must be >= 4"),
           Require(workers >= 1, "workers", "must be >= 1"),
           Require(claim_batch >= 1, "claim_batch", "must be >= 1"),
           Require(step_attempts >= 1, "step_attempts", "must be >= 1"),
           Require(lease >= absl::Seconds(1), "lease", "must be >= 1s"),
           Require(poll_interval > zero, "poll_interval", "must be > 0"),
           Require(step_timeout > zero, "step_timeout", "must be > 0"),
           Require(retry_backoff >= zero, "retry_backoff", "must be >= 0"),
           Require(retry_max_backoff >= retry_backoff, "retry_max_backoff",
                   "must be >= retry_backoff"),
           Require(max_plan_steps >= 1, "max_plan_steps", "must be >= 1"),
           Require(start_write_delay >= zero, "start_write_delay", "must be >= 0"),
           Require(max_in_flight_steps >= 1, "max_in_flight_steps", "must be >= 1"),
           Require(breaker_failures >= 1, "breaker_failures", "must be >= 1"),
           Require(breaker_open > zero, "breaker_open", "must be > 0"),
           Require(arm_refresh > zero, "arm_refresh", "must be > 0"),
           Require(write_flushers >= 1, "write_flushers", "must be >= 1"),
       }) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

ReplicaOptions Options::replica() const {
  ReplicaOptions options;
  options.listen = process.listen;
  options.drain_timeout = process.drain_timeout;
  options.arms.endpoints = absl::StrSplit(arms, ',', absl::SkipWhitespace());
  options.arms.refresh_interval = arm_refresh;
  options.arms.max_in_flight = max_in_flight_steps;
  options.arms.breaker.failure_threshold = breaker_failures;
  options.arms.breaker.open_for = breaker_open;
  options.engine.max_tasks = workers;
  options.engine.claim_batch = claim_batch;
  options.engine.lease = lease;
  options.engine.poll_interval = poll_interval;
  options.engine.run.step_timeout = step_timeout;
  options.engine.run.retry.max_attempts = step_attempts;
  options.engine.run.retry.initial_backoff = retry_backoff;
  options.engine.run.retry.max_backoff = retry_max_backoff;
  options.engine.run.max_plan_steps = max_plan_steps;
  options.engine.run.start_write_delay = start_write_delay;
  options.engine.run.result_ttl = result_ttl;
  options.writer.flushers = write_flushers;
  return options;
}

}  // namespace octo::orchestrator
