// The TaskRepository contract tests against the Postgres adapter, one fresh database per test.
// Its notifications and its behaviour in outages are tested in outage_test.cpp.
#include "octo/store/task_repository.h"

#include <gtest/gtest.h>

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "octo/store/migrations.h"
#include "octo/store/pg_pool.h"
#include "octo/testing/postgres_server.h"
#include "octo/testing/task_repository_contract.h"
#include "store_test_support.h"

namespace octo::store {
namespace {

using ::octo::store::testing::Sql;
using ::octo::testing::StoredTaskState;
using ::octo::testing::TaskRepositoryAdapter;
using ::octo::testing::TaskRepositoryContractTest;
using ::octo::testing::TaskRepositoryHarness;

// A timestamptz literal for `t`, exact to the microsecond.
std::string SqlTime(absl::Time t) {
  return absl::StrCat("('epoch'::timestamptz + ", absl::ToUnixMicros(t),
                      " * interval '1 microsecond')");
}

// Time passes for real (leases in the tests are short); old tasks are made, and what the
// interface does not return is read, with SQL.
class PgHarness final : public TaskRepositoryHarness {
 public:
  static absl::StatusOr<std::unique_ptr<TaskRepositoryHarness>> Make() {
    auto dsn = octo::testing::PostgresServer::Shared().CreateDatabase();
    if (!dsn.ok()) return dsn.status();
    auto migrated = ApplyMigrations(*dsn, EmbeddedMigrations());
    if (!migrated.ok()) return migrated.status();
    auto pool = OpenPgPool(PgPoolOptions{.dsn = *dsn, .size = 8});
    if (!pool.ok()) return pool.status();
    auto repo = NewPgTaskRepository(*std::move(pool));
    if (!repo.ok()) return repo.status();
    return std::make_unique<PgHarness>(*std::move(dsn), *std::move(repo));
  }

  PgHarness(std::string dsn, std::unique_ptr<TaskRepository> repo)
      : dsn_(std::move(dsn)), repo_(std::move(repo)) {}

  TaskRepository& Repository() override { return *repo_; }

  void LetTimePass(absl::Duration duration) override { absl::SleepFor(duration); }

  void Backdate(const std::string& id, absl::Duration age) override {
    Sql(dsn_, absl::StrCat("UPDATE tasks SET created_at = now() - interval '",
                           absl::ToInt64Microseconds(age), " microseconds' WHERE id = '", id, "'"));
  }

  void SetCreatedAt(const std::vector<std::string>& ids, absl::Time created_at) override {
    Sql(dsn_, absl::StrCat("UPDATE tasks SET created_at = ", SqlTime(created_at), " WHERE id IN ('",
                           absl::StrJoin(ids, "','"), "')"));
  }

  StoredTaskState Stored(const std::string& id) override {
    pqxx::connection conn(dsn_);
    pqxx::nontransaction tx(conn);
    pqxx::result r = tx.exec_params(
        "SELECT priority, lease_owner, lease_expires_at IS NOT NULL, cancel_requested "
        "FROM tasks WHERE id = $1::uuid",
        id);
    StoredTaskState stored;
    if (r.empty()) {
      ADD_FAILURE() << "no task " << id;
      return stored;
    }
    stored.priority = r[0][0].as<int>();
    if (!r[0][1].is_null()) stored.lease_owner = r[0][1].c_str();
    stored.has_lease_expiry = r[0][2].as<bool>();
    stored.cancel_requested = r[0][3].as<bool>();
    return stored;
  }

  int64_t TaskCount() override { return std::stoll(Sql(dsn_, "SELECT count(*) FROM tasks")[0]); }
  int64_t EventCount() override {
    return std::stoll(Sql(dsn_, "SELECT count(*) FROM task_events")[0]);
  }

 private:
  const std::string dsn_;
  std::unique_ptr<TaskRepository> repo_;
};

INSTANTIATE_TEST_SUITE_P(Postgres, TaskRepositoryContractTest,
                         ::testing::Values(TaskRepositoryAdapter{"Postgres", &PgHarness::Make}),
                         ::octo::testing::TaskRepositoryAdapterName);

}  // namespace
}  // namespace octo::store
