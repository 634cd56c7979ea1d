// Shared pieces of the octo::store integration tests: a per-test migrated database, and raw SQL
// for setting up situations the API cannot (old tasks, expired leases).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "octo/store/migrations.h"
#include "octo/store/pg_pool.h"
#include "octo/testing/postgres_server.h"
#include "octo/testing/status_macros.h"

namespace octo::store::testing {

// Runs `sql` (one or more statements, committed) and returns the first column of each row of
// the last result as text; NULL reads as "<null>".
inline std::vector<std::string> Sql(const std::string& dsn, const std::string& sql) {
  pqxx::connection conn(dsn);
  pqxx::work tx(conn);
  pqxx::result r = tx.exec(sql);
  tx.commit();
  std::vector<std::string> out;
  for (const auto& row : r) out.push_back(row[0].is_null() ? "<null>" : row[0].c_str());
  return out;
}

// A fresh database per test with the embedded migrations applied and a pool on it.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OCTO_ASSIGN_OR_FAIL(dsn_, octo::testing::PostgresServer::Shared().CreateDatabase());
    OCTO_ASSERT_OK(ApplyMigrations(dsn_, EmbeddedMigrations()));
    OCTO_ASSIGN_OR_FAIL(pool_, OpenPgPool(PgPoolOptions{.dsn = dsn_, .size = 8}));
  }

  std::string dsn_;
  std::shared_ptr<PgPool> pool_;
};

}  // namespace octo::store::testing
