// The whole system over gRPC: reflex → orchestrator → arms, with real Postgres and Redis.
#include "octo/testing/lighthouse_corpus.h"
#include "system_fixture.h"

namespace octo {
namespace {

using ::testing::HasSubstr;

TEST_F(SystemTest, TaskTravelsTheWholeWayAndRepeatIsACacheHit) {
  v1::IngestDocumentsResponse stored;
  auto ingest_context = Context(/*with_tenant=*/true);
  ASSERT_TRUE(
      operations_->IngestDocuments(ingest_context.get(), testing::LighthouseGuide(), &stored).ok());
  EXPECT_EQ(stored.stored(), 1);

  v1::TaskSpec spec;
  spec.set_goal(testing::kLighthouseQuestion);
  v1::SubmitTaskResponse first = Submit(spec);
  ASSERT_FALSE(first.task().id().empty());
  EXPECT_FALSE(first.cache_hit());
  EXPECT_TRUE(first.created());

  std::vector<v1::TaskEvent> events = WatchAll(first.task().id());
  ASSERT_FALSE(events.empty());
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].seq(), static_cast<int64_t>(i + 1));
  EXPECT_EQ(events.back().state(), v1::TASK_STATE_SUCCEEDED);

  v1::GetTaskRequest get;
  get.set_task_id(first.task().id());
  v1::Task task;
  auto get_context = Context();
  ASSERT_TRUE(tasks_->GetTask(get_context.get(), get, &task).ok());
  EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED);
  ASSERT_EQ(task.steps_size(), 1);
  EXPECT_EQ(task.steps(0).capability(), "retrieve");
  EXPECT_EQ(task.steps(0).state(), v1::STEP_STATE_SUCCEEDED);
  EXPECT_THAT(task.steps(0).arm(), HasSubstr(absl::StrCat(retriever_->grpc_port)));
  EXPECT_THAT(task.result().text(), HasSubstr("Lighthouse keeping"));
  ASSERT_EQ(task.result().output().retrieval().passages_size(), 1);
  EXPECT_EQ(task.result().output().retrieval().passages(0).external_id(), "guide/lighthouses");

  // Watching from a later sequence number replays only the tail.
  std::vector<v1::TaskEvent> tail = WatchAll(first.task().id(), events.back().seq());
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].seq(), events.back().seq());

  const double submits_before = MetricSum(Metrics(*orchestrator_), "grpc_server_handled_total",
                                          "grpc_method=\"SubmitTask\"");
  v1::SubmitTaskResponse again = Submit(spec);
  EXPECT_TRUE(again.cache_hit());
  EXPECT_EQ(again.task().id(), first.task().id());
  EXPECT_EQ(again.task().result().text(), task.result().text());
  const double submits_after = MetricSum(Metrics(*orchestrator_), "grpc_server_handled_total",
                                         "grpc_method=\"SubmitTask\"");
  EXPECT_EQ(submits_after, submits_before) << "the cache hit reached the orchestrator";
  EXPECT_GE(MetricSum(Metrics(*reflex_), "octo_reflex_cache_requests_total", "result=\"hit\""), 1);
}

TEST_F(SystemTest, TraceIdTravelsFromClientToArm) {
  constexpr char kTraceId[] = "5c0ffee0123456789abcdef012345678";
  v1::SubmitTaskRequest request;
  request.mutable_spec()->set_goal("trace me");
  request.mutable_spec()->mutable_exec()->set_program("echo");
  request.mutable_spec()->mutable_exec()->add_args("traced");
  v1::SubmitTaskResponse response;
  auto context = Context();
  context->AddMetadata("traceparent", absl::StrCat("00-", kTraceId, "-00f067aa0ba902b7-01"));
  ASSERT_TRUE(tasks_->SubmitTask(context.get(), request, &response).ok());
  ASSERT_EQ(WatchAll(response.task().id()).back().state(), v1::TASK_STATE_SUCCEEDED);
  // Every hop logs with the client's trace id: the orchestrator (its log line may follow the
  // final event by a moment) and the arm.
  const std::string wanted = absl::StrCat("\"trace_id\":\"", kTraceId, "\"");
  for (const Service* s : {orchestrator_, executor_}) {
    const std::string& path = s->log_path;
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (ReadFile(path).find(wanted) == std::string::npos && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    EXPECT_THAT(ReadFile(path), HasSubstr(wanted)) << path;
  }
}

TEST_F(SystemTest, CancelStopsARunningStep) {
  v1::TaskSpec spec;
  spec.set_goal("wait a long time");
  spec.mutable_exec()->set_program("sleep");
  spec.mutable_exec()->add_args("60");
  v1::SubmitTaskResponse submitted = Submit(spec);
  const std::string id = submitted.task().id();

  // Wait until the step runs on the executor.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  bool running = false;
  while (!running && absl::Now() < deadline) {
    v1::GetTaskRequest get;
    get.set_task_id(id);
    v1::Task task;
    auto context = Context();
    ASSERT_TRUE(tasks_->GetTask(context.get(), get, &task).ok());
    running = task.steps_size() == 1 && task.steps(0).state() == v1::STEP_STATE_RUNNING;
    if (!running) absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(running) << "the step never started";

  const absl::Time cancelled_at = absl::Now();
  v1::CancelTaskRequest cancel;
  cancel.set_task_id(id);
  v1::Task after;
  auto context = Context();
  ASSERT_TRUE(tasks_->CancelTask(context.get(), cancel, &after).ok());
  std::vector<v1::TaskEvent> events = WatchAll(id);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().state(), v1::TASK_STATE_CANCELLED);
  // The 60 s program was stopped, not waited for.
  EXPECT_LT(absl::Now() - cancelled_at, absl::Seconds(30));

  v1::GetTaskRequest get;
  get.set_task_id(id);
  v1::Task task;
  auto get_context = Context();
  ASSERT_TRUE(tasks_->GetTask(get_context.get(), get, &task).ok());
  EXPECT_EQ(task.state(), v1::TASK_STATE_CANCELLED);
  EXPECT_EQ(task.steps(0).state(), v1::STEP_STATE_CANCELLED);
}

TEST_F(SystemTest, BadGoalsAreInvalidArgument) {
  for (const std::string& goal : {std::string(""), std::string("   "), std::string(10'001, 'x')}) {
    v1::SubmitTaskRequest request;
    request.mutable_spec()->set_goal(goal);
    v1::SubmitTaskResponse response;
    auto context = Context();
    grpc::Status status = tasks_->SubmitTask(context.get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << "goal of " << goal.size();
    EXPECT_THAT(status.error_message(), HasSubstr("spec.goal"));
  }
  v1::SubmitTaskRequest bad_utf8;
  bad_utf8.mutable_spec()->set_goal("fine");
  bad_utf8.mutable_spec()->set_context("\x07 bell");
  v1::SubmitTaskResponse response;
  auto context = Context();
  grpc::Status status = tasks_->SubmitTask(context.get(), bad_utf8, &response);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("spec.context"));
}

TEST_F(SystemTest, UnknownTaskIsNotFound) {
  for (const std::string& id : {std::string("7f1c9a4e-0000-4000-8000-000000000000"),
                                std::string("not-a-uuid")}) {
    v1::GetTaskRequest get;
    get.set_task_id(id);
    v1::Task task;
    auto context = Context();
    EXPECT_EQ(tasks_->GetTask(context.get(), get, &task).error_code(), grpc::NOT_FOUND) << id;
  }
  v1::CancelTaskRequest cancel;
  cancel.set_task_id("7f1c9a4e-0000-4000-8000-000000000000");
  v1::Task task;
  auto context = Context();
  EXPECT_EQ(tasks_->CancelTask(context.get(), cancel, &task).error_code(), grpc::NOT_FOUND);
}

TEST_F(SystemTest, AnotherTenantsTaskIsNotFound) {
  v1::TaskSpec spec;
  spec.set_goal("tenant isolation check");
  const std::string id = Submit(spec).task().id();
  v1::GetTaskRequest get;
  get.set_task_id(id);
  v1::Task task;
  grpc::ClientContext context;
  context.AddMetadata(rpc::kTenantHeader, "someone-else");
  EXPECT_EQ(direct_->GetTask(&context, get, &task).error_code(), grpc::NOT_FOUND);
  grpc::ClientContext no_tenant;
  EXPECT_EQ(direct_->GetTask(&no_tenant, get, &task).error_code(), grpc::UNAUTHENTICATED);
}

TEST_F(SystemTest, ListShowsTheCallersTasks) {
  v1::TaskSpec spec;
  spec.set_goal("list me");
  const std::string id = Submit(spec).task().id();
  v1::ListTasksRequest request;
  request.set_page_size(500);
  v1::ListTasksResponse response;
  auto context = Context();
  ASSERT_TRUE(tasks_->ListTasks(context.get(), request, &response).ok());
  bool found = false;
  for (const auto& task : response.tasks()) found = found || task.id() == id;
  EXPECT_TRUE(found);
}

TEST_F(SystemTest, EveryServiceIsHealthyAndCountsItsCalls) {
  // Make sure each service has handled at least one call.
  v1::TaskSpec spec;
  spec.set_goal("count the calls");
  spec.mutable_exec()->set_program("echo");
  spec.mutable_exec()->add_args("counted");
  v1::SubmitTaskResponse submitted = Submit(spec);
  std::vector<v1::TaskEvent> events = WatchAll(submitted.task().id());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().state(), v1::TASK_STATE_SUCCEEDED);

  for (Service* service : {reflex_, orchestrator_, retriever_, executor_}) {
    auto health = grpc::health::v1::Health::NewStub(Channel(service->grpc_port));
    grpc::health::v1::HealthCheckResponse response;
    auto context = Context();
    ASSERT_TRUE(health->Check(context.get(), grpc::health::v1::HealthCheckRequest(), &response).ok())
        << service->name;
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service->name;
  }
  const std::string reflex = Metrics(*reflex_);
  EXPECT_GE(MetricSum(reflex, "grpc_server_handled_total",
                      "grpc_method=\"SubmitTask\",grpc_code=\"OK\""), 1);
  EXPECT_GE(MetricSum(reflex, "grpc_client_handled_total", "grpc_method=\"SubmitTask\""), 1);
  EXPECT_GE(MetricSum(Metrics(*orchestrator_), "grpc_server_handled_total",
                      "grpc_method=\"SubmitTask\",grpc_code=\"OK\""), 1);
  EXPECT_GE(MetricSum(Metrics(*executor_), "grpc_server_handled_total",
                      "grpc_method=\"Execute\",grpc_code=\"OK\""), 1);
  EXPECT_GE(MetricSum(Metrics(*retriever_), "grpc_server_handled_total",
                      "grpc_method=\"Describe\""), 1);
  EXPECT_GT(MetricSum(Metrics(*orchestrator_), "octo_orchestrator_tasks_finished_total",
                      "state=\"SUCCEEDED\""), 0);
}

}  // namespace
}  // namespace octo
