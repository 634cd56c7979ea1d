// A tenant's spend limit set with `octoctl admin set-limit` holds across two reflexes, two
// orchestrators and two answerers: tasks run until the next model call could cross it, then
// fail with ERROR_REASON_SPEND_LIMIT naming the limit and its reset; what the ledger says was
// spent never passes it; a Redis that lost its totals does not reset them; and removing the
// limit lets tasks run again.
#include <pqxx/pqxx>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "octo/testing/http.h"
#include "octo/testing/llm_stand_in.h"
#include "octo/testing/system.h"
#include "octo/testing/task_client.h"
#include "octo/v1/operations.grpc.pb.h"

namespace octo {
namespace {

using ::testing::HasSubstr;
using testing::LlmReply;
using testing::ServiceProcess;
using testing::System;

constexpr double kLimitUsd = 0.002;

// Answers from the first source the prompt lists, citing it; 150 tokens in, 40 out.
LlmReply AnswerFromFirstSource(const testing::LlmRecordedRequest& request) {
  LlmReply reply;
  reply.input_tokens = 150;
  reply.output_tokens = 40;
  const std::optional<std::string> id = testing::FirstSourceId(request.body);
  if (!id) {
    reply.text = "NO_ANSWER";
    return reply;
  }
  reply.text = absl::StrCat("The reflex checks every request before the orchestrator sees it [",
                            *id, "].");
  return reply;
}

std::string Describe(const v1::Task& task) {
  return absl::StrCat(v1::TaskState_Name(task.state()), " ",
                      v1::ErrorReason_Name(task.error().reason()), ": ", task.error().message());
}

class SpendLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    auto llm = testing::LlmStandIn::Start();
    ASSERT_TRUE(llm.ok()) << llm.status();
    llm_ = *std::move(llm);
    llm_->SetResponder(&AnswerFromFirstSource);
    auto started = System::Start({OCTO_ARM_BIN, OCTO_ORCHESTRATOR_BIN, OCTO_REFLEX_BIN,
                                  OCTO_OCTOCTL_BIN});
    ASSERT_TRUE(started.ok()) << started.status();
    system_ = *std::move(started);
    const std::map<std::string, std::string> model = {{"OCTO_LLM_PROVIDER", "openai"},
                                                      {"OCTO_LLM_MODEL", "gpt-4o-mini"},
                                                      {"OCTO_LLM_BASE_URL", llm_->base_url()},
                                                      {"OCTO_LLM_MAX_ATTEMPTS", "1"}};
    answerers_ = {&system_->Arm("answerer", {}, model), &system_->Arm("answerer", {}, model)};
    std::vector<const ServiceProcess*> arms = {&system_->Arm("retriever"),
                                               &system_->Arm("planner"), answerers_[0],
                                               answerers_[1]};
    for (int i = 0; i < 2; ++i) {
      ServiceProcess& orchestrator = system_->Orchestrator(arms);
      ASSERT_TRUE(system_->WaitForHealthyArms(orchestrator, 4).ok()) << system_->logs();
      reflexes_.push_back(
          std::make_unique<testing::TaskClient>(system_->Reflex(orchestrator).address()));
      if (i == 0) orchestrator_ = &orchestrator;
    }
    Ingest();
  }

  void TearDown() override {
    if (system_ != nullptr) {
      EXPECT_THAT(system_->StopAll(), ::testing::IsEmpty()) << "logs: " << system_->logs();
    }
  }

  void Ingest() {
    auto operations = v1::Operations::NewStub(
        grpc::CreateChannel(orchestrator_->address(), grpc::InsecureChannelCredentials()));
    v1::IngestDocumentsRequest ingest;
    v1::Document* document = ingest.add_documents();
    document->set_external_id("reflex.md");
    document->set_title("The reflex");
    document->set_body("The reflex is the ingress. It validates and authenticates every "
                       "request, applies rate limits and answers repeated questions from its "
                       "cache before the orchestrator sees them.");
    v1::IngestDocumentsResponse stored;
    grpc::ClientContext context;
    context.AddMetadata("x-octo-tenant", "dev");
    ASSERT_TRUE(operations->IngestDocuments(&context, ingest, &stored).ok());
  }

  // Asks `n` distinct questions at once, half through each reflex; the tasks once terminal.
  std::vector<v1::Task> AskConcurrently(int n, const std::string& tag) {
    std::vector<v1::Task> tasks(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        v1::TaskSpec spec;
        spec.set_goal(absl::StrCat("What does the reflex check (", tag, " ", i, ")?"));
        testing::TaskClient& client = *reflexes_[i % 2];
        auto submitted = client.Submit(spec);
        if (!submitted.ok()) {
          tasks[i].mutable_error()->set_message(std::string(submitted.status().message()));
          return;
        }
        auto task = client.AwaitTerminal(submitted->task().id());
        if (task.ok()) tasks[i] = *task;
      });
    }
    for (std::thread& t : threads) t.join();
    return tasks;
  }

  // What the ledger holds for tenant "dev": USD spent and calls.
  std::pair<double, int> Ledger() {
    pqxx::connection conn(system_->dsn());
    pqxx::work tx(conn);
    pqxx::row row = tx.exec1(
        "SELECT coalesce(sum(cost_usd), 0), count(*) FROM llm_spend WHERE tenant_id = 'dev'");
    return {row[0].as<double>(), row[1].as<int>()};
  }

  // The sum of a metric over both answerers' /metrics.
  double AnswererMetric(const std::string& name, const std::string& labels) {
    double sum = 0;
    for (const ServiceProcess* answerer : answerers_) {
      auto text = testing::HttpGet(answerer->metrics_port, "/metrics");
      EXPECT_TRUE(text.ok()) << text.status();
      if (text.ok()) sum += testing::MetricSum(*text, name, labels);
    }
    return sum;
  }

  std::unique_ptr<testing::LlmStandIn> llm_;
  std::unique_ptr<System> system_;
  std::vector<const ServiceProcess*> answerers_;
  const ServiceProcess* orchestrator_ = nullptr;
  std::vector<std::unique_ptr<testing::TaskClient>> reflexes_;
};

TEST_F(SpendLimits, ADailyLimitHoldsAcrossReplicasAndSurvivesRedisLosingItsTotals) {
  auto set = system_->Octoctl(
      {"admin", "set-limit", "dev", absl::StrCat("--usd-per-day=", kLimitUsd)});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_THAT(*set, HasSubstr("tenant dev: $0.0020 per day"));

  std::vector<v1::Task> tasks = AskConcurrently(24, "first");
  int succeeded = 0;
  int refused = 0;
  for (const v1::Task& task : tasks) {
    if (task.state() == v1::TASK_STATE_SUCCEEDED) {
      ++succeeded;
      EXPECT_EQ(task.result().provenance().model(), "gpt-4o-mini");
      continue;
    }
    ASSERT_EQ(task.state(), v1::TASK_STATE_FAILED) << Describe(task);
    ASSERT_EQ(task.error().reason(), v1::ERROR_REASON_SPEND_LIMIT) << Describe(task);
    EXPECT_THAT(task.error().message(),
                HasSubstr("\"dev\" reached its spend limit of $0.0020 per day"));
    EXPECT_THAT(task.error().message(), HasSubstr("T00:00:00Z"));  // when it resets
    ++refused;
  }
  // Each answer costs $0.0000465 and is held at ~$0.0003 (512 tokens out at most).
  EXPECT_GE(succeeded, 3);
  EXPECT_GE(refused, 1);
  // Some were refused for what others held at the time; one at a time, the tenant runs until
  // what it spent leaves no room for one more call's estimate.
  bool full = false;
  for (int i = 0; i < 40 && !full; ++i) {
    v1::Task task = AskConcurrently(1, absl::StrCat("one-by-one-", i))[0];
    if (task.state() == v1::TASK_STATE_SUCCEEDED) {
      ++succeeded;
    } else {
      ASSERT_EQ(task.error().reason(), v1::ERROR_REASON_SPEND_LIMIT) << Describe(task);
      full = true;
    }
  }
  ASSERT_TRUE(full);
  auto [spent, calls] = Ledger();
  EXPECT_EQ(calls, succeeded);
  EXPECT_EQ(static_cast<int>(llm_->requests().size()), succeeded)
      << "a refused call reached the model";
  EXPECT_LE(spent, kLimitUsd);
  EXPECT_NEAR(AnswererMetric("octo_llm_spend_usd_total", "tenant=\"dev\""), spent, 1e-9);
  EXPECT_GE(AnswererMetric("octo_spend_refusals_total", "tenant=\"dev\""), refused + 1);

  // Redis loses everything (an empty server on the same port): the totals come back from
  // the ledger, so the tenant is still at its limit.
  // Whether an arm still waits to reconnect (the ledger decides alone then) or has rebuilt
  // its totals from the ledger, the tenant is at its limit.
  ASSERT_TRUE(system_->redis().Restart().ok());
  for (const v1::Task& task : AskConcurrently(4, "after-restart")) {
    EXPECT_EQ(task.error().reason(), v1::ERROR_REASON_SPEND_LIMIT) << Describe(task);
  }
  EXPECT_EQ(Ledger().second, calls);

  auto shown = system_->Octoctl({"admin", "limits", "dev"});
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_THAT(*shown, HasSubstr(absl::StrCat("in ", calls, " calls")));

  // Without the limit, tasks run again.
  ASSERT_TRUE(system_->Octoctl({"admin", "set-limit", "dev", "--usd-per-day=none"}).ok());
  absl::SleepFor(absl::Milliseconds(1500));  // the arms read limits at most 1 s old
  for (const v1::Task& task : AskConcurrently(2, "unlimited")) {
    EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << Describe(task);
  }
}

}  // namespace
}  // namespace octo
