// Schema migrations: numbered SQL files applied in order, once, under an advisory lock.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace octo::store {

struct Migration {
  int version = 0;   // from the file name NNNN_name.sql
  std::string name;  // "name"
  std::string sql;
};

// The migrations in migrations/ at build time, ascending by version.
const std::vector<Migration>& EmbeddedMigrations();

// Applies the migrations newer than the database's, each in its own transaction, while
// holding a session advisory lock so concurrent migrators wait for each other. Records each
// in schema_migrations(version, name, applied_at). Returns the versions applied.
// FAILED_PRECONDITION if the database has a version this list does not know (newer schema).
absl::StatusOr<std::vector<int>> ApplyMigrations(const std::string& dsn,
                                                 const std::vector<Migration>& migrations);

}  // namespace octo::store
