// A fixed-size pool of Postgres connections and the factories of the Postgres-backed stores.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "octo/store/document_repository.h"
#include "octo/store/task_repository.h"

namespace octo::store {

struct PgPoolOptions {
  // libpq connection string or URI, e.g. "postgresql://octo@127.0.0.1:5432/octo".
  std::string dsn;
  // Connections kept open. Default 8.
  int size = 8;
  // How long Acquire waits for a free connection before UNAVAILABLE. Default 5 s.
  absl::Duration acquire_timeout = absl::Seconds(5);
};

class PgPool;  // defined in src/; opaque to users of the store

// Opens the pool (all connections eagerly). UNAVAILABLE when the server cannot be reached;
// INVALID_ARGUMENT for an empty dsn or size < 1. Thread-safe; a connection found broken is
// replaced, so the pool recovers by itself after a database restart. Its connections keep
// one generic plan per prepared statement (plan_cache_mode=force_generic_plan) instead of
// re-planning on every call.
absl::StatusOr<std::shared_ptr<PgPool>> OpenPgPool(const PgPoolOptions& options);

absl::StatusOr<std::unique_ptr<TaskRepository>> NewPgTaskRepository(std::shared_ptr<PgPool> pool);
absl::StatusOr<std::unique_ptr<DocumentRepository>> NewPgDocumentRepository(
    std::shared_ptr<PgPool> pool);

}  // namespace octo::store
