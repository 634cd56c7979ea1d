// Two real orchestrator processes share one database; one is killed with SIGKILL while 200
// multi-step tasks are in flight. The survivor takes over within the lease time, every task
// ends SUCCEEDED exactly once, and no step that was checkpointed ran again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <map>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fake_arm.h"
#include "grpcpp/create_channel.h"
#include "octo/rpc/metadata.h"
#include "octo/store/migrations.h"
#include "octo/testing/postgres_server.h"
#include "octo/testing/subprocess.h"
#include "octo/v1/task_service.grpc.pb.h"

namespace octo::orchestrator::testing {
namespace {

using octo::testing::PickFreePort;
using octo::testing::Subprocess;

constexpr int kTasks = 200;
constexpr absl::Duration kLease = absl::Seconds(2);

struct Orchestrator {
  int port = 0;
  Subprocess process;
};

class CrashRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dsn = octo::testing::PostgresServer::Shared().CreateDatabase();
    ASSERT_TRUE(dsn.ok()) << dsn.status();
    dsn_ = *dsn;
    ASSERT_TRUE(store::ApplyMigrations(dsn_, store::EmbeddedMigrations()).ok());
  }

  Orchestrator Launch(const std::string& name, const std::string& arm) {
    const int port = PickFreePort();
    std::vector<std::string> argv{OCTO_ORCHESTRATOR_BIN,
                                  absl::StrCat("--listen=127.0.0.1:", port),
                                  absl::StrCat("--metrics_listen=127.0.0.1:", PickFreePort()),
                                  "--database_url=" + dsn_,
                                  "--arms=" + arm,
                                  "--migrate=false",
                                  "--workers=64",
                                  absl::StrCat("--lease=", absl::FormatDuration(kLease)),
                                  "--poll_interval=100ms",
                                  "--arm_refresh=200ms",
                                  "--log_level=warn"};
    octo::testing::SpawnOptions options;
    options.log_path = absl::StrCat(logs_.path(), "/", name, ".log");
    auto process = Subprocess::Spawn(argv, options);
    EXPECT_TRUE(process.ok()) << process.status();
    EXPECT_TRUE(octo::testing::WaitForPort(port, absl::Seconds(30)).ok()) << options.log_path;
    return Orchestrator{port, *std::move(process)};
  }

  int64_t Count(const std::string& sql) {
    pqxx::connection conn(dsn_);
    pqxx::read_transaction tx(conn);
    return tx.exec1(sql)[0].as<int64_t>();
  }

  // (task, step) of every step stored as SUCCEEDED now.
  std::set<std::pair<std::string, std::string>> CheckpointedSteps() {
    pqxx::connection conn(dsn_);
    pqxx::read_transaction tx(conn);
    std::set<std::pair<std::string, std::string>> done;
    for (const auto& row : tx.exec("SELECT task_id::text, step FROM task_steps")) {
      pqxx::binarystring bytes(row[1]);
      v1::Step step;
      EXPECT_TRUE(step.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
      if (step.state() == v1::STEP_STATE_SUCCEEDED) done.insert({row[0].c_str(), step.id()});
    }
    return done;
  }

  std::string dsn_;
  octo::testing::TempDir logs_;
};

TEST_F(CrashRecoveryTest, ASurvivorFinishesEveryTaskExactlyOnce) {
  auto arm = FakeArm::Start({.capabilities = {"a", "b", "c"}});
  arm->SetHandler([](const v1::ExecuteRequest&) {
    thread_local absl::BitGen gen;
    Behavior b;
    b.delay = absl::Milliseconds(absl::Uniform(gen, 100, 300));
    return b;
  });
  Orchestrator victim = Launch("victim", arm->target());
  Orchestrator survivor = Launch("survivor", arm->target());

  // Everything is submitted through the survivor; both claim.
  auto stub = v1::TaskService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", survivor.port), grpc::InsecureChannelCredentials()));
  std::vector<std::string> ids;
  for (int i = 0; i < kTasks; ++i) {
    v1::SubmitTaskRequest request;
    request.mutable_spec()->set_goal(absl::StrCat("task ", i));
    for (const char* cap : {"a", "b", "c"}) request.mutable_spec()->add_required_capabilities(cap);
    v1::SubmitTaskResponse response;
    grpc::ClientContext context;
    context.AddMetadata(rpc::kTenantHeader, "crash");
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    ASSERT_TRUE(stub->SubmitTask(&context, request, &response).ok());
    ids.push_back(response.task().id());
  }

  // Mid-run: a quarter of the step calls made.
  ASSERT_TRUE(arm->WaitForCalls(kTasks * 3 / 4, absl::Seconds(30)));
  const std::string victim_lease =
      absl::StrCat("lease_owner LIKE '%:", victim.process.pid(), ":%'");
  victim.process.Signal(SIGKILL);
  ASSERT_TRUE(victim.process.Wait(absl::Seconds(10)).ok());
  const absl::Time killed = absl::Now();
  // Nothing the dead replica wrote can change now, and its leases have not run out yet.
  const auto checkpointed = CheckpointedSteps();
  const int64_t orphaned =
      Count("SELECT count(*) FROM tasks WHERE state IN (2, 3) AND " + victim_lease);
  ASSERT_GT(orphaned, 0) << "the killed replica held no task";

  // The survivor takes the orphans over once their leases run out.
  absl::Time taken_over = absl::InfiniteFuture();
  while (absl::Now() - killed < absl::Seconds(20)) {
    if (Count("SELECT count(*) FROM tasks WHERE " + victim_lease) == 0) {
      taken_over = absl::Now();
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_LT(taken_over, absl::InfiniteFuture()) << "orphaned tasks were never taken over";
  // Leases run out at most kLease after the kill; then one claim poll (100 ms) and a claim.
  EXPECT_LE(taken_over - killed, kLease + absl::Milliseconds(1500));

  const absl::Time deadline = absl::Now() + absl::Seconds(40);
  while (Count("SELECT count(*) FROM tasks WHERE state NOT IN (4, 5, 6)") > 0 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(Count("SELECT count(*) FROM tasks WHERE state = 4"), kTasks);
  // Exactly one SUCCEEDED transition per task, and gapless event numbers.
  EXPECT_EQ(Count("SELECT count(*) FROM task_events WHERE kind = 1 AND state = 4"), kTasks);
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT task_id FROM task_events GROUP BY task_id "
                  "HAVING count(*) <> max(seq) OR min(seq) <> 1) gaps"),
            0);

  // A step checkpointed before the crash never ran again; a step interrupted by the crash
  // ran at most once more; every step ran.
  int rerun = 0;
  for (const std::string& id : ids) {
    for (const char* step : {"s1", "s2", "s3"}) {
      const int calls = arm->calls_for(id, step);
      EXPECT_GE(calls, 1) << id << " " << step;
      EXPECT_LE(calls, 2) << id << " " << step;
      if (checkpointed.contains({id, step})) {
        EXPECT_EQ(calls, 1) << "checkpointed step ran again: " << id << " " << step;
      }
      rerun += calls - 1;
    }
  }
  EXPECT_LE(rerun, orphaned);  // at most one interrupted step per orphaned task
  std::cout << "orphaned " << orphaned << " tasks, " << checkpointed.size()
            << " steps checkpointed at the kill, " << rerun << " steps re-run, taken over in "
            << absl::FormatDuration(taken_over - killed) << "\n";
  survivor.process.Stop(absl::Seconds(10));
}

}  // namespace
}  // namespace octo::orchestrator::testing
