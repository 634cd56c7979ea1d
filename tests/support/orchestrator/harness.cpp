#include "harness.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "octo/rpc/metadata.h"
#include "octo/store/memory_task_repository.h"
#include "octo/store/migrations.h"
#include "octo/testing/postgres_server.h"
#include "octo/testing/task_client.h"

namespace octo::orchestrator::testing {

TaskStore TaskStoreFromEnvironment() {
  const char* store = std::getenv("OCTO_TEST_TASK_STORE");
  if (store == nullptr || absl::string_view(store).empty() || absl::string_view(store) == "memory") {
    return TaskStore::kMemory;
  }
  if (absl::string_view(store) == "postgres") return TaskStore::kPostgres;
  ADD_FAILURE() << "OCTO_TEST_TASK_STORE=" << store << ": expected memory or postgres";
  std::abort();
}

void OrchestratorTest::SetUp() {
  if (store_ == TaskStore::kMemory) {
    memory_ = store::NewInMemoryTaskRepository();
    return;
  }
  auto dsn = octo::testing::PostgresServer::Shared().CreateDatabase();
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  dsn_ = *dsn;
  auto applied = store::ApplyMigrations(dsn_, store::EmbeddedMigrations());
  ASSERT_TRUE(applied.ok()) << applied.status();
}

void OrchestratorTest::TearDown() {
  for (auto& r : replicas_) r->replica->Shutdown();
  replicas_.clear();
}

ReplicaOptions OrchestratorTest::DefaultOptions(const std::vector<std::string>& arms) const {
  ReplicaOptions options;
  options.drain_timeout = absl::Milliseconds(200);
  options.max_sync_threads = 64;
  options.arms.endpoints = arms;
  options.arms.refresh_interval = absl::Milliseconds(200);
  options.arms.describe_timeout = absl::Milliseconds(500);
  options.engine.max_tasks = 8;
  options.engine.lease = absl::Seconds(5);
  options.engine.poll_interval = absl::Milliseconds(100);
  options.engine.run.step_timeout = absl::Seconds(10);
  options.engine.run.retry.initial_backoff = absl::Milliseconds(5);
  options.engine.run.retry.max_backoff = absl::Milliseconds(50);
  options.task_service.watch_poll = absl::Milliseconds(200);
  return options;
}

TestReplica& OrchestratorTest::StartReplica(const std::vector<std::string>& arms,
                                            const std::function<void(ReplicaOptions&)>& tweak,
                                            std::unique_ptr<cache::Cache> result_cache) {
  ReplicaOptions options = DefaultOptions(arms);
  if (tweak) tweak(options);
  auto r = std::make_unique<TestReplica>();
  r->metrics = std::make_shared<prometheus::Registry>();
  absl::StatusOr<TaskBackend> backend = TaskBackend{.tasks = memory_};
  if (store_ == TaskStore::kPostgres) backend = OpenPostgresBackend(dsn_, 8);
  EXPECT_TRUE(backend.ok()) << backend.status();
  if (!backend.ok()) std::abort();  // nothing sensible can follow
  auto started = Replica::Start(options, *std::move(backend), std::move(result_cache), r->metrics);
  EXPECT_TRUE(started.ok()) << started.status();
  if (!started.ok()) std::abort();  // nothing sensible can follow
  r->replica = *std::move(started);
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", r->replica->port()),
                                     grpc::InsecureChannelCredentials());
  r->tasks = v1::TaskService::NewStub(channel);
  r->operations = v1::Operations::NewStub(channel);
  replicas_.push_back(std::move(r));
  return *replicas_.back();
}

std::unique_ptr<grpc::ClientContext> OrchestratorTest::Context(const std::string& tenant) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  if (!tenant.empty()) context->AddMetadata(rpc::kTenantHeader, tenant);
  return context;
}

namespace {
octo::testing::TaskClient Client(const TestReplica& r, const std::string& tenant) {
  return octo::testing::TaskClient(absl::StrCat("127.0.0.1:", r.replica->port()), tenant);
}
}  // namespace

absl::StatusOr<v1::SubmitTaskResponse> OrchestratorTest::Submit(TestReplica& r,
                                                                const v1::TaskSpec& spec,
                                                                const std::string& tenant,
                                                                const std::string& key) {
  return Client(r, tenant).Submit(spec, key);
}

absl::StatusOr<v1::Task> OrchestratorTest::Get(TestReplica& r, const std::string& id,
                                               const std::string& tenant) {
  return Client(r, tenant).Get(id);
}

absl::StatusOr<std::vector<v1::TaskEvent>> OrchestratorTest::Watch(TestReplica& r,
                                                                   const std::string& id,
                                                                   int64_t from_seq,
                                                                   absl::Duration timeout,
                                                                   const std::string& tenant) {
  return Client(r, tenant).Watch(id, from_seq, timeout);
}

v1::Task OrchestratorTest::RunToEnd(TestReplica& r, const std::string& id, absl::Duration timeout) {
  auto events = Watch(r, id, 0, timeout);
  EXPECT_TRUE(events.ok()) << events.status();
  auto task = Get(r, id);
  EXPECT_TRUE(task.ok()) << task.status();
  return task.value_or(v1::Task());
}

v1::Task OrchestratorTest::SubmitAndRun(TestReplica& r, const v1::TaskSpec& spec,
                                        absl::Duration timeout) {
  auto submitted = Submit(r, spec);
  EXPECT_TRUE(submitted.ok()) << submitted.status();
  if (!submitted.ok()) return v1::Task();
  return RunToEnd(r, submitted->task().id(), timeout);
}

OrchestratorTest::WatchedRun OrchestratorTest::SubmitAndWatch(TestReplica& r,
                                                              const v1::TaskSpec& spec,
                                                              absl::Duration timeout) {
  WatchedRun run;
  auto submitted = Submit(r, spec);
  EXPECT_TRUE(submitted.ok()) << submitted.status();
  if (!submitted.ok()) return run;
  auto events = Watch(r, submitted->task().id(), 0, timeout);
  EXPECT_TRUE(events.ok()) << events.status();
  if (events.ok()) run.events = *std::move(events);
  auto task = Get(r, submitted->task().id());
  EXPECT_TRUE(task.ok()) << task.status();
  if (task.ok()) run.task = *std::move(task);
  return run;
}

void OrchestratorTest::WaitForArms(TestReplica& r, int healthy, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  int seen = 0;
  while (absl::Now() < deadline) {
    seen = 0;
    for (const auto& status : r.replica->arms().List()) seen += status.healthy();
    if (seen >= healthy) return;
    absl::SleepFor(absl::Milliseconds(20));
  }
  FAIL() << "only " << seen << " of " << healthy << " arms became healthy";
}

const v1::Step& StepById(const v1::Task& task, const std::string& id) {
  for (const auto& step : task.steps()) {
    if (step.id() == id) return step;
  }
  ADD_FAILURE() << "no step " << id << " in " << task.ShortDebugString();
  return v1::Step::default_instance();
}

std::vector<std::string> StepIds(const v1::Task& task) {
  std::vector<std::string> ids;
  for (const auto& step : task.steps()) ids.push_back(step.id());
  return ids;
}

v1::TaskSpec Spec(const std::string& goal, const std::vector<std::string>& capabilities) {
  v1::TaskSpec spec;
  spec.set_goal(goal);
  for (const auto& c : capabilities) spec.add_required_capabilities(c);
  return spec;
}

}  // namespace octo::orchestrator::testing
