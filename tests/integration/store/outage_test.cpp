// Notifications, and how the store behaves when Postgres is slow, full or gone. This binary
// kills and restarts its (own) server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "octo/store/notification_listener.h"
#include "octo/store/pg_pool.h"
#include "octo/store/task_repository.h"
#include "octo/testing/subprocess.h"
#include "store_test_support.h"

namespace octo::store {
namespace {

using ::octo::store::testing::StoreTest;
using ::octo::testing::PostgresServer;

constexpr char kTenant[] = "tenant-a";

// Collects notifications delivered by a NotificationListener.
class Inbox {
 public:
  NotificationListener::Callback Callback() {
    return [this](absl::string_view channel, absl::string_view payload) {
      absl::MutexLock lock(&mu_);
      received_.emplace_back(std::string(channel), std::string(payload));
    };
  }

  // Waits until (channel, payload) has arrived.
  bool WaitFor(const std::string& channel, const std::string& payload,
               absl::Duration timeout = absl::Seconds(10)) {
    auto arrived = [&] {
      for (const auto& r : received_) {
        if (r.first == channel && r.second == payload) return true;
      }
      return false;
    };
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&arrived), timeout);
  }

 private:
  absl::Mutex mu_;
  std::vector<std::pair<std::string, std::string>> received_ ABSL_GUARDED_BY(mu_);
};

class OutageTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (HasFatalFailure()) return;
    OCTO_ASSIGN_OR_FAIL(repo_, NewPgTaskRepository(pool_));
  }

  v1::Task Create(const std::string& goal) {
    v1::TaskSpec spec;
    spec.set_goal(goal);
    auto created = repo_->Create(NewTask{kTenant, "", spec, ""});
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->task : v1::Task();
  }

  std::unique_ptr<TaskRepository> repo_;
};

TEST_F(OutageTest, ListenerReceivesTaskNotifications) {
  Inbox inbox;
  OCTO_ASSIGN_OR_FAIL(
      auto listener,
      StartNotificationListener(dsn_, {kTaskReadyChannel, kTaskEventChannel, kTaskCancelChannel},
                                inbox.Callback()));
  const v1::Task task = Create("goal");
  EXPECT_TRUE(inbox.WaitFor(kTaskReadyChannel, task.id()));

  OCTO_ASSERT_OK(repo_->Claim("w", absl::Seconds(30), 1));
  EXPECT_TRUE(inbox.WaitFor(kTaskEventChannel, task.id()));

  OCTO_ASSERT_OK(repo_->RequestCancel(kTenant, task.id(), "stop"));
  EXPECT_TRUE(inbox.WaitFor(kTaskCancelChannel, task.id()));
}

TEST_F(OutageTest, NotificationsCarryTheLowerCaseTaskId) {
  const v1::Task task = Create("goal");
  OCTO_ASSERT_OK(repo_->Claim("w", absl::Seconds(30), 1));
  Inbox inbox;
  OCTO_ASSIGN_OR_FAIL(
      auto listener,
      StartNotificationListener(dsn_, {kTaskEventChannel, kTaskCancelChannel}, inbox.Callback()));
  const std::string upper = absl::AsciiStrToUpper(task.id());
  TaskUpdate update;
  update.task_id = upper;
  update.lease_owner = "w";
  update.events.emplace_back().set_kind(v1::TASK_EVENT_KIND_STEP_STARTED);
  OCTO_ASSERT_OK(repo_->Apply(update));
  EXPECT_TRUE(inbox.WaitFor(kTaskEventChannel, task.id()));
  OCTO_ASSERT_OK(repo_->RequestCancel(kTenant, upper, "stop"));
  EXPECT_TRUE(inbox.WaitFor(kTaskCancelChannel, task.id()));
}

TEST_F(OutageTest, ListenerIgnoresOtherChannelsAndStopsWithinASecond) {
  Inbox inbox;
  OCTO_ASSIGN_OR_FAIL(auto listener,
                      StartNotificationListener(dsn_, {kTaskCancelChannel}, inbox.Callback()));
  const v1::Task task = Create("goal");
  EXPECT_FALSE(inbox.WaitFor(kTaskReadyChannel, task.id(), absl::Milliseconds(500)));

  const absl::Time start = absl::Now();
  listener.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

TEST_F(OutageTest, ListenerFailsFastWhenTheServerIsUnreachable) {
  const std::string dsn =
      "postgresql://postgres@127.0.0.1:" + std::to_string(octo::testing::PickFreePort()) + "/x";
  Inbox inbox;
  auto listener = StartNotificationListener(dsn, {kTaskReadyChannel}, inbox.Callback());
  EXPECT_EQ(listener.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(OutageTest, PoolOpenFailsWhenTheServerIsUnreachable) {
  const std::string dsn =
      "postgresql://postgres@127.0.0.1:" + std::to_string(octo::testing::PickFreePort()) + "/x";
  EXPECT_EQ(OpenPgPool(PgPoolOptions{.dsn = dsn, .size = 2}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(OpenPgPool(PgPoolOptions{.dsn = dsn_, .size = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(OutageTest, AcquireTimesOutWhenEveryConnectionIsBusy) {
  OCTO_ASSIGN_OR_FAIL(auto small_pool,
                      OpenPgPool(PgPoolOptions{
                          .dsn = dsn_, .size = 1, .acquire_timeout = absl::Milliseconds(200)}));
  OCTO_ASSIGN_OR_FAIL(auto repo, NewPgTaskRepository(small_pool));
  const v1::Task task = Create("goal");

  // Hold the task's row lock elsewhere so that a cancel blocks on it, keeping the pool's only
  // connection busy.
  pqxx::connection blocker(dsn_);
  pqxx::work lock_tx(blocker);
  lock_tx.exec("SELECT 1 FROM tasks WHERE id = '" + task.id() + "' FOR UPDATE");
  absl::Status cancel_status = absl::UnknownError("not run");
  std::thread cancel([&] { cancel_status = repo->RequestCancel(kTenant, task.id(), "").status(); });
  absl::SleepFor(absl::Milliseconds(300));  // let it take the connection and block

  const absl::Time start = absl::Now();
  auto got = repo->Get(kTenant, task.id());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable) << got.status();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));

  lock_tx.abort();
  cancel.join();
  EXPECT_TRUE(cancel_status.ok()) << cancel_status;
  OCTO_ASSERT_OK(repo->Get(kTenant, task.id()));  // the connection came back
}

TEST_F(OutageTest, ListenerAndPoolRecoverAfterAServerCrash) {
  Inbox inbox;
  OCTO_ASSIGN_OR_FAIL(auto listener,
                      StartNotificationListener(dsn_, {kTaskReadyChannel}, inbox.Callback()));
  const v1::Task before = Create("before");
  ASSERT_TRUE(inbox.WaitFor(kTaskReadyChannel, before.id()));

  PostgresServer::Shared().Kill();
  // Backends exit as soon as they notice the postmaster is gone.
  absl::Status down;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(5);
       down.code() != absl::StatusCode::kUnavailable && absl::Now() < deadline;) {
    down = repo_->Get(kTenant, before.id()).status();
  }
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  OCTO_ASSERT_OK(PostgresServer::Shared().Restart());

  // Reconnected: the listener says so with an empty notification...
  EXPECT_TRUE(inbox.WaitFor("", "", absl::Seconds(20)));
  // ...and the pool replaces its broken connections on the next calls.
  OCTO_ASSIGN_OR_FAIL(v1::Task got, repo_->Get(kTenant, before.id()));
  EXPECT_EQ(got.id(), before.id());
  const v1::Task after = Create("after");
  EXPECT_TRUE(inbox.WaitFor(kTaskReadyChannel, after.id()));
  // Every pooled connection was stale; all of them recover.
  for (int i = 0; i < 20; ++i) OCTO_ASSERT_OK(repo_->Get(kTenant, after.id()));
}

}  // namespace
}  // namespace octo::store
