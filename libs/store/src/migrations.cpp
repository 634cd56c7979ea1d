#include "octo/store/migrations.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "pg.h"

namespace octo::store {
namespace {

// Key of the session advisory lock serialising migrators ("octomigr" in ASCII).
constexpr int64_t kMigrationLockKey = 0x6f63746f6d696772;

absl::Status CheckOrdered(const std::vector<Migration>& migrations) {
  int previous = 0;
  for (const Migration& m : migrations) {
    if (m.version <= previous) {
      return absl::InvalidArgumentError(
          absl::StrCat("migrations must have ascending positive versions; got ", m.version,
                       " after ", previous));
    }
    previous = m.version;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<int>> ApplyMigrations(const std::string& dsn,
                                                 const std::vector<Migration>& migrations) {
  if (absl::Status s = CheckOrdered(migrations); !s.ok()) return s;
  auto conn = Connect(dsn);
  if (!conn.ok()) return conn.status();
  pqxx::connection& c = **conn;

  // The lock is tied to the session: closing the connection (also on error) releases it.
  std::set<int> applied;
  try {
    pqxx::nontransaction tx(c);
    tx.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "  version integer PRIMARY KEY,"
        "  name text NOT NULL,"
        "  applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& row : tx.exec("SELECT version FROM schema_migrations")) {
      applied.insert(row[0].as<int>());
    }
  } catch (...) {
    return StatusFromCurrentException();
  }

  std::set<int> known;
  for (const Migration& m : migrations) known.insert(m.version);
  std::vector<int> unknown;
  for (int v : applied) {
    if (!known.contains(v)) unknown.push_back(v);
  }
  if (!unknown.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the database has schema versions this binary does not know: ",
                     absl::StrJoin(unknown, ", "), " (a newer release migrated it)"));
  }

  std::vector<int> done;
  for (const Migration& m : migrations) {
    if (applied.contains(m.version)) continue;
    try {
      pqxx::work tx(c);
      tx.exec(m.sql);
      tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version,
                     m.name);
      tx.commit();
    } catch (...) {
      absl::Status s = StatusFromCurrentException();
      return absl::Status(s.code(),
                          absl::StrCat("migration ", m.version, "_", m.name, ": ", s.message()));
    }
    done.push_back(m.version);
  }

  try {
    pqxx::nontransaction tx(c);
    tx.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
  } catch (...) {
    // Closing the connection releases the lock anyway.
  }
  return done;
}

}  // namespace octo::store
