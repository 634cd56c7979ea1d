#include "octo/store/migrations.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "octo/testing/postgres_server.h"
#include "octo/testing/subprocess.h"
#include "store_test_support.h"

namespace octo::store {
namespace {

using ::octo::store::testing::Sql;
using ::octo::testing::PostgresServer;

std::string FreshDatabase() {
  auto dsn = PostgresServer::Shared().CreateDatabase();
  EXPECT_TRUE(dsn.ok()) << dsn.status();
  return dsn.value_or("");
}

TEST(Migrations, EmbeddedListStartsWithInit) {
  const auto& migrations = EmbeddedMigrations();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations[0].version, 1);
  EXPECT_EQ(migrations[0].name, "init");
  EXPECT_NE(migrations[0].sql.find("CREATE TABLE tasks"), std::string::npos);
  for (size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_LT(migrations[i - 1].version, migrations[i].version);
  }
}

TEST(Migrations, AppliesOnceAndRecordsEachVersion) {
  const std::string dsn = FreshDatabase();
  auto first = ApplyMigrations(dsn, EmbeddedMigrations());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->size(), EmbeddedMigrations().size());
  EXPECT_EQ(first->front(), 1);

  EXPECT_EQ(Sql(dsn, "SELECT name FROM schema_migrations WHERE version = 1"),
            std::vector<std::string>{"init"});
  EXPECT_EQ(Sql(dsn,
                "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM "
                "information_schema.tables WHERE table_schema = 'public'"),
            std::vector<std::string>{
                "api_keys,documents,llm_spend,schema_migrations,spend_limits,task_events,task_steps,"
                "tasks,tenants"});

  auto second = ApplyMigrations(dsn, EmbeddedMigrations());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->empty());
}

TEST(Migrations, AppliesOnlyVersionsTheDatabaseLacks) {
  const std::string dsn = FreshDatabase();
  ASSERT_TRUE(ApplyMigrations(dsn, EmbeddedMigrations()).ok());
  std::vector<Migration> next = EmbeddedMigrations();
  next.push_back({1000, "extra", "CREATE TABLE extra (id int PRIMARY KEY);"});

  auto applied = ApplyMigrations(dsn, next);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(*applied, std::vector<int>{1000});
  EXPECT_EQ(Sql(dsn, "SELECT count(*) FROM extra"), std::vector<std::string>{"0"});
}

TEST(Migrations, FailedMigrationIsRolledBackAndNotRecorded) {
  const std::string dsn = FreshDatabase();
  std::vector<Migration> broken = EmbeddedMigrations();
  broken.push_back(
      {1000, "broken", "CREATE TABLE half (id int); SELECT no_such_column FROM half;"});

  auto applied = ApplyMigrations(dsn, broken);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.status().message().find("1000_broken"), std::string::npos) << applied.status();
  EXPECT_EQ(Sql(dsn, "SELECT count(*) FROM schema_migrations WHERE version = 1000"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(Sql(dsn, "SELECT to_regclass('half')::text"), std::vector<std::string>{"<null>"});
  // The earlier migrations stayed applied.
  EXPECT_EQ(Sql(dsn, "SELECT count(*) FROM schema_migrations WHERE version = 1"),
            std::vector<std::string>{"1"});
}

TEST(Migrations, ConcurrentMigratorsApplyEachVersionOnce) {
  const std::string dsn = FreshDatabase();
  constexpr int kMigrators = 6;
  std::vector<absl::StatusOr<std::vector<int>>> results(kMigrators, std::vector<int>{});
  std::vector<std::thread> threads;
  for (int i = 0; i < kMigrators; ++i) {
    threads.emplace_back([&, i] { results[i] = ApplyMigrations(dsn, EmbeddedMigrations()); });
  }
  for (auto& t : threads) t.join();

  size_t total = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    total += r->size();
  }
  EXPECT_EQ(total, EmbeddedMigrations().size());
  EXPECT_EQ(Sql(dsn, "SELECT count(*) FROM schema_migrations"),
            std::vector<std::string>{std::to_string(EmbeddedMigrations().size())});
}

TEST(Migrations, UnknownNewerVersionIsFailedPrecondition) {
  const std::string dsn = FreshDatabase();
  ASSERT_TRUE(ApplyMigrations(dsn, EmbeddedMigrations()).ok());
  Sql(dsn, "INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')");

  auto applied = ApplyMigrations(dsn, EmbeddedMigrations());
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kFailedPrecondition) << applied.status();
  EXPECT_NE(applied.status().message().find("9999"), std::string::npos);
}

TEST(Migrations, UnreachableServerIsUnavailable) {
  const int port = octo::testing::PickFreePort();
  auto applied =
      ApplyMigrations("postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/postgres",
                      EmbeddedMigrations());
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kUnavailable) << applied.status();
}

TEST(Migrations, RejectsUnorderedList) {
  const std::string dsn = FreshDatabase();
  auto applied = ApplyMigrations(dsn, {{2, "b", "SELECT 1"}, {1, "a", "SELECT 1"}});
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace octo::store
